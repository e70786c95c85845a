package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

func TestMetricsExposition(t *testing.T) {
	m := newMetrics()
	end := time.Unix(1_700_000_000, 500_000_000)
	m.observe(runObservation{Result: "success", Actions: map[string]int{"create": 3, "update": 2, "delete": 0}, Errors: 1,
		Duration: 2 * time.Second, End: end})
	m.observe(runObservation{Result: "guard", Actions: map[string]int{"create": 1}, End: end.Add(time.Minute)})
	m.throttled(1500 * time.Millisecond)

	ln, err := listenMetrics("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveMetrics(ctx, ln, m) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})

	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type: got %q", ct)
	}
	for _, want := range []string{
		`entrasync_runs_total{result="guard"} 1`,
		`entrasync_runs_total{result="success"} 1`,
		`entrasync_objects_total{action="create"} 4`,
		`entrasync_objects_total{action="update"} 2`,
		`entrasync_object_errors_total 1`,
		`entrasync_throttle_wait_seconds_total 1.5`,
		`entrasync_last_success_timestamp_seconds 1.7000000005e+09`,
		`# TYPE entrasync_runs_total counter`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), `action="delete"`) {
		t.Errorf("metrics show an action that never happened:\n%s", body)
	}
}

func TestObservation(t *testing.T) {
	start := time.Date(2026, 8, 7, 10, 0, 0, 0, time.UTC)
	tests := map[sync.RunStatus]string{
		sync.StatusSuccess: "success", sync.StatusWithErrors: "with_errors", sync.StatusStaged: "staged",
		sync.StatusGuard: "guard", sync.StatusCancelled: "cancelled", sync.StatusFailed: "failed", sync.StatusStale: "failed",
	}
	for status, want := range tests {
		o := observation(sync.RunSummary{Status: status, Started: start, Duration: 3 * time.Second, ErrorCount: 2,
			Counts: sync.Counts{Created: 4, Adopted: 1, Updated: 5, Deleted: 6, MembersAdded: 7, MembersRemoved: 8}})
		if o.Result != want {
			t.Errorf("%s: result got %q, want %q", status, o.Result, want)
		}
		wantActions := map[string]int{"create": 4, "adopt": 1, "update": 5, "delete": 6, "member_add": 7, "member_remove": 8}
		if !maps.Equal(o.Actions, wantActions) {
			t.Errorf("%s: actions got %v, want %v", status, o.Actions, wantActions)
		}
		if o.Errors != 2 || !o.End.Equal(start.Add(3*time.Second)) {
			t.Errorf("%s: got errors %d end %v, want 2 and %v", status, o.Errors, o.End, start.Add(3*time.Second))
		}
	}
}

func TestThrottleHandlerCountsWaitsWhateverTheLevel(t *testing.T) {
	m := newMetrics()
	var logged bytes.Buffer
	logger := slog.New(throttleHandler{Handler: newLogger(&logged, slog.LevelWarn, false).Handler(), m: m})
	// As the entra client logs a throttled write (entra/batch.go).
	logger.Info("entra: write throttled; sending it again later", "op", "create user", "retry_after", 2*time.Second, "attempt", 1)
	logger.With("run_id", "r1").Info("entra: write throttled; sending it again later", "retry_after", 500*time.Millisecond)
	logger.Info("something else", "retry_after", "not a duration")
	if m.throttleWait != 2500*time.Millisecond {
		t.Errorf("throttle wait: got %v, want 2.5s", m.throttleWait)
	}
	if logged.Len() != 0 {
		t.Errorf("info records were written at level warn: %q", logged.String())
	}
	logger.Warn("visible")
	if !strings.Contains(logged.String(), "visible") {
		t.Errorf("a warning was not written: %q", logged.String())
	}
}

func TestListenMetricsRefusesOtherHosts(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "192.0.2.1:9464", "example.com:9464"} {
		if _, err := listenMetrics(addr); !errors.Is(err, errMetricsNotLoopback) {
			t.Errorf("listenMetrics(%q): got %v, want errMetricsNotLoopback", addr, err)
		}
	}
	if _, err := listenMetrics("9464"); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("listenMetrics without a port: got %v, want a host:port hint", err)
	}
}
