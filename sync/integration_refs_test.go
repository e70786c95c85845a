package sync

import (
	"slices"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
)

// TestIntegrationRenamedMember renames group members while the group
// changes: in the same delta, and while the group waits for a retry with
// the member references it was imported with. References carry the
// member's objectGUID (the extended-DN control), so the renamed member
// stays a member in Entra; by DN alone the retry would resolve the old DN
// to nothing and remove it.
func TestIntegrationRenamedMember(t *testing.T) {
	h := newHarness(t)
	u1 := h.addUser("Rita Rename", "", "rita", "example.com", nil)
	u2 := h.addUser("Rob Retry", "", "rob", "example.com", nil)
	u3 := h.addUser("Ray Same", "", "ray", "example.com", nil)
	g := h.dn("Renamers", "")
	h.dc.Add(t, g, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {h.prefix + "renamers"}, "member": {u1}})
	h.run(RunFull)
	ga := h.anchor(g)
	members := func() []string { return h.memberAnchors(h.group(ga)) }
	want := func(dns ...string) []string {
		var out []string
		for _, dn := range dns {
			out = append(out, h.anchor(dn))
		}
		slices.Sort(out)
		return out
	}

	// A member renamed in the same delta as a member added.
	u1 = h.moveDN(u1, "CN=Rita Renamed", "")
	h.dc.AddValues(t, g, "member", u3)
	if s := h.run(RunDelta); s.Counts.MembersAdded != 1 || s.Counts.MembersRemoved != 0 {
		t.Errorf("delta with a renamed member: %d added, %d removed; want 1 and 0", s.Counts.MembersAdded, s.Counts.MembersRemoved)
	}
	if got := members(); !slices.Equal(got, want(u1, u3)) {
		t.Errorf("members after the rename = %v, want Rita and Ray %v", got, want(u1, u3))
	}

	// The group fails (a member add refused), so the next runs retry it
	// from its stored snapshot, while a member is renamed and that rename
	// is recorded.
	gid := h.group(ga).ID
	remove := h.srv.InjectFault(entratest.Fault{Path: "/v1.0/groups/" + gid + "*", Status: 400, Code: "Request_BadRequest", Message: "injected"})
	h.dc.AddValues(t, g, "member", u2)
	for range 2 {
		s, err := h.engine.Run(h.ctx, RunOptions{Trigger: "test"})
		if err != nil || s.ErrorCount != 1 || s.Errors[0].Object != "Renamers" {
			t.Fatalf("run with the group's writes refused: %v, errors %+v; want the group failing", err, s.Errors)
		}
		if u1 != h.dn("Rita Renamed Again", "") {
			u1 = h.moveDN(u1, "CN=Rita Renamed Again", "")
		}
	}
	remove()
	if s := h.run(RunDelta); s.Counts.MembersAdded != 1 || s.Counts.MembersRemoved != 0 {
		t.Errorf("retry after the rename: %d added, %d removed; want Rob added and nobody removed", s.Counts.MembersAdded, s.Counts.MembersRemoved)
	}
	if got := members(); !slices.Equal(got, want(u1, u2, u3)) {
		t.Errorf("members after the retry = %v, want Rita, Rob and Ray %v", got, want(u1, u2, u3))
	}
	if s := h.run(RunFull); s.Counts.Planned != 0 {
		t.Errorf("full run after the retry: %d planned, want nothing", s.Counts.Planned)
	}
}
