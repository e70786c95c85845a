package live

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// short is an error whose message is a one-line summary of the error it
// wraps, for a [wizard.Problem]: the wizard shows the summary and the fix,
// errors.Is and errors.As still reach everything underneath, and the log
// gets the whole chain.
type short struct {
	msg string
	err error
}

func (s *short) Error() string { return s.msg }
func (s *short) Unwrap() error { return s.err }

// problem wraps err in a [wizard.Problem] whose message is msg.
func problem(err error, msg, fix string) error {
	return &wizard.Problem{Err: &short{msg: msg, err: err}, Fix: fix}
}

// isProblem reports whether err already carries a fix.
func isProblem(err error) bool {
	var p *wizard.Problem
	return errors.As(err, &p)
}

// adProblem adds the likely fix to an error of package ad. Cancellation
// and errors that already carry a fix pass through unchanged.
func adProblem(err error, user string) error {
	if err == nil || isProblem(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var be *ad.BindError
	var ce *ad.ConnError
	var te *ad.TLSError
	var oe *ad.OpError
	switch {
	case errors.As(err, &be):
		code := fmt.Sprintf("LDAP %d", be.ResultCode)
		if be.SubCode != 0 {
			code += fmt.Sprintf("/%x", be.SubCode)
		}
		what, fix, ok := strings.Cut(be.Reason(), ": ")
		switch {
		case be.SubCode == ad.SubCodeWrongPassword:
			fix = "check the user name and password; after repeated failures the account may also be locked out"
		case !ok:
			fix = "check the account and the connection settings"
		}
		return problem(err, fmt.Sprintf("%s: %s for %s at %s", code, what, be.User, be.Addr), fix)
	case errors.As(err, &te):
		fix := "check the DC's certificate"
		switch te.Problem {
		case ad.TLSUnknownAuthority:
			fix = "give the CA certificate (PEM) that signed the DC's certificate as the CA file"
		case ad.TLSNameMismatch:
			fix = "connect with a name the DC's certificate holds (usually the DC's full DNS name)"
		case ad.TLSExpired:
			fix = "renew the DC's certificate, or check this machine's clock"
		case ad.TLSNotTLS:
			fix = "use LDAPS on port 636, or StartTLS on port 389"
		}
		return problem(err, fmt.Sprintf("TLS to %s: %s", te.Addr, te.Detail), fix)
	case errors.As(err, &ce):
		return problem(err, fmt.Sprintf("cannot reach the domain controller at %s: %s", ce.Addr, ce.Reason),
			"check the host name and port, that the DC is up, and that a firewall lets this machine reach it")
	case errors.As(err, &oe) && errors.Is(err, ad.ErrInsufficientRights):
		return problem(err, err.Error(), fmt.Sprintf("connect as an Enterprise Admin: %s may not do this", user))
	case errors.Is(err, ad.ErrInvalidInput):
		return problem(err, err.Error(), "correct the value and try again")
	}
	return err
}

// entraProblem adds the likely fix to an error of package entra.
func entraProblem(err error) error {
	if err == nil || isProblem(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ue *entra.UnauthorizedError
	var fe *entra.ForbiddenError
	switch {
	case errors.As(err, &ue):
		fix := ue.Hint
		if fix == "" {
			fix = "sign in again with an account of the tenant to sync to"
		}
		return &wizard.Problem{Err: err, Fix: strings.TrimRight(fix, ".")}
	case errors.As(err, &fe) && fe.Reason == entra.RoleMissing:
		return &wizard.Problem{Err: err, Fix: "sign in as a Global Administrator, or activate the role " + fe.Role + " and sign in again"}
	case errors.As(err, &fe):
		return &wizard.Problem{Err: err, Fix: "grant the application the permission " + fe.Permission + " with admin consent, or run setup again"}
	case errors.Is(err, entra.ErrThrottled):
		return &wizard.Problem{Err: err, Fix: "wait a few minutes and try again: Microsoft Graph is throttling this tenant"}
	}
	return err
}

// syncProblem adds the likely fix to an error of a sync run.
func syncProblem(err error) error {
	if err == nil || isProblem(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var busy *sync.BusyError
	var guard *sync.GuardError
	var insecure *sync.InsecureSecretError
	var stale *sync.PlanStaleError
	switch {
	case errors.As(err, &busy):
		return &wizard.Problem{Err: err, Fix: "wait for the other run to finish (the service's scheduled run, or `entrasync sync` in another terminal) and try again"}
	case errors.As(err, &guard):
		fix := "review the pending changes (Preview pending changes); if they are intended, raise the threshold in the settings"
		if guard.Override != "" {
			fix += ", or run `" + guard.Override + "` once"
		}
		return &wizard.Problem{Err: err, Fix: fix}
	case errors.As(err, &insecure):
		return &wizard.Problem{Err: err, Fix: "run `" + insecure.Fix + "`: secrets must be readable by their owner only"}
	case errors.As(err, &stale):
		return &wizard.Problem{Err: err, Fix: "make a new plan and review it again"}
	case errors.Is(err, sync.ErrStoreBusy):
		return &wizard.Problem{Err: err, Fix: "wait for the running sync to finish and try again"}
	}
	if p := adProblem(err, ""); p != err {
		return p
	}
	return entraProblem(err)
}
