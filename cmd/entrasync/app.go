package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
)

// run is the real main: it runs the command line args and returns the exit
// code, which only exitCode decides.
func run(ctx context.Context, args []string, s streams, getenv func(string) string) int {
	a := &app{streams: s, getenv: getenv}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.ExecuteContext(ctx)
	if err != nil {
		printError(s.Err, err, a.cmdPrefix())
	}
	return exitCode(err)
}

// app holds what every command shares: the streams, the environment and
// the global flags. Commands copy what they need into their own options.
type app struct {
	streams
	getenv func(string) string

	dir        string // --dir
	logLevel   string // --log-level
	accessible bool   // --accessible
}

// dirs resolves the configuration and state directories.
func (a *app) dirs() (sync.Dirs, error) {
	return resolveDirs(a.dir, a.getenv)
}

// cmdPrefix is how the user runs entrasync, for the commands messages
// suggest: with --dir when it was given.
func (a *app) cmdPrefix() string {
	if a.dir == "" {
		return "entrasync"
	}
	return "entrasync --dir " + shellQuote(a.dir)
}

// level returns the --log-level, or def when it was not given.
func (a *app) level(def slog.Level) slog.Level {
	if a.logLevel == "" {
		return def
	}
	l, _ := parseLevel(a.logLevel) // checked in PersistentPreRunE
	return l
}

// parseLevel reads a --log-level value.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// errNotConfigured says there is no configuration yet.
var errNotConfigured = errors.New("not set up")

// loadConfig returns the directories and the saved configuration, after
// checking that the state directory is private.
func (a *app) loadConfig() (sync.Dirs, sync.Config, error) {
	d, err := a.dirs()
	if err != nil {
		return d, sync.Config{}, err
	}
	if err := checkStateDir(d.State); err != nil {
		return d, sync.Config{}, err
	}
	if _, err := os.Stat(d.ConfigFile()); errors.Is(err, os.ErrNotExist) {
		return d, sync.Config{}, fmt.Errorf("%w: no configuration at %s: run `entrasync setup` first (or pass --dir for another directory)", errNotConfigured, d.ConfigFile())
	}
	cfg, err := sync.LoadConfig(d.ConfigFile())
	return d, cfg, err
}

// configured reports whether a configuration file exists.
func configured(d sync.Dirs) bool {
	_, err := os.Stat(d.ConfigFile())
	return err == nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// noArgs refuses arguments: a mistyped command or a stray word is a usage
// error, with cobra's suggestions.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command or argument %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s\nRun '%s --help' for usage.", msg, cmd.CommandPath())
}
