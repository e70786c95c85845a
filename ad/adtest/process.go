package adtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// process is a samba started in the foreground, so its PID is the one to
// signal, in a process group of its own that holds its workers (see
// procattr_linux.go; --no-process-group stops samba from making another).
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // set when done is closed
}

func startSamba(bin, conf, dir string) (*process, error) {
	logPath := filepath.Join(dir, "log", "samba.out")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-s", conf, "--foreground", "--no-process-group", "--debug-stdout", "-d", "1")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	p := &process{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	started := make(chan error)
	go func() {
		// The parent-death signal follows the thread that forked, not the
		// process: keep this thread for samba's whole life.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			logf.Close()
			started <- fmt.Errorf("start %s: %w", bin, err)
			return
		}
		started <- nil
		p.err = cmd.Wait()
		if p.err == nil {
			p.err = fmt.Errorf("exit status 0")
		}
		logf.Close()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// exited returns the exit error once samba has exited, else nil.
func (p *process) exited() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// stop sends SIGTERM (samba then stops its workers, about 1.7 s), waits
// until no process of its group is left, and sends SIGKILL to the group
// after 15 s.
func (p *process) stop() error {
	pgid := p.cmd.Process.Pid
	if p.exited() == nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(15 * time.Second)
	select {
	case <-p.done:
	case <-deadline:
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("samba (pid %d) ignored SIGTERM for 15 s and was killed", pgid)
	}
	return waitGroupGone(pgid, deadline)
}

// waitGroupGone waits until the process group pgid is empty, and kills
// what is left of it at deadline.
func waitGroupGone(pgid int, deadline <-chan time.Time) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for syscall.Kill(-pgid, 0) == nil {
		select {
		case <-tick.C:
		case <-deadline:
			syscall.Kill(-pgid, syscall.SIGKILL)
			return fmt.Errorf("samba workers of group %d outlived it and were killed", pgid)
		}
	}
	return nil
}

func (p *process) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	return tail(b, n)
}
