package drill

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce stdsync.Once
	binPath string
	binErr  error
)

// binDirPrefix names the directories the built binaries go in, one per
// test process: $TMPDIR/entrasync-drill-<pid>.
const binDirPrefix = "entrasync-drill-"

// entrasyncBinary builds cmd/entrasync once per test binary (about 30 s)
// into a directory of this process. adtest.Main ends the process, so the
// directory outlives it: each build first removes those of processes that
// are gone.
func entrasyncBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		removeStaleBinaries()
		dir := filepath.Join(os.TempDir(), binDirPrefix+strconv.Itoa(os.Getpid()))
		if binErr = os.MkdirAll(dir, 0o700); binErr != nil {
			return
		}
		binPath = filepath.Join(dir, "entrasync")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/entrasync/entrasync/cmd/entrasync")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			binErr = errors.New("go build ./cmd/entrasync: " + err.Error() + "\n" + out.String())
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// removeStaleBinaries removes the binary directories of test processes
// that have ended.
func removeStaleBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), binDirPrefix))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// command returns `entrasync --dir <world> args...`, not started, with a
// minimal environment (no inherited secrets, HOME in the state directory).
func (w *world) command(args ...string) *exec.Cmd {
	w.t.Helper()
	cmd := exec.Command(entrasyncBinary(w.t), append([]string{"--dir", w.dir}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir, "TERM=dumb"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// result is how a run of the binary ended.
type result struct {
	Code           int
	Stdout, Stderr string
	MaxRSSKiB      int64 // peak resident set size of the process
	Elapsed        time.Duration
}

// exec runs the binary to its end.
func (w *world) exec(args ...string) result {
	w.t.Helper()
	return runCommand(w.t, w.command(args...))
}

// runCommand runs cmd to its end and reports how it went.
func runCommand(tb testing.TB, cmd *exec.Cmd) result {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		tb.Fatalf("run %s: %v", strings.Join(cmd.Args, " "), err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSKiB = ru.Maxrss
	}
	return r
}
