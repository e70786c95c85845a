package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
)

// writerSource is the fake directory with ms-DS-ConsistencyGuid
// write-back: it sets the attribute where it is empty, as AD's modify
// "add" does, and logs the change, so the next delta imports the user.
type writerSource struct {
	*fakeSource
	fail    func(AnchorWrite) error // per-write fault, nothing written
	callErr error                   // the whole call fails
	calls   int
	written []GUID
}

func (s *writerSource) WriteAnchors(_ context.Context, ws []AnchorWrite) ([]error, error) {
	s.calls++
	if s.callErr != nil {
		return nil, s.callErr
	}
	out := make([]error, len(ws))
	for i, w := range ws {
		if s.fail != nil {
			if out[i] = s.fail(w); out[i] != nil {
				continue
			}
		}
		s.mu.Lock()
		o := s.objects[w.GUID]
		s.mu.Unlock()
		switch {
		case o == nil:
			out[i] = ErrSourceGone
		case bytes.Equal(o.ConsistencyGUID, w.Value):
		case len(o.ConsistencyGUID) > 0:
			out[i] = ErrAnchorHeld
		default:
			s.edit(w.GUID, func(o *SourceObject) { o.ConsistencyGUID = slices.Clone(w.Value) })
			s.written = append(s.written, w.GUID)
		}
	}
	return out, nil
}

// withWriter makes env's engine use a writerSource over its fake source.
func (env *testEnv) withWriter() *writerSource {
	env.t.Helper()
	ws := &writerSource{fakeSource: env.src}
	e, err := NewEngine(env.cfg, ws, env.tgt, env.store, WithBatchSize(7), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		env.t.Fatal(err)
	}
	env.engine = e
	return ws
}

// consistencyGUID returns the ms-DS-ConsistencyGuid the fake directory
// holds for g.
func (s *fakeSource) consistencyGUID(g GUID) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.objects[g].ConsistencyGUID)
}

// TestWriteBackAfterCreate: after the initial sync every synced user
// without ms-DS-ConsistencyGuid holds its objectGUID there; a user with one
// keeps it; groups and objects not synced get none; the next run imports
// the users that changed and does nothing.
func TestWriteBackAfterCreate(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	own := []byte("alice's own guid")
	env.src.edit(guid(1), func(o *SourceObject) { o.ConsistencyGUID = own })
	ws := env.withWriter()
	s := env.run(RunOptions{})
	if s.Status != StatusSuccess || s.Counts.Created != 8 || s.Counts.AnchorsWritten != 5 {
		t.Fatalf("initial sync: status %q, %d created, %d anchors written; want success, 8, 5", s.Status, s.Counts.Created, s.Counts.AnchorsWritten)
	}
	for _, n := range []int{2, 3, 4, 5, 6} {
		g := guid(n)
		if got := env.src.consistencyGUID(g); !bytes.Equal(got, g[:]) {
			t.Errorf("user %d: ms-DS-ConsistencyGuid %x, want its objectGUID %x", n, got, g[:])
		}
	}
	if got := env.src.consistencyGUID(guid(1)); !bytes.Equal(got, own) {
		t.Errorf("alice's ms-DS-ConsistencyGuid = %q, want her own kept", got)
	}
	for _, n := range []int{20, 21, 32, 33} { // groups, krbtgt, the connector
		if got := env.src.consistencyGUID(guid(n)); got != nil {
			t.Errorf("object %d got ms-DS-ConsistencyGuid %x, want none", n, got)
		}
	}

	env.tgt.takeWrites()
	calls := ws.calls
	s = env.run(RunOptions{})
	if s.Counts.Imported != 5 || s.Counts.Planned != 0 || s.Counts.AnchorsWritten != 0 || ws.calls != calls {
		t.Errorf("next delta: %d imported, %d planned, %d anchors written, %d write-back calls; want the 5 changed users, nothing to do", s.Counts.Imported, s.Counts.Planned, s.Counts.AnchorsWritten, ws.calls-calls)
	}
	if w := env.tgt.takeWrites(); len(w) != 0 {
		t.Errorf("the write-back made %d Entra writes at the next run, want 0: %+v", len(w), w)
	}
	if s := env.run(RunOptions{Kind: RunFull}); s.Counts.Planned != 0 || ws.calls != calls {
		t.Errorf("full run after the write-back: %d planned, %d write-back calls; want nothing", s.Counts.Planned, ws.calls-calls)
	}
}

// TestWriteBackOnlyWithConsistencyGUIDAnchor: with objectGUID as the
// anchor, nothing is written back.
func TestWriteBackOnlyWithConsistencyGUIDAnchor(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.Sync.SourceAnchor = AnchorObjectGUID })
	seedCompany(env.src)
	ws := env.withWriter()
	if s := env.run(RunOptions{}); s.Counts.Created != 8 || ws.calls != 0 || s.Counts.AnchorsWritten != 0 {
		t.Errorf("created %d, %d write-back calls, %d written; want 8 and no write-back", s.Counts.Created, ws.calls, s.Counts.AnchorsWritten)
	}
}

// TestWriteBackFailureRetried: a failed write-back is an error on the
// object, never on the Entra side, and the next run writes it.
func TestWriteBackFailureRetried(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	ws := env.withWriter()
	ws.fail = func(w AnchorWrite) error {
		if w.GUID == guid(2) {
			return errors.New("ldap: busy")
		}
		return nil
	}
	s := env.run(RunOptions{})
	if s.Status != StatusWithErrors || s.ErrorCount != 1 || s.Errors[0].Op != OpWriteAnchor || s.Errors[0].Object != "bob@corp.example.com" || s.Counts.AnchorsWritten != 5 {
		t.Fatalf("status %q, errors %+v, %d written; want bob's write-back failed and the other 5 written", s.Status, s.Errors, s.Counts.AnchorsWritten)
	}
	if env.tgt.byUPN("bob@corp.example.com") == nil || s.Counts.Created != 8 {
		t.Errorf("bob not created in Entra (%d created): a write-back failure must not block the Entra side", s.Counts.Created)
	}
	rec, err := env.store.Get(anchorOf(newUser(2, "bob", ""), AnchorConsistencyGUID))
	if err != nil || rec.Error == nil || rec.Error.Op != OpWriteAnchor || rec.EntraID == "" {
		t.Fatalf("bob's record = %+v, %v; want linked to Entra with the write-back error", rec, err)
	}

	// Still failing: a second attempt is counted.
	s = env.run(RunOptions{})
	if s.ErrorCount != 1 || s.Errors[0].Attempts != 2 {
		t.Errorf("second run: errors %+v, want bob's write-back failing for the 2nd time", s.Errors)
	}
	ws.fail = nil
	s = env.run(RunOptions{})
	bob := guid(2)
	if s.Status != StatusSuccess || s.Counts.AnchorsWritten != 1 || !bytes.Equal(env.src.consistencyGUID(bob), bob[:]) {
		t.Errorf("retry: status %q, %d written, bob's ms-DS-ConsistencyGuid %x; want success and bob's objectGUID", s.Status, s.Counts.AnchorsWritten, env.src.consistencyGUID(guid(2)))
	}
	if rec, _ := env.store.Get(rec.Anchor); rec.Error != nil {
		t.Errorf("bob's record keeps the error %+v after the write-back succeeded", rec.Error)
	}
	if n := env.tgt.count(KindUser); n != 6 {
		t.Errorf("%d users in Entra, want 6 (no duplicate from the retries)", n)
	}
}

// TestWriteBackDenied: without the right to write ms-DS-ConsistencyGuid
// the run warns once, with the fix, stops writing back, and succeeds; a
// later full run with the right writes every user.
func TestWriteBackDenied(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	for n := 40; n < 45; n++ { // 11 users: two batches of write-backs
		env.src.put(newUser(n, fmt.Sprintf("user%d", n), fmt.Sprintf("user%d@corp.example.com", n)))
	}
	ws := env.withWriter()
	ws.fail = func(AnchorWrite) error { return ErrWriteBackDenied }
	s := env.run(RunOptions{})
	w, ok := warning(s, WarnWriteBack)
	if s.Status != StatusSuccess || s.ErrorCount != 0 || !ok || w.Count != 1 || ws.calls != 1 || s.Counts.Created != 13 {
		t.Fatalf("status %q, %d errors, warning %+v, %d calls, %d created; want success, one anchor-write-back warning, one call, 13 created",
			s.Status, s.ErrorCount, w, ws.calls, s.Counts.Created)
	}
	ws.fail = nil
	if s := env.run(RunOptions{Kind: RunFull}); s.Counts.AnchorsWritten != 11 || s.Counts.Planned != 0 {
		t.Errorf("full run with the right: %d written, %d planned; want the 11 users written and nothing planned", s.Counts.AnchorsWritten, s.Counts.Planned)
	}
}

// TestWriteBackCallFails: a directory that cannot be reached records every
// write of the call on its object; the Entra side is done.
func TestWriteBackCallFails(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	ws := env.withWriter()
	ws.callErr = errors.New("ad: connection refused")
	s := env.run(RunOptions{})
	if s.Counts.Created != 8 || s.ErrorCount != 6 || s.Status != StatusWithErrors {
		t.Errorf("%d created, %d errors, status %q; want 8 created and the 6 users' write-backs failed", s.Counts.Created, s.ErrorCount, s.Status)
	}
	ws.callErr = nil
	if s := env.run(RunOptions{}); s.Counts.AnchorsWritten != 6 || s.ErrorCount != 0 {
		t.Errorf("retry: %d written, %d errors; want 6 and none", s.Counts.AnchorsWritten, s.ErrorCount)
	}
}

// TestWriteBackSkipsFailedCreate: a user whose create failed has no Entra
// object, so nothing is written back for it.
func TestWriteBackSkipsFailedCreate(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	ws := env.withWriter()
	env.tgt.failWrite = func(w Write) error {
		if w.Op == WriteCreate && w.Attributes[AttrUserPrincipalName] == "carol@corp.example.com" {
			return &InvalidValueError{Property: AttrDisplayName, Value: "Carol", Reason: "test"}
		}
		return nil
	}
	env.run(RunOptions{})
	if got := env.src.consistencyGUID(guid(3)); got != nil || slices.Contains(ws.written, guid(3)) {
		t.Errorf("carol's create failed but her ms-DS-ConsistencyGuid was written: %x", got)
	}
	if !slices.Contains(ws.written, guid(2)) {
		t.Error("bob's anchor was not written back")
	}
}
