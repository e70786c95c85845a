package sync

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// planLines renders a plan as one compact line per change.
func planLines(p *Plan) []string {
	var out []string
	for i := range p.Changes {
		c := &p.Changes[i]
		line := fmt.Sprintf("%s %s %s", c.Op, c.Kind, c.Name)
		switch c.Op {
		case OpUpdate, OpAdopt:
			for _, k := range c.Attributes.Names() {
				o, n := c.Old[k], c.Attributes[k]
				if k == AttrManager {
					o, n = p.name(o), p.name(n)
				}
				line += fmt.Sprintf(" %s:%q->%q", k, o, n)
			}
		case OpAddMembers, OpRemoveMembers:
			var names []string
			for _, m := range c.Members {
				names = append(names, p.name(m))
			}
			line += " " + strings.Join(names, ",")
		case OpDelete:
			line += " (" + c.Reason + ")"
		}
		out = append(out, line)
	}
	return out
}

func TestPlanner(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		change func(*fakeSource)
		kind   RunKind
		want   []string
	}{
		{"nothing changed", nil, func(*fakeSource) {}, RunDelta, nil},
		{"attribute changed", nil, func(s *fakeSource) { s.edit(guid(1), func(o *SourceObject) { o.Department = "Board" }) }, RunDelta,
			[]string{`update user alice@corp.example.com department:"R&D"->"Board"`}},
		{"attribute cleared", nil, func(s *fakeSource) { s.edit(guid(1), func(o *SourceObject) { o.Title = "" }) }, RunDelta,
			[]string{`update user alice@corp.example.com jobTitle:"CTO"->""`}},
		{"attribute not synced", func(c *Config) { c.Sync.OptionalAttributes = []string{AttrManager} },
			func(s *fakeSource) { s.edit(guid(1), func(o *SourceObject) { o.Department = "Board" }) }, RunDelta, nil},
		{"unmapped attribute changed", nil, func(s *fakeSource) { s.edit(guid(1), func(o *SourceObject) { o.Description = "x" }) }, RunDelta, nil},
		{"manager changed", nil, func(s *fakeSource) { s.edit(guid(2), func(o *SourceObject) { o.Manager = Ref{GUID: guid(4)} }) }, RunDelta,
			[]string{`update user bob@corp.example.com manager:"alice@corp.example.com"->"dave@contoso.onmicrosoft.com"`}},
		{"new user in a group", nil, func(s *fakeSource) {
			s.put(newUser(9, "ivan", "ivan@corp.example.com"))
			s.changeMembers(guid(20), []Ref{{GUID: guid(9)}}, nil)
		}, RunDelta, []string{"create user ivan@corp.example.com", "add-members group Leads ivan@corp.example.com"}},
		{"groups are created before users", nil, func(s *fakeSource) {
			s.put(newUser(9, "aaron", "aaron@corp.example.com"))
			s.put(newGroup(23, "Zeta"))
		}, RunDelta, []string{"create group Zeta", "create user aaron@corp.example.com"}},
		{"deleted and moved out", nil, func(s *fakeSource) {
			s.remove(guid(3))
			s.edit(guid(4), func(o *SourceObject) { o.DN = "CN=dave,OU=Lab,DC=corp,DC=example,DC=com" })
		}, RunDelta, []string{
			"delete user carol@corp.example.com (deleted in Active Directory)",
			"delete user dave@contoso.onmicrosoft.com (left the selected OUs)",
		}},
		{"becomes a critical object", nil, func(s *fakeSource) { s.edit(guid(3), func(o *SourceObject) { o.CriticalSystemObject = true }) }, RunDelta,
			[]string{"delete user carol@corp.example.com (no longer synced: critical system object)"}},
		{"deleted, seen by a full run", nil, func(s *fakeSource) { s.remove(guid(3)) }, RunFull,
			[]string{"delete user carol@corp.example.com (not found in Active Directory)"}},
		{"the duplicate's rival leaves", nil, func(s *fakeSource) { s.remove(guid(5)) }, RunFull, []string{
			`update user EVE@corp.example.com userPrincipalName:"EVE_` + quarantineNumber(t, 6) + `@contoso.onmicrosoft.com"->"EVE@corp.example.com"`,
			"delete user eve@corp.example.com (not found in Active Directory)",
		}},
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
			tt.change(env.src)
			p, _, err := env.engine.Plan(context.Background(), RunOptions{Kind: tt.kind})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if got := planLines(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// quarantineNumber is the NNNN the seed's user n gets when quarantined.
func quarantineNumber(t *testing.T, n int) string {
	m := testMapper(t)
	q := m.quarantineUPN("x", anchorOf(&SourceObject{GUID: guid(n)}, AnchorConsistencyGUID), func(string) bool { return false })
	return q[2:6]
}

func TestSavedPlanAppliedExactly(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CEO" })
	env.src.remove(guid(3))
	p, s, err := env.engine.Plan(context.Background(), RunOptions{SavePlan: true})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if s.PlanID != p.ID || len(p.Changes) != 2 {
		t.Fatalf("plan %s with %d changes (summary plan id %q)", p.ID, len(p.Changes), s.PlanID)
	}
	// Through a file, as `entrasync sync --dry-run --plan FILE` then `--apply FILE`.
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadPlanJSON(&buf)
	if err != nil {
		t.Fatalf("ReadPlanJSON: %v", err)
	}
	env.tgt.takeWrites()
	s = env.run(RunOptions{Plan: saved})
	if s.PlanID != p.ID || s.Counts.Updated != 1 || s.Counts.Deleted != 1 {
		t.Errorf("summary plan %q counts %+v, want the plan's update and delete", s.PlanID, s.Counts)
	}
	if got := env.tgt.byUPN("alice@corp.example.com").Attributes[AttrJobTitle]; got != "CEO" {
		t.Errorf("alice jobTitle = %q", got)
	}
	if _, err := env.store.Plan(p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the applied plan is still saved: %v", err)
	}
}

func TestSavedPlanStale(t *testing.T) {
	tests := []struct {
		name   string
		change func(*testEnv)
		want   string
	}{
		{"the same attribute changed again", func(env *testEnv) { env.src.edit(guid(1), func(o *SourceObject) { o.Title = "Chair" }) },
			`update user alice@corp.example.com now differs: jobTitle would now be "Chair" (plan: "CEO")`},
		{"edited in Entra meanwhile", func(env *testEnv) {
			env.tgt.mutate(env.tgt.byUPN("alice@corp.example.com").ID, func(o *TargetObject) { o.Attributes[AttrJobTitle] = "Portal" })
		}, `jobTitle is now "Portal" in Entra (plan: "CTO")`},
		{"no longer needed", func(env *testEnv) { env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CTO" }) },
			"update user alice@corp.example.com is no longer needed"},
		{"configuration changed", func(env *testEnv) { env.cfg.Sync.OptionalAttributes = []string{AttrJobTitle}; env.newEngine() },
			"the configuration or the tenant's verified domains changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			seedCompany(env.src)
			env.run(RunOptions{})
			env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CEO" })
			p, _, err := env.engine.Plan(context.Background(), RunOptions{Kind: RunFull})
			if err != nil {
				t.Fatal(err)
			}
			tt.change(env)
			env.tgt.takeWrites()
			s, err := env.engine.Run(context.Background(), RunOptions{Plan: p})
			var stale *PlanStaleError
			if !errors.As(err, &stale) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run(stale plan) = %v, want a *PlanStaleError saying %q", err, tt.want)
			}
			if s.Status != StatusStale {
				t.Errorf("status = %q", s.Status)
			}
			if w := env.tgt.takeWrites(); len(w) != 0 {
				t.Errorf("%d writes for a stale plan", len(w))
			}
		})
	}
}

// TestSavedPlanLeavesNewChanges applies a plan while AD has changed other
// objects since: the plan's changes are applied, the others wait for the
// next run (the cursor does not move past them).
func TestSavedPlanLeavesNewChanges(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CEO" })
	p, _, err := env.engine.Plan(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env.src.edit(guid(2), func(o *SourceObject) { o.Title = "Architect" })
	env.tgt.takeWrites()
	s := env.run(RunOptions{Plan: p})
	w := env.tgt.takeWrites()
	if len(w) != 1 || w[0].Attributes[AttrJobTitle] != "CEO" || s.Counts.Updated != 1 {
		t.Fatalf("writes = %+v, want only the plan's update of alice", w)
	}
	s = env.run(RunOptions{})
	if got := env.tgt.byUPN("bob@corp.example.com").Attributes[AttrJobTitle]; got != "Architect" || s.Counts.Updated != 1 {
		t.Errorf("bob jobTitle = %q after the next run (updated %d), want Architect", got, s.Counts.Updated)
	}
}

func TestReadPlanJSONErrors(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"not JSON", "hello", "not a plan file"},
		{"another format", `{"format":"entrasync-plan/99","id":"x"}`, `format "entrasync-plan/99"`},
		{"unknown field", `{"format":"entrasync-plan/1","bogus":1}`, "not a plan file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadPlanJSON(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlanJSON = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPlanTable(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.Sync.DeletionThreshold = 0 })
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CEO"; o.Department = "" })
	env.src.edit(guid(2), func(o *SourceObject) { o.Manager = Ref{GUID: guid(4)} })
	env.src.remove(guid(3))
	env.src.put(newUser(9, "ivan", "ivan@corp.local"))
	env.src.changeMembers(guid(20), []Ref{{GUID: guid(9)}, {GUID: guid(2)}}, []Ref{{GUID: guid(1)}})
	p, _, err := env.engine.Plan(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.ID = "plan-test"
	var buf bytes.Buffer
	if err := p.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plan_table.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPlanTable -update to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("WriteTable:\n%s\nwant (%s):\n%s", got, golden, want)
	}
	if !slices.ContainsFunc(p.Blocked, func(g GuardError) bool { return g.Guard == GuardDeletions }) {
		t.Errorf("plan.Blocked = %+v, want the deletion threshold", p.Blocked)
	}
}
