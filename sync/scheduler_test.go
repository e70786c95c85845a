package sync

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	stdsync "sync"
	"testing"
	"testing/synctest"
	"time"
)

// scriptRunner records the runs a scheduler starts (kind and time since
// the start of the bubble) and answers from a script.
type scriptRunner struct {
	mu     stdsync.Mutex
	start  time.Time
	calls  []call
	answer func(n int, ctx context.Context, opts RunOptions) (RunSummary, error)
}

type call struct {
	at   time.Duration
	kind RunKind
}

func (r *scriptRunner) Run(ctx context.Context, opts RunOptions) (RunSummary, error) {
	r.mu.Lock()
	n := len(r.calls)
	r.calls = append(r.calls, call{time.Since(r.start), opts.Kind})
	r.mu.Unlock()
	if r.answer != nil {
		return r.answer(n, ctx, opts)
	}
	return RunSummary{Kind: opts.Kind, Started: time.Now(), Status: StatusSuccess}, nil
}

func (r *scriptRunner) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// runScheduler runs a scheduler in a synctest bubble for d of fake time.
func runScheduler(t *testing.T, r *scriptRunner, o SchedulerOptions, d time.Duration, during func(*Scheduler)) []call {
	t.Helper()
	var out []call
	synctest.Test(t, func(t *testing.T) {
		r.start = time.Now()
		o.Logger = slog.New(slog.DiscardHandler)
		s, err := NewScheduler(r, o)
		if err != nil {
			t.Fatalf("NewScheduler: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		if during != nil {
			during(s)
		}
		time.Sleep(d - time.Since(r.start))
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Scheduler.Run = %v, want nil after ctx ended", err)
		}
		out = r.got()
	})
	return out
}

func TestSchedulerInterval(t *testing.T) {
	r := &scriptRunner{}
	got := runScheduler(t, r, SchedulerOptions{Interval: time.Minute, FullInterval: 3 * time.Minute}, 4*time.Minute+time.Second, nil)
	want := []call{{0, RunFull}, {time.Minute, RunDelta}, {2 * time.Minute, RunDelta}, {3 * time.Minute, RunFull}, {4 * time.Minute, RunDelta}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}

func TestSchedulerLastFullFromHistory(t *testing.T) {
	r := &scriptRunner{}
	var got []call
	synctest.Test(t, func(t *testing.T) {
		// LastFull is read inside the bubble so its clock applies.
		got = runSchedulerIn(t, r, SchedulerOptions{Interval: time.Minute, FullInterval: time.Hour, LastFull: time.Now().Add(-59 * time.Minute)}, 90*time.Second)
	})
	want := []call{{0, RunDelta}, {time.Minute, RunFull}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runs = %v, want %v (full once LastFull is an hour old)", got, want)
	}
}

// runSchedulerIn is runScheduler for a caller already in a bubble.
func runSchedulerIn(t *testing.T, r *scriptRunner, o SchedulerOptions, d time.Duration) []call {
	r.start = time.Now()
	o.Logger = slog.New(slog.DiscardHandler)
	s, err := NewScheduler(r, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(d)
	cancel()
	<-done
	return r.got()
}

func TestSchedulerBackoff(t *testing.T) {
	failing := func(from, to int) *scriptRunner {
		return &scriptRunner{answer: func(n int, _ context.Context, o RunOptions) (RunSummary, error) {
			if n >= from && n <= to {
				return RunSummary{Kind: o.Kind, Status: StatusFailed}, errors.New("dc unreachable")
			}
			return RunSummary{Kind: o.Kind, Started: time.Now(), Status: StatusSuccess}, nil
		}}
	}
	t.Run("doubling from 30s", func(t *testing.T) {
		var events []SchedulerEvent
		got := runScheduler(t, failing(1, 4), SchedulerOptions{Interval: 5 * time.Minute,
			OnEvent: func(e SchedulerEvent) { events = append(events, e) }}, 18*time.Minute, nil)
		// ok at 0; fails at 5m, 5m30s, 6m30s, 8m30s (waits 30s, 1m, 2m, 4m);
		// ok at 12m30s, then the interval again.
		want := []time.Duration{0, 5 * time.Minute, 5*time.Minute + 30*time.Second, 6*time.Minute + 30*time.Second,
			8*time.Minute + 30*time.Second, 12*time.Minute + 30*time.Second, 17*time.Minute + 30*time.Second}
		if at := times(got); !reflect.DeepEqual(at, want) {
			t.Errorf("run times = %v, want %v", at, want)
		}
		peak := 0
		for _, e := range events {
			peak = max(peak, e.Failures)
		}
		if peak != 4 || events[len(events)-1].Failures != 0 {
			t.Errorf("failures peaked at %d and ended at %d, want 4 and 0", peak, events[len(events)-1].Failures)
		}
	})
	t.Run("capped", func(t *testing.T) {
		got := runScheduler(t, failing(0, 100), SchedulerOptions{Interval: time.Minute, MaxBackoff: 2 * time.Minute}, 8*time.Minute, nil)
		want := []time.Duration{0, 30 * time.Second, 90 * time.Second, 210 * time.Second, 330 * time.Second, 450 * time.Second}
		if at := times(got); !reflect.DeepEqual(at, want) {
			t.Errorf("run times = %v, want %v (30s, 1m, then 2m at most)", at, want)
		}
	})
}

func times(cs []call) []time.Duration {
	out := make([]time.Duration, len(cs))
	for i, c := range cs {
		out[i] = c.at
	}
	return out
}

func TestSchedulerPermanentWaitsLongest(t *testing.T) {
	for _, perm := range []error{Permanent(errors.New("consent revoked")), &GuardError{Guard: GuardDeletions}} {
		r := &scriptRunner{answer: func(n int, _ context.Context, o RunOptions) (RunSummary, error) {
			return RunSummary{Kind: o.Kind}, perm
		}}
		got := runScheduler(t, r, SchedulerOptions{Interval: time.Minute, MaxBackoff: 10 * time.Minute}, 25*time.Minute, nil)
		if want := []time.Duration{0, 10 * time.Minute, 20 * time.Minute}; !reflect.DeepEqual(times(got), want) {
			t.Errorf("%v: run times = %v, want %v", perm, times(got), want)
		}
	}
}

func TestSchedulerBusyIsNotAFailure(t *testing.T) {
	r := &scriptRunner{answer: func(n int, _ context.Context, o RunOptions) (RunSummary, error) {
		return RunSummary{Kind: o.Kind}, &BusyError{PID: 42}
	}}
	got := runScheduler(t, r, SchedulerOptions{Interval: time.Minute}, 150*time.Second, nil)
	if want := []time.Duration{0, time.Minute, 2 * time.Minute}; !reflect.DeepEqual(times(got), want) {
		t.Errorf("run times = %v, want the plain interval %v", times(got), want)
	}
}

func TestSchedulerRecoversPanics(t *testing.T) {
	var events []SchedulerEvent
	r := &scriptRunner{answer: func(n int, _ context.Context, o RunOptions) (RunSummary, error) {
		if n == 0 {
			panic("boom")
		}
		return RunSummary{Kind: o.Kind, Started: time.Now(), Status: StatusSuccess}, nil
	}}
	got := runScheduler(t, r, SchedulerOptions{Interval: time.Minute,
		OnEvent: func(e SchedulerEvent) { events = append(events, e) }}, 45*time.Second, nil)
	if want := []time.Duration{0, 30 * time.Second}; !reflect.DeepEqual(times(got), want) {
		t.Errorf("run times = %v, want a retry after the first backoff %v", times(got), want)
	}
	var pe *PanicError
	for _, e := range events {
		if e.Type == EventRunFinished && errors.As(e.Err, &pe) {
			break
		}
	}
	if pe == nil || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Errorf("no run-finished event with the *PanicError: %+v", events)
	}
}

func TestSchedulerTrigger(t *testing.T) {
	r := &scriptRunner{}
	got := runScheduler(t, r, SchedulerOptions{Interval: 10 * time.Minute, LastFull: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}, 13*time.Minute, func(s *Scheduler) {
		time.Sleep(2 * time.Minute)
		s.Trigger(RunFull)
	})
	// The triggered run restarts the interval: next at 12m.
	want := []call{{0, RunDelta}, {2 * time.Minute, RunFull}, {12 * time.Minute, RunDelta}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}

func TestTriggerKeepsFull(t *testing.T) {
	s, err := NewScheduler(&scriptRunner{}, SchedulerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Trigger(RunDelta)
	s.Trigger(RunFull)
	s.Trigger(RunDelta)
	if got := <-s.trigger; got != RunFull {
		t.Errorf("pending trigger = %s, want full (asked for before a delta)", got)
	}
	select {
	case k := <-s.trigger:
		t.Errorf("a second trigger %s is pending, want one", k)
	default:
	}
}

func TestSchedulerManualOnly(t *testing.T) {
	r := &scriptRunner{}
	got := runScheduler(t, r, SchedulerOptions{ManualOnly: true}, time.Hour, func(s *Scheduler) {
		time.Sleep(40 * time.Minute)
		s.Trigger(RunDelta)
	})
	if want := []call{{40 * time.Minute, RunFull}}; !reflect.DeepEqual(got, want) {
		t.Errorf("runs = %v, want only the triggered one %v", got, want)
	}
}

// TestSchedulerStopWaitsForRun cancels during a run: the scheduler waits
// for the runner to finish its batch and return.
func TestSchedulerStopWaitsForRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		finished := false
		r := &scriptRunner{answer: func(n int, ctx context.Context, o RunOptions) (RunSummary, error) {
			<-ctx.Done()
			time.Sleep(3 * time.Second) // the batch in flight
			finished = true
			return RunSummary{Kind: o.Kind, Status: StatusCancelled}, ctx.Err()
		}}
		r.start = time.Now()
		s, _ := NewScheduler(r, SchedulerOptions{Logger: slog.New(slog.DiscardHandler)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		if !finished {
			t.Error("Run returned before the runner finished its batch")
		}
	})
}

func TestSchedulerRejectsShortInterval(t *testing.T) {
	if _, err := NewScheduler(&scriptRunner{}, SchedulerOptions{Interval: 10 * time.Second}); err == nil {
		t.Error("NewScheduler accepted a 10s interval")
	}
}

// TestSchedulerWithEngine runs the real engine under the scheduler: the
// first run is full, the next a delta, and progress reaches the UI.
func TestSchedulerWithEngine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newTestEnv(t)
		seedCompany(env.src)
		var kinds []RunKind
		var phases int
		s, err := NewScheduler(env.engine, SchedulerOptions{Logger: slog.New(slog.DiscardHandler),
			Progress: func(Progress) { phases++ },
			OnEvent: func(e SchedulerEvent) {
				if e.Type == EventRunFinished {
					if e.Err != nil {
						t.Errorf("run failed: %v", e.Err)
					}
					kinds = append(kinds, e.Summary.Kind)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(6 * time.Minute)
		cancel()
		<-done
		if !reflect.DeepEqual(kinds, []RunKind{RunFull, RunDelta}) || phases == 0 {
			t.Errorf("runs %v with %d progress events, want a full then a delta run", kinds, phases)
		}
		if env.tgt.count(KindUser) != 6 {
			t.Errorf("%d users synced", env.tgt.count(KindUser))
		}
	})
}
