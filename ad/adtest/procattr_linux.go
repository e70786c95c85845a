package adtest

import "syscall"

// sysProcAttr puts samba in a process group of its own, so stopping it can
// wait for every worker, and makes the kernel send it SIGTERM when the
// test binary dies, even by SIGKILL, so a killed `go test` leaves no DC
// behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
