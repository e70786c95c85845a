package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// cliWorld is entrasync set up by its own binary (setup --non-interactive)
// against the Samba DC, scoped to an OU of the test, and an emulator.
type cliWorld struct {
	t   *testing.T
	dc  *adtest.DC
	srv *entratest.Server
	ou  string
	dir string
	bin string
}

// newCLIWorld sets entrasync up over an OU holding users (sAMAccountNames,
// UPNs on example.com), with the initial sync.
func newCLIWorld(t *testing.T, users ...string) *cliWorld {
	t.Helper()
	w := &cliWorld{t: t, dc: adtest.Start(t), bin: entrasyncBin(t), dir: filepath.Join(t.TempDir(), "es")}
	w.srv = entratest.NewServer(t, entratest.WithTenant(e2eTenant()), entratest.WithAutoApprove(0, entratest.DefaultGlobalAdmin))
	w.ou = w.dc.NewOU(t, "")
	for _, u := range users {
		w.addUser(u)
	}
	pw := filepath.Join(t.TempDir(), "admin.pw")
	if err := os.WriteFile(pw, []byte(w.dc.AdminPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	w.run(0, "setup", "--non-interactive", "--authority-host", w.srv.AuthorityHost(), "--graph-endpoint", w.srv.URL,
		"--entra-ca-file", w.srv.CAFile(), "--ad-host", w.dc.Host, "--ad-ca-file", w.dc.CAFile, "--ad-admin", w.dc.AdminDownLevel,
		"--ad-admin-password-file", pw, "--include-ou", w.ou, "--allow-unverified-suffixes")
	return w
}

// addUser adds an enabled user to the world's OU and returns its UPN.
func (w *cliWorld) addUser(sam string) string {
	w.t.Helper()
	sam += uniqueTag() // unique in the DC, also across -count runs
	w.dc.Add(w.t, "CN="+sam+","+w.ou, map[string][]string{
		"objectClass": {"user"}, "sAMAccountName": {sam}, "userPrincipalName": {sam + "@" + adtest.AltSuffix}, "displayName": {sam},
	})
	return sam + "@" + adtest.AltSuffix
}

// command returns the binary with --dir and args, not started.
func (w *cliWorld) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(w.bin, append([]string{"--dir", w.dir}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir}, env...)
	return cmd
}

// run runs the binary to its end, checks the exit code and returns stderr.
func (w *cliWorld) run(want int, args ...string) string {
	w.t.Helper()
	cmd := w.command(nil, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if got := exitCodeOf(w.t, err); got != want {
		w.t.Fatalf("entrasync %s: exit code %d, want %d; stderr:\n%s", strings.Join(args, " "), got, want, stderr.String())
	}
	return stderr.String()
}

// exitCodeOf returns the exit code an exec error carries.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

// waitLockHolder waits until the process pid holds the run lock: it writes
// its pid into the lock file once it has the lock.
func waitLockHolder(t *testing.T, lockFile string, pid int) {
	t.Helper()
	want := "pid " + strconv.Itoa(pid) + "\n"
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(lockFile); err == nil && strings.HasPrefix(string(b), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("pid %d did not take the run lock %s", pid, lockFile)
}

// TestSecondSyncWhileOneRunsThenInterrupt holds a sync inside its run (the
// emulator answers its first Graph request slowly), checks that a second
// sync and status say a run is in progress, then interrupts the first with
// SIGINT: it exits 130 and the history records the run.
func TestSecondSyncWhileOneRunsThenInterrupt(t *testing.T) {
	w := newCLIWorld(t, "ola")
	pia := w.addUser("pia")
	remove := w.srv.InjectFault(entratest.Fault{Path: "/v1.0/*", Delay: time.Minute, Times: 1})
	defer remove()

	first := w.command(nil, "sync")
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Process.Kill() })
	waitLockHolder(t, sync.DirsAt(w.dir).LockFile(), first.Process.Pid)

	stderr := w.run(exitError, "sync")
	if want := "entrasync: another run (pid " + strconv.Itoa(first.Process.Pid) + ", started "; !strings.Contains(stderr, want) {
		t.Errorf("second sync: stderr lacks %q:\n%s", want, stderr)
	}
	if !strings.Contains(stderr, "is in progress: wait for it to finish") || !strings.Contains(stderr, "hint: wait for the run to finish") {
		t.Errorf("second sync: stderr does not say to wait:\n%s", stderr)
	}
	out, err := w.command(nil, "status").Output()
	if err != nil || !regexp.MustCompile(`Run in progress +yes`).Match(out) {
		t.Errorf("status during a run: %v\n%s", err, out)
	}

	if err := first.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := exitCodeOf(t, first.Wait()); code != exitInterrupted {
		t.Errorf("interrupted sync: exit code %d, want %d; stderr:\n%s", code, exitInterrupted, firstErr.String())
	}
	t.Logf("the interrupted sync said:\n%s", firstErr.String())
	if !strings.Contains(firstErr.String(), "entrasync: interrupted") {
		t.Errorf("interrupted sync: stderr lacks the interruption:\n%s", firstErr.String())
	}
	if _, ok := w.srv.UserByUPN(pia); ok {
		t.Errorf("the interrupted run created %s before it was stopped", pia)
	}
	// The lock is free again; the next sync does the work.
	w.run(0, "sync")
	if _, ok := w.srv.UserByUPN(pia); !ok {
		t.Errorf("the sync after the interruption did not create %s", pia)
	}
	out, err = w.command(nil, "history").Output()
	if err != nil || !regexp.MustCompile(`delta +manual +(cancelled|failed)`).Match(out) {
		t.Errorf("history does not show the interrupted run: %v\n%s", err, out)
	}
}

// TestRunServiceSyncsServesMetricsAndStopsOnSIGTERM runs `entrasync run`
// as systemd would (JOURNAL_STREAM set): it syncs at once, serves the
// metrics on loopback, syncs on SIGUSR1, and exits 0 on SIGTERM after
// logging that it stopped.
func TestRunServiceSyncsServesMetricsAndStopsOnSIGTERM(t *testing.T) {
	w := newCLIWorld(t, "quin")
	d := sync.DirsAt(w.dir)
	cfg, err := sync.LoadConfig(d.ConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Metrics.Listen = freeLoopbackAddr(t)
	if err := sync.SaveConfig(d.ConfigFile(), cfg); err != nil {
		t.Fatal(err)
	}
	rae := w.addUser("rae")

	svc := w.command([]string{"JOURNAL_STREAM=8:12345"}, "run")
	stderr, err := svc.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Process.Kill() })
	logs := make(chan string, 1000)
	var all bytes.Buffer
	go func() {
		defer close(logs)
		sc := bufio.NewScanner(io.TeeReader(stderr, &all))
		for sc.Scan() {
			logs <- sc.Text()
		}
	}()
	metricsURL := "http://" + cfg.Metrics.Listen + "/metrics"
	waitLog(t, logs, "serving metrics")

	waitMetric(t, metricsURL, `entrasync_runs_total{result="success"} 1`)
	if _, ok := w.srv.UserByUPN(rae); !ok {
		t.Errorf("the service's first run did not create %s", rae)
	}
	body := waitMetric(t, metricsURL, `entrasync_objects_total{action="create"} 1`)
	for _, want := range []string{"# TYPE entrasync_last_success_timestamp_seconds gauge", "entrasync_object_errors_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}

	sam := w.addUser("sam")
	if err := svc.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, metricsURL, `entrasync_runs_total{result="success"} 2`)
	if _, ok := w.srv.UserByUPN(sam); !ok {
		t.Errorf("the run SIGUSR1 asked for did not create %s", sam)
	}

	if err := svc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "entrasync service stopped")
	for range logs {
	}
	if code := exitCodeOf(t, svc.Wait()); code != 0 {
		t.Errorf("SIGTERM: exit code %d, want 0; log:\n%s", code, all.String())
	}
	log := all.String()
	if strings.Contains(log, "\x1b[") {
		t.Errorf("the service log holds terminal escapes:\n%q", log)
	}
	if strings.Contains(log, "time=") {
		t.Errorf("under systemd the log leaves the time to the journal, but has time=:\n%s", log)
	}
	if _, err := http.Get(metricsURL); err == nil {
		t.Error("the metrics endpoint still answers after the service stopped")
	}
}

// freeLoopbackAddr returns a loopback address with a port nothing listens on.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitLog waits for a log line containing text.
func waitLog(t *testing.T, logs <-chan string, text string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-logs:
			if !ok {
				t.Fatalf("the service ended before logging %q", text)
			}
			if strings.Contains(l, text) {
				return
			}
		case <-timeout:
			t.Fatalf("the service did not log %q", text)
		}
	}
}

// waitMetric polls the metrics until they hold line, and returns them.
func waitMetric(t *testing.T, url, line string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var body []byte
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), line+"\n") {
				return string(body)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("metrics never showed %q; last:\n%s", line, body)
	return ""
}

// TestObjectErrorsAreListedByRun makes Graph refuse one create: sync exits
// 1 naming the run, status lists the object waiting for a retry, and
// history --errors shows why; the next sync repairs it.
func TestObjectErrorsAreListedByRun(t *testing.T) {
	w := newCLIWorld(t, "tia")
	uma := w.addUser("uma")
	remove := w.srv.InjectFault(entratest.Fault{Method: "POST", Path: "/v1.0/users", Status: http.StatusBadRequest,
		Code: "Request_BadRequest", Message: "Property userType has an invalid value.", Times: 1})
	stderr := w.run(exitError, "sync")
	remove()
	m := regexp.MustCompile("1 objects failed and are retried at the next run: see `entrasync --dir \\S+ history --errors (\\S+)`").FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("sync does not name the run to look at:\n%s", stderr)
	}
	out, err := w.command(nil, "status").Output()
	if err != nil || !regexp.MustCompile(`waiting to be retried after an error`).Match(out) || !strings.Contains(string(out), "create "+uma) {
		t.Errorf("status does not list %s as waiting: %v\n%s", uma, err, out)
	}
	out, err = w.command(nil, "history", "--errors", m[1]).Output()
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(uma) + ` +user +create +invalid-value +1 +.*invalid value`)
	if !row.Match(out) {
		t.Errorf("history --errors %s lacks the row of %s:\n%s", m[1], uma, out)
	}
	w.run(0, "sync")
	if _, ok := w.srv.UserByUPN(uma); !ok {
		t.Errorf("the next sync did not create %s", uma)
	}
}
