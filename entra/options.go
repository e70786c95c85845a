package entra

import (
	"fmt"
	"log/slog"
	"time"
)

// Options configure a Client. The zero Options talk to PublicCloud within
// Graph's documented write budget.
type Options struct {
	// Cloud is where to sign in and call Graph; zero means PublicCloud.
	Cloud Cloud
	// Throughput paces and retries writes; zero fields take the defaults
	// documented on Throughput.
	Throughput Throughput
	// Logger receives throttling and retry events (never tokens or
	// secrets); nil discards them.
	Logger *slog.Logger
}

// Throughput sizes batching, pacing and retries. Graph allows an
// application 3,000 writes per 150 s in one tenant
// (https://learn.microsoft.com/graph/throttling-limits, "Identity and access
// service limits"); every request inside a $batch counts.
type Throughput struct {
	// Writes per Window is the client-side write budget: no more than
	// Writes requests that change something are sent in any Window.
	// Default 2,850 per 150 s: Graph's 3,000 less 5 % for writes in flight
	// and for other tools of the same app.
	Writes int
	Window time.Duration
	// Concurrency is the number of $batch requests in flight (default 4).
	Concurrency int
	// BatchSize is the number of requests per $batch, at most 20
	// (https://learn.microsoft.com/graph/json-batching); default 20.
	BatchSize int
	// MaxAttempts is how many times one write is sent before a throttled
	// (429) or unavailable (503, 504) answer becomes its result (default 6).
	// It also caps the SDK's own retries of whole requests.
	MaxAttempts int
	// Backoff is the first wait after a throttled answer without
	// Retry-After; it doubles each attempt up to MaxBackoff (defaults 2 s
	// and 60 s). A Retry-After from Graph is always honoured instead.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Default write budget and pacing.
const (
	DefaultWrites      = 2850
	DefaultWindow      = 150 * time.Second
	DefaultConcurrency = 4
	MaxBatchSize       = 20
	DefaultMaxAttempts = 6
)

func (t Throughput) withDefaults() (Throughput, error) {
	if t.Writes < 0 || t.Window < 0 || t.Concurrency < 0 || t.BatchSize < 0 || t.MaxAttempts < 0 || t.Backoff < 0 || t.MaxBackoff < 0 {
		return t, fmt.Errorf("entra: throughput %+v: values must not be negative", t)
	}
	if t.BatchSize > MaxBatchSize {
		return t, fmt.Errorf("entra: batch size %d: Graph takes at most %d requests per $batch", t.BatchSize, MaxBatchSize)
	}
	if t.Writes == 0 {
		t.Writes = DefaultWrites
	}
	if t.Window == 0 {
		t.Window = DefaultWindow
	}
	if t.Concurrency == 0 {
		t.Concurrency = DefaultConcurrency
	}
	if t.BatchSize == 0 {
		t.BatchSize = MaxBatchSize
	}
	if t.BatchSize > t.Writes {
		t.BatchSize = t.Writes
	}
	if t.MaxAttempts == 0 {
		t.MaxAttempts = DefaultMaxAttempts
	}
	if t.Backoff == 0 {
		t.Backoff = 2 * time.Second
	}
	if t.MaxBackoff == 0 {
		t.MaxBackoff = time.Minute
	}
	if t.MaxBackoff < t.Backoff {
		t.MaxBackoff = t.Backoff
	}
	return t, nil
}

// backoff is the wait before attempt n+1 when Graph gave no Retry-After.
func (t Throughput) backoff(attempt int) time.Duration {
	d := t.Backoff
	for i := 1; i < attempt && d < t.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, t.MaxBackoff)
}
