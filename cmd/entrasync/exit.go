package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// The exit codes, decided in one place: exitCode.
const (
	exitOK          = 0   // done
	exitError       = 1   // failed; the message says why and what to do
	exitUsage       = 2   // wrong command line: a flag, an argument, a missing terminal
	exitGuard       = 3   // a safety guard stopped a sync: review the plan, then override
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGINT), or cancelled in the wizard
)

// exitCodesHelp documents the exit codes in --help.
const exitCodesHelp = `Exit codes:
  0    success
  1    error (the message says what failed and how to fix it)
  2    usage: a wrong flag or argument, or no terminal for the wizard
  3    a safety guard stopped a sync; nothing was written: review the plan
       with "entrasync sync --dry-run", then apply it with the override printed
  130  interrupted (Ctrl-C), or cancelled in the wizard`

// usageError is a wrong command line: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// errInterrupted is returned by a command that stopped on SIGINT.
var errInterrupted = errors.New("interrupted")

// exitCode maps a command's error to the process's exit code.
func exitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, sync.ErrGuardTripped):
		return exitGuard
	case errors.Is(err, errInterrupted), errors.Is(err, wizard.ErrAborted), errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitError
}

// printError writes err for people, with the likely fix when one is known.
// cmdPrefix is how the user runs entrasync ("entrasync --dir /srv/es"), so
// that the commands it suggests work as printed.
func printError(w io.Writer, err error, cmdPrefix string) {
	var (
		usage   *usageError
		problem *wizard.Problem
	)
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(w, "entrasync: %s\n", withCommand(usage.err.Error(), cmdPrefix))
		return
	case errors.Is(err, sync.ErrGuardTripped):
		printGuards(w, err, cmdPrefix)
		return
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "entrasync: interrupted")
		return
	case errors.Is(err, wizard.ErrAborted):
		fmt.Fprintln(w, "entrasync: cancelled")
		return
	}
	fmt.Fprintf(w, "entrasync: %s\n", withCommand(message(err), cmdPrefix))
	if errors.As(err, &problem) && problem.Fix != "" {
		fmt.Fprintf(w, "  fix: %s\n", withCommand(problem.Fix, cmdPrefix))
	} else if hint := hintFor(err); hint != "" {
		fmt.Fprintf(w, "  hint: %s\n", withCommand(hint, cmdPrefix))
	}
}

// message is err's text without the prefix of the package that made it
// ("sync: "): the user ran entrasync, not a package.
func message(err error) string {
	s := err.Error()
	for _, p := range []string{"sync: ", "wizard: ", "live: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// withCommand rewrites the `entrasync …` commands a message suggests so
// that they carry the global flags the user gave (--dir).
func withCommand(s, cmdPrefix string) string {
	if cmdPrefix == "entrasync" || cmdPrefix == "" {
		return s
	}
	return strings.ReplaceAll(s, "`entrasync ", "`"+cmdPrefix+" ")
}

// hintFor returns the likely fix of a well-known failure, as gh does for
// its common errors.
func hintFor(err error) string {
	switch {
	case errors.Is(err, sync.ErrBusy), errors.Is(err, sync.ErrStoreBusy):
		return "wait for the run to finish (`entrasync status` shows it); the service's runs hold the same lock"
	case errors.Is(err, ad.ErrInvalidCredentials):
		return "LDAP 49: the connector account's password was refused; replace it with the task menu's Rotate credentials (`entrasync`)"
	case errors.Is(err, ad.ErrUnreachable):
		return "check that the domain controller in ad.host answers on ad.port from this machine"
	case errors.Is(err, ad.ErrTLS):
		return "the domain controller's certificate was not trusted: set ad.caFile to the PEM file of the CA that signed it"
	case errors.Is(err, entra.ErrForbidden), errors.Is(err, sync.ErrDenied):
		return "Graph 403: the sync application lacks a permission; grant User.ReadWrite.All, Group.ReadWrite.All and GroupMember.ReadWrite.All with admin consent, or run setup again"
	case errors.Is(err, entra.ErrUnauthorized):
		return "the sync application could not sign in: its certificate may have expired or been removed; use the task menu's Rotate credentials (`entrasync`)"
	}
	return ""
}

// printGuards says which guards stopped a run and how to go on.
func printGuards(w io.Writer, err error, cmdPrefix string) {
	var guards []sync.GuardError
	var many sync.GuardErrors
	var one *sync.GuardError
	switch {
	case errors.As(err, &many):
		guards = many
	case errors.As(err, &one):
		guards = []sync.GuardError{*one}
	}
	fmt.Fprintln(w, "entrasync: a safety guard stopped the run; nothing was written to Entra ID")
	var flags []string
	for _, g := range guards {
		fmt.Fprintf(w, "  %s: %s\n", g.Guard, withCommand(g.Detail, cmdPrefix))
		// Every override is "entrasync sync" and flags; one command
		// carries them all.
		for _, f := range strings.Fields(strings.TrimPrefix(g.Override, "entrasync sync")) {
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
	}
	review := "sync --dry-run"
	if slices.Contains(flags, "--full") {
		review = "sync --full --dry-run"
	}
	fmt.Fprintf(w, "Review the changes:  %s %s\n", cmdPrefix, review)
	if len(flags) > 0 {
		fmt.Fprintf(w, "Apply them anyway:   %s sync %s\n", cmdPrefix, strings.Join(flags, " "))
	}
}
