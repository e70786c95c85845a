package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/entrasync/entrasync/wizard"
)

// setupOptions are `entrasync setup`'s flags.
type setupOptions struct {
	a       *app
	entra   entraFlags
	answers answerFlags
	flags   *pflag.FlagSet // which answer flags were given

	NonInteractive bool
	ConfigFile     string
	Systemd        string // "", "install" or "print"
}

func newSetupCmd(a *app, runF func(context.Context, *setupOptions) error) *cobra.Command {
	o := &setupOptions{a: a}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Set entrasync up: the wizard, or unattended with --non-interactive",
		Long: `Set entrasync up: sign in to Entra ID and Active Directory as administrators,
check the forest's UPN suffixes, create the AD connector account and the Entra
application, save the configuration and the secrets, and run the first sync.

In a terminal this is the setup wizard; the flags below fill its pages in
advance. With --non-interactive it runs unattended: every wizard answer is a
flag, or a field of the file --config names (config.yaml's format), and a
missing one fails at once naming its flag. Entra ID's device-code sign-in
still needs an administrator: the address and the code are printed on
standard error, and setup waits until someone signs in.

--systemd=install writes the hardened systemd unit, enables and starts it
(as root); --systemd=print prints it for you to place. Once entrasync is set
up, "setup --systemd=..." does only that.`,
		Example: `  entrasync setup
  entrasync setup --non-interactive --ad-host dc1.corp.example.com \
      --ad-admin 'CORP\admin' --ad-admin-password-file admin.pw \
      --allow-unverified-suffixes --systemd=install
  entrasync setup --non-interactive --config answers.yaml \
      --ad-admin 'CORP\admin' --ad-admin-password-file - < admin.pw
  entrasync setup --systemd=print > /etc/systemd/system/entrasync.service`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch o.Systemd {
			case "", systemdInstall, systemdPrint:
			default:
				return usagef("--systemd %q: want install or print", o.Systemd)
			}
			if o.Systemd == systemdInstall && a.dir != "" {
				return usagef("--systemd=install runs the service on /etc/entrasync and /var/lib/entrasync: set up as root without --dir, or use --systemd=print and adapt the unit")
			}
			if o.ConfigFile != "" && !o.NonInteractive {
				return usagef("--config is for --non-interactive; in the wizard, the flags fill the pages")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSetup(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.flags = f
	f.BoolVar(&o.NonInteractive, "non-interactive", false, "run unattended from the flags and --config, without the wizard")
	f.StringVar(&o.ConfigFile, "config", "", "with --non-interactive, read the answers from `FILE` (config.yaml's format); flags win")
	f.StringVar(&o.Systemd, "systemd", "", "`MODE` for the systemd unit that keeps syncing: install (write, enable and start it, as root) or print")
	o.entra.register(f)
	o.answers.register(f)
	return cmd
}

// The values of --systemd.
const (
	systemdInstall = "install"
	systemdPrint   = "print"
)

// answersFromFlags returns the setup's answers: the express settings, then the
// --config file, then the flags given.
func (o *setupOptions) answersFromFlags() (wizard.Answers, error) {
	a := wizard.DefaultAnswers()
	if o.ConfigFile != "" {
		var err error
		if a, err = loadAnswersFile(o.ConfigFile); err != nil {
			return a, err
		}
	}
	if err := o.answers.apply(o.flags, &a, o.a.In); err != nil {
		return a, err
	}
	return a, nil
}

func runSetup(ctx context.Context, o *setupOptions) error {
	d, err := o.a.dirs()
	if err != nil {
		return err
	}
	if configured(d) && o.Systemd != "" {
		return o.systemdStep()
	}
	// Usage mistakes first, then the state of the machine.
	if !o.NonInteractive && !o.a.canPrompt() {
		return usagef("the setup wizard needs a terminal; without one, run `entrasync setup --non-interactive` with the flags of `entrasync setup --help`")
	}
	answers, err := o.answersFromFlags()
	if err != nil {
		return err
	}
	if o.NonInteractive {
		if err := checkUnattended(answers); err != nil {
			return err
		}
	}
	if err := checkStateDir(d.State); err != nil {
		return err
	}
	if configured(d) {
		return fmt.Errorf("entrasync is already set up (%s): run `entrasync` for the task menu, or `entrasync uninstall` first", d.ConfigFile())
	}
	if o.NonInteractive {
		if err := runUnattended(ctx, o, d, answers); err != nil {
			return err
		}
	} else {
		i := interactive{a: o.a, entra: o.entra, answers: &answers}
		if err := i.run(ctx, d); err != nil {
			return err
		}
	}
	if o.Systemd != "" {
		return o.systemdStep()
	}
	return nil
}

// systemdStep installs or prints the systemd unit.
func (o *setupOptions) systemdStep() error {
	bin, err := executable()
	if err != nil {
		return err
	}
	if o.Systemd == systemdPrint {
		_, err := fmt.Fprint(o.a.Out, systemdUnit(bin))
		return err
	}
	if err := installUnit(bin); err != nil {
		return err
	}
	fmt.Fprintf(o.a.Err, "Installed %s, enabled and started it: `systemctl status entrasync` and `journalctl -u entrasync` show how it runs.\n", unitPath)
	return nil
}
