package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
	"github.com/entrasync/entrasync/wizard/live"
)

// uninstallOptions are `entrasync uninstall`'s flags.
type uninstallOptions struct {
	a     *app
	entra entraFlags
	ad    answerFlags // only the AD flags are registered
	flags *pflag.FlagSet
	Yes   bool
}

func newUninstallCmd(a *app, runF func(context.Context, *uninstallOptions) error) *cobra.Command {
	o := &uninstallOptions{a: a}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove what setup created: the Entra application, the AD account, the local files",
		Long: `Remove what setup created: the Entra application and its service principal,
the AD connector account and its permissions, the systemd service, then the
configuration, the secrets and the state. Synced users and groups stay in
Entra ID: they become ordinary cloud objects.

It signs in to both sides as an administrator, as setup did: Entra ID with a
device code (the address and code are printed on standard error), AD as an
Enterprise Admin (--ad-admin and --ad-admin-password-file, or asked in a
terminal). It asks for confirmation unless --yes is given. What is already
gone is skipped, so it is safe to run again after a failure.`,
		Example: `  entrasync uninstall
  entrasync uninstall --yes --ad-admin 'CORP\admin' --ad-admin-password-file admin.pw`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !o.Yes && !a.canPrompt() {
				return usagef("uninstall asks for confirmation in a terminal; without one, pass --yes")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runUninstall(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.flags = f
	f.BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	o.entra.register(f)
	o.ad.registerAD(f)
	return cmd
}

func runUninstall(ctx context.Context, o *uninstallOptions) error {
	ctx, which, stop := signalContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := o.a.Err
	d, err := o.a.dirs()
	if err != nil {
		return err
	}
	if err := checkStateDir(d.State); err != nil {
		return err
	}
	_, recErr := os.Stat(filepath.Join(d.State, live.RecordFile))
	if !configured(d) && recErr != nil {
		return fmt.Errorf("nothing to uninstall: neither %s nor %s exists (pass --dir if entrasync was set up elsewhere)", d.ConfigFile(), filepath.Join(d.State, live.RecordFile))
	}
	var a wizard.Answers
	if cfg, err := sync.LoadConfig(d.ConfigFile()); err == nil {
		a = wizard.AnswersFromConfig(cfg)
	}
	if err := o.ad.apply(o.flags, &a, o.a.In); err != nil {
		return err
	}
	if strings.TrimSpace(a.AD.Host) == "" {
		return usagef("no saved configuration names the domain controller: pass --%s", flagADHost)
	}
	if !o.Yes {
		ok, err := o.confirm(d)
		if err != nil || !ok {
			return err
		}
	}
	if err := o.askAdmin(&a); err != nil {
		return err
	}

	b, err := newBackend(d, o.entra, newLogger(w, o.a.level(slog.LevelWarn), false))
	if err != nil {
		return err
	}
	defer b.Close()
	interrupted := interruptedBy(which)
	fmt.Fprintln(w, "Sign in to Entra ID as an administrator of the tenant, to delete the sync application.")
	if _, err := b.SignInEntra(ctx, printDeviceCode(w)); err != nil {
		return interrupted(fmt.Errorf("sign in to Entra ID: %w", err))
	}
	if _, err := b.CheckAD(ctx, a.AD, a.Admin); err != nil {
		return interrupted(fmt.Errorf("connect to Active Directory: %w", err))
	}
	if o.a.dir == "" {
		if err := removeUnit(w); err != nil {
			return err
		}
	}
	if err := b.Uninstall(ctx, func(e wizard.ActionEvent) { writeAction(w, e) }); err != nil {
		return interrupted(err)
	}
	fmt.Fprintln(w, "entrasync is uninstalled. The synced users and groups stay in Entra ID.")
	return nil
}

// confirm asks before removing anything.
func (o *uninstallOptions) confirm(d sync.Dirs) (bool, error) {
	fmt.Fprintf(o.a.Err, "This deletes the Entra application and the AD connector account that setup created, and %s and the state in %s.\nSynced users and groups stay in Entra ID. Uninstall? [y/N] ", d.ConfigFile(), d.State)
	line, err := bufio.NewReader(o.a.In).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(o.a.Err, "Nothing was changed.")
	return false, wizard.ErrAborted
}

// askAdmin asks for the Enterprise Admin in a terminal when the flags did
// not name one.
func (o *uninstallOptions) askAdmin(a *wizard.Answers) error {
	if a.Admin.User != "" && a.Admin.Password != "" {
		return nil
	}
	in, ok := o.a.In.(*os.File)
	if !ok || !o.a.canPrompt() {
		return usagef("uninstall needs an Enterprise Admin: pass --%s and --%s", flagADAdmin, flagPasswordFile)
	}
	r := bufio.NewReader(in)
	if a.Admin.User == "" {
		fmt.Fprint(o.a.Err, `Enterprise Admin (DOMAIN\user or user@domain): `)
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read the administrator: %w", err)
		}
		a.Admin.User = strings.TrimSpace(line)
	}
	fmt.Fprintf(o.a.Err, "Password for %s: ", a.Admin.User)
	pw, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(o.a.Err)
	if err != nil {
		return fmt.Errorf("read the password: %w", err)
	}
	a.Admin.Password = string(pw)
	if a.Admin.User == "" || a.Admin.Password == "" {
		return errors.New("uninstall needs the Enterprise Admin's account and password")
	}
	return nil
}

// removeUnit stops, disables and deletes the systemd unit setup installed,
// when there is one.
func removeUnit(w io.Writer) error {
	if _, err := os.Stat(unitPath); err != nil {
		return nil
	}
	if out, err := exec.Command("systemctl", "disable", "--now", "entrasync.service").CombinedOutput(); err != nil {
		return fmt.Errorf("stop the service: systemctl disable --now entrasync.service: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if err := os.Remove(unitPath); err != nil {
		return fmt.Errorf("remove %s: %w", unitPath, err)
	}
	_ = exec.Command("systemctl", "daemon-reload").Run()
	fmt.Fprintf(w, "✓ Stopped the service and removed %s\n", unitPath)
	return nil
}
