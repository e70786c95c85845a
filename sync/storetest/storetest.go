// Package storetest checks that an implementation of sync.Store keeps the
// Store contract, in the manner of testing/fstest: each implementation's
// tests call TestStore.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// Options tune TestStore for an implementation.
type Options struct {
	// Reopen, when set, closes s and opens the same store again: TestStore
	// then checks that committed state survives.
	Reopen func(t *testing.T, s sync.Store) sync.Store
	// SkipRetention skips filling the run history past sync.MaxRuns
	// (slow on stores that sync each write to disk).
	SkipRetention bool
}

// TestStore runs the conformance tests against stores made by open, which
// must return a new, empty store each time (and may register its Close
// with t.Cleanup; TestStore also closes it).
func TestStore(t *testing.T, open func(t *testing.T) sync.Store, opts Options) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(*testing.T, sync.Store, Options)
	}{
		{"Empty", testEmpty},
		{"PutGet", testPutGet},
		{"Copies", testCopies},
		{"Indexes", testIndexes},
		{"IndexMoves", testIndexMoves},
		{"Delete", testDelete},
		{"ForEach", testForEach},
		{"ForEachSkipsSource", testForEachSkipsSource},
		{"PutKeepsSource", testPutKeepsSource},
		{"ForEachCommitInside", testForEachCommitInside},
		{"Retry", testRetry},
		{"AtomicCommit", testAtomicCommit},
		{"Cursor", testCursor},
		{"Runs", testRuns},
		{"RunRetention", testRunRetention},
		{"Plans", testPlans},
		{"Reopen", testReopen},
		{"Closed", testClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			c.fn(t, s, opts)
		})
	}
}

var t0 = time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)

// record builds a user record numbered n.
func record(n int) *sync.Record {
	g := sync.GUID{byte(n), byte(n >> 8), byte(n >> 16), 0x42}
	upn := fmt.Sprintf("user%d@corp.example.com", n)
	dn := fmt.Sprintf("CN=User %d,OU=Staff,DC=corp,DC=example,DC=com", n)
	return &sync.Record{
		Anchor:  fmt.Sprintf("anchor-%06d", n),
		Kind:    sync.KindUser,
		GUID:    g,
		DN:      dn,
		EntraID: fmt.Sprintf("entra-%d", n),
		Source: &sync.SourceObject{
			GUID: g, DN: dn, Kind: sync.KindUser, SAMAccountName: fmt.Sprintf("user%d", n),
			UserPrincipalName: upn, ProxyAddresses: []string{"SMTP:" + upn},
			Manager: sync.Ref{DN: "CN=Boss,OU=Staff,DC=corp,DC=example,DC=com"},
		},
		SourceHash: "h",
		Exported:   sync.Attributes{sync.AttrUserPrincipalName: upn, sync.AttrDisplayName: fmt.Sprintf("User %d", n)},
		Manager:    "anchor-boss",
		Created:    t0,
		Updated:    t0.Add(time.Minute),
	}
}

// groupRecord is a group whose exported attributes include a UPN-like
// value, which must not enter the UPN index.
func groupRecord() *sync.Record {
	return &sync.Record{
		Anchor: "group-anchor", Kind: sync.KindGroup, GUID: sync.GUID{0xee, 1},
		DN:       "CN=Eng,OU=Groups,DC=corp,DC=example,DC=com",
		Exported: sync.Attributes{sync.AttrDisplayName: "Eng", sync.AttrUserPrincipalName: "eng@corp.example.com"},
	}
}

func commit(t *testing.T, s sync.Store, b sync.Batch) {
	t.Helper()
	if err := s.Commit(b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func mustGet(t *testing.T, s sync.Store, anchor string) *sync.Record {
	t.Helper()
	r, err := s.Get(anchor)
	if err != nil {
		t.Fatalf("Get(%s): %v", anchor, err)
	}
	return r
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("%s: got error %v, want one matching sync.ErrNotFound", what, err)
	}
}

func testEmpty(t *testing.T, s sync.Store, _ Options) {
	_, err := s.Get("nope")
	wantNotFound(t, "Get", err)
	for _, idx := range []sync.Index{sync.IndexGUID, sync.IndexDN, sync.IndexUPN} {
		_, err := s.Lookup(idx, "x")
		wantNotFound(t, fmt.Sprintf("Lookup(%d)", idx), err)
	}
	_, err = s.Cursor()
	wantNotFound(t, "Cursor", err)
	_, err = s.Run("nope")
	wantNotFound(t, "Run", err)
	_, err = s.Plan("nope")
	wantNotFound(t, "Plan", err)
	if n, err := s.Len(); err != nil || n != 0 {
		t.Errorf("Len = %d, %v; want 0, nil", n, err)
	}
	if runs, err := s.Runs(10); err != nil || len(runs) != 0 {
		t.Errorf("Runs = %v, %v; want none", runs, err)
	}
	if err := s.ForEach(func(*sync.Record) error { return errors.New("called") }); err != nil {
		t.Errorf("ForEach on an empty store: %v", err)
	}
}

func testPutGet(t *testing.T, s sync.Store, _ Options) {
	r := record(1)
	r.Members = []string{"a", "b"}
	r.Error = &sync.ObjectError{RunID: "run1", Anchor: r.Anchor, Kind: sync.KindUser, Object: "user1", Op: sync.OpCreate,
		Code: "conflict", Message: "userPrincipalName taken", Attempts: 2, Since: t0, At: t0.Add(time.Hour)}
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	got := mustGet(t, s, r.Anchor)
	if !reflect.DeepEqual(got, r) {
		t.Errorf("Get after Put:\n got %+v\nwant %+v", got, r)
	}
	if n, _ := s.Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
	r2 := record(1)
	r2.EntraID = "changed"
	commit(t, s, sync.Batch{Put: []*sync.Record{r2}})
	if got := mustGet(t, s, r.Anchor); got.EntraID != "changed" || got.Error != nil {
		t.Errorf("Get after replacing Put = %+v, want EntraID changed and no error", got)
	}
	if n, _ := s.Len(); n != 1 {
		t.Errorf("Len after replacing = %d, want 1", n)
	}
}

func testCopies(t *testing.T, s sync.Store, _ Options) {
	r := record(1)
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	r.Exported[sync.AttrDisplayName] = "mutated after commit"
	got := mustGet(t, s, r.Anchor)
	if got.Exported[sync.AttrDisplayName] != "User 1" {
		t.Fatalf("the store kept the caller's map: displayName %q", got.Exported[sync.AttrDisplayName])
	}
	got.Exported[sync.AttrDisplayName] = "mutated after get"
	got.Source.ProxyAddresses[0] = "mutated"
	again := mustGet(t, s, r.Anchor)
	if again.Exported[sync.AttrDisplayName] != "User 1" || again.Source.ProxyAddresses[0] != "SMTP:user1@corp.example.com" {
		t.Errorf("a returned record shares memory with the store: %+v", again)
	}
}

func testIndexes(t *testing.T, s sync.Store, _ Options) {
	r := record(7)
	g := groupRecord()
	commit(t, s, sync.Batch{Put: []*sync.Record{r, g}})
	tests := []struct {
		idx  sync.Index
		key  string
		want string
	}{
		{sync.IndexGUID, r.GUID.String(), r.Anchor},
		{sync.IndexGUID, strings.ToUpper(r.GUID.String()), r.Anchor},
		{sync.IndexDN, r.DN, r.Anchor},
		{sync.IndexDN, "cn=user 7, ou=STAFF,dc=corp,dc=example,dc=com", r.Anchor},
		{sync.IndexUPN, "USER7@Corp.Example.com", r.Anchor},
		{sync.IndexDN, g.DN, g.Anchor},
	}
	for _, tt := range tests {
		got, err := s.Lookup(tt.idx, tt.key)
		if err != nil || got != tt.want {
			t.Errorf("Lookup(%d, %q) = %q, %v; want %q", tt.idx, tt.key, got, err, tt.want)
		}
	}
	_, err := s.Lookup(sync.IndexUPN, g.Exported[sync.AttrUserPrincipalName])
	wantNotFound(t, "Lookup(IndexUPN) of a group", err)
}

func testIndexMoves(t *testing.T, s sync.Store, _ Options) {
	r := record(3)
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	oldDN, oldUPN := r.DN, r.Exported[sync.AttrUserPrincipalName]
	r.DN = "CN=User 3,OU=Moved,DC=corp,DC=example,DC=com"
	r.Exported[sync.AttrUserPrincipalName] = "renamed@corp.example.com"
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	_, err := s.Lookup(sync.IndexDN, oldDN)
	wantNotFound(t, "Lookup of the old DN", err)
	_, err = s.Lookup(sync.IndexUPN, oldUPN)
	wantNotFound(t, "Lookup of the old UPN", err)
	if got, err := s.Lookup(sync.IndexDN, r.DN); err != nil || got != r.Anchor {
		t.Errorf("Lookup(new DN) = %q, %v; want %q", got, err, r.Anchor)
	}
	// A UPN passing from one record to another stays with the new holder.
	other := record(4)
	other.Exported[sync.AttrUserPrincipalName] = oldUPN
	commit(t, s, sync.Batch{Put: []*sync.Record{other}})
	if got, err := s.Lookup(sync.IndexUPN, oldUPN); err != nil || got != other.Anchor {
		t.Errorf("Lookup(reused UPN) = %q, %v; want %q", got, err, other.Anchor)
	}
}

func testDelete(t *testing.T, s sync.Store, _ Options) {
	a, b := record(1), record(2)
	commit(t, s, sync.Batch{Put: []*sync.Record{a, b}})
	commit(t, s, sync.Batch{Delete: []string{a.Anchor, "never-stored"}})
	_, err := s.Get(a.Anchor)
	wantNotFound(t, "Get after Delete", err)
	_, err = s.Lookup(sync.IndexGUID, a.GUID.String())
	wantNotFound(t, "Lookup(GUID) after Delete", err)
	_, err = s.Lookup(sync.IndexUPN, a.Exported[sync.AttrUserPrincipalName])
	wantNotFound(t, "Lookup(UPN) after Delete", err)
	mustGet(t, s, b.Anchor)
	if n, _ := s.Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
}

func testForEach(t *testing.T, s sync.Store, _ Options) {
	const n = 1200 // more than one read chunk of the file store
	var batch sync.Batch
	for i := n - 1; i >= 0; i-- {
		batch.Put = append(batch.Put, record(i))
	}
	commit(t, s, batch)
	var seen []string
	if err := s.ForEach(func(r *sync.Record) error { seen = append(seen, r.Anchor); return nil }); err != nil {
		t.Fatalf("ForEach: %v", err)
	}
	if len(seen) != n {
		t.Fatalf("ForEach saw %d records, want %d", len(seen), n)
	}
	for i := range seen {
		if want := fmt.Sprintf("anchor-%06d", i); seen[i] != want {
			t.Fatalf("ForEach record %d = %s, want %s (anchor order)", i, seen[i], want)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.ForEach(func(*sync.Record) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ForEach with a failing fn = %v after %d calls, want the fn's error after 1", err, calls)
	}
}

func testForEachSkipsSource(t *testing.T, s sync.Store, _ Options) {
	r := record(1)
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	var got *sync.Record
	if err := s.ForEach(func(x *sync.Record) error { got = x; return nil }); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Source != nil || got.SourceHash != r.SourceHash || got.EntraID != r.EntraID {
		t.Errorf("ForEach record = %+v, want it without Source but with SourceHash and the rest", got)
	}
	if full := mustGet(t, s, r.Anchor); !reflect.DeepEqual(full.Source, r.Source) {
		t.Errorf("Get().Source = %+v, want %+v", full.Source, r.Source)
	}
}

// testPutKeepsSource puts a record read by ForEach (no Source) back: the
// stored snapshot stays.
func testPutKeepsSource(t *testing.T, s sync.Store, _ Options) {
	r := record(1)
	commit(t, s, sync.Batch{Put: []*sync.Record{r}})
	var bare *sync.Record
	if err := s.ForEach(func(x *sync.Record) error { bare = x; return nil }); err != nil {
		t.Fatal(err)
	}
	bare.EntraID = "changed"
	commit(t, s, sync.Batch{Put: []*sync.Record{bare}})
	got := mustGet(t, s, r.Anchor)
	if got.EntraID != "changed" || !reflect.DeepEqual(got.Source, r.Source) {
		t.Errorf("after a put without Source: EntraID %q, Source %+v; want changed and the old snapshot", got.EntraID, got.Source)
	}
	commit(t, s, sync.Batch{Delete: []string{r.Anchor}})
	commit(t, s, sync.Batch{Put: []*sync.Record{bare}})
	if got := mustGet(t, s, r.Anchor); got.Source != nil {
		t.Errorf("a deleted record's snapshot came back: %+v", got.Source)
	}
}

// testForEachCommitInside commits from inside ForEach's callback, as the
// engine may: a store holding a read transaction across fn deadlocks here.
func testForEachCommitInside(t *testing.T, s sync.Store, _ Options) {
	var batch sync.Batch
	for i := range 600 {
		batch.Put = append(batch.Put, record(i))
	}
	commit(t, s, batch)
	done := make(chan error, 1)
	go func() {
		done <- s.ForEach(func(r *sync.Record) error {
			big := record(100000 + len(r.Anchor))
			big.Source.Description = strings.Repeat("x", 64<<10)
			big.Anchor = "0grow-" + r.Anchor // sorts before every record: not visited again
			return s.Commit(sync.Batch{Put: []*sync.Record{big}})
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ForEach with commits inside: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("ForEach with a Commit inside fn did not return within 60s: deadlock")
	}
}

func testRetry(t *testing.T, s sync.Store, _ Options) {
	ok, failed, dirty := record(1), record(2), record(3)
	failed.Error = &sync.ObjectError{Anchor: failed.Anchor, Code: "conflict", Message: "x", Attempts: 1, Since: t0, At: t0}
	dirty.Dirty = true
	commit(t, s, sync.Batch{Put: []*sync.Record{ok, failed, dirty}})
	got := retrying(t, s)
	if want := []string{failed.Anchor, dirty.Anchor}; !reflect.DeepEqual(got, want) {
		t.Errorf("ForEachRetry = %v, want %v", got, want)
	}
	failed.Error = nil
	commit(t, s, sync.Batch{Put: []*sync.Record{failed}, Delete: []string{dirty.Anchor}})
	if got := retrying(t, s); len(got) != 0 {
		t.Errorf("ForEachRetry after the error cleared and the dirty record went = %v, want none", got)
	}
}

func retrying(t *testing.T, s sync.Store) []string {
	t.Helper()
	var out []string
	if err := s.ForEachRetry(func(r *sync.Record) error { out = append(out, r.Anchor); return nil }); err != nil {
		t.Fatalf("ForEachRetry: %v", err)
	}
	return out
}

func testAtomicCommit(t *testing.T, s sync.Store, _ Options) {
	keep := record(1)
	commit(t, s, sync.Batch{Put: []*sync.Record{keep}})
	bad := record(2)
	bad.Anchor = ""
	err := s.Commit(sync.Batch{Put: []*sync.Record{record(3), bad}, Delete: []string{keep.Anchor}, Cursor: &sync.Cursor{Data: []byte("c")}})
	if err == nil {
		t.Fatal("Commit of a record without an anchor succeeded")
	}
	mustGet(t, s, keep.Anchor)
	_, err = s.Get(record(3).Anchor)
	wantNotFound(t, "Get of a record from a failed batch", err)
	_, err = s.Cursor()
	wantNotFound(t, "Cursor from a failed batch", err)
}

func testCursor(t *testing.T, s sync.Store, _ Options) {
	c := sync.Cursor{
		Data:           []byte{0, 1, 2, 0xff},
		Server:         sync.ServerIdentity{DC: "dc2.corp.example.com", InvocationID: "inv2", BindAccount: `CORP\svc`},
		FullServer:     sync.ServerIdentity{DC: "dc1.corp.example.com", InvocationID: "inv1", BindAccount: `CORP\svc`},
		LastFull:       t0,
		LastDelta:      t0.Add(5 * time.Minute),
		MappingVersion: "m1",
	}
	commit(t, s, sync.Batch{Cursor: &c})
	got, err := s.Cursor()
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("Cursor = %+v, %v; want %+v", got, err, c)
	}
	commit(t, s, sync.Batch{Put: []*sync.Record{record(1)}})
	if got, _ := s.Cursor(); !reflect.DeepEqual(got, c) {
		t.Errorf("a batch without a cursor changed it: %+v", got)
	}
}

func run(n int) sync.RunSummary {
	started := t0.Add(time.Duration(n) * time.Minute)
	return sync.RunSummary{
		ID: started.Format("20060102T150405.000Z") + "-0000", Kind: sync.RunDelta, Trigger: "schedule",
		Started: started, Duration: 3 * time.Second, Status: sync.StatusSuccess,
		Counts:   sync.Counts{Imported: n, Created: 1},
		Excluded: map[string]int{"critical system object": 2},
		Warnings: []sync.Warning{{Code: sync.WarnUPNFallback, Message: "m", Count: 1, Objects: []string{"a"}}},
		Errors:   []sync.ObjectError{{RunID: "r", Anchor: "a", Code: "conflict", Message: "x", Since: t0, At: t0}}, ErrorCount: 1,
	}
}

func testRuns(t *testing.T, s sync.Store, _ Options) {
	for _, n := range []int{2, 1, 3} {
		if err := s.AddRun(run(n)); err != nil {
			t.Fatalf("AddRun: %v", err)
		}
	}
	got, err := s.Runs(2)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	if len(got) != 2 || got[0].ID != run(3).ID || got[1].ID != run(2).ID {
		t.Fatalf("Runs(2) = %v, want runs 3 and 2, newest first", ids(got))
	}
	if !reflect.DeepEqual(got[0], run(3)) {
		t.Errorf("Runs()[0] = %+v, want %+v", got[0], run(3))
	}
	all, _ := s.Runs(0)
	if len(all) != 3 {
		t.Errorf("Runs(0) returned %d runs, want all 3", len(all))
	}
	r1, err := s.Run(run(1).ID)
	if err != nil || r1.Counts.Imported != 1 {
		t.Errorf("Run(1) = %+v, %v", r1, err)
	}
	updated := run(1)
	updated.Status = sync.StatusFailed
	if err := s.AddRun(updated); err != nil {
		t.Fatal(err)
	}
	if r1, _ := s.Run(run(1).ID); r1.Status != sync.StatusFailed {
		t.Errorf("AddRun with an existing id did not replace it: %+v", r1)
	}
	if all, _ := s.Runs(0); len(all) != 3 {
		t.Errorf("replacing a run changed the count to %d", len(all))
	}
}

func ids(runs []sync.RunSummary) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func testRunRetention(t *testing.T, s sync.Store, opts Options) {
	if opts.SkipRetention {
		t.Skip("Options.SkipRetention set")
	}
	for n := range sync.MaxRuns + 5 {
		if err := s.AddRun(run(n)); err != nil {
			t.Fatalf("AddRun(%d): %v", n, err)
		}
	}
	all, err := s.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != sync.MaxRuns {
		t.Fatalf("kept %d runs, want %d", len(all), sync.MaxRuns)
	}
	if last := all[len(all)-1].ID; last != run(5).ID {
		t.Errorf("oldest kept run = %s, want %s (the 5 oldest dropped)", last, run(5).ID)
	}
}

func testPlans(t *testing.T, s sync.Store, _ Options) {
	p := &sync.Plan{
		ID: "plan-1", Created: t0, Full: true, Managed: 3, MappingVersion: "m",
		Changes: []sync.Change{{Op: sync.OpCreate, Kind: sync.KindUser, Anchor: "a", Name: "a@x",
			Attributes: sync.Attributes{sync.AttrDisplayName: "A"}, Fingerprint: "f"}},
		Counts: sync.PlanCounts{Creates: 1},
		Names:  map[string]string{"a": "a@x"},
	}
	if err := s.SavePlan(p); err != nil {
		t.Fatalf("SavePlan: %v", err)
	}
	got, err := s.Plan("plan-1")
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("Plan = %+v, %v; want %+v", got, err, p)
	}
	p.Managed = 4
	if err := s.SavePlan(p); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Plan("plan-1"); got.Managed != 4 {
		t.Errorf("SavePlan did not replace the plan")
	}
	if err := s.DeletePlan("plan-1"); err != nil {
		t.Fatalf("DeletePlan: %v", err)
	}
	_, err = s.Plan("plan-1")
	wantNotFound(t, "Plan after DeletePlan", err)
	if err := s.DeletePlan("plan-1"); err != nil {
		t.Errorf("DeletePlan of a missing plan: %v", err)
	}
}

func testReopen(t *testing.T, s sync.Store, opts Options) {
	if opts.Reopen == nil {
		t.Skip("the store does not persist")
	}
	r := record(9)
	c := sync.Cursor{Data: []byte("cookie"), MappingVersion: "m"}
	commit(t, s, sync.Batch{Put: []*sync.Record{r}, Cursor: &c})
	if err := s.AddRun(run(1)); err != nil {
		t.Fatal(err)
	}
	s = opts.Reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })
	if got := mustGet(t, s, r.Anchor); !reflect.DeepEqual(got, r) {
		t.Errorf("record after reopening = %+v, want %+v", got, r)
	}
	if got, err := s.Lookup(sync.IndexDN, r.DN); err != nil || got != r.Anchor {
		t.Errorf("Lookup after reopening = %q, %v", got, err)
	}
	if got, err := s.Cursor(); err != nil || string(got.Data) != "cookie" {
		t.Errorf("Cursor after reopening = %+v, %v", got, err)
	}
	if runs, _ := s.Runs(0); len(runs) != 1 {
		t.Errorf("%d runs after reopening, want 1", len(runs))
	}
}

func testClosed(t *testing.T, s sync.Store, _ Options) {
	commit(t, s, sync.Batch{Put: []*sync.Record{record(1)}})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.Get(record(1).Anchor); !errors.Is(err, sync.ErrStoreClosed) {
		t.Errorf("Get after Close = %v, want sync.ErrStoreClosed", err)
	}
	if err := s.Commit(sync.Batch{Put: []*sync.Record{record(2)}}); !errors.Is(err, sync.ErrStoreClosed) {
		t.Errorf("Commit after Close = %v, want sync.ErrStoreClosed", err)
	}
}
