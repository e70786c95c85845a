package adtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// addressLease is a loopback address held through a lock file for the life
// of the test binary. The kernel drops the lock when the process dies, so
// a crashed binary never keeps an address.
type addressLease struct {
	ip      string
	dir     string // instance directory of this address
	release func()
}

// sambaPorts are the TCP ports "server services = ldap" listens on.
var sambaPorts = []int{389, 636, 3268, 3269}

// leaseAddress finds a free 127.0.0.x (x from 2 up): its lock file is not
// held by another process and its ports are free.
func leaseAddress() (*addressLease, error) {
	root := filepath.Join(os.TempDir(), "entrasync-adtest")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	var busy []string
	for x := 2; x < 255; x++ {
		ip := "127.0.0." + strconv.Itoa(x)
		release, err := lockFile(filepath.Join(root, ip+".lock"), false)
		if errors.Is(err, errLocked) {
			continue
		}
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(root, "dc-"+ip)
		stopStale(dir)
		if err := os.RemoveAll(dir); err != nil {
			release()
			return nil, fmt.Errorf("remove the stale instance %s: %w", dir, err)
		}
		if err := portsFree(ip); err != nil {
			release()
			busy = append(busy, err.Error())
			if len(busy) >= 3 {
				return nil, fmt.Errorf("no free loopback address for Samba: %s (is another LDAP server listening on all addresses?)", strings.Join(busy, "; "))
			}
			continue
		}
		return &addressLease{ip: ip, dir: dir, release: release}, nil
	}
	return nil, errors.New("no free loopback address for Samba: 127.0.0.2-254 are all leased by running tests")
}

func portsFree(ip string) error {
	for _, p := range sambaPorts {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err != nil {
			return fmt.Errorf("%s:%d is in use", ip, p)
		}
		l.Close()
	}
	return nil
}

// stopStale ends a samba left behind in dir by a test binary that was
// killed before it could stop it, identified by the pid file samba wrote
// there and by its executable (samba rewrites its command line).
func stopStale(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "run", "samba.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil || filepath.Base(exe) != "samba" {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitGroupGone(pid, time.After(5*time.Second))
}

var errLocked = errors.New("locked by another process")

// lockFile takes an exclusive flock on path, waiting for it when wait is
// true, and returns the function that releases it.
func lockFile(path string, wait bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
