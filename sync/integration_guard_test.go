package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
)

// addUsers creates n enabled users u0..u(n-1) in the test's OU and returns
// their DNs.
func (h *harness) addUsers(n int) []string {
	h.t.Helper()
	dns := make([]string, n)
	for i := range dns {
		dns[i] = h.addUser(fmt.Sprintf("User %d", i), "", fmt.Sprintf("u%d", i), adtest.DNSDomain, nil)
	}
	return dns
}

// tripped runs the engine, expects exactly the guard named guard to stop
// it, and checks that nothing was written to the tenant.
func (h *harness) tripped(opts RunOptions, guard string) *GuardError {
	h.t.Helper()
	mark := h.mark()
	s, err := h.engine.Run(h.ctx, opts)
	var ge *GuardError
	if !errors.As(err, &ge) || ge.Guard != guard || len(s.Guards) != 1 {
		h.t.Fatalf("run error = %v (guards %+v), want the %q guard alone", err, s.Guards, guard)
	}
	if s.Status != StatusGuard {
		h.t.Errorf("status = %q, want %q", s.Status, StatusGuard)
	}
	if w := h.writesSince(mark); len(w) != 0 {
		h.t.Errorf("a run stopped by a guard wrote %v", w)
	}
	return ge
}

// TestIntegrationGuards trips each guard against the real directory and
// tenant: nothing is written, the error says what tripped, by how much and
// how to override, and the override applies the run.
func TestIntegrationGuards(t *testing.T) {
	t.Run("deletion count", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Sync.DeletionThreshold = 2 })
		users := h.addUsers(4)
		h.run(RunFull)
		anchors := make([]string, len(users))
		for i, dn := range users {
			anchors[i] = h.anchor(dn)
		}
		for _, dn := range users[:3] {
			h.dc.Delete(t, dn)
		}
		ge := h.tripped(RunOptions{}, GuardDeletions)
		if ge.Limit != 2 || ge.Actual != 3 || !strings.Contains(ge.Override, "--allow-deletes=3") {
			t.Errorf("guard = %+v, want limit 2, actual 3, override --allow-deletes=3", ge)
		}
		for _, a := range anchors {
			if !h.hasUser(a) {
				t.Errorf("user %s deleted in Entra despite the guard", a)
			}
		}
		s, err := h.engine.Run(h.ctx, RunOptions{AllowDeletes: 3})
		if err != nil || s.Counts.Deleted != 3 {
			t.Fatalf("run with --allow-deletes=3: %v, deleted %d, want 3", err, s.Counts.Deleted)
		}
		for i, a := range anchors {
			if h.hasUser(a) != (i == 3) {
				t.Errorf("user %d in Entra = %v after the override, want only the one left in AD", i, h.hasUser(a))
			}
		}
	})
	t.Run("deletion percentage", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Sync.DeletionThresholdPercent = 20 })
		users := h.addUsers(10)
		h.run(RunFull)
		for _, dn := range users[:3] {
			h.dc.Delete(t, dn)
		}
		ge := h.tripped(RunOptions{}, GuardDeletionPct)
		if ge.Limit != 20 || ge.Actual != 30 {
			t.Errorf("guard = %+v, want limit 20%%, actual 30%%", ge)
		}
	})
	t.Run("member removals", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Sync.MemberRemovalThreshold = 1 })
		users := h.addUsers(3)
		grp := h.dn("Crew", "")
		h.dc.Add(t, grp, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {h.prefix + "crew"}, "groupType": {"-2147483646"}, "member": users})
		h.run(RunFull)
		h.dc.DeleteValues(t, grp, "member", users[0], users[1])
		ge := h.tripped(RunOptions{}, GuardMemberRemovals)
		if ge.Limit != 1 || ge.Actual != 2 || !strings.Contains(ge.Override, "--allow-member-removals=2") {
			t.Errorf("guard = %+v, want limit 1, actual 2, override --allow-member-removals=2", ge)
		}
		if got := len(h.group(h.anchor(grp)).Members); got != 3 {
			t.Errorf("Crew has %d members in Entra despite the guard, want 3", got)
		}
		if _, err := h.engine.Run(h.ctx, RunOptions{AllowMemberRemovals: 2}); err != nil {
			t.Fatalf("run with --allow-member-removals=2: %v", err)
		}
		if got := h.memberAnchors(h.group(h.anchor(grp))); len(got) != 1 || got[0] != h.anchor(users[2]) {
			t.Errorf("Crew members after the override = %v, want only user 2", got)
		}
	})
	t.Run("empty scope", func(t *testing.T) {
		h := newHarness(t)
		users := h.addUsers(2)
		h.run(RunFull)
		// An administrator points the scope at an OU that holds nothing.
		h.cfg.AD.Scope.Include = []string{h.dc.NewOU(t, "empty")}
		h.rebuild()
		ge := h.tripped(RunOptions{}, GuardPartialImport)
		if ge.Actual != 2 || !strings.Contains(ge.Detail, "no objects") {
			t.Errorf("guard = %+v, want the 2 managed users protected from an import of no objects", ge)
		}
		for _, dn := range users {
			if !h.hasUser(h.anchor(dn)) {
				t.Errorf("%s deleted in Entra despite the guard", dn)
			}
		}
	})
	t.Run("scope OU gone", func(t *testing.T) {
		h := newHarness(t)
		extra := h.dc.NewOU(t, "extra")
		h.cfg.AD.Scope.Include = []string{h.ou, extra}
		h.rebuild()
		h.addUsers(2)
		victim := "CN=Victim," + extra
		h.dc.Add(t, victim, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {h.prefix + "victim"}, "userAccountControl": {"544"}})
		h.run(RunFull)
		anchor := h.anchor(victim)
		h.dc.Delete(t, extra) // the whole OU: its search base no longer exists
		ge := h.tripped(RunOptions{Kind: RunFull}, GuardPartialImport)
		if ge.Override != "" || !strings.Contains(ge.Detail, "ended early") {
			t.Errorf("guard = %+v, want the partial-search guard, without an override", ge)
		}
		if !h.hasUser(anchor) {
			t.Error("the user of the vanished OU was deleted in Entra despite the guard")
		}
	})
	t.Run("bind account changed", func(t *testing.T) {
		h := newHarness(t)
		users := h.addUsers(3)
		h.run(RunFull)
		acct := connectorAccount(t, h)
		h.bind.Username, h.bind.Password = acct.DownLevelName, acct.Password
		h.cfg.AD.BindUser = acct.DownLevelName
		h.rebuild()
		h.dc.Delete(t, users[0])
		ge := h.tripped(RunOptions{}, GuardPartialImport)
		if !strings.Contains(ge.Detail, "bind account") || !strings.Contains(ge.Detail, acct.SAMAccountName) {
			t.Errorf("guard detail = %q, want it to name the changed bind account %s", ge.Detail, acct.SAMAccountName)
		}
		if !h.hasUser(h.anchor(users[1])) {
			t.Error("users deleted in Entra despite the guard")
		}
	})
}

// connectorAccount creates a non-admin connector account, as setup does,
// and removes it when the test ends.
func connectorAccount(t *testing.T, h *harness) ad.ConnectorAccount {
	t.Helper()
	c, err := ad.Dial(h.ctx, ad.Options{Host: h.dc.Host, CAFile: h.dc.CAFile, Username: h.dc.AdminUPN, Password: h.dc.AdminPassword, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	acct, err := c.CreateConnectorAccount(h.ctx, ad.ConnectorAccountOptions{})
	if err != nil {
		t.Fatalf("create a connector account: %v", err)
	}
	t.Cleanup(func() {
		c, err := ad.Dial(context.Background(), ad.Options{Host: h.dc.Host, CAFile: h.dc.CAFile, Username: h.dc.AdminUPN, Password: h.dc.AdminPassword, Logger: quiet})
		if err != nil {
			t.Errorf("remove the connector account: %v", err)
			return
		}
		defer c.Close()
		if err := c.RemoveConnectorAccount(context.Background(), acct); err != nil {
			t.Errorf("remove the connector account: %v", err)
		}
	})
	return acct
}
