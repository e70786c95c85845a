package main

import (
	"context"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// interactive runs the setup wizard, or the task menu once entrasync is
// set up, on the terminal. While they run they own it: logs go to
// entrasync.log in the state directory.
type interactive struct {
	a     *app
	entra entraFlags
	// answers are setup's initial answers; nil means the express settings.
	answers *wizard.Answers
	// banner is said on every screen (the demo's).
	banner string
}

// rootRunE is `entrasync` without a command.
func rootRunE(a *app, f *entraFlags) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		d, err := a.dirs()
		if err != nil {
			return err
		}
		if !a.canPrompt() {
			if configured(d) {
				return usagef("the task menu needs a terminal; without one, use `entrasync sync`, `entrasync status` or `entrasync history` (see `entrasync --help`)")
			}
			return usagef("the setup wizard needs a terminal; without one, run `entrasync setup --non-interactive` with the flags of `entrasync setup --help`")
		}
		if err := checkStateDir(d.State); err != nil {
			return err
		}
		return interactive{a: a, entra: *f}.run(cmd.Context(), d)
	}
}

// run checks the saved configuration, if any, then runs the wizard or the
// menu over the live backend.
func (i interactive) run(ctx context.Context, d sync.Dirs) error {
	menu := configured(d)
	if menu {
		// A broken file or a readable secret is better reported here,
		// with its line or its chmod, than inside the menu.
		cfg, err := sync.LoadConfig(d.ConfigFile())
		if err != nil {
			return err
		}
		if err := cfg.CheckSecrets(d.State); err != nil {
			return err
		}
	}
	if err := ensureDirs(d); err != nil {
		return err
	}
	logFile, err := openLogFile(d.State)
	if err != nil {
		return err
	}
	defer logFile.Close()
	b, err := newBackend(d, i.entra, newLogger(logFile, i.a.level(slog.LevelInfo), false))
	if err != nil {
		return err
	}
	defer b.Close()
	if err := i.drive(ctx, b, menu); err != nil {
		return err
	}
	// The menu's Uninstall removes what setup made; the service that
	// would now fail every run goes too.
	if menu && !configured(d) && i.a.dir == "" {
		return removeUnit(i.a.Err)
	}
	return nil
}

// drive runs the menu or the setup wizard over b.
func (i interactive) drive(ctx context.Context, b wizard.Backend, menu bool) error {
	// SIGTERM ends the interface; Ctrl-C is the wizard's to ask about.
	ctx, _, stop := signalContext(ctx, syscall.SIGTERM)
	defer stop()
	opts := wizard.Options{
		In:         i.a.In,
		Out:        i.a.Out,
		Accessible: i.a.accessible || wizard.AccessibleFromEnv(i.a.getenv),
		NoColor:    wizard.NoColorFromEnv(i.a.getenv),
		Answers:    i.answers,
		Banner:     i.banner,
	}
	if menu {
		return wizard.RunMenu(ctx, b, opts)
	}
	res, err := wizard.RunSetup(ctx, b, opts)
	if err != nil {
		return err
	}
	if res.Setup.ConfigPath != "" {
		fmt.Fprintf(i.a.Err, "entrasync is set up; the configuration is %s.\n", res.Setup.ConfigPath)
	}
	return nil
}
