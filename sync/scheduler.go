package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Runner runs one sync run; [*Engine] is one. The CLI may wrap an engine to
// open the store only for the run (bbolt locks the file while it is open).
type Runner interface {
	Run(ctx context.Context, opts RunOptions) (RunSummary, error)
}

// SchedulerOptions configure a [Scheduler]. Zero values take the defaults.
type SchedulerOptions struct {
	// Interval between runs: default 5m (DefaultInterval), at least 30s.
	Interval time.Duration
	// FullInterval: a run is a full one when the last full run is at least
	// this old. Default 24h.
	FullInterval time.Duration
	// MaxBackoff caps the wait after consecutive failures, and is the wait
	// after a permanent one (a tripped guard, a refused permission).
	// Default 1h; never less than Interval.
	MaxBackoff time.Duration
	// LastFull is when the last full run was applied (Cursor.LastFull);
	// zero makes the first run a full one.
	LastFull time.Time
	// ManualOnly runs nothing on its own: only Trigger starts runs (the
	// configuration's schedulerEnabled: false).
	ManualOnly bool
	// Progress receives the progress of every run.
	Progress func(Progress)
	// OnEvent receives the scheduler's events, from its goroutine.
	OnEvent func(SchedulerEvent)
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// EventType is the type of a [SchedulerEvent].
type EventType string

// The scheduler's events.
const (
	EventRunStarted  EventType = "run started"
	EventRunFinished EventType = "run finished"
	EventWaiting     EventType = "waiting" // Next says until when
)

// SchedulerEvent tells a UI or the log what the scheduler does.
type SchedulerEvent struct {
	Type EventType
	Kind RunKind
	// Summary and Err are the finished run's (EventRunFinished).
	Summary RunSummary
	Err     error
	// Next is when the next run starts on its own (EventWaiting); zero in
	// manual-only mode.
	Next time.Time
	// Failures counts consecutive failed runs.
	Failures int
}

// Scheduler runs syncs on an interval, with a periodic full run, a manual
// trigger, capped exponential backoff after failures and panic recovery.
type Scheduler struct {
	r       Runner
	o       SchedulerOptions
	trigger chan RunKind
}

// NewScheduler returns a scheduler for r.
func NewScheduler(r Runner, o SchedulerOptions) (*Scheduler, error) {
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.Interval < MinInterval {
		return nil, fmt.Errorf("sync: scheduler interval %s is below the minimum of %s", o.Interval, MinInterval)
	}
	if o.FullInterval == 0 {
		o.FullInterval = DefaultFullInterval
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = time.Hour
	}
	o.MaxBackoff = max(o.MaxBackoff, o.Interval)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Scheduler{r: r, o: o, trigger: make(chan RunKind, 1)}, nil
}

// Trigger asks for a run now (the menu's Sync now, a signal). It never
// blocks: when a run is already asked for, a full one wins over a delta.
// A trigger during a run starts another right after it.
func (s *Scheduler) Trigger(kind RunKind) {
	for {
		select {
		case s.trigger <- kind:
			return
		default:
		}
		select {
		case old := <-s.trigger:
			if old == RunFull {
				kind = RunFull
			}
		default:
		}
	}
}

// Run runs syncs until ctx ends: the first at once (unless manual-only),
// then every Interval, full ones every FullInterval. When ctx ends during a
// run, the engine finishes the batch in flight and Run returns once it has.
// It returns nil when stopped by ctx.
func (s *Scheduler) Run(ctx context.Context) error {
	lastFull := s.o.LastFull
	failures := 0
	var timer *time.Timer
	var tick <-chan time.Time
	wait := func(d time.Duration) {
		if s.o.ManualOnly {
			s.emit(SchedulerEvent{Type: EventWaiting, Failures: failures})
			return
		}
		timer = time.NewTimer(d)
		tick = timer.C
		s.emit(SchedulerEvent{Type: EventWaiting, Next: time.Now().Add(d), Failures: failures})
	}
	wait(0)
	for {
		kind := RunDelta
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case <-tick:
		case kind = <-s.trigger:
			if timer != nil {
				timer.Stop()
			}
		}
		if lastFull.IsZero() || time.Since(lastFull) >= s.o.FullInterval {
			kind = RunFull
		}
		s.emit(SchedulerEvent{Type: EventRunStarted, Kind: kind, Failures: failures})
		sum, err := s.runOnce(ctx, RunOptions{Kind: kind, Trigger: "schedule", Progress: s.o.Progress})
		if err == nil && sum.Kind == RunFull {
			lastFull = sum.Started
		}
		if ctx.Err() != nil {
			s.emit(SchedulerEvent{Type: EventRunFinished, Kind: sum.Kind, Summary: sum, Err: err, Failures: failures})
			return nil
		}
		next := s.o.Interval
		switch {
		case err == nil:
			failures = 0
		case errors.Is(err, ErrBusy):
			// Another process is syncing (a manual run): not a failure.
		case IsPermanent(err):
			failures++
			next = s.o.MaxBackoff
			s.o.Logger.Error("sync run failed; it needs attention before it can succeed", "err", err, "retry_in", next)
		default:
			failures++
			next = s.backoff(failures)
			s.o.Logger.Warn("sync run failed", "err", err, "failures", failures, "retry_in", next)
		}
		s.emit(SchedulerEvent{Type: EventRunFinished, Kind: sum.Kind, Summary: sum, Err: err, Failures: failures})
		wait(next)
	}
}

// backoff is the wait after n consecutive failures: 30s, 1m, 2m, ... up to
// MaxBackoff.
func (s *Scheduler) backoff(n int) time.Duration {
	d := MinInterval
	for i := 1; i < n && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.o.MaxBackoff)
}

// PanicError is a run that panicked, recovered by the scheduler so the
// service keeps running.
type PanicError struct {
	Value any
	Stack []byte
}

// Error returns the message.
func (e *PanicError) Error() string { return fmt.Sprintf("sync: the run panicked: %v", e.Value) }

func (s *Scheduler) runOnce(ctx context.Context, opts RunOptions) (sum RunSummary, err error) {
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Value: v, Stack: debug.Stack()}
			s.o.Logger.Error("sync run panicked", "panic", v, "stack", string(pe.Stack))
			sum = RunSummary{Kind: opts.Kind, Status: StatusFailed, Error: pe.Error()}
			err = pe
		}
	}()
	return s.r.Run(ctx, opts)
}

func (s *Scheduler) emit(e SchedulerEvent) {
	if s.o.OnEvent != nil {
		s.o.OnEvent(e)
	}
}
