package sync

import (
	"context"
	"errors"
	"time"
)

// FileRunner runs each sync with the state in files: it takes the run lock
// ([Dirs.LockFile]), opens the store ([Dirs.StoreFile]), runs an [Engine],
// then closes the store and releases the lock. Between runs other
// processes (`entrasync status`, `history`, the menu's Sync now) can open
// the store, which bbolt locks while it is open. It is the [Runner] the
// service gives its [Scheduler].
type FileRunner struct {
	Config Config
	Dirs   Dirs
	Source Source
	Target Target
	// Options are passed to NewEngine (not WithRunLock: the runner holds
	// the lock itself).
	Options []Option
	// StoreTimeout bounds the wait for the store file (default 5s).
	StoreTimeout time.Duration
}

var _ Runner = (*FileRunner)(nil)

// Run implements [Runner]: [Engine.Run] between taking the lock and
// opening the store, and closing both. A busy lock is a [*BusyError].
func (f *FileRunner) Run(ctx context.Context, opts RunOptions) (RunSummary, error) {
	var sum RunSummary
	err := f.with(func(e *Engine) error {
		var err error
		sum, err = e.Run(ctx, opts)
		return err
	})
	return sum, err
}

// Plan implements [Engine.Plan] the same way.
func (f *FileRunner) Plan(ctx context.Context, opts RunOptions) (*Plan, RunSummary, error) {
	var p *Plan
	var sum RunSummary
	err := f.with(func(e *Engine) error {
		var err error
		p, sum, err = e.Plan(ctx, opts)
		return err
	})
	return p, sum, err
}

// LastFull returns when the last full run was applied, zero before the
// first: the service passes it as SchedulerOptions.LastFull so a restart
// does not force a full run.
func (f *FileRunner) LastFull() (time.Time, error) {
	store, err := OpenBoltStore(f.Dirs.StoreFile(), f.storeTimeout())
	if err != nil {
		return time.Time{}, err
	}
	defer store.Close()
	c, err := store.Cursor()
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, nil
	}
	return c.LastFull, err
}

func (f *FileRunner) storeTimeout() time.Duration {
	if f.StoreTimeout == 0 {
		return 5 * time.Second
	}
	return f.StoreTimeout
}

func (f *FileRunner) with(fn func(*Engine) error) (err error) {
	lock, err := AcquireRunLock(f.Dirs.LockFile())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, lock.Release()) }()
	store, err := OpenBoltStore(f.Dirs.StoreFile(), f.storeTimeout())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, store.Close()) }()
	e, err := NewEngine(f.Config, f.Source, f.Target, store, f.Options...)
	if err != nil {
		return err
	}
	return fn(e)
}
