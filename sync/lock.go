package sync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrBusy is matched (errors.Is) by [*BusyError].
var ErrBusy = errors.New("sync: another run is in progress")

// BusyError says another run holds the run lock: the service's scheduled
// run, or a `entrasync sync` in another terminal.
type BusyError struct {
	// PID and Started describe the holder, as it wrote them in the lock
	// file; zero when it had not written them yet.
	PID     int
	Started time.Time
	Path    string
}

// Error returns the message, naming what went wrong and how to fix it.
func (e *BusyError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("sync: another run is in progress (lock %s): wait for it to finish", e.Path)
	}
	return fmt.Sprintf("sync: another run (pid %d, started %s) is in progress: wait for it to finish", e.PID, e.Started.Local().Format(time.DateTime))
}

// Is reports whether target is ErrBusy.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// RunLock is the one-run-at-a-time lock: an flock(2) on a file in the state
// directory. The kernel drops it when the process dies, so a crashed run
// never leaves a stale lock.
type RunLock struct {
	f *os.File
}

// AcquireRunLock takes the run lock at path without waiting, or returns a
// [*BusyError] naming the holder's pid and start time.
func AcquireRunLock(path string) (*RunLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sync: create state directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sync: open run lock: %w", err)
	}
	if err := AdoptDirOwner(path); err != nil {
		f.Close()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, readHolder(path)
		}
		return nil, fmt.Errorf("sync: take run lock %s: %w", path, err)
	}
	// Tell a waiting process who holds the lock. A failure here only makes
	// its message vaguer, so it is not an error.
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "pid %d\nstarted %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return &RunLock{f: f}, nil
}

// readHolder reads what the lock's holder wrote.
func readHolder(path string) error {
	e := &BusyError{Path: path}
	data, err := os.ReadFile(path)
	if err != nil {
		return e
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "pid":
			e.PID, _ = strconv.Atoi(v)
		case "started":
			e.Started, _ = time.Parse(time.RFC3339, v)
		}
	}
	return e
}

// Release drops the lock. It is safe to call more than once.
func (l *RunLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	_ = f.Truncate(0)
	// Closing the file releases the flock.
	if err := f.Close(); err != nil {
		return fmt.Errorf("sync: release run lock: %w", err)
	}
	return nil
}
