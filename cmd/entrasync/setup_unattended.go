package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// runUnattended is `setup --non-interactive`: it calls the live backend's
// methods in the wizard's page order (sign in to Entra ID, connect to AD,
// UPN suffixes, ready, configure, initial sync) and reports each step on
// standard error.
func runUnattended(ctx context.Context, o *setupOptions, d sync.Dirs, a wizard.Answers) error {
	ctx, which, stop := signalContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := o.a.Err
	if err := ensureDirs(d); err != nil {
		return err
	}
	logger := newLogger(w, o.a.level(slog.LevelWarn), false)
	b, err := newBackend(d, o.entra, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	interrupted := interruptedBy(which)

	fmt.Fprintln(w, "Connecting to Entra ID: sign in as a Global Administrator, or a Hybrid Identity Administrator who also holds Privileged Role Administrator.")
	tenant, err := b.SignInEntra(ctx, printDeviceCode(w))
	if err != nil {
		return interrupted(fmt.Errorf("sign in to Entra ID: %w", err))
	}
	fmt.Fprintf(w, "✓ Signed in to %s (%s) as %s\n", tenant.Name, tenant.InitialDomain, tenant.Account)

	forest, err := b.CheckAD(ctx, a.AD, a.Admin)
	if err != nil {
		return interrupted(fmt.Errorf("connect to Active Directory: %w", err))
	}
	fmt.Fprintf(w, "✓ Connected to the forest %s through %s as %s\n", forest.RootDomain, or(forest.DC, a.AD.Host), or(forest.Admin, a.Admin.User))

	report, err := b.Suffixes(ctx)
	if err != nil {
		return interrupted(fmt.Errorf("read the UPN suffixes: %w", err))
	}
	writeSuffixes(w, report)
	if un := unmatched(report); len(un) > 0 {
		names, users := make([]string, len(un)), 0
		for i, s := range un {
			names[i], users = s.Name, users+s.Users
		}
		msg := fmt.Sprintf("%d users on %s would get a UPN on %s, which is not their own", users, strings.Join(names, ", "), tenant.InitialDomain)
		if !a.AllowUnverifiedSuffixes {
			return usagef("%s: verify the domains in Entra ID and move the users to them (the wizard's UPN suffix page helps), or pass --%s", msg, flagAllowSuffix)
		}
		fmt.Fprintf(w, "! %s (--%s)\n", msg, flagAllowSuffix)
	}

	cfg := a.Config(tenant)
	plan, err := b.SetupPlan(ctx, cfg)
	if err != nil {
		return interrupted(fmt.Errorf("prepare the setup: %w", err))
	}
	fmt.Fprintln(w, "Setup will:")
	for i, act := range plan {
		fmt.Fprintf(w, "  %d. %s\n", i+1, act.Title)
		if act.Detail != "" {
			fmt.Fprintf(w, "     %s\n", act.Detail)
		}
	}

	created, err := b.Configure(ctx, &cfg, func(e wizard.ActionEvent) { writeAction(w, e) })
	if err != nil {
		writeCreated(w, created, o.a.cmdPrefix())
		return interrupted(fmt.Errorf("setup stopped: %w", err))
	}
	writeCreated(w, created, o.a.cmdPrefix())

	if a.StartSync {
		fmt.Fprintln(w, "Running the initial sync...")
		pr := newProgressLine(w)
		sum, err := b.Sync(ctx, wizard.SyncInitial, pr.wizardProgress)
		pr.end()
		fmt.Fprintf(w, "Initial sync: %s in %s: %d imported, %d created, %d updated, %d deleted, %d errors\n",
			sum.Status, sum.Duration.Round(time.Millisecond), sum.Imported, sum.Created, sum.Updated, sum.Deleted, sum.Errors)
		for _, x := range sum.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", x.Message)
		}
		if err != nil {
			return interrupted(fmt.Errorf("the initial sync: %w", err))
		}
	}
	fmt.Fprintf(w, "entrasync is set up. Keep it syncing with `%s run`, or as a service: `%s setup --systemd=install`.\n", o.a.cmdPrefix(), o.a.cmdPrefix())
	return nil
}

// writeSuffixes prints the UPN suffix page's table.
func writeSuffixes(w io.Writer, r wizard.SuffixReport) {
	fmt.Fprintln(w, "UPN suffixes:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SUFFIX\tUSERS\tENTRA STATE\tA USER WILL BE CALLED")
	for _, s := range r.Suffixes {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", s.Name, s.Users, s.State, or(s.ExampleEntra, "(no users)"))
	}
	_ = tw.Flush()
}

// writeAction prints one setup action's progress.
func writeAction(w io.Writer, e wizard.ActionEvent) {
	title := or(e.Title, e.ID)
	switch e.State {
	case wizard.ActionRunning:
		fmt.Fprintf(w, "… %s\n", title)
	case wizard.ActionDone:
		fmt.Fprintf(w, "✓ %s", title)
		if e.Detail != "" {
			fmt.Fprintf(w, ": %s", e.Detail)
		}
		fmt.Fprintln(w)
	case wizard.ActionSkipped:
		fmt.Fprintf(w, "- %s: skipped", title)
		if e.Detail != "" {
			fmt.Fprintf(w, ": %s", e.Detail)
		}
		fmt.Fprintln(w)
	case wizard.ActionFailed:
		fmt.Fprintf(w, "✗ %s: %v\n", title, e.Err)
		var p *wizard.Problem
		if errors.As(e.Err, &p) && p.Fix != "" {
			fmt.Fprintf(w, "  fix: %s\n", p.Fix)
		}
	}
}

// writeCreated lists what setup created.
func writeCreated(w io.Writer, s wizard.Setup, cmdPrefix string) {
	if len(s.Created) == 0 {
		return
	}
	fmt.Fprintln(w, "Created:")
	for _, r := range s.Created {
		fmt.Fprintf(w, "  %s: %s", r.Kind, r.Name)
		if r.Detail != "" {
			fmt.Fprintf(w, " (%s)", r.Detail)
		}
		fmt.Fprintln(w)
	}
	for _, x := range s.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", x)
	}
	if s.ConfigPath == "" {
		fmt.Fprintf(w, "`%s uninstall` removes what was created.\n", cmdPrefix)
	}
}

// printDeviceCode returns the device-code callback of the unattended
// commands: the URL, the code and its expiry, on w.
func printDeviceCode(w io.Writer) func(wizard.DeviceCode) {
	return func(dc wizard.DeviceCode) {
		fmt.Fprintf(w, "To sign in, open %s and enter the code %s (valid until %s).\n", dc.URL, dc.Code, dc.ExpiresAt.Local().Format(time.TimeOnly))
	}
}
