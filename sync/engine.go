package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	stdsync "sync"
	"time"
)

// Engine runs syncs: import from the Source, map, plan, guard, apply to the
// Target, record in the Store. It is level-based: a full run computes what
// Entra should hold from AD and what it does hold from Entra, and applies
// the difference, whatever happened before; delta runs are a shortcut over
// the changes since the last cursor and the objects that failed.
type Engine struct {
	cfg      Config
	source   Source
	target   Target
	store    Store
	lockPath string
	log      *slog.Logger
	batch    int
	mu       stdsync.Mutex // one run at a time within the process
}

// Option configures an Engine.
type Option func(*Engine)

// WithRunLock makes every run take the run lock at path (see
// [AcquireRunLock]), so runs of different processes never overlap. Use
// [Dirs.LockFile].
func WithRunLock(path string) Option { return func(e *Engine) { e.lockPath = path } }

// WithLogger sets the logger (default: slog.Default()). Runs log with a
// run_id attribute; secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithBatchSize sets how many writes go to Target.Apply at once (default
// 100): the unit of progress, of commits to the store and of cancellation.
func WithBatchSize(n int) Option {
	return func(e *Engine) {
		if n > 0 {
			e.batch = n
		}
	}
}

// NewEngine returns an engine for cfg over the given source, target and
// store. cfg must be valid (see [Config.Validate]); the engine reads its ad
// scope and object types, entra initial domain and sync section.
func NewEngine(cfg Config, src Source, tgt Target, st Store, opts ...Option) (*Engine, error) {
	if src == nil || tgt == nil || st == nil {
		return nil, errors.New("sync: NewEngine needs a source, a target and a store")
	}
	var p problems
	cfg.Sync.validate(&p)
	if len(p) > 0 {
		return nil, &ValidationError{Problems: p}
	}
	e := &Engine{cfg: cfg, source: src, target: tgt, store: st, log: slog.Default(), batch: 100}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Run performs one sync run and records it in the history.
//
// The returned summary is filled in every case. The error says what to do:
//
//   - nil: the run finished. Objects that failed are in the summary's
//     Errors and on their records, and are retried by the next run; the
//     status is StatusSuccess, StatusWithErrors or StatusStaged (a dry run
//     or staging mode, which plan and write nothing).
//   - a [*GuardError] (errors.Is ErrGuardTripped; [GuardErrors] when several
//     tripped): a safety guard refused the plan and nothing was written. It
//     needs a person: retrying gives the same answer. The CLI exits 3.
//   - a [*PlanStaleError]: the saved plan no longer matches the directory.
//   - a [*BusyError]: another run holds the run lock.
//   - an error matching context.Canceled or DeadlineExceeded: ctx ended;
//     the batch in flight was finished and everything applied is recorded.
//   - anything else: the run failed (import, Entra unreachable, a refused
//     permission). Errors marked [Permanent] will not heal by retrying;
//     others will, after a backoff.
//
// The delta cursor only moves past an import whose changes were all
// applied or recorded as per-object errors.
func (e *Engine) Run(ctx context.Context, opts RunOptions) (RunSummary, error) {
	_, sum, err := e.run(ctx, opts)
	return sum, err
}

// Plan makes a dry run (opts.DryRun is forced) and returns its plan, for
// printing ([Plan.WriteTable], JSON) or saving (opts.SavePlan). The plan's
// Blocked field lists the guards it would trip; that is not an error here.
// The other errors are Run's.
func (e *Engine) Plan(ctx context.Context, opts RunOptions) (*Plan, RunSummary, error) {
	opts.DryRun = true
	opts.Plan = nil
	return e.run(ctx, opts)
}

func (e *Engine) run(ctx context.Context, opts RunOptions) (*Plan, RunSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	started := time.Now()
	r := &run{e: e, opts: opts, id: newRunID(started), started: started, ctx: ctx}
	r.sum = RunSummary{ID: r.id, Kind: opts.Kind, Trigger: opts.Trigger, Started: started}
	if r.sum.Kind == "" {
		r.sum.Kind = RunDelta
	}
	r.log = e.log.With("run_id", r.id)

	if e.lockPath != "" {
		lock, err := AcquireRunLock(e.lockPath)
		if err != nil {
			r.sum.Status = StatusFailed
			r.sum.Error = err.Error()
			return nil, r.sum, err // not recorded: the running run owns the history
		}
		defer lock.Release()
	}
	err := r.do()
	r.finish(err)
	if herr := e.store.AddRun(r.sum); herr != nil {
		r.log.Error("record run history", "err", herr)
		if err == nil {
			err = fmt.Errorf("sync: record run history: %w", herr)
		}
	}
	r.log.Info("run finished", "kind", r.sum.Kind, "status", r.sum.Status, "duration", r.sum.Duration,
		"created", r.sum.Counts.Created, "updated", r.sum.Counts.Updated, "deleted", r.sum.Counts.Deleted, "errors", r.sum.ErrorCount)
	return r.plan, r.sum, err
}

// finish sets the summary's status and duration from the run's outcome.
func (r *run) finish(err error) {
	s := &r.sum
	s.Duration = time.Since(r.started)
	s.Warnings = r.w.all()
	s.Counts = r.counts
	s.Excluded = r.excluded
	s.ErrorCount = len(r.objErrors)
	s.Errors = r.objErrors[:min(len(r.objErrors), MaxRunErrors)]
	var ge *GuardError
	var stale *PlanStaleError
	switch {
	case err == nil && s.DryRun:
		s.Status = StatusStaged
	case err == nil && s.ErrorCount > 0:
		s.Status = StatusWithErrors
	case err == nil:
		s.Status = StatusSuccess
	case errors.As(err, &ge):
		s.Status = StatusGuard
		s.Error = err.Error()
	case errors.As(err, &stale):
		s.Status = StatusStale
		s.Error = err.Error()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		s.Status = StatusCancelled
		s.Error = err.Error()
	default:
		s.Status = StatusFailed
		s.Error = err.Error()
	}
	r.progress(PhaseDone, 0, 0)
}

// progress reports the run's state to RunOptions.Progress.
func (r *run) progress(ph Phase, done, total int) {
	if r.opts.Progress == nil {
		return
	}
	r.opts.Progress(Progress{RunID: r.id, Kind: r.sum.Kind, Phase: ph, Done: done, Total: total, Counts: r.counts, Elapsed: time.Since(r.started)})
}
