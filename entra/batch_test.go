package entra_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// batchPosts counts the $batch requests in the emulator's log.
func batchPosts(s *entratest.Server) int { return countRequests(s, "POST", "/v1.0/$batch") }

// TestApplyWrites sends a mix of writes: 45 creates go out as three
// $batch requests of at most 20 (https://learn.microsoft.com/graph/json-batching),
// and every write gets its own result, in order, typed.
func TestApplyWrites(t *testing.T) {
	s, opts := emulator(t)
	opts.Throughput.Concurrency = 1
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	existing := createUsers(t, c, "existing", 2)

	var writes []entra.Write
	for i := range 45 {
		writes = append(writes, entra.Write{Kind: entra.OpCreateUser, User: newUser("batch"+strconv.Itoa(i), ""), Password: entra.GeneratePassword()})
	}
	writes = append(writes,
		entra.Write{Kind: entra.OpUpdateUser, ID: existing[0], User: entra.User{JobTitle: "Boss"}, UserFields: []entra.UserField{entra.JobTitle}},
		entra.Write{Kind: entra.OpDeleteUser, ID: existing[1]},
		entra.Write{Kind: entra.OpDeleteUser, ID: "00000000-0000-0000-0000-0000000000aa"},                      // already gone
		entra.Write{Kind: entra.OpCreateUser, User: newUser("batch0", ""), Password: entra.GeneratePassword()}, // duplicate UPN
		entra.Write{Kind: entra.OpCreateUser, User: entra.User{UserPrincipalName: "x@" + entratest.DefaultUnverifiedDomain, DisplayName: "X", MailNickname: "x"}, Password: entra.GeneratePassword()},
		entra.Write{Kind: entra.OpUpdateUser, ID: existing[0]}, // no fields: refused locally
	)
	s.ResetRequests()
	results := c.ApplyWrites(ctx, writes)
	if len(results) != len(writes) {
		t.Fatalf("%d results for %d writes", len(results), len(writes))
	}
	for i := range 45 {
		r := results[i]
		if r.Err != nil || r.Requests != 1 {
			t.Fatalf("create %d: %+v", i, r)
		}
		o, ok := s.Object(r.ID)
		if want := writes[i].User.UserPrincipalName; !ok || o.String("userPrincipalName") != want {
			t.Errorf("result %d has id %s, which is not %s", i, r.ID, want)
		}
	}
	checks := []struct {
		name     string
		r        entra.WriteResult
		sentinel error
		noop     bool
	}{
		{"update", results[45], nil, false},
		{"delete", results[46], nil, false},
		{"delete of a missing user", results[47], nil, true},
		{"duplicate UPN", results[48], entra.ErrConflict, false},
		{"unverified domain", results[49], entra.ErrUPNDomainNotVerified, false},
		{"update without fields", results[50], nil, false},
	}
	for _, ch := range checks {
		switch {
		case ch.name == "update without fields":
			if ch.r.Err == nil || ch.r.Requests != 0 {
				t.Errorf("%s: %+v, want a local error and no request", ch.name, ch.r)
			}
		case ch.sentinel == nil && (ch.r.Err != nil || ch.r.NoOp != ch.noop):
			t.Errorf("%s: %+v, want success with NoOp %v", ch.name, ch.r, ch.noop)
		case ch.sentinel != nil && !errors.Is(ch.r.Err, ch.sentinel):
			t.Errorf("%s: %v, want %v", ch.name, ch.r.Err, ch.sentinel)
		}
	}
	if n := batchPosts(s); n != 3 {
		t.Errorf("%d $batch requests for 50 writes, want 3", n)
	}
	if o, _ := s.Object(existing[0]); o.String("jobTitle") != "Boss" {
		t.Errorf("jobTitle %q after the batched update, want Boss", o.String("jobTitle"))
	}
}

// TestApplyWritesThrottledItem: Graph throttles items inside a batch with
// 429 and Retry-After (https://learn.microsoft.com/graph/throttling); they
// are sent again in a later batch, not before Retry-After, and succeed.
func TestApplyWritesThrottledItem(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	s.InjectFault(entratest.Fault{Method: "POST", Path: "/v1.0/users", Status: 429, RetryAfter: time.Second, Times: 2})
	var writes []entra.Write
	for i := range 5 {
		writes = append(writes, entra.Write{Kind: entra.OpCreateUser, User: newUser("t"+strconv.Itoa(i), ""), Password: entra.GeneratePassword()})
	}
	s.ResetRequests()
	results := c.ApplyWrites(ctx, writes)
	retried := 0
	for i, r := range results {
		if r.Err != nil {
			t.Errorf("write %d: %v", i, r.Err)
		}
		if r.Requests == 2 {
			retried++
		}
	}
	if retried != 2 {
		t.Errorf("%d writes needed a second request, want the 2 throttled ones", retried)
	}
	// Each item belongs to the last $batch that started before it: compare
	// the items of the second batch with the 429s of the first.
	var starts []time.Time
	for _, r := range s.Requests() {
		if r.Path == "/v1.0/$batch" {
			starts = append(starts, r.Time)
		}
	}
	batchOf := func(at time.Time) int {
		n := 0
		for _, st := range starts {
			if !st.After(at) {
				n++
			}
		}
		return n
	}
	var throttledAt time.Time
	var resent int
	for _, r := range s.Requests() {
		if r.BatchItem == "" || r.Path != "/v1.0/users" {
			continue
		}
		switch batchOf(r.Time) {
		case 1:
			if r.Status == 429 {
				throttledAt = r.Time
			}
		case 2:
			resent++
			if wait := r.Time.Sub(throttledAt); wait < time.Second {
				t.Errorf("throttled item sent again %v after the 429, want at least Retry-After (1s)", wait)
			}
		}
	}
	if resent != 2 {
		t.Errorf("%d items in the second batch, want the 2 throttled ones", resent)
	}
	if n := batchPosts(s); n != 2 {
		t.Errorf("%d $batch requests, want 2 (the throttled items re-queued together)", n)
	}
}

// TestApplyWritesGivesUp: an item throttled on every attempt ends as a
// ThrottledError after MaxAttempts requests; 503 is retried the same way.
func TestApplyWritesGivesUp(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			s, opts := emulator(t)
			c := syncClient(t, s, opts)
			s.InjectFault(entratest.Fault{Method: "DELETE", Path: "/v1.0/users/*", Status: status})
			ids := createUsers(t, c, "doomed", 1)
			r := c.ApplyWrites(testContext(t), []entra.Write{{Kind: entra.OpDeleteUser, ID: ids[0]}})[0]
			var te *entra.ThrottledError
			if !errors.As(r.Err, &te) || !entra.IsRetryable(r.Err) {
				t.Fatalf("got %v, want a ThrottledError", r.Err)
			}
			if r.Requests != opts.Throughput.MaxAttempts {
				t.Errorf("%d requests, want MaxAttempts (%d)", r.Requests, opts.Throughput.MaxAttempts)
			}
		})
	}
}

// TestWriteBudget: with the emulator enforcing a write budget, a client
// whose budget is smaller is never throttled, and a client without one is
// throttled but still gets every write through. (The client counts a write
// when it queues the request, a few milliseconds before Graph does: the
// default budget keeps 5 % of 150 s for that; this test's half-second
// window needs more.)
func TestWriteBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of paced writes")
	}
	for _, tc := range []struct {
		name      string
		writes    int
		throttled bool
	}{
		{"paced", 10, false},
		{"unpaced", 1000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, opts := emulator(t, entratest.WithThrottle(entratest.ThrottleModel{WriteLimit: 20, WriteWindow: 500 * time.Millisecond}))
			opts.Throughput.Writes, opts.Throughput.Window = tc.writes, 500*time.Millisecond
			opts.Throughput.MaxAttempts = 20
			c := syncClient(t, s, opts)
			var writes []entra.Write
			for i := range 25 {
				writes = append(writes, entra.Write{Kind: entra.OpCreateUser, User: newUser("p"+strconv.Itoa(i), ""), Password: entra.GeneratePassword()})
			}
			for i, r := range c.ApplyWrites(testContext(t), writes) {
				if r.Err != nil {
					t.Fatalf("write %d: %v", i, r.Err)
				}
			}
			var throttled int
			for _, r := range s.Requests() {
				if r.Throttled {
					throttled++
				}
			}
			if (throttled > 0) != tc.throttled {
				t.Errorf("%d requests throttled, want throttling %v", throttled, tc.throttled)
			}
		})
	}
}

// TestApplyWritesCancelled: writes not answered when the context ends get
// the context's error.
func TestApplyWritesCancelled(t *testing.T) {
	s, opts := emulator(t)
	c := syncClient(t, s, opts)
	s.InjectFault(entratest.Fault{Path: "/v1.0/$batch", Delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	for i, r := range c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpCreateUser, User: newUser("late", ""), Password: entra.GeneratePassword()}}) {
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("write %d: %v, want context.DeadlineExceeded", i, r.Err)
		}
	}
}

// TestApplyWritesDroppedConnection: when the connection drops under a
// $batch, Graph may or may not have applied it. Idempotent writes are sent
// again; a create is reported, for the engine to look its anchor up.
func TestApplyWritesDroppedConnection(t *testing.T) {
	s, opts := emulator(t)
	c := syncClient(t, s, opts)
	ids := createUsers(t, c, "drop", 1)
	s.InjectFault(entratest.Fault{Path: "/v1.0/$batch", Drop: true, Times: 1})
	results := c.ApplyWrites(testContext(t), []entra.Write{
		{Kind: entra.OpUpdateUser, ID: ids[0], User: entra.User{JobTitle: "Pilot"}, UserFields: []entra.UserField{entra.JobTitle}},
		{Kind: entra.OpCreateUser, User: newUser("dropped", ""), Password: entra.GeneratePassword()},
	})
	if r := results[0]; r.Err != nil || r.Requests != 2 {
		t.Errorf("update: %+v, want success on the second request", r)
	}
	if r := results[1]; r.Err == nil || errors.Is(r.Err, entra.ErrConflict) {
		t.Errorf("create: %+v, want the connection error", r)
	}
}
