package drill

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/entrasync/entrasync/ad/adtest"
)

// adtest has no way to stop and start its DC again (its process handle is
// unexported), so the Samba drill does it from the outside: SIGTERM to the
// PID samba writes in its pid directory, then samba started again by hand
// on the same configuration. Only a test binary with a DC of its own may
// do this (see TestDrillSambaRestart): adtest's shared admin connection
// does not survive it.

// stopSamba stops the DC's samba and waits until all its processes are
// gone and its LDAPS port is closed.
func stopSamba(tb testing.TB, dc *adtest.DC) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(dc.Dir, "run", "samba.pid"))
	if err != nil {
		tb.Fatalf("find samba's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		tb.Fatalf("samba.pid holds %q", data)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		tb.Fatalf("stop samba (pid %d): %v", pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(-pid, 0) == nil || portOpen(dc.LDAPSAddr()) {
		if time.Now().After(deadline) {
			tb.Fatalf("samba (pid %d) still runs 30 s after SIGTERM", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startSamba starts the DC's samba again, as adtest does, and waits until
// it answers LDAPS; it is stopped when the test ends.
func startSamba(tb testing.TB, dc *adtest.DC) {
	tb.Helper()
	bin, err := exec.LookPath("samba")
	if err != nil {
		bin = "/usr/sbin/samba"
	}
	logf, err := os.OpenFile(filepath.Join(dc.Dir, "log", "samba-restarted.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-s", filepath.Join(dc.Dir, "etc", "smb.conf"), "--foreground", "--no-process-group", "--debug-stdout", "-d", "1")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dc.Dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	started, done := make(chan error), make(chan struct{})
	go func() {
		// The parent-death signal follows the thread that forked.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	if err := <-started; err != nil {
		tb.Fatalf("start samba again: %v", err)
	}
	tb.Cleanup(func() {
		pid := cmd.Process.Pid
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-done
		}
		for i := 0; i < 200 && syscall.Kill(-pid, 0) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := pingLDAPS(dc)
		if err == nil {
			return
		}
		select {
		case <-done:
			tb.Fatalf("samba exited while starting again; see %s", filepath.Join(dc.Dir, "log"))
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("samba did not answer LDAPS within 60 s of starting again: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pingLDAPS reads the rootDSE over LDAPS.
func pingLDAPS(dc *adtest.DC) error {
	c, err := ldap.DialURL(dc.LDAPSURL(), ldap.DialWithTLSConfig(dc.TLSConfig()), ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 2, false, "(objectClass=*)", []string{"dnsHostName"}, nil))
	return err
}

// portOpen reports whether something accepts connections at addr.
func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
