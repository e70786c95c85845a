package sync

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dirs are where entrasync keeps its configuration and its state.
type Dirs struct {
	// Config holds config.yaml.
	Config string
	// State holds the secrets, the state store and the run lock.
	State string
}

// DefaultDirs returns /etc/entrasync and /var/lib/entrasync for root, and
// the XDG directories ($XDG_CONFIG_HOME/entrasync, $XDG_STATE_HOME/entrasync,
// by default ~/.config/entrasync and ~/.local/state/entrasync) otherwise.
func DefaultDirs() (Dirs, error) {
	if os.Geteuid() == 0 {
		return Dirs{Config: "/etc/entrasync", State: "/var/lib/entrasync"}, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return Dirs{}, fmt.Errorf("sync: find the home directory for the default state directory (pass --dir instead): %w", err)
	}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(cfg) {
		cfg = filepath.Join(home, ".config")
	}
	state := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(state) {
		state = filepath.Join(home, ".local", "state")
	}
	return Dirs{Config: filepath.Join(cfg, "entrasync"), State: filepath.Join(state, "entrasync")}, nil
}

// DirsAt returns the directories for --dir: configuration and state both in dir.
func DirsAt(dir string) Dirs { return Dirs{Config: dir, State: dir} }

// ConfigFile is the configuration file's path.
func (d Dirs) ConfigFile() string { return filepath.Join(d.Config, "config.yaml") }

// StoreFile is the state store's path.
func (d Dirs) StoreFile() string { return filepath.Join(d.State, "state.db") }

// LockFile is the run lock's path.
func (d Dirs) LockFile() string { return filepath.Join(d.State, "run.lock") }

// Ensure creates both directories, the state directory with mode 0700.
func (d Dirs) Ensure() error {
	if err := os.MkdirAll(d.Config, 0o755); err != nil {
		return fmt.Errorf("sync: create configuration directory: %w", err)
	}
	if err := os.MkdirAll(d.State, 0o700); err != nil {
		return fmt.Errorf("sync: create state directory: %w", err)
	}
	return nil
}
