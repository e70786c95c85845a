package sync

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
)

// TestIntegrationStaging runs in staging mode: the engine imports and plans
// the whole company, and the emulator's request log shows reads only.
func TestIntegrationStaging(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Sync.StagingMode = true })
	h.seed("company.ldif")
	before := len(h.srv.Users())

	mark := h.mark()
	s := h.run(RunFull)
	if s.Status != StatusStaged || s.Counts.Planned != 11 || s.Counts.Created != 0 {
		t.Errorf("staging run: status %q, %d planned, %d created; want staged, 11 planned (9 creates, members of 2 groups), 0 created", s.Status, s.Counts.Planned, s.Counts.Created)
	}
	p, _, err := h.engine.Plan(h.ctx, RunOptions{Kind: RunFull})
	if err != nil {
		t.Fatalf("plan in staging mode: %v", err)
	}
	if p.Counts.Creates != 9 || p.Counts.MemberAdds != 4 {
		t.Errorf("staging plan counts %+v; want 9 creates and 4 member adds", p.Counts)
	}
	for _, r := range h.srv.Requests()[mark:] {
		if r.Method != "GET" && !isTokenRequest(r) {
			t.Errorf("staging mode sent %s %s (batch item %q), want reads only", r.Method, r.Path, r.BatchItem)
		}
	}
	if n := h.srv.WriteCount(); n != 0 {
		t.Errorf("the emulator counted %d writes in staging mode", n)
	}
	if after := len(h.srv.Users()); after != before || len(h.srv.Groups()) != len(entratest.DefaultTenant().Groups) {
		t.Errorf("the tenant has %d users and %d groups after staging, want %d and %d", after, len(h.srv.Groups()), before, len(entratest.DefaultTenant().Groups))
	}

	// Leaving staging mode applies the same plan.
	h.cfg.Sync.StagingMode = false
	h.rebuild()
	if s := h.run(RunFull); s.Counts.Created != 9 {
		t.Errorf("after staging: created %d, want 9", s.Counts.Created)
	}
}

// TestIntegrationDrift edits synced attributes in the cloud: a delta run
// (which reads the store, not the tenant) leaves the edits, a full run
// reports them and puts the AD values back. Cloud-only users are never
// touched, however many runs go by.
func TestIntegrationDrift(t *testing.T) {
	h := newHarness(t)
	h.seed("company.ldif")
	cloud := map[string]entratest.Object{}
	for _, u := range h.srv.Users() {
		cloud[u.ID] = u
	}
	h.run(RunFull)

	ann := h.user(h.anchor(h.dn("Ann Archer", "Staff")))
	leads := h.group(h.anchor(h.dn("Leads", "Groups")))
	edits := []struct{ path, prop, value string }{
		{"/users/" + ann.ID, "jobTitle", "Chief Tinkerer"},
		{"/users/" + ann.ID, "accountEnabled", ""}, // false: a boolean below
		{"/groups/" + leads.ID, "displayName", "Leads (renamed in the portal)"},
	}
	for _, e := range edits {
		var v any = e.value
		if e.prop == "accountEnabled" {
			v = false
		}
		if status, body := h.srv.Do("PATCH", e.path, map[string]any{e.prop: v}); status != 204 {
			t.Fatalf("PATCH %s %s: %d %v", e.path, e.prop, status, body)
		}
	}

	if s := h.run(RunDelta); s.Counts.Planned != 0 {
		t.Errorf("delta run planned %d changes, want none: it compares with the store, not with the tenant", s.Counts.Planned)
	}
	s := h.run(RunFull)
	if s.Counts.Drifted != 2 {
		t.Errorf("full run: %d drifted objects, want 2 (Ann, Leads)", s.Counts.Drifted)
	}
	if w, ok := warning(s, WarnDrift); !ok || w.Count != 2 {
		t.Errorf("warnings %+v: want %s for 2 objects", s.Warnings, WarnDrift)
	}
	ann, _ = h.srv.Object(ann.ID)
	leads, _ = h.srv.Object(leads.ID)
	if ann.String("jobTitle") != "CTO" || !ann.Bool("accountEnabled") || leads.String("displayName") != "Leads" {
		t.Errorf("after the full run: Ann jobTitle %q enabled %v, group %q; want CTO, true, Leads", ann.String("jobTitle"), ann.Bool("accountEnabled"), leads.String("displayName"))
	}

	for id, before := range cloud {
		after, ok := h.srv.Object(id)
		if !ok || !maps.EqualFunc(before.Properties, after.Properties, func(a, b any) bool { return sameJSON(a, b) }) {
			t.Errorf("cloud-only user %s changed: %v, then %v", before.String("userPrincipalName"), before.Properties, after.Properties)
		}
	}
	for _, r := range h.srv.Requests() {
		for id := range cloud {
			if r.Method != "GET" && strings.Contains(r.Path, id) {
				t.Errorf("%s %s touched cloud-only user %s", r.Method, r.Path, cloud[id].String("userPrincipalName"))
			}
		}
	}
}

// sameJSON compares two decoded JSON values.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, sameJSON)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && maps.EqualFunc(x, y, sameJSON)
	}
	return a == b
}

// TestIntegrationSoftMatch adopts, by explicit choice (sync.softMatch),
// a cloud user with the UPN of an AD user: the cloud user gets the anchor
// and the AD values instead of a duplicate being created. Without the
// choice the cloud user is left alone.
func TestIntegrationSoftMatch(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Sync.SoftMatch = []string{AttrUserPrincipalName} })
	upn := h.upn("lou", "corp.example.com")
	cloudID := h.cloudUser(upn, "Lou (cloud)")
	lou := h.addUser("Lou Lane", "", "lou", "corp.example.com", map[string][]string{"title": {"Pilot"}})

	s := h.run(RunFull)
	u := h.user(h.anchor(lou))
	if s.Counts.Adopted != 1 || u.ID != cloudID || u.String("displayName") != "Lou Lane" || u.String("jobTitle") != "Pilot" {
		t.Errorf("adopted %d; user with the anchor = %s %v, want the cloud user %s with the AD values", s.Counts.Adopted, u.ID, u.Properties, cloudID)
	}
	if mark := h.mark(); h.run(RunFull).Counts.Planned != 0 || len(h.writesSince(mark)) != 0 {
		t.Error("the run after the adoption has changes to make, want none")
	}
}
