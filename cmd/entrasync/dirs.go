package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/entrasync/entrasync/sync"
)

// resolveDirs picks the configuration and state directories: --dir when
// given (both in it, sync.DirsAt); else, under systemd, the
// CONFIGURATION_DIRECTORY and STATE_DIRECTORY that the unit's
// ConfigurationDirectory= and StateDirectory= export; else sync's
// defaults (/etc/entrasync and /var/lib/entrasync as root, the XDG
// directories otherwise).
func resolveDirs(override string, getenv func(string) string) (sync.Dirs, error) {
	if override != "" {
		abs, err := filepath.Abs(override)
		if err != nil {
			return sync.Dirs{}, fmt.Errorf("--dir %q: %w", override, err)
		}
		return sync.DirsAt(abs), nil
	}
	// systemd separates several directories with ':'; the unit names one.
	cfg, _, _ := strings.Cut(getenv("CONFIGURATION_DIRECTORY"), ":")
	state, _, _ := strings.Cut(getenv("STATE_DIRECTORY"), ":")
	if filepath.IsAbs(cfg) && filepath.IsAbs(state) {
		return sync.Dirs{Config: cfg, State: state}, nil
	}
	return sync.DefaultDirs()
}

// looseDirError refuses a state directory that other users can enter: it
// holds the secrets and the state store.
type looseDirError struct {
	Dir  string
	Mode os.FileMode
}

func (e *looseDirError) Error() string {
	return fmt.Sprintf("refusing to use the state directory %s: it is open to group or others (mode %04o) and holds secrets: run `chmod 700 %s`",
		e.Dir, e.Mode.Perm(), shellQuote(e.Dir))
}

// checkStateDir refuses a state directory that group or others may enter,
// as ssh refuses a loose ~/.ssh. A missing one is fine: ensureDirs creates
// it private.
func checkStateDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("state directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("the state directory %s is not a directory", dir)
	case fi.Mode().Perm()&0o077 != 0:
		return &looseDirError{Dir: dir, Mode: fi.Mode()}
	}
	return nil
}

// ensureDirs creates the directories, the state directory first and mode
// 0700: with --dir both are one directory, which must stay private.
func ensureDirs(d sync.Dirs) error {
	if err := os.MkdirAll(d.State, 0o700); err != nil {
		return fmt.Errorf("create the state directory: %w", err)
	}
	if err := checkStateDir(d.State); err != nil {
		return err
	}
	return d.Ensure()
}
