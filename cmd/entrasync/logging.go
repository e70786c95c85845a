package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/entrasync/entrasync/sync"
)

// secretKeys are log attribute keys whose values are never written,
// whatever a package logs under them.
var secretKeys = []string{"password", "secret", "token", "private_key", "client_secret", "access_token", "refresh_token"}

// newLogger returns a text logger writing to w at level. journal drops
// the time, which journald adds itself (systemd sets JOURNAL_STREAM for a
// service whose stderr is the journal). Values under secretKeys are
// redacted.
func newLogger(w io.Writer, level slog.Level, journal bool) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if journal && len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			for _, k := range secretKeys {
				if strings.EqualFold(a.Key, k) {
					return slog.String(a.Key, "[redacted]")
				}
			}
			return a
		},
	}))
}

// openLogFile opens the log file the interactive commands write to while
// the wizard owns the terminal: entrasync.log in the state directory,
// appended to, mode 0600.
func openLogFile(stateDir string) (*os.File, error) {
	path := filepath.Join(stateDir, "entrasync.log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the log file: %w", err)
	}
	if err := sync.AdoptDirOwner(path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
