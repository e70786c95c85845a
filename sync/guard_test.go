package sync

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckGuards(t *testing.T) {
	lim := guardLimits{deletes: 500, deletePercent: 10, memberRemovals: 500}
	full := importInfo{full: true, objects: 5000, complete: true}
	delta := importInfo{objects: 40, complete: true}
	plan := func(deletes, removes, managed int) *Plan {
		return &Plan{Managed: managed, Counts: PlanCounts{Deletes: deletes, MemberRemoves: removes}}
	}
	tests := []struct {
		name     string
		plan     *Plan
		imp      importInfo
		lim      func(*guardLimits)
		want     string // guard; "" for none
		detail   string
		override string
	}{
		{"nothing to delete", plan(0, 0, 1000), delta, nil, "", "", ""},
		{"under the threshold", plan(50, 0, 10000), delta, nil, "", "", ""},
		{"over the count threshold", plan(600, 0, 100000), delta, nil, GuardDeletions,
			"the run would delete 600 objects, 100 more than sync.deletionThreshold (500)", "entrasync sync --allow-deletes=600"},
		{"count threshold overridden", plan(600, 0, 100000), delta, func(l *guardLimits) { l.allowDeletes = 600 }, "", "", ""},
		{"override too small", plan(600, 0, 100000), delta, func(l *guardLimits) { l.allowDeletes = 599 }, GuardDeletions, "600 objects", "--allow-deletes=600"},
		{"threshold 0 refuses any delete", plan(1, 0, 100000), delta, func(l *guardLimits) { l.deletes = 0 }, GuardDeletions, "1 more than", "--allow-deletes=1"},
		{"over the percentage", plan(20, 0, 100), delta, nil, GuardDeletionPct,
			"the run would delete 20 of 100 managed objects (20.0%), more than sync.deletionThresholdPercent (10%)", "entrasync sync --allow-deletes=20"},
		{"percentage off", plan(20, 0, 100), delta, func(l *guardLimits) { l.deletePercent = 0 }, "", "", ""},
		{"full run override says --full", plan(600, 0, 100000), full, nil, GuardDeletions, "600", "entrasync sync --full --allow-deletes=600"},
		{"member removals", plan(0, 501, 1000), delta, nil, GuardMemberRemovals,
			"the run would remove 501 group memberships, 1 more than sync.memberRemovalThreshold (500)", "entrasync sync --allow-member-removals=501"},
		{"member removals overridden", plan(0, 501, 1000), delta, func(l *guardLimits) { l.allowRemovals = 501 }, "", "", ""},
		{"search ended early", plan(3, 0, 1000), importInfo{full: true, objects: 900, complete: false}, nil, GuardPartialImport, "the directory search ended early", ""},
		{"search ended early cannot be overridden", plan(3, 0, 1000), importInfo{full: true, objects: 900, complete: false},
			func(l *guardLimits) { l.allowDeletes = 1000 }, GuardPartialImport, "ended early", ""},
		{"zero objects", plan(1000, 0, 1000), importInfo{full: true, objects: 0, complete: true}, func(l *guardLimits) { l.deletes = 5000 }, GuardPartialImport,
			"the import returned no objects at all, so all 1000 managed objects would be deleted", "entrasync sync --full --allow-deletes=1000"},
		{"changed DC", plan(2, 0, 1000), importInfo{full: true, objects: 998, complete: true, serverChanged: "the domain controller (dc1, now dc2)"}, nil, GuardPartialImport,
			"the domain controller (dc1, now dc2) changed since the last full import, and 2 objects would be deleted", "entrasync sync --full --allow-deletes=2"},
		{"changed DC without deletes", plan(0, 0, 1000), importInfo{full: true, objects: 1000, complete: true, serverChanged: "x"}, nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lim
			if tt.lim != nil {
				tt.lim(&l)
			}
			got := checkGuards(tt.plan, tt.imp, l)
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("checkGuards = %+v, want none", got)
				}
				return
			}
			if len(got) == 0 || got[0].Guard != tt.want {
				t.Fatalf("checkGuards = %+v, want %s first", got, tt.want)
			}
			g := got[0]
			if !strings.Contains(g.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", g.Detail, tt.detail)
			}
			if !strings.Contains(g.Override, tt.override) || (tt.override == "") != (g.Override == "") {
				t.Errorf("override = %q, want %q", g.Override, tt.override)
			}
			msg := g.Error()
			if !strings.Contains(msg, "nothing was written") || !strings.Contains(msg, "entrasync sync --dry-run") {
				t.Errorf("message %q does not say nothing was written and how to review", msg)
			}
			if tt.override != "" && !strings.Contains(msg, tt.override) {
				t.Errorf("message %q does not name the override %q", msg, tt.override)
			}
		})
	}
}

// TestGuardsStopTheRun trips each guard through the engine: nothing is
// written, the error is a *GuardError, and the override lets it through.
func TestGuardsStopTheRun(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		change   func(*testEnv)
		kind     RunKind
		guard    string
		override RunOptions
	}{
		{"deletion threshold", func(c *Config) { c.Sync.DeletionThreshold = 2 },
			func(env *testEnv) {
				for _, n := range []int{3, 4, 5} {
					env.src.remove(guid(n))
				}
			}, RunDelta, GuardDeletions, RunOptions{AllowDeletes: 3}},
		{"deletion percentage", func(c *Config) { c.Sync.DeletionThresholdPercent = 20 },
			func(env *testEnv) { env.src.remove(guid(3)); env.src.remove(guid(4)) }, RunDelta, GuardDeletionPct, RunOptions{AllowDeletes: 2}},
		{"member removals", func(c *Config) { c.Sync.MemberRemovalThreshold = 1 },
			func(env *testEnv) { env.src.edit(guid(21), func(o *SourceObject) { o.Members = nil }) }, RunDelta, GuardMemberRemovals, RunOptions{AllowMemberRemovals: 3}},
		{"zero objects imported", nil,
			func(env *testEnv) {
				for g := range env.src.objects {
					env.src.remove(g)
				}
			}, RunFull, GuardPartialImport, RunOptions{Kind: RunFull, AllowDeletes: 8}},
		{"changed bind account", nil,
			func(env *testEnv) {
				env.src.server.BindAccount = `CORP\someone-else`
				env.src.remove(guid(3))
			}, RunFull, GuardPartialImport, RunOptions{Kind: RunFull, AllowDeletes: 1}},
		{"changed DC", nil,
			func(env *testEnv) {
				env.src.server.DC = "dc2.corp.example.com"
				env.src.remove(guid(3))
			}, RunFull, GuardPartialImport, RunOptions{Kind: RunFull, AllowDeletes: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*Config)
			if tt.cfg != nil {
				edits = append(edits, tt.cfg)
			}
			env := newTestEnv(t, edits...)
			seedCompany(env.src)
			env.run(RunOptions{})
			env.tgt.takeWrites()
			cursor, _ := env.store.Cursor()
			tt.change(env)

			s, err := env.engine.Run(context.Background(), RunOptions{Kind: tt.kind})
			var g *GuardError
			if !errors.As(err, &g) || !errors.Is(err, ErrGuardTripped) || g.Guard != tt.guard {
				t.Fatalf("Run = %v, want a %s *GuardError", err, tt.guard)
			}
			if s.Status != StatusGuard || len(s.Guards) == 0 || s.Guards[0].Guard != tt.guard {
				t.Errorf("summary status %q guards %+v", s.Status, s.Guards)
			}
			if !IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false: a guard needs a person, not a retry", err)
			}
			if w := env.tgt.takeWrites(); len(w) != 0 {
				t.Errorf("%d writes although the guard tripped", len(w))
			}
			if c, _ := env.store.Cursor(); string(c.Data) != string(cursor.Data) {
				t.Errorf("cursor moved from %q to %q although the guard tripped", cursor.Data, c.Data)
			}
			// Tripping again until someone decides.
			if _, err := env.engine.Run(context.Background(), RunOptions{Kind: tt.kind}); !errors.Is(err, ErrGuardTripped) {
				t.Errorf("second run = %v, want the guard again", err)
			}
			s = env.run(tt.override)
			if s.Status != StatusSuccess {
				t.Errorf("run with %+v = %q (%s)", tt.override, s.Status, s.Error)
			}
		})
	}
}

func TestGuardIncompleteImportHasNoOverride(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.remove(guid(3))
	env.src.incomplete = true
	_, err := env.engine.Run(context.Background(), RunOptions{Kind: RunFull, AllowDeletes: 100})
	var g *GuardError
	if !errors.As(err, &g) || g.Guard != GuardPartialImport || g.Override != "" {
		t.Fatalf("Run = %v, want a partial-import guard without override", err)
	}
	if env.tgt.byUPN("carol@corp.example.com") == nil {
		t.Error("carol deleted on the strength of an incomplete search")
	}
}

func TestDryRunReportsGuards(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.Sync.DeletionThreshold = 0 })
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.remove(guid(3))
	p, s, err := env.engine.Plan(context.Background(), RunOptions{})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if len(p.Blocked) != 1 || p.Blocked[0].Guard != GuardDeletions || len(s.Guards) != 1 {
		t.Errorf("plan.Blocked = %+v, summary guards %+v; want the deletion threshold", p.Blocked, s.Guards)
	}
}
