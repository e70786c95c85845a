package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// runCLI runs the command line in process with buffers for streams (so
// never a terminal) and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "HOME" {
			return t.TempDir()
		}
		return ""
	}
	code := run(context.Background(), args, streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, env)
	return code, out.String(), errOut.String()
}

func TestExitCode(t *testing.T) {
	guard := &sync.GuardError{Guard: sync.GuardDeletions, Limit: 5, Actual: 7}
	tests := map[string]struct {
		err  error
		want int
	}{
		"nil":               {nil, exitOK},
		"plain":             {errors.New("boom"), exitError},
		"usage":             {usagef("bad flag"), exitUsage},
		"wrapped usage":     {fmt.Errorf("x: %w", usagef("bad flag")), exitUsage},
		"guard":             {fmt.Errorf("run: %w", guard), exitGuard},
		"guards":            {sync.GuardErrors{*guard}, exitGuard},
		"interrupted":       {errInterrupted, exitInterrupted},
		"cancelled context": {fmt.Errorf("import: %w", context.Canceled), exitInterrupted},
		"wizard cancelled":  {wizard.ErrAborted, exitInterrupted},
		"busy":              {&sync.BusyError{PID: 42}, exitError},
		"setup stopped":     {fmt.Errorf("%w: configure failed", wizard.ErrStopped), exitError},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := exitCode(tc.err); got != tc.want {
				t.Errorf("exitCode(%v): got %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestPrintGuardsGivesOneOverrideForAllGuards(t *testing.T) {
	err := fmt.Errorf("run: %w", sync.GuardErrors{
		{Guard: sync.GuardDeletions, Limit: 5, Actual: 7, Detail: "the run would delete 7 objects", Override: "entrasync sync --full --allow-deletes=7"},
		{Guard: sync.GuardDeletionPct, Limit: 10, Actual: 50, Detail: "7 of 14", Override: "entrasync sync --full --allow-deletes=7"},
		{Guard: sync.GuardMemberRemovals, Limit: 1, Actual: 3, Detail: "3 removals", Override: "entrasync sync --allow-member-removals=3"},
	})
	var b bytes.Buffer
	printError(&b, err, "entrasync --dir /srv/es")
	got := b.String()
	for _, want := range []string{
		"safety guard stopped the run",
		"deletion threshold: the run would delete 7 objects\n",
		"member removal threshold: 3 removals\n",
		"Review the changes:  entrasync --dir /srv/es sync --full --dry-run\n",
		"Apply them anyway:   entrasync --dir /srv/es sync --full --allow-deletes=7 --allow-member-removals=3\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestPrintErrorHints(t *testing.T) {
	tests := map[string]struct {
		err  error
		want []string
	}{
		"busy": {&sync.BusyError{PID: 42}, []string{"another run (pid 42", "hint: wait for the run to finish (`entrasync --dir /x status` shows it)"}},
		"problem": {wizard.WithFix(errors.New("live: LDAP 49/52e: wrong password"), "check the password"),
			[]string{"entrasync: LDAP 49/52e: wrong password\n", "  fix: check the password\n"}},
		"command rewritten": {errors.New("sync: no plan: run `entrasync sync --dry-run`"), []string{"entrasync: no plan: run `entrasync --dir /x sync --dry-run`"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			printError(&b, tc.err, "entrasync --dir /x")
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		args []string
		want string
	}{
		"unknown command":         {[]string{"bogus"}, `unknown command or argument "bogus"`},
		"suggestion":              {[]string{"stauts"}, "did you mean status?"},
		"unknown flag":            {[]string{"sync", "--bogus"}, "unknown flag: --bogus"},
		"bad flag value":          {[]string{"sync", "--allow-deletes", "many"}, `invalid argument "many"`},
		"negative override":       {[]string{"sync", "--allow-deletes=-1"}, "count of 0 or more"},
		"apply with full":         {[]string{"sync", "--apply", "p.json", "--full"}, "--apply cannot be combined"},
		"log level":               {[]string{"--log-level", "loud", "status"}, `--log-level "loud"`},
		"history limit":           {[]string{"history", "--limit", "0"}, "--limit must be at least 1"},
		"stray argument":          {[]string{"status", "now"}, `unknown command or argument "now" for "entrasync status"`},
		"wizard without tty":      {[]string{"--dir", dir}, "the setup wizard needs a terminal; without one, run `entrasync --dir " + dir + " setup --non-interactive`"},
		"setup without tty":       {[]string{"--dir", dir, "setup"}, "the setup wizard needs a terminal"},
		"uninstall without tty":   {[]string{"--dir", dir, "uninstall"}, "without one, pass --yes"},
		"systemd value":           {[]string{"setup", "--systemd", "enable"}, `--systemd "enable": want install or print`},
		"systemd install +dir":    {[]string{"--dir", dir, "setup", "--systemd=install"}, "--systemd=install runs the service on /etc/entrasync"},
		"config needs unattended": {[]string{"--dir", dir, "setup", "--config", "a.yaml"}, "--config is for --non-interactive"},
		"unattended missing": {[]string{"--dir", dir, "setup", "--non-interactive"},
			"setup --non-interactive needs --ad-host (a domain controller of the forest root domain), --ad-admin"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != exitUsage {
				t.Errorf("exit code: got %d, want %d; stderr:\n%s", code, exitUsage, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if out != "" {
				t.Errorf("stdout: got %q, want nothing", out)
			}
		})
	}
}

func TestUnattendedProblemsNameTheirFlags(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "admin.pw")
	writeFile(t, pw, "not-a-real-password\n")
	code, _, errOut := runCLI(t, "", "--dir", filepath.Join(dir, "es"), "setup", "--non-interactive",
		"--ad-host", "dc1.corp.example.com", "--ad-admin", `CORP\admin`, "--ad-admin-password-file", pw,
		"--interval", "10s", "--object-types", "users,printers")
	if code != exitUsage {
		t.Fatalf("exit code: got %d, want %d; stderr:\n%s", code, exitUsage, errOut)
	}
	for _, want := range []string{"--interval (sync.interval):", "--object-types (ad.objectTypes"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "es")); !os.IsNotExist(err) {
		t.Errorf("a refused setup created its directory: %v", err)
	}
}

func TestPasswordFileMustBePrivate(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "admin.pw")
	writeFile(t, pw, "not-a-real-password\n")
	if err := os.Chmod(pw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "--dir", filepath.Join(dir, "es"), "setup", "--non-interactive",
		"--ad-host", "dc1", "--ad-admin", `CORP\admin`, "--ad-admin-password-file", pw)
	if code != exitError || !strings.Contains(errOut, "chmod 600 "+pw) {
		t.Errorf("got exit %d, stderr:\n%s\nwant 1 and the chmod", code, errOut)
	}
	if strings.Contains(errOut, "not-a-real-password") {
		t.Errorf("the password is in the message:\n%s", errOut)
	}
}

func TestSyncFlags(t *testing.T) {
	tests := map[string]struct {
		args []string
		want syncOptions
	}{
		"default":   {nil, syncOptions{}},
		"full":      {[]string{"--full"}, syncOptions{Full: true}},
		"plan file": {[]string{"--plan", "p.json"}, syncOptions{DryRun: true, PlanFile: "p.json"}},
		"apply":     {[]string{"--apply", "p.json", "--allow-deletes=3", "--allow-member-removals=9"}, syncOptions{ApplyFile: "p.json", AllowDeletes: 3, AllowMemberRemovals: 9}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got *syncOptions
			cmd := newSyncCmd(&app{}, func(_ context.Context, o *syncOptions) error { got = o; return nil })
			executeCmd(t, cmd, tc.args)
			got.a = nil
			if *got != tc.want {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestSetupFlagsFillTheAnswers(t *testing.T) {
	var got *setupOptions
	cmd := newSetupCmd(&app{streams: streams{In: strings.NewReader("from-stdin\n")}}, func(_ context.Context, o *setupOptions) error { got = o; return nil })
	executeCmd(t, cmd, []string{"--non-interactive", "--ad-host", "dc1", "--ad-port", "3269", "--ad-admin", `CORP\admin`,
		"--ad-admin-password-file", "-", "--include-ou", "OU=A,DC=x", "--include-ou", "OU=B,DC=x", "--attributes=",
		"--soft-match", "mail", "--deletion-threshold", "0", "--start-sync=false", "--staging"})
	a, err := got.answersFromFlags()
	if err != nil {
		t.Fatal(err)
	}
	d := wizard.DefaultAnswers()
	checks := []struct {
		name      string
		got, want any
	}{
		{"host", a.AD.Host, "dc1"},
		{"port", a.AD.Port, 3269},
		{"transport (default)", a.AD.Transport, d.AD.Transport},
		{"admin", a.Admin.User, `CORP\admin`},
		{"password", a.Admin.Password, "from-stdin"},
		{"include", strings.Join(a.Scope.Include, ";"), "OU=A,DC=x;OU=B,DC=x"},
		{"attributes", len(a.OptionalAttributes), 0},
		{"soft match", strings.Join(a.SoftMatch, ","), "mail"},
		{"deletion threshold", a.DeletionThreshold, 0},
		{"percent (default)", a.DeletionThresholdPercent, d.DeletionThresholdPercent},
		{"start sync", a.StartSync, false},
		{"staging", a.StagingMode, true},
		{"interval (default)", a.Interval, d.Interval},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestAnswersFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "answers.yaml")
	writeFile(t, good, "ad:\n  host: dc1.corp.example.com\n  scope:\n    exclude: [\"OU=Service,DC=corp,DC=example,DC=com\"]\nsync:\n  interval: 10m\n  schedulerEnabled: false\n")
	a, err := loadAnswersFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.AD.Host != "dc1.corp.example.com" || a.Interval.String() != "10m0s" || a.StartSync || len(a.Scope.Exclude) != 1 {
		t.Errorf("got host %q interval %v start %v exclude %v", a.AD.Host, a.Interval, a.StartSync, a.Scope.Exclude)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "ad:\n  host: dc1\nsync:\n  intervall: 10m\n")
	_, err = loadAnswersFile(bad)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "intervall") {
		t.Errorf("misspelt field: got %v, want an error naming line 4 and intervall", err)
	}
}

// executeCmd runs cmd with args and fails the test on an error.
func executeCmd(t *testing.T, cmd *cobra.Command, args []string) {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage = true
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
}
