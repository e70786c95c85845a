package entra

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimiterBudget sends 3 bursts of writes through a budget of 10 per
// minute on synctest's fake clock and checks that no sliding minute ever
// holds more than 10 sends, and that the budget is used (not starved).
func TestLimiterBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(10, time.Minute)
		ctx := context.Background()
		start := time.Now()
		var sent []time.Time
		for _, k := range []int{4, 4, 4, 4, 4, 4, 4, 4} {
			if err := l.wait(ctx, k); err != nil {
				t.Fatal(err)
			}
			for range k {
				sent = append(sent, time.Now())
			}
		}
		for i := range sent {
			n := 0
			for _, s := range sent[i:] {
				if s.Sub(sent[i]) < time.Minute {
					n++
				}
			}
			if n > 10 {
				t.Fatalf("%d writes within a minute of write %d (at %v), want at most 10", n, i, sent[i].Sub(start))
			}
		}
		// 32 writes at 10 per minute: the last batch may start after 3
		// windows, not later.
		if got, want := sent[len(sent)-1].Sub(start), 3*time.Minute; got > want {
			t.Errorf("last write at %v, want by %v", got, want)
		}
	})
}

// TestLimiterPause checks that a pause (Graph's Retry-After) holds back
// writes that the budget would allow.
func TestLimiterPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(100, time.Minute)
		start := time.Now()
		l.pause(start.Add(5 * time.Second))
		if err := l.wait(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 5*time.Second {
			t.Errorf("write sent after %v, want 5s", got)
		}
		l.pause(start) // an earlier pause does not shorten the current one
		if err := l.wait(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 5*time.Second {
			t.Errorf("second write sent after %v, want 5s", got)
		}
	})
}

// TestLimiterCancel checks that a writer waiting for budget gives up when
// its context is done.
func TestLimiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1, time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := l.wait(ctx, 1); err != nil {
			t.Fatalf("first write: %v", err)
		}
		if err := l.wait(ctx, 1); err != context.DeadlineExceeded {
			t.Errorf("second write: got %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestThroughputDefaults(t *testing.T) {
	tp, err := Throughput{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if tp.Writes != DefaultWrites || tp.Window != DefaultWindow || tp.BatchSize != 20 || tp.Concurrency != DefaultConcurrency || tp.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults = %+v", tp)
	}
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 10: time.Minute} {
		if got := tp.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	for _, bad := range []Throughput{{BatchSize: 21}, {Writes: -1}} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v: no error, want one", bad)
		}
	}
}
