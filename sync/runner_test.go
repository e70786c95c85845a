package sync

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestFileRunner(t *testing.T) {
	env := newTestEnv(t)
	seedCompany(env.src)
	dirs := DirsAt(t.TempDir())
	f := &FileRunner{Config: env.cfg, Dirs: dirs, Source: env.src, Target: env.tgt,
		Options: []Option{WithLogger(slog.New(slog.DiscardHandler))}}

	if last, err := f.LastFull(); err != nil || !last.IsZero() {
		t.Errorf("LastFull before any run = %v, %v; want zero", last, err)
	}
	s, err := f.Run(context.Background(), RunOptions{})
	if err != nil || s.Counts.Created != 8 {
		t.Fatalf("first run: %+v, %v", s.Counts, err)
	}
	if last, err := f.LastFull(); err != nil || !last.Equal(s.Started) {
		t.Errorf("LastFull = %v, %v; want the first run's start %v", last, err, s.Started)
	}
	// Between runs the store is free for another reader (the CLI's history).
	st, err := OpenBoltStore(dirs.StoreFile(), 100*time.Millisecond)
	if err != nil {
		t.Fatalf("open the store between runs: %v", err)
	}
	runs, _ := st.Runs(0)
	st.Close()
	if len(runs) != 1 || runs[0].ID != s.ID {
		t.Errorf("history between runs = %+v", runs)
	}

	p, _, err := f.Plan(context.Background(), RunOptions{})
	if err != nil || !p.Empty() {
		t.Errorf("Plan after the sync = %+v, %v; want an empty plan", p, err)
	}

	lock, err := AcquireRunLock(dirs.LockFile())
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Run(context.Background(), RunOptions{})
	lock.Release()
	if !errors.Is(err, ErrBusy) {
		t.Errorf("Run while another holds the lock = %v, want ErrBusy", err)
	}
	if s, err := f.Run(context.Background(), RunOptions{}); err != nil || s.Kind != RunDelta {
		t.Errorf("run after the lock was released: %s, %v", s.Kind, err)
	}
}
