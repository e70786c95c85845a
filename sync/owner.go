package sync

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// AdoptDirOwner gives path the owner and group of the directory holding
// it, when this process runs as root and they differ; otherwise it does
// nothing. An administrator running entrasync as root (the task menu's
// "Sync now", a rotation) then leaves no root-owned file behind in a state
// directory that the service's own user owns (the systemd unit's
// DynamicUser), which the service could no longer read.
func AdoptDirOwner(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	dir, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync: stat %s: %w", filepath.Dir(path), err)
	}
	file, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("sync: stat %s: %w", path, err)
	}
	d, ok1 := dir.Sys().(*syscall.Stat_t)
	f, ok2 := file.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 || (d.Uid == f.Uid && d.Gid == f.Gid) {
		return nil
	}
	if err := os.Lchown(path, int(d.Uid), int(d.Gid)); err != nil {
		return fmt.Errorf("sync: give %s the owner of its directory: %w", path, err)
	}
	return nil
}
