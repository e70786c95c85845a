package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// runObservation is what one finished run tells the metrics.
type runObservation struct {
	Result   string         // "success", "with_errors", "failed", "guard", "staged" or "cancelled"
	Actions  map[string]int // objects by action: create, update, delete, member_add, …
	Errors   int            // per-object errors
	Duration time.Duration
	End      time.Time
}

// observation turns a finished run's summary into what the metrics count.
func observation(s sync.RunSummary) runObservation {
	result := map[sync.RunStatus]string{
		sync.StatusSuccess: "success", sync.StatusWithErrors: "with_errors", sync.StatusStaged: "staged",
		sync.StatusGuard: "guard", sync.StatusCancelled: "cancelled",
	}[s.Status]
	if result == "" {
		result = "failed"
	}
	c := s.Counts
	return runObservation{
		Result: result,
		Actions: map[string]int{
			"create": c.Created, "adopt": c.Adopted, "update": c.Updated, "delete": c.Deleted,
			"member_add": c.MembersAdded, "member_remove": c.MembersRemoved,
		},
		Errors:   s.ErrorCount,
		Duration: s.Duration,
		End:      s.Started.Add(s.Duration),
	}
}

// metrics holds the service's counters and serves them in the Prometheus
// text exposition format (version 0.0.4). It is small enough that a client
// library would cost more than it saves.
type metrics struct {
	mu           stdsync.Mutex
	runs         map[string]uint64
	objects      map[string]uint64
	errors       uint64
	throttleWait time.Duration
	lastDuration time.Duration
	lastSuccess  time.Time
}

func newMetrics() *metrics {
	return &metrics{runs: map[string]uint64{}, objects: map[string]uint64{}}
}

// observe adds one run.
func (m *metrics) observe(o runObservation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[o.Result]++
	for action, n := range o.Actions {
		m.objects[action] += uint64(n)
	}
	m.errors += uint64(o.Errors)
	m.lastDuration = o.Duration
	if o.Result == "success" {
		m.lastSuccess = o.End
	}
}

// throttled adds a wait that Microsoft Graph's throttling imposed.
func (m *metrics) throttled(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.throttleWait += d
}

// ServeHTTP writes the metrics.
func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	labelled := func(name, label string, values map[string]uint64) {
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s{%s=%q} %d\n", name, label, k, values[k])
		}
	}
	family("entrasync_runs_total", "counter", "Sync runs by result (success, failed, guard, staged).")
	labelled("entrasync_runs_total", "result", m.runs)
	family("entrasync_objects_total", "counter", "Objects written to Entra ID by action.")
	labelled("entrasync_objects_total", "action", nonZero(m.objects))
	family("entrasync_object_errors_total", "counter", "Per-object errors recorded by runs.")
	fmt.Fprintf(&b, "entrasync_object_errors_total %d\n", m.errors)
	family("entrasync_throttle_wait_seconds_total", "counter", "Time spent waiting on Microsoft Graph throttling.")
	fmt.Fprintf(&b, "entrasync_throttle_wait_seconds_total %g\n", m.throttleWait.Seconds())
	family("entrasync_last_run_duration_seconds", "gauge", "Duration of the last run.")
	fmt.Fprintf(&b, "entrasync_last_run_duration_seconds %g\n", m.lastDuration.Seconds())
	family("entrasync_last_success_timestamp_seconds", "gauge", "Unix time of the last successful run (0: none yet).")
	last := 0.0
	if !m.lastSuccess.IsZero() {
		last = float64(m.lastSuccess.UnixMilli()) / 1000
	}
	fmt.Fprintf(&b, "entrasync_last_success_timestamp_seconds %g\n", last)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// nonZero leaves out the zero counts, so that only actions that happened
// appear (a counter that appears at 0 is as good as one that does not).
func nonZero(values map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(values))
	for k, v := range values {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

// throttleHandler is a slog.Handler that passes every record on and adds
// the retry_after of the entra client's "write throttled" records to the
// metrics: the client logs each wait Graph imposes with that attribute.
type throttleHandler struct {
	slog.Handler
	m *metrics
}

// Handle implements slog.Handler.
func (h throttleHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "retry_after" && a.Value.Kind() == slog.KindDuration {
			h.m.throttled(a.Value.Duration())
			return false
		}
		return true
	})
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

// Enabled implements slog.Handler: throttle records count even when the
// log level hides them.
func (h throttleHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (h throttleHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return throttleHandler{Handler: h.Handler.WithAttrs(as), m: h.m}
}

// WithGroup implements slog.Handler.
func (h throttleHandler) WithGroup(name string) slog.Handler {
	return throttleHandler{Handler: h.Handler.WithGroup(name), m: h.m}
}

// errMetricsNotLoopback refuses a metrics address other hosts could reach.
var errMetricsNotLoopback = errors.New("metrics are served on loopback only")

// listenMetrics checks that addr is a loopback host:port and listens on it.
func listenMetrics(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %q: want host:port such as 127.0.0.1:9464: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("metrics.listen %q: %w (use 127.0.0.1 or [::1], and a reverse proxy to publish them)", addr, errMetricsNotLoopback)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %q: %w", addr, err)
	}
	return ln, nil
}

// serveMetrics serves m on ln until ctx ends.
func serveMetrics(ctx context.Context, ln net.Listener, m *metrics) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
