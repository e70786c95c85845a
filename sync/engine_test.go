package sync

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestInitialSync(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	s := env.run(RunOptions{Trigger: "setup"})

	if s.Kind != RunFull {
		t.Errorf("first run kind = %s, want full (no cursor yet)", s.Kind)
	}
	if s.Status != StatusSuccess {
		t.Errorf("status = %q (%s), want success", s.Status, s.Error)
	}
	want := Counts{Imported: 12, InScope: 8, Excluded: 2, NotCreatable: 2, Planned: s.Counts.Planned,
		Created: 8, MembersAdded: 4}
	if s.Counts != want {
		t.Errorf("counts = %+v\nwant     %+v", s.Counts, want)
	}
	if n := env.tgt.count(KindUser); n != 6 {
		t.Errorf("%d users in Entra, want 6", n)
	}
	if n := env.tgt.count(KindGroup); n != 2 {
		t.Errorf("%d groups in Entra, want 2", n)
	}

	alice := env.tgt.byUPN("alice@corp.example.com")
	if alice == nil {
		t.Fatal("alice not created")
	}
	if alice.Attributes[AttrJobTitle] != "CTO" || alice.Attributes[AttrAccountEnabled] != "true" {
		t.Errorf("alice = %v", alice.Attributes)
	}
	if alice.Anchor != anchorOf(newUser(1, "alice", ""), AnchorConsistencyGUID) {
		t.Errorf("alice's anchor = %q, want base64 of her objectGUID", alice.Anchor)
	}
	if bob := env.tgt.byUPN("bob@corp.example.com"); bob == nil || bob.Attributes[AttrManager] != alice.ID {
		t.Errorf("bob's manager = %v, want alice (%s)", bob, alice.ID)
	}
	if carol := env.tgt.byUPN("carol@corp.example.com"); carol == nil || carol.Attributes[AttrAccountEnabled] != "false" {
		t.Errorf("carol (disabled in AD) = %v, want accountEnabled false", carol)
	}
	if dave := env.tgt.byUPN("dave@" + testInitial); dave == nil {
		t.Errorf("dave (UPN on .local) not created as dave@%s", testInitial)
	}
	// eve and eve2 both want eve@corp.example.com: the smaller anchor wins,
	// the other is quarantined.
	if env.tgt.byUPN("eve@corp.example.com") == nil {
		t.Error("no user holds eve@corp.example.com")
	}
	quarantined := 0
	for _, id := range env.tgt.ids(KindUser) {
		if u := strings.ToLower(env.tgt.objs[id].Attributes[AttrUserPrincipalName]); strings.HasPrefix(u, "eve_") && strings.HasSuffix(u, "@"+testInitial) {
			quarantined++
		}
	}
	if quarantined != 1 {
		t.Errorf("%d users with a quarantined eve_NNNN@%s UPN, want 1", quarantined, testInitial)
	}
	if got, want := env.tgt.memberNames("Engineering"), []string{"Leads", "bob@corp.example.com", "carol@corp.example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Engineering members = %v, want %v (nested group as a member)", got, want)
	}
	if got := env.tgt.memberNames("Leads"); !reflect.DeepEqual(got, []string{"alice@corp.example.com"}) {
		t.Errorf("Leads members = %v", got)
	}

	codes := warningCodes(s.Warnings)
	for _, c := range []string{WarnUPNFallback, WarnUPNDuplicate, WarnNotCreatable} {
		if codes[c] == 0 {
			t.Errorf("no %s warning in %+v", c, s.Warnings)
		}
	}
	if s.Excluded["critical system object"] != 1 || s.Excluded["sync service account (MSOL_/AAD_)"] != 1 {
		t.Errorf("excluded = %v, want the critical object and the MSOL_ account", s.Excluded)
	}
	if _, err := env.store.Cursor(); err != nil {
		t.Errorf("no cursor after the initial sync: %v", err)
	}
	if n, _ := env.store.Len(); n != 8 {
		t.Errorf("%d records, want 8", n)
	}
	runs, _ := env.store.Runs(0)
	if len(runs) != 1 || runs[0].ID != s.ID || runs[0].Counts.Created != 8 {
		t.Errorf("history = %+v, want this run", runs)
	}
}

func warningCodes(ws []Warning) map[string]int {
	out := map[string]int{}
	for _, w := range ws {
		out[w.Code] += w.Count
	}
	return out
}

func (t *fakeTarget) ids(kind Kind) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for id, o := range t.objs {
		if o.Kind == kind {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func TestNoChangeWritesNothing(t *testing.T) {
	for _, kind := range []RunKind{RunDelta, RunFull} {
		t.Run(string(kind), func(t *testing.T) {
			env := newTestEnv(t)
			seedCompany(env.src)
			env.run(RunOptions{})
			env.tgt.takeWrites()
			s := env.run(RunOptions{Kind: kind})
			if w := env.tgt.takeWrites(); len(w) != 0 {
				t.Errorf("a %s run with nothing changed made %d writes: %+v", kind, len(w), w)
			}
			if s.Kind != kind || s.Status != StatusSuccess || s.Counts.Planned != 0 {
				t.Errorf("summary = kind %s status %q planned %d, want %s, success, 0", s.Kind, s.Status, s.Counts.Planned, kind)
			}
			if kind == RunFull && s.Counts.Unchanged != 8 {
				t.Errorf("unchanged = %d, want 8", s.Counts.Unchanged)
			}
		})
	}
}

func TestDeltaPatchesOnlyChangedAttributes(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.tgt.takeWrites()
	env.src.edit(guid(1), func(o *SourceObject) { o.Title = "CEO" })
	s := env.run(RunOptions{})
	w := env.tgt.takeWrites()
	if len(w) != 1 || w[0].Op != WriteUpdate || !reflect.DeepEqual(w[0].Attributes, Attributes{AttrJobTitle: "CEO"}) {
		t.Fatalf("writes = %+v, want one PATCH of jobTitle only", w)
	}
	if s.Kind != RunDelta || s.Counts.Updated != 1 || s.Counts.Imported != 1 {
		t.Errorf("summary = %+v, want a delta run importing 1 and updating 1", s.Counts)
	}
}

func TestDeltaScenarios(t *testing.T) {
	tests := []struct {
		name   string
		change func(*fakeSource)
		check  func(*testing.T, *testEnv, RunSummary)
	}{
		{"rename", func(s *fakeSource) {
			s.edit(guid(2), func(o *SourceObject) { o.DisplayName = "Robert"; o.DN = "CN=Robert" + staff })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if b := env.tgt.byUPN("bob@corp.example.com"); b == nil || b.Attributes[AttrDisplayName] != "Robert" {
				t.Errorf("bob = %v, want displayName Robert", b)
			}
			if a, err := env.store.Lookup(IndexDN, "CN=Robert"+staff); err != nil || a == "" {
				t.Errorf("store does not know the new DN: %v", err)
			}
		}},
		{"disable", func(s *fakeSource) {
			s.edit(guid(1), func(o *SourceObject) { o.UserAccountControl |= 2 })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if a := env.tgt.byUPN("alice@corp.example.com"); a.Attributes[AttrAccountEnabled] != "false" {
				t.Errorf("alice accountEnabled = %q, want false", a.Attributes[AttrAccountEnabled])
			}
		}},
		{"UPN suffix to an unverified domain", func(s *fakeSource) {
			s.edit(guid(2), func(o *SourceObject) { o.UserPrincipalName = "bob@fabrikam.com" })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if env.tgt.byUPN("bob@"+testInitial) == nil {
				t.Errorf("bob not renamed to bob@%s", testInitial)
			}
		}},
		{"delete", func(s *fakeSource) { s.remove(guid(3)) }, func(t *testing.T, env *testEnv, s RunSummary) {
			if env.tgt.byUPN("carol@corp.example.com") != nil || s.Counts.Deleted != 1 {
				t.Errorf("carol still in Entra (deleted %d)", s.Counts.Deleted)
			}
			if got := env.tgt.memberNames("Engineering"); slices.Contains(got, "carol@corp.example.com") {
				t.Errorf("Engineering still lists carol: %v", got)
			}
			if _, err := env.store.Lookup(IndexGUID, guid(3).String()); !errors.Is(err, ErrNotFound) {
				t.Errorf("carol's record remains: %v", err)
			}
		}},
		{"move out of the selected OUs", func(s *fakeSource) {
			s.edit(guid(3), func(o *SourceObject) { o.DN = "CN=carol,OU=Former,DC=corp,DC=example,DC=com" })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if env.tgt.byUPN("carol@corp.example.com") != nil || s.Counts.Deleted != 1 || s.Counts.OutOfScope != 1 {
				t.Errorf("carol not deleted after leaving the OUs: %+v", s.Counts)
			}
		}},
		{"member added and removed (complete list)", func(s *fakeSource) {
			s.edit(guid(20), func(o *SourceObject) { o.Members = []Ref{{GUID: guid(2)}} })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if got := env.tgt.memberNames("Leads"); !reflect.DeepEqual(got, []string{"bob@corp.example.com"}) {
				t.Errorf("Leads = %v, want only bob", got)
			}
			if s.Counts.MembersAdded != 1 || s.Counts.MembersRemoved != 1 {
				t.Errorf("members added %d removed %d, want 1 and 1", s.Counts.MembersAdded, s.Counts.MembersRemoved)
			}
		}},
		{"member added and removed (incremental)", func(s *fakeSource) {
			s.changeMembers(guid(21), []Ref{{GUID: guid(4)}}, []Ref{{DN: "CN=carol" + staff}})
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			want := []string{"Leads", "bob@corp.example.com", "dave@" + testInitial}
			if got := env.tgt.memberNames("Engineering"); !reflect.DeepEqual(got, want) {
				t.Errorf("Engineering = %v, want %v", got, want)
			}
		}},
		{"new user with a new group", func(s *fakeSource) {
			frank := newUser(7, "frank", "frank@corp.example.com")
			frank.Manager = Ref{DN: "CN=alice" + staff}
			s.put(frank)
			s.put(newGroup(22, "Ops", frank))
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			frank := env.tgt.byUPN("frank@corp.example.com")
			alice := env.tgt.byUPN("alice@corp.example.com")
			if frank == nil || frank.Attributes[AttrManager] != alice.ID {
				t.Errorf("frank = %v, want him with alice as manager", frank)
			}
			if got := env.tgt.memberNames("Ops"); !reflect.DeepEqual(got, []string{"frank@corp.example.com"}) {
				t.Errorf("Ops = %v", got)
			}
		}},
		{"manager removed", func(s *fakeSource) {
			s.edit(guid(2), func(o *SourceObject) { o.Manager = Ref{} })
		}, func(t *testing.T, env *testEnv, s RunSummary) {
			if b := env.tgt.byUPN("bob@corp.example.com"); b.Attributes[AttrManager] != "" {
				t.Errorf("bob's manager = %q, want none", b.Attributes[AttrManager])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			seedCompany(env.src)
			env.run(RunOptions{})
			tt.change(env.src)
			s := env.run(RunOptions{})
			if s.Kind != RunDelta || s.Status != StatusSuccess {
				t.Fatalf("run = %s %q (%s), want a successful delta", s.Kind, s.Status, s.Error)
			}
			tt.check(t, env, s)
			// Converged: a full run finds nothing more to do.
			env.tgt.takeWrites()
			if full := env.run(RunOptions{Kind: RunFull}); full.Counts.Planned != 0 {
				t.Errorf("a full run after the delta planned %d changes: the delta did not converge (writes %+v)", full.Counts.Planned, env.tgt.takeWrites())
			}
		})
	}
}

func TestFullRunDrift(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	alice := env.tgt.byUPN("alice@corp.example.com")
	eng := env.tgt.byName("Engineering")
	outsider := env.tgt.addForeign(KindUser, Attributes{AttrUserPrincipalName: "guest@corp.example.com", AttrDisplayName: "Guest"})
	env.tgt.mutate(alice.ID, func(o *TargetObject) { o.Attributes[AttrJobTitle] = "Portal edit" })
	env.tgt.mutate(eng.ID, func(o *TargetObject) { o.Members = append(o.Members, outsider) })
	env.tgt.takeWrites()

	delta := env.run(RunOptions{})
	if delta.Counts.Planned != 0 {
		t.Errorf("a delta run planned %d changes: it must not see cloud edits", delta.Counts.Planned)
	}
	full := env.run(RunOptions{Kind: RunFull})
	if got := env.tgt.byUPN("alice@corp.example.com").Attributes[AttrJobTitle]; got != "CTO" {
		t.Errorf("alice jobTitle = %q, want the AD value CTO back", got)
	}
	if got := env.tgt.memberNames("Engineering"); slices.Contains(got, "guest@corp.example.com") {
		t.Errorf("Engineering still has the member added in Entra: %v", got)
	}
	if full.Counts.Drifted != 1 || warningCodes(full.Warnings)[WarnDrift] != 1 {
		t.Errorf("drifted = %d, warnings %+v; want alice reported", full.Counts.Drifted, full.Warnings)
	}
	if g := env.tgt.byUPN("guest@corp.example.com"); g == nil || g.Anchor != "" {
		t.Errorf("the cloud-only user was touched: %+v", g)
	}
	for _, w := range env.tgt.takeWrites() {
		if w.ID == outsider && w.Op != WriteRemoveMembers {
			t.Errorf("a write to the cloud-only user: %+v", w)
		}
	}
}

func TestFullRunRecreatesObjectDeletedInEntra(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	bob := env.tgt.byUPN("bob@corp.example.com")
	env.tgt.deleteInCloud(bob.ID)
	s := env.run(RunOptions{Kind: RunFull})
	nb := env.tgt.byUPN("bob@corp.example.com")
	if nb == nil || nb.ID == bob.ID || s.Counts.Created != 1 {
		t.Fatalf("bob = %+v (created %d), want a new object", nb, s.Counts.Created)
	}
	if got := env.tgt.memberNames("Engineering"); !slices.Contains(got, "bob@corp.example.com") {
		t.Errorf("bob not back in Engineering: %v", got)
	}
	if warningCodes(s.Warnings)[WarnRecreated] == 0 {
		t.Errorf("no %s warning: %+v", WarnRecreated, s.Warnings)
	}
}

// TestFullRunListingMissesObject: a listing of Entra that leaves out an
// object entrasync made (a faulty answer) must neither create it twice nor
// report it deleted: the lookup by anchor before creating finds it.
func TestFullRunListingMissesObject(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	bob := env.tgt.byUPN("bob@corp.example.com")
	env.tgt.unlisted = map[string]bool{bob.ID: true}
	s := env.run(RunOptions{Kind: RunFull})
	if nb := env.tgt.byUPN("bob@corp.example.com"); nb == nil || nb.ID != bob.ID || s.Counts.Created != 0 {
		t.Fatalf("bob = %+v (created %d), want the same object and no create", nb, s.Counts.Created)
	}
	if n := warningCodes(s.Warnings)[WarnRecreated]; n != 0 {
		t.Errorf("%d %s warnings for an object that was never deleted: %+v", n, WarnRecreated, s.Warnings)
	}
}

// TestGroupListingItself: AD lets a group hold itself; the member is left
// out and the run says so.
func TestGroupListingItself(t *testing.T) {
	env := newTestEnv(t)
	alice := newUser(1, "alice", "alice@corp.example.com")
	loop := newGroup(20, "Loop", alice)
	loop.Members = append(loop.Members, Ref{GUID: loop.GUID, DN: loop.DN})
	env.src.put(alice)
	env.src.put(loop)
	s := env.run(RunOptions{})
	if got := env.tgt.memberNames("Loop"); !slices.Equal(got, []string{"alice@corp.example.com"}) {
		t.Errorf("Loop's members in Entra = %q, want only alice", got)
	}
	found := false
	for _, w := range s.Warnings {
		if w.Code == WarnReference && strings.Contains(w.Message, "lists itself") && slices.Contains(w.Objects, "Loop") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %+v: want one naming Loop as listing itself", s.Warnings)
	}
}

func TestPerObjectErrorsRetried(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	throttled := true
	env.tgt.failWrite = func(w Write) error {
		if throttled && w.Op == WriteCreate && w.Attributes[AttrUserPrincipalName] == "bob@corp.example.com" {
			return &ThrottledError{}
		}
		return nil
	}
	s := env.run(RunOptions{})
	if s.Status != StatusWithErrors || s.ErrorCount != 1 || s.Errors[0].Code != "throttled" || s.Errors[0].Object != "bob@corp.example.com" {
		t.Fatalf("summary status %q errors %+v, want bob's create throttled", s.Status, s.Errors)
	}
	if s.Counts.Created != 7 {
		t.Errorf("created %d, want the 7 others", s.Counts.Created)
	}
	a, _ := env.store.Lookup(IndexGUID, guid(2).String())
	rec, err := env.store.Get(a)
	if err != nil || rec.Error == nil || rec.EntraID != "" || rec.Error.Attempts != 1 {
		t.Fatalf("bob's record = %+v, %v; want the error, no Entra id", rec, err)
	}

	s = env.run(RunOptions{}) // still throttled: a delta with no AD change retries it
	if s.Kind != RunDelta || s.ErrorCount != 1 {
		t.Fatalf("second run: %s, %d errors; want a delta retrying bob", s.Kind, s.ErrorCount)
	}
	if rec, _ := env.store.Get(a); rec.Error.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", rec.Error.Attempts)
	}

	throttled = false
	s = env.run(RunOptions{})
	if s.Status != StatusSuccess || s.Counts.Created != 1 {
		t.Fatalf("third run %q created %d, want bob created", s.Status, s.Counts.Created)
	}
	bob := env.tgt.byUPN("bob@corp.example.com")
	if bob == nil || bob.Attributes[AttrManager] == "" {
		t.Errorf("bob = %+v, want him with his manager", bob)
	}
	if got := env.tgt.memberNames("Engineering"); !slices.Contains(got, "bob@corp.example.com") {
		t.Errorf("Engineering = %v, want bob added once he exists", got)
	}
	if rec, _ := env.store.Get(a); rec.Error != nil || rec.Dirty {
		t.Errorf("bob's record still has error %+v / dirty %v", rec.Error, rec.Dirty)
	}
	if full := env.run(RunOptions{Kind: RunFull}); full.Counts.Planned != 0 {
		t.Errorf("a full run afterwards planned %d changes", full.Counts.Planned)
	}
}

// TestCreateIsIdempotent simulates a crash between the POST and the store
// write: the target creates the objects, then the call fails. The rerun
// finds them by anchor and creates no duplicate.
func TestCreateIsIdempotent(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.tgt.crashAfter = func(w Write) bool { return w.Op == WriteCreate }
	if _, err := env.engine.Run(context.Background(), RunOptions{}); err == nil {
		t.Fatal("the run survived a lost connection")
	}
	created := env.tgt.count(KindUser) + env.tgt.count(KindGroup)
	if created == 0 {
		t.Fatal("the fake created nothing before failing")
	}
	if _, err := env.store.Cursor(); !errors.Is(err, ErrNotFound) {
		t.Errorf("the cursor moved after a failed run: %v", err)
	}
	env.tgt.crashAfter = nil
	env.tgt.takeWrites()
	s := env.run(RunOptions{})
	for _, w := range env.tgt.takeWrites() {
		if w.Op == WriteUpdate && len(w.Attributes) == 0 && !w.SetAnchor {
			t.Errorf("an empty PATCH for %s: an object found by anchor with nothing to change needs no write", w.Anchor)
		}
	}
	if n := env.tgt.count(KindUser); n != 6 {
		t.Errorf("%d users after the rerun, want 6 (no duplicates)", n)
	}
	if n := env.tgt.count(KindGroup); n != 2 {
		t.Errorf("%d groups after the rerun, want 2", n)
	}
	if s.Status != StatusSuccess {
		t.Errorf("rerun status %q: %s %+v", s.Status, s.Error, s.Errors)
	}
	if full := env.run(RunOptions{Kind: RunFull}); full.Counts.Planned != 0 {
		t.Errorf("a full run after the rerun planned %d changes", full.Counts.Planned)
	}
}

func TestForeignUPNQuarantinedOrAdopted(t *testing.T) {
	for _, tt := range []struct {
		name      string
		softMatch []string
		delta     bool
	}{
		{"full run, no soft match", nil, false},
		{"delta run, no soft match", nil, true},
		{"full run, soft match on UPN", []string{AttrUserPrincipalName}, false},
		{"delta run, soft match on UPN", []string{AttrUserPrincipalName}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, func(c *Config) { c.Sync.SoftMatch = tt.softMatch })
			env.src.put(newUser(1, "alice", "alice@corp.example.com"))
			env.run(RunOptions{})
			cloud := env.tgt.addForeign(KindUser, Attributes{AttrUserPrincipalName: "gina@corp.example.com", AttrDisplayName: "Gina (cloud)"})
			env.src.put(newUser(8, "gina", "gina@corp.example.com"))
			kind := RunFull
			if tt.delta {
				kind = RunDelta
			}
			s := env.run(RunOptions{Kind: kind})
			g := env.tgt.byUPN("gina@corp.example.com")
			if tt.softMatch == nil {
				if g == nil || g.ID != cloud || g.Anchor != "" || g.Attributes[AttrDisplayName] != "Gina (cloud)" {
					t.Errorf("the cloud user was touched: %+v", g)
				}
				if env.tgt.count(KindUser) != 3 || warningCodes(s.Warnings)[WarnUPNDuplicate] != 1 {
					t.Errorf("users %d, warnings %+v; want gina created under a quarantined UPN", env.tgt.count(KindUser), s.Warnings)
				}
				return
			}
			if g == nil || g.ID != cloud || g.Anchor == "" || g.Attributes[AttrDisplayName] != "Gina" || s.Counts.Adopted != 1 {
				t.Errorf("gina = %+v, adopted %d; want the cloud user adopted and updated", g, s.Counts.Adopted)
			}
			if env.tgt.count(KindUser) != 2 {
				t.Errorf("%d users, want 2: adoption must not create", env.tgt.count(KindUser))
			}
		})
	}
}

func TestStagingModeWritesNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  func(*Config)
		opts RunOptions
	}{
		{"staging mode", func(c *Config) { c.Sync.StagingMode = true }, RunOptions{}},
		{"dry run", nil, RunOptions{DryRun: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*Config)
			if tt.cfg != nil {
				edits = append(edits, tt.cfg)
			}
			env := newTestEnv(t, edits...)
			seedCompany(env.src)
			s := env.run(tt.opts)
			if s.Status != StatusStaged || !s.DryRun || s.Counts.Planned == 0 {
				t.Errorf("summary = %q dry %v planned %d, want staged with a plan", s.Status, s.DryRun, s.Counts.Planned)
			}
			if w := env.tgt.takeWrites(); len(w) != 0 {
				t.Errorf("%d writes in %s", len(w), tt.name)
			}
			if n, _ := env.store.Len(); n != 0 {
				t.Errorf("%d records stored in %s", n, tt.name)
			}
			if _, err := env.store.Cursor(); !errors.Is(err, ErrNotFound) {
				t.Errorf("cursor stored in %s", tt.name)
			}
			if runs, _ := env.store.Runs(0); len(runs) != 1 || runs[0].Status != StatusStaged {
				t.Errorf("history = %+v, want the staged run", runs)
			}
		})
	}
}

func TestFullImportRequired(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.refuseDelta = true
	s := env.run(RunOptions{})
	if s.Kind != RunFull || s.Status != StatusSuccess {
		t.Errorf("run = %s %q, want a successful full run after the refused delta", s.Kind, s.Status)
	}
	if n := len(env.src.imports); n != 3 || env.src.imports[1].Full || !env.src.imports[2].Full {
		t.Errorf("imports = %+v, want full, refused delta, full", env.src.imports)
	}
}

func TestMappingChangeForcesFullRun(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.tgt.tenant.VerifiedDomains = append(env.tgt.tenant.VerifiedDomains, "corp.local")
	s := env.run(RunOptions{})
	if s.Kind != RunFull {
		t.Errorf("run after a new verified domain = %s, want full", s.Kind)
	}
	if env.tgt.byUPN("dave@corp.local") == nil {
		t.Errorf("dave not renamed to dave@corp.local once the domain is verified")
	}
}

func TestRunLockBusy(t *testing.T) {
	env := newTestEnv(t)
	path := t.TempDir() + "/run.lock"
	env.newEngine(WithRunLock(path))
	lock, err := AcquireRunLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	_, err = env.engine.Run(context.Background(), RunOptions{})
	var busy *BusyError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), "another run (pid") {
		t.Fatalf("Run while locked = %v, want a *BusyError naming the pid", err)
	}
	if runs, _ := env.store.Runs(0); len(runs) != 0 {
		t.Errorf("a refused run was recorded: %+v", runs)
	}
	lock.Release()
	if _, err := env.engine.Run(context.Background(), RunOptions{}); err != nil {
		t.Errorf("Run after release: %v", err)
	}
}

func TestCancelFinishesBatchInFlight(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	env.tgt.beforeApply = func([]Write) {
		calls++
		cancel() // cancelled while the first batch is in flight
	}
	s, err := env.engine.Run(ctx, RunOptions{})
	if !errors.Is(err, context.Canceled) || s.Status != StatusCancelled {
		t.Fatalf("Run = %q, %v; want cancelled", s.Status, err)
	}
	if calls != 1 {
		t.Errorf("%d Apply calls, want 1 (stop after the batch in flight)", calls)
	}
	created := env.tgt.count(KindUser) + env.tgt.count(KindGroup)
	if created != 7 || s.Counts.Created != 7 {
		t.Errorf("created %d (counted %d), want the whole first batch of 7", created, s.Counts.Created)
	}
	if n, _ := env.store.Len(); n < 7 {
		t.Errorf("%d records, want the batch in flight recorded", n)
	}
	if _, err := env.store.Cursor(); !errors.Is(err, ErrNotFound) {
		t.Errorf("cursor moved by a cancelled run")
	}
	env.tgt.beforeApply = nil
	s = env.run(RunOptions{})
	if env.tgt.count(KindUser) != 6 || env.tgt.count(KindGroup) != 2 || s.Status != StatusSuccess {
		t.Errorf("after the rerun: %d users, %d groups, %q", env.tgt.count(KindUser), env.tgt.count(KindGroup), s.Status)
	}
}

func TestDeniedIsPermanent(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.tgt.failWrite = func(Write) error { return ErrDenied }
	s, err := env.engine.Run(context.Background(), RunOptions{})
	if err == nil || !IsPermanent(err) || s.Status != StatusFailed {
		t.Fatalf("Run = %q, %v; want a permanent failure", s.Status, err)
	}
	if env.tgt.applyCalls != 1 {
		t.Errorf("%d Apply calls after a permission error, want 1", env.tgt.applyCalls)
	}
}

func TestProgressEvents(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	var phases []Phase
	var apply []Progress
	env.run(RunOptions{Progress: func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if p.Phase == PhaseApply {
			apply = append(apply, p)
		}
	}})
	want := []Phase{PhaseImport, PhasePlan, PhaseApply, PhaseDone}
	if !reflect.DeepEqual(phases, want) {
		t.Errorf("phases = %v, want %v", phases, want)
	}
	if len(apply) < 3 {
		t.Fatalf("%d apply events, want one per batch", len(apply))
	}
	for i := 1; i < len(apply); i++ {
		if apply[i].Done < apply[i-1].Done || apply[i].Total != apply[0].Total {
			t.Errorf("apply event %d = %d/%d after %d/%d: want Done rising and Total fixed", i, apply[i].Done, apply[i].Total, apply[i-1].Done, apply[i-1].Total)
		}
	}
	if last := apply[len(apply)-1]; last.Done != last.Total || last.Counts.Created != 8 {
		t.Errorf("last apply event = %d/%d with %d created, want all done and 8 created", last.Done, last.Total, last.Counts.Created)
	}
}

// TestMemberOfDeletedUser: a user deleted in AD leaves its groups (AD and
// Graph both drop the membership); when the group changes later, the stale
// member in the group's record must not keep the group dirty.
func TestMemberOfDeletedUser(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.src.remove(guid(3)) // carol, in Engineering
	s := env.run(RunOptions{})
	if s.Counts.Deleted != 1 || s.Counts.MembersRemoved != 0 {
		t.Errorf("deleted %d, members removed %d; want carol deleted with no separate member write", s.Counts.Deleted, s.Counts.MembersRemoved)
	}
	env.src.changeMembers(guid(21), []Ref{{GUID: guid(4), DN: "CN=dave" + staff}}, nil)
	env.run(RunOptions{})
	a, _ := env.store.Lookup(IndexGUID, guid(21).String())
	rec, _ := env.store.Get(a)
	if rec.Dirty || rec.Error != nil {
		t.Errorf("Engineering's record is dirty %v / error %+v", rec.Dirty, rec.Error)
	}
	want := []string{"Leads", "bob@corp.example.com", "dave@" + testInitial}
	if got := env.tgt.memberNames("Engineering"); !reflect.DeepEqual(got, want) {
		t.Errorf("Engineering = %v, want %v", got, want)
	}
	env.tgt.takeWrites()
	env.run(RunOptions{})
	if full := env.run(RunOptions{Kind: RunFull}); full.Counts.Planned != 0 {
		t.Errorf("a full run planned %d changes", full.Counts.Planned)
	}
	if w := env.tgt.takeWrites(); len(w) != 0 {
		t.Errorf("%d writes after convergence: %+v", len(w), w)
	}
}

// TestFullRunRestoresMembersInChunks: 25 of a 45-member group's members are
// removed in Entra; the full run adds them back in writes of at most 20, and
// the record ends up with all 45.
func TestFullRunRestoresMembersInChunks(t *testing.T) {
	env := newTestEnv(t)
	var users []*SourceObject
	for i := range 45 {
		u := newUser(100+i, fmt.Sprintf("u%02d", i), fmt.Sprintf("u%02d@corp.example.com", i))
		users = append(users, u)
		env.src.put(u)
	}
	env.src.put(newGroup(50, "Big", users...))
	env.run(RunOptions{})
	big := env.tgt.byName("Big")
	env.tgt.mutate(big.ID, func(o *TargetObject) { o.Members = o.Members[:20] })
	env.tgt.takeWrites()
	s := env.run(RunOptions{Kind: RunFull})
	var sizes []int
	for _, w := range env.tgt.takeWrites() {
		if w.Op == WriteAddMembers {
			sizes = append(sizes, len(w.Members))
		}
	}
	if !reflect.DeepEqual(sizes, []int{20, 5}) || s.Counts.MembersAdded != 25 {
		t.Errorf("member writes of sizes %v (added %d), want 20 then 5", sizes, s.Counts.MembersAdded)
	}
	a, _ := env.store.Lookup(IndexGUID, guid(50).String())
	if rec, _ := env.store.Get(a); len(rec.Members) != 45 {
		t.Errorf("Big's record has %d members, want 45", len(rec.Members))
	}
	if d := env.run(RunOptions{}); d.Counts.Planned != 0 {
		t.Errorf("the delta after planned %d changes", d.Counts.Planned)
	}
}

// TestMemberAddRefusedWholeIsSplit: Graph refuses a members@odata.bind
// request when one of its members is already there; the engine retries
// each member alone, so the others are not lost.
func TestMemberAddRefusedWholeIsSplit(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.run(RunOptions{})
	env.tgt.strictMembers = true
	leads, bob := env.tgt.byName("Leads"), env.tgt.byUPN("bob@corp.example.com")
	env.tgt.mutate(leads.ID, func(o *TargetObject) { o.Members = append(o.Members, bob.ID) }) // added in the portal
	env.src.changeMembers(guid(20), []Ref{{GUID: guid(2)}, {GUID: guid(4)}}, nil)
	env.tgt.takeWrites()
	s := env.run(RunOptions{})
	if s.Status != StatusSuccess {
		t.Fatalf("run %q: %+v", s.Status, s.Errors)
	}
	var sizes []int
	for _, w := range env.tgt.takeWrites() {
		if w.Op == WriteAddMembers {
			sizes = append(sizes, len(w.Members))
		}
	}
	if !reflect.DeepEqual(sizes, []int{2, 1, 1}) {
		t.Errorf("member adds of sizes %v, want the refused pair then each alone", sizes)
	}
	want := []string{"alice@corp.example.com", "bob@corp.example.com", "dave@" + testInitial}
	if got := env.tgt.memberNames("Leads"); !reflect.DeepEqual(got, want) {
		t.Errorf("Leads = %v, want %v", got, want)
	}
	if full := env.run(RunOptions{Kind: RunFull}); full.Counts.Planned != 0 {
		t.Errorf("a full run afterwards planned %d changes", full.Counts.Planned)
	}
}

// TestGroupMailNicknameIsTheTargets: the engine never syncs a group's
// mailNickname (the Entra target keeps the anchor there), so a group whose
// ms-DS-ConsistencyGuid or Exchange alias changes after export keeps its
// anchor, with a warning, and full runs find no drift.
func TestGroupMailNicknameIsTheTargets(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	env.src.edit(guid(20), func(o *SourceObject) { o.MailNickname = "leads-alias" })
	env.run(RunOptions{})
	for _, w := range env.tgt.takeWrites() {
		if _, has := w.Attributes[AttrMailNickname]; w.Kind == KindGroup && has {
			t.Errorf("group write %s %s carries mailNickname %q: the Target owns it", w.Op, w.Anchor, w.Attributes[AttrMailNickname])
		}
	}
	leads := env.tgt.byName("Leads")
	env.src.edit(guid(20), func(o *SourceObject) {
		o.ConsistencyGUID = []byte("a new consistency")
		o.MailNickname = "leads-renamed"
	})
	for _, kind := range []RunKind{RunDelta, RunFull, RunFull} {
		s := env.run(RunOptions{Kind: kind})
		if w := env.tgt.takeWrites(); len(w) != 0 || s.Counts.Planned != 0 || s.Counts.Drifted != 0 {
			t.Errorf("%s run after the group's anchor source changed: %d planned, %d drifted, writes %+v; want nothing", kind, s.Counts.Planned, s.Counts.Drifted, w)
		}
		if w, ok := warning(s, WarnAnchorKept); kind == RunFull && (!ok || !slices.Contains(w.Objects, "Leads")) {
			t.Errorf("%s run: warnings %+v, want anchor-kept for Leads", kind, s.Warnings)
		}
	}
	if now := env.tgt.byName("Leads"); now == nil || now.ID != leads.ID || now.Anchor != leads.Anchor {
		t.Errorf("Leads is now %+v, want the same object %s with anchor %s", now, leads.ID, leads.Anchor)
	}
}
