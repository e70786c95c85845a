//go:build !linux

package adtest

import "syscall"

// sysProcAttr puts samba in a process group of its own; outside Linux
// there is no parent-death signal, so only [Main] stops the DC.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
