package drill

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/sync"
)

// ownDCEnv makes TestDrillSambaRestart do its work: set when the test
// binary runs it again in a process of its own, which gets a Samba DC of
// its own from adtest (the shared one must not be restarted under the
// other drills).
const ownDCEnv = "ENTRASYNC_DRILL_OWN_DC"

// TestDrillSambaRestart restarts Samba in the middle of a full import, and
// stops it in the middle of another for good: each such run must fail
// cleanly (a failed run that names the directory, no write at all, so no
// delete), a run while the DC is down must fail with a message saying it
// cannot be reached, and the first run once it is back must find nothing
// to do.
func TestDrillSambaRestart(t *testing.T) {
	if os.Getenv(ownDCEnv) == "" {
		t.Parallel()
		relayOwnProcess(t, "^TestDrillSambaRestart$")
		return
	}
	dc := adtest.Start(t)
	n := pick(1_500, 5_000)
	w := newWorld(t, withDC(dc), withTimeout(20*time.Minute))
	w.dc.SeedUsers(t, w.ou, n)
	w.run(sync.RunFull)
	exp := readExpected(t, dc, w.ou)
	stopAt := n / 3 // inside a page: the next page is read from a dead connection

	t.Run("restarted", func(t *testing.T) {
		src := &mangled{inner: w.source(), onEmit: func(i int) {
			if i == stopAt {
				stopSamba(t, dc)
				startSamba(t, dc)
			}
		}}
		mark := w.mark()
		s, err := w.runner(src, unlimited).Run(w.ctx, sync.RunOptions{Kind: sync.RunFull, Trigger: "drill"})
		failedCleanly(t, w, mark, s, err)
		after := w.run(sync.RunFull)
		if after.Counts.Planned != 0 {
			t.Errorf("the run after the restart planned %d changes, want none: %s", after.Counts.Planned, describe(after))
		}
		verdict(t, "drill samba restart: Samba restarted after %s of %s objects of a full import; the run failed cleanly (%q), wrote nothing; the next run found nothing to do", thousands(stopAt), thousands(n), firstLine(err))
	})
	t.Run("down", func(t *testing.T) {
		src := &mangled{inner: w.source(), onEmit: func(i int) {
			if i == stopAt {
				stopSamba(t, dc)
			}
		}}
		mark := w.mark()
		s, err := w.runner(src, unlimited).Run(w.ctx, sync.RunOptions{Kind: sync.RunFull, Trigger: "drill"})
		failedCleanly(t, w, mark, s, err)
		s, err = w.runner(nil, unlimited).Run(w.ctx, sync.RunOptions{Kind: sync.RunDelta, Trigger: "drill"})
		failedCleanly(t, w, mark, s, err)
		if !strings.Contains(err.Error(), "connect to Active Directory") || !strings.Contains(err.Error(), dc.Host) {
			t.Errorf("run while the DC is down: %q, want it to say it cannot connect to %s", err, dc.Host)
		}
		down := firstLine(err)
		startSamba(t, dc)
		after := w.run(sync.RunDelta)
		if after.Counts.Planned != 0 {
			t.Errorf("the run once Samba was back planned %d changes, want none: %s", after.Counts.Planned, describe(after))
		}
		verdict(t, "drill samba down: Samba stopped after %s of %s objects of a full import; that run and one while it was down failed cleanly (%q), wrote nothing; once back, nothing to do", thousands(stopAt), thousands(n), down)
	})
	if c := checkTenant(w.srv, exp, w.baseline); !c.ok() || c.Users != n {
		t.Errorf("tenant after the drills: %s", c)
	}
}

// failedCleanly checks that a run failed on the directory, recorded its
// failure, and wrote nothing to Entra.
func failedCleanly(t *testing.T, w *world, mark int, s sync.RunSummary, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("the run succeeded (%s), want it to fail on the directory", describe(s))
	}
	if !strings.Contains(err.Error(), "Active Directory") {
		t.Errorf("run error %q does not say the directory failed", err)
	}
	if s.Status != sync.StatusFailed {
		t.Errorf("run status %q, want %q", s.Status, sync.StatusFailed)
	}
	if h := w.lastRun(); h.ID != s.ID || h.Status != sync.StatusFailed || h.Error == "" {
		t.Errorf("history's last run %s %q %q, want run %s failed with its error", h.ID, h.Status, h.Error, s.ID)
	}
	if wr := w.writesSince(mark); len(wr) != 0 {
		t.Errorf("the failed run wrote %d times (first: %s %s)", len(wr), wr[0].Method, wr[0].Path)
	}
}

// firstLine is the first line of err's message.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// relayOwnProcess runs the tests matching pattern again in a new process
// of this test binary with ownDCEnv set, prints their verdicts and fails
// when they fail.
func relayOwnProcess(t *testing.T, pattern string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), ownDCEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "VERDICT ") {
			t.Log(strings.TrimPrefix(line, "VERDICT "))
			fmt.Println(line)
		}
	}
	if err != nil {
		t.Fatalf("%s in a process of its own: %v\n%s", pattern, err, out.String())
	}
	if testing.Verbose() {
		t.Logf("output of the process:\n%s", out.String())
	}
}
