package sync

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels a Target's per-write errors match (errors.Is); the typed errors
// below carry the details.
var (
	// ErrConflict: another object holds a unique value (userPrincipalName,
	// mail, onPremisesImmutableId), or a member reference already exists.
	ErrConflict = errors.New("sync: conflict in Entra")
	// ErrThrottled: Entra asked to come back later and the Target's own
	// retries ran out. The object is retried at the next run.
	ErrThrottled = errors.New("sync: throttled by Entra")
	// ErrGone: the object is not in Entra (deleted there), or a member
	// reference to remove is not there.
	ErrGone = errors.New("sync: not found in Entra")
	// ErrInvalidValue: Entra refused a value (a UPN on an unverified
	// domain, a malformed property).
	ErrInvalidValue = errors.New("sync: value refused by Entra")
	// ErrDenied: the application lacks a permission or role. Fatal to the
	// run: every other write would fail the same way.
	ErrDenied = errors.New("sync: permission denied in Entra")
)

// ConflictError reports a uniqueness conflict. It matches ErrConflict.
type ConflictError struct {
	// Property is the Graph property in conflict, e.g. userPrincipalName,
	// or "members" for an existing member reference.
	Property string
	Value    string
	// HolderID is the object id holding the value, when Entra says.
	HolderID string
	Err      error // the Target's own error, for the log
}

// Error returns the message.
func (e *ConflictError) Error() string {
	s := fmt.Sprintf("%s %q is already used by another object", e.Property, e.Value)
	if e.HolderID != "" {
		s += " (" + e.HolderID + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the Target's error.
func (e *ConflictError) Unwrap() error { return e.Err }

// ThrottledError reports throttling that outlasted the Target's retries.
// It matches ErrThrottled.
type ThrottledError struct {
	RetryAfter time.Duration
	Err        error
}

// Error returns the message.
func (e *ThrottledError) Error() string {
	s := "throttled by Entra"
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Unwrap returns the Target's error.
func (e *ThrottledError) Unwrap() error { return e.Err }

// InvalidValueError reports a value Entra refused. It matches ErrInvalidValue.
type InvalidValueError struct {
	Property, Value, Reason string
	Err                     error
}

// Error returns the message.
func (e *InvalidValueError) Error() string {
	s := fmt.Sprintf("%s %q refused: %s", e.Property, e.Value, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrInvalidValue.
func (e *InvalidValueError) Is(target error) bool { return target == ErrInvalidValue }

// Unwrap returns the Target's error.
func (e *InvalidValueError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying (revoked consent, bad
// credentials, a refused certificate): the scheduler waits its longest
// backoff instead of retrying soon. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

// Error returns the message.
func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err, or an error it wraps, was marked with
// [Permanent], or is a [*GuardError] (which needs a person, not a retry).
func IsPermanent(err error) bool {
	var p *permanentError
	var g *GuardError
	return errors.As(err, &p) || errors.As(err, &g) || errors.Is(err, ErrDenied)
}

// errorCode names a write error's class for records and history.
func errorCode(err error) string {
	switch {
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrThrottled):
		return "throttled"
	case errors.Is(err, ErrGone):
		return "not-found"
	case errors.Is(err, ErrInvalidValue):
		return "invalid-value"
	case errors.Is(err, ErrDenied):
		return "denied"
	}
	return "error"
}
