package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
	"github.com/entrasync/entrasync/wizard/live"
)

// The demo's world: a forest corp.example.com whose users sign in on
// corp.example.com, example.com and corp.local, and a tenant that verifies
// example.com only, so that the other two show the fallback UPN.
const (
	demoRealm         = "corp.example.com"
	demoInitialDomain = "examplecorp.onmicrosoft.com"
	demoVerified      = "example.com"
	demoAdmin         = "admin@" + demoInitialDomain
	// demoApproval is how long the demo tenant waits before approving a
	// device code, as an administrator signing in on a phone would.
	demoApproval = 4 * time.Second
	// demoChanges are made to the forest every demoEvery.
	demoChanges = 3
	demoEvery   = time.Minute
)

func newDemoCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Try entrasync against a demo forest and a demo tenant on this machine",
		Long: `Try entrasync without touching a real directory: the demo starts a demo
Active Directory forest (an in-process LDAP server with a sample company of
about 190 people) and an emulator of Entra ID and Microsoft Graph, both on
loopback, then runs the real setup wizard and sync engine against them over
LDAPS and HTTPS, and then the task menu.

The wizard's answers are filled in (the demo administrator's password too);
the device-code sign-in is approved by itself after a few seconds. Every
minute the forest changes a few users, so "Sync now" has something to do.
The demo needs no root and writes only to a temporary directory, removed
when it ends.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !a.canPrompt() {
				return usagef("the demo runs the wizard and needs a terminal")
			}
			return runDemo(cmd.Context(), a)
		},
	}
}

// demoTenant is the demo's Entra tenant.
func demoTenant() entratest.Tenant {
	return entratest.Tenant{
		DisplayName: "Example Corp (DEMO tenant)",
		Domains: []entratest.Domain{
			{Name: demoInitialDomain, Initial: true, Verified: true},
			{Name: demoVerified, Verified: true, Default: true},
		},
		Users: []entratest.User{{UserPrincipalName: demoAdmin, DisplayName: "Demo Administrator",
			Roles: []string{entratest.RoleGlobalAdministrator}}},
	}
}

func runDemo(ctx context.Context, a *app) error {
	dir, err := os.MkdirTemp("", "entrasync-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	d := sync.DirsAt(filepath.Join(dir, "state"))
	if err := ensureDirs(d); err != nil {
		return err
	}
	logFile, err := openLogFile(d.State)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := newLogger(logFile, a.level(slog.LevelInfo), false)

	forest, err := memdc.Start(memdc.Options{Realm: demoRealm, Seed: memdc.SampleCompany(demoRealm), CAFile: filepath.Join(dir, "ad-ca.pem")})
	if err != nil {
		return fmt.Errorf("demo: start the demo forest: %w", err)
	}
	defer forest.Close()
	tenant, err := entratest.Start(entratest.WithTenant(demoTenant()), entratest.WithAutoApprove(demoApproval, demoAdmin), entratest.WithCADir(dir))
	if err != nil {
		return fmt.Errorf("demo: start the Entra ID emulator: %w", err)
	}
	defer tenant.Close()
	b, err := live.New(live.Options{
		Dirs: d, Host: "demo", Logger: logger,
		AuthorityHost: tenant.AuthorityHost(), GraphEndpoint: tenant.URL, EntraCAFile: tenant.CAFile(),
		ADRootCAs: forest.CAPool(),
	})
	if err != nil {
		return err
	}
	defer b.Close()

	answers := wizard.DefaultAnswers()
	answers.AD = wizard.ADConnection{Host: forest.Host(), Port: forest.LDAPSPort(), Transport: wizard.TransportLDAPS, CAFile: forest.CAFile()}
	answers.Admin = wizard.Credentials{User: forest.AdminUser(), Password: forest.AdminPassword()}
	demoBanner(a.Err, forest, tenant)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go mutate(ctx, forest, logger)

	i := interactive{a: a, answers: &answers, banner: demoScreenBanner}
	if err := i.drive(ctx, b, false); err != nil {
		return err
	}
	if err := i.drive(ctx, b, true); err != nil {
		return err
	}
	fmt.Fprintln(a.Err, "The demo is over: the demo forest, the emulated tenant and", dir, "are gone.")
	return nil
}

// demoScreenBanner is said on every screen of the demo's wizard and menu.
const demoScreenBanner = "entrasync DEMO: nothing here touches a real directory"

// demoBanner says, before the wizard takes the screen, that this is a demo
// and what it runs against; the terminal's title says it while it runs.
func demoBanner(w io.Writer, forest *memdc.Server, tenant *entratest.Server) {
	fmt.Fprint(w, "\x1b]0;entrasync DEMO\x07")
	fmt.Fprintf(w, `=== `+demoScreenBanner+` ===
  Active Directory  demo forest %s on %s (LDAPS), as %s
  Entra ID          emulated tenant %s at %s; %s is verified
  Sign-in           approved by itself after %s, as %s
  Every minute the forest changes a few users: try "Sync now" in the menu.
`, forest.Realm(), forest.LDAPSAddr(), forest.AdminUser(), demoInitialDomain, tenant.URL, demoVerified, demoApproval, demoAdmin)
}

// mutate changes a few users of the demo forest every minute until ctx
// ends, so that delta syncs have something to show.
func mutate(ctx context.Context, forest *memdc.Server, logger *slog.Logger) {
	t := time.NewTicker(demoEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changes, err := forest.Mutate(demoChanges)
			for _, c := range changes {
				logger.Info("demo: the forest changed", "change", c.String())
			}
			if err != nil {
				logger.Warn("demo: changing the forest failed", "err", err.Error())
			}
		}
	}
}
