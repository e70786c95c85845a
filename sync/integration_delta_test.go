package sync

import (
	"slices"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
)

// TestIntegrationDelta changes the directory one way at a time after an
// initial sync and checks that a delta run brings the tenant along:
// create, rename, move within the scope, move out of it and back, UPN
// suffix changes, disable, group members added and removed, delete. It
// runs with each cursor mode (as Administrator, who sees tombstones in
// both).
func TestIntegrationDelta(t *testing.T) {
	for _, mode := range []ad.DeltaMode{ad.ModeDirSync, ad.ModeUSN} {
		t.Run(string(mode), func(t *testing.T) { testDelta(t, mode) })
	}
}

func testDelta(t *testing.T, mode ad.DeltaMode) {
	h := newHarness(t)
	h.forceUSN = mode == ad.ModeUSN
	h.rebuild()
	for _, sub := range []string{"A", "B"} {
		h.dc.Add(t, "OU="+sub+","+h.ou, map[string][]string{"objectClass": {"organizationalUnit"}})
	}
	outside := h.dc.NewOU(t, "outside")
	team := h.dn("Team", "A")
	h.dc.Add(t, team, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {h.prefix + "team"}, "groupType": {"-2147483646"}})
	h.addUser("Hal Hill", "A", "hal", adtest.DNSDomain, nil)
	h.run(RunFull)
	if got := h.cursorMode(); got != mode {
		t.Fatalf("cursor mode after the full run = %s, want %s", got, mode)
	}

	delta := func(t *testing.T) RunSummary {
		t.Helper()
		s := h.run(RunDelta)
		if s.Kind != RunDelta || h.cursorMode() != mode {
			t.Fatalf("run kind = %s, cursor mode %s, want a delta in mode %s", s.Kind, h.cursorMode(), mode)
		}
		return s
	}
	var gil string // Gil's DN as it moves
	var gilID string

	t.Run("create", func(t *testing.T) {
		gil = h.addUser("Gil Green", "A", "gil", adtest.DNSDomain, map[string][]string{"givenName": {"Gil"}})
		s := delta(t)
		u := h.user(h.anchor(gil))
		gilID = u.ID
		if s.Counts.Created != 1 || u.String("userPrincipalName") != h.upn("gil", adtest.DNSDomain) || u.String("givenName") != "Gil" {
			t.Errorf("created %d; Gil in Entra = %v, want one user %s with givenName Gil", s.Counts.Created, u.Properties, h.upn("gil", adtest.DNSDomain))
		}
	})
	t.Run("rename", func(t *testing.T) {
		gil = h.moveDN(gil, "CN=Gil Grey", "")
		h.dc.Replace(t, gil, "displayName", "Gil Grey")
		h.dc.Replace(t, gil, "sn", "Grey")
		delta(t)
		u := h.user(h.anchor(gil))
		if u.ID != gilID || u.String("displayName") != "Gil Grey" || u.String("surname") != "Grey" {
			t.Errorf("after the rename Gil is %s %v, want the same user (%s) with displayName Gil Grey, surname Grey", u.ID, u.Properties, gilID)
		}
	})
	t.Run("move within the scope", func(t *testing.T) {
		gil = h.moveDN(gil, "CN=Gil Grey", "OU=B,"+h.ou)
		mark := h.mark()
		delta(t)
		if u := h.user(h.anchor(gil)); u.ID != gilID {
			t.Errorf("after a move to another OU in scope Gil is %s, want the same user %s", u.ID, gilID)
		}
		if w := h.writesSince(mark); len(w) != 0 {
			t.Errorf("a move within the scope wrote %v, want nothing", w)
		}
	})
	t.Run("move out of the scope", func(t *testing.T) {
		gil = h.moveDN(gil, "CN=Gil Grey", outside)
		s := delta(t)
		if h.hasUser(h.anchor(gil)) || s.Counts.Deleted != 1 {
			t.Errorf("deleted %d; Gil still in Entra: %v, want him deleted after leaving the selected OUs", s.Counts.Deleted, h.hasUser(h.anchor(gil)))
		}
	})
	t.Run("move back into the scope", func(t *testing.T) {
		gil = h.moveDN(gil, "CN=Gil Grey", "OU=A,"+h.ou)
		delta(t)
		if u := h.user(h.anchor(gil)); u.String("displayName") != "Gil Grey" {
			t.Errorf("Gil back in scope = %v, want him in Entra again", u.Properties)
		}
	})
	hal := h.dn("Hal Hill", "A")
	halAnchor := h.anchor(hal)
	initial := h.srv.InitialDomain
	for _, c := range []struct{ name, upn, want string }{
		{"UPN suffix to an unverified domain", h.upn("hal", adtest.AltSuffix), h.prefix + "hal@" + initial},
		{"UPN suffix to a verified domain", h.upn("hal.hill", adtest.DNSDomain), h.upn("hal.hill", adtest.DNSDomain)},
		{"UPN suffix to .local", h.upn("hal", adtest.LocalSuffix), h.prefix + "hal@" + initial},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.dc.Replace(t, hal, "userPrincipalName", c.upn)
			delta(t)
			if got := h.user(halAnchor).String("userPrincipalName"); got != c.want {
				t.Errorf("AD UPN %s: Entra UPN = %q, want %q", c.upn, got, c.want)
			}
		})
	}
	t.Run("disable", func(t *testing.T) {
		h.dc.Replace(t, hal, "userAccountControl", "546")
		delta(t)
		if h.user(halAnchor).Bool("accountEnabled") {
			t.Error("Hal disabled in AD (userAccountControl 546) is enabled in Entra")
		}
	})
	t.Run("group member added", func(t *testing.T) {
		h.dc.AddValues(t, team, "member", hal, gil)
		s := delta(t)
		want := []string{halAnchor, h.anchor(gil)}
		slices.Sort(want)
		if got := h.memberAnchors(h.group(h.anchor(team))); !slices.Equal(got, want) || s.Counts.MembersAdded != 2 {
			t.Errorf("Team members = %v (%d added), want Hal and Gil %v", got, s.Counts.MembersAdded, want)
		}
	})
	t.Run("group member removed", func(t *testing.T) {
		h.dc.DeleteValues(t, team, "member", hal)
		s := delta(t)
		if got, want := h.memberAnchors(h.group(h.anchor(team))), []string{h.anchor(gil)}; !slices.Equal(got, want) || s.Counts.MembersRemoved != 1 {
			t.Errorf("Team members = %v (%d removed), want Gil only %v", got, s.Counts.MembersRemoved, want)
		}
	})
	t.Run("delete", func(t *testing.T) {
		h.dc.Delete(t, hal)
		s := delta(t)
		if h.hasUser(halAnchor) || s.Counts.Deleted != 1 {
			t.Errorf("deleted %d; Hal deleted in AD is still in Entra: %v", s.Counts.Deleted, h.hasUser(halAnchor))
		}
		if got, want := h.memberAnchors(h.group(h.anchor(team))), []string{h.anchor(gil)}; !slices.Equal(got, want) {
			t.Errorf("Team members = %v, want Gil only %v", got, want)
		}
	})

	// The deltas converged: a full run finds nothing to change.
	mark := h.mark()
	if s := h.run(RunFull); s.Counts.Planned != 0 || len(h.writesSince(mark)) != 0 {
		t.Errorf("full run after the deltas planned %d changes and wrote %v, want none", s.Counts.Planned, h.writesSince(mark))
	}
}
