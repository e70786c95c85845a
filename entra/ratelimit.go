package entra

import (
	"context"
	stdsync "sync"
	"time"
)

// limiter keeps writes within a budget of n per window over any sliding
// window, the way Graph counts them, and holds every writer back while
// Graph has asked to come back later (Retry-After). Callers reserve slots
// in order, so waiting writers are served first come, first served.
type limiter struct {
	mu     stdsync.Mutex
	n      int
	window time.Duration
	ring   []time.Time // send times of the last n writes, oldest at head
	head   int
	paused time.Time // no write before this time
}

func newLimiter(n int, window time.Duration) *limiter {
	// The ring grows with use, up to n: a generous budget costs nothing
	// until it is spent.
	return &limiter{n: n, window: window, ring: make([]time.Time, 0, min(n, 1024))}
}

// reserve books k writes and returns when they may be sent: now, or later
// when the budget or a pause says so. k is capped at the budget.
func (l *limiter) reserve(k int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	k = min(max(k, 1), l.n)
	at := time.Now()
	if l.paused.After(at) {
		at = l.paused
	}
	// The k writes replace the k oldest of the last n: each may go only a
	// window after the one it replaces.
	if free := l.n - len(l.ring); k > free {
		oldest := l.ring[(l.head+k-free-1)%l.n]
		if t := oldest.Add(l.window); t.After(at) {
			at = t
		}
	}
	for range k {
		if len(l.ring) < l.n {
			l.ring = append(l.ring, at)
			continue
		}
		l.ring[l.head] = at
		l.head = (l.head + 1) % l.n
	}
	return at
}

// wait reserves k writes and sleeps until they may be sent, or until ctx
// is done.
func (l *limiter) wait(ctx context.Context, k int) error {
	return sleepUntil(ctx, l.reserve(k))
}

// pause holds every write back until t (Graph's Retry-After).
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	if t.After(l.paused) {
		l.paused = t
	}
	l.mu.Unlock()
}

// sleepUntil waits until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
