package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyTerm is the real binary running in a pseudo-terminal of 80x24, with a
// screen reader over what it draws: tests wait for text on the screen,
// never for a fixed time.
type ptyTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File

	mu      stdsync.Mutex
	vt      *vt
	changed chan struct{} // closed at each change, then replaced
	exited  chan struct{} // closed when the process has exited
	err     error         // the process's end, once exited is closed
}

// ptyEnv is the environment of a binary in a terminal: no colour, an xterm.
func ptyEnv(extra ...string) []string {
	env := []string{"TERM=xterm", "NO_COLOR=1", "HOME=" + os.TempDir(), "PATH=" + os.Getenv("PATH")}
	return append(env, extra...)
}

// startTerm runs the binary with args in a new terminal.
func startTerm(t *testing.T, env []string, args ...string) *ptyTerm {
	t.Helper()
	cmd := exec.Command(entrasyncBin(t), args...)
	cmd.Env = env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatalf("start in a terminal: %v", err)
	}
	tm := &ptyTerm{t: t, cmd: cmd, ptmx: ptmx, vt: newVT(80, 24), changed: make(chan struct{}), exited: make(chan struct{})}
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.vt.write(buf[:n])
				close(tm.changed)
				tm.changed = make(chan struct{})
				tm.mu.Unlock()
			}
			if err != nil {
				return // EIO once the process and its children have gone
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		<-read
		tm.mu.Lock()
		tm.err = err
		tm.mu.Unlock()
		close(tm.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-tm.exited:
		default:
			_ = cmd.Process.Kill()
			<-tm.exited
		}
		ptmx.Close()
		if t.Failed() {
			t.Logf("last screen:\n%s", tm.screen())
		}
	})
	return tm
}

// screen returns what the terminal shows.
func (tm *ptyTerm) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.vt.screen()
}

// waitUntil waits until cond holds for the screen and the log of
// everything printed, or fails the test after timeout.
func (tm *ptyTerm) waitUntil(what string, timeout time.Duration, cond func(screen, log string) bool) {
	tm.t.Helper()
	deadline := time.After(timeout)
	for {
		tm.mu.Lock()
		screen, log, changed := tm.vt.screen(), tm.vt.log.String(), tm.changed
		tm.mu.Unlock()
		if cond(screen, log) {
			return
		}
		select {
		case <-changed:
		case <-tm.exited:
			tm.mu.Lock()
			screen, log = tm.vt.screen(), tm.vt.log.String()
			tm.mu.Unlock()
			if cond(screen, log) {
				return
			}
			tm.t.Fatalf("the program exited (%v) before showing %s; screen:\n%s", tm.err, what, screen)
		case <-deadline:
			tm.t.Fatalf("%s not shown within %s; screen:\n%s", what, timeout, screen)
		}
	}
}

// waitText waits until the screen shows text.
func (tm *ptyTerm) waitText(text string, timeout time.Duration) {
	tm.t.Helper()
	tm.waitUntil(quote(text), timeout, func(s, _ string) bool { return strings.Contains(s, text) })
}

// waitLog waits until text was printed, even if it is no longer on the
// screen (before the wizard took it over).
func (tm *ptyTerm) waitLog(text string, timeout time.Duration) {
	tm.t.Helper()
	tm.waitUntil(quote(text)+" (in the output)", timeout, func(_, l string) bool { return strings.Contains(l, text) })
}

// waitFocus waits until the field titled title has the focus: huh draws a
// thick bar before the focused field's title.
func (tm *ptyTerm) waitFocus(title string) {
	tm.t.Helper()
	re := regexp.MustCompile(`(?m)^\s*┃ ` + regexp.QuoteMeta(title))
	tm.waitUntil("the focus on "+quote(title), 20*time.Second, func(s, _ string) bool { return re.MatchString(s) })
}

// Keys.
const (
	keyEnter = "\r"
	keyDown  = "\x1b[B"
	keyCtrlC = "\x03"
)

// send types keys.
func (tm *ptyTerm) send(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if _, err := io.WriteString(tm.ptmx, k); err != nil {
			tm.t.Fatalf("type %q: %v", k, err)
		}
	}
}

// typeInto types text into the focused input and waits until it shows.
func (tm *ptyTerm) typeInto(text string) {
	tm.t.Helper()
	tm.send(text)
	tm.waitText(text, 10*time.Second)
}

// exitCode waits for the process to exit and returns its exit code.
func (tm *ptyTerm) exitCode(timeout time.Duration) int {
	tm.t.Helper()
	select {
	case <-tm.exited:
	case <-time.After(timeout):
		tm.t.Fatalf("the program did not exit within %s; screen:\n%s", timeout, tm.screen())
	}
	var ee *exec.ExitError
	switch {
	case tm.err == nil:
		return 0
	case errors.As(tm.err, &ee):
		return ee.ExitCode()
	}
	tm.t.Fatalf("wait: %v", tm.err)
	return -1
}

// quote quotes s for messages.
func quote(s string) string { return `"` + s + `"` }
