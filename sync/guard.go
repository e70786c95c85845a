package sync

import (
	"errors"
	"fmt"
	"strings"
)

// ErrGuardTripped is matched (errors.Is) by every [*GuardError].
var ErrGuardTripped = errors.New("sync: a safety guard stopped the run")

// The guards.
const (
	GuardDeletions      = "deletion threshold"
	GuardDeletionPct    = "deletion percentage"
	GuardMemberRemovals = "member removal threshold"
	GuardPartialImport  = "partial import"
)

// GuardError says a safety guard refused to apply a plan: which guard, by
// how much, and the command that overrides it. Nothing was written. The
// CLI exits with code 3 on it.
type GuardError struct {
	// Guard is one of the Guard constants.
	Guard string `json:"guard"`
	// Limit is the configured limit and Actual what the plan needs.
	Limit  int `json:"limit"`
	Actual int `json:"actual"`
	// Detail explains the finding ("the import returned 0 objects while
	// entrasync manages 1,204").
	Detail string `json:"detail"`
	// Override is the command that applies the plan anyway, empty when no
	// override is safe (a search that ended early).
	Override string `json:"override,omitempty"`
}

// Error returns the message, naming what went wrong and how to fix it.
func (e *GuardError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sync: %s: %s; nothing was written", e.Guard, e.Detail)
	b.WriteString("; review the changes with `entrasync sync --dry-run`")
	if e.Override != "" {
		fmt.Fprintf(&b, ", then apply them with `%s`", e.Override)
	}
	return b.String()
}

// Is reports whether target is ErrGuardTripped.
func (e *GuardError) Is(target error) bool { return target == ErrGuardTripped }

// GuardErrors joins several tripped guards; errors.As finds the first.
type GuardErrors []GuardError

// Error returns the message.
func (g GuardErrors) Error() string {
	msgs := make([]string, len(g))
	for i := range g {
		msgs[i] = g[i].Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns each guard error.
func (g GuardErrors) Unwrap() []error {
	out := make([]error, len(g))
	for i := range g {
		out[i] = &g[i]
	}
	return out
}

// importInfo is what the guards know about the import a plan comes from.
type importInfo struct {
	full     bool
	objects  int  // objects the import returned
	complete bool // the search ran to its end
	// serverChanged names what changed since the last full import (DC,
	// invocationId, bind account), empty when nothing did.
	serverChanged string
}

// guardLimits are the thresholds in force for one run, overrides applied.
type guardLimits struct {
	deletes        int
	deletePercent  int // 0: off
	memberRemovals int
	allowDeletes   int // --allow-deletes=N: up to N deletes pass every delete guard
	allowRemovals  int
}

// checkGuards returns the guards plan trips. Deletes are counted toward the
// thresholds as Entra Connect counts them: every object deleted in Entra,
// including those that left the selected OUs
// (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-feature-prevent-accidental-deletes).
func checkGuards(p *Plan, imp importInfo, lim guardLimits) []GuardError {
	var out []GuardError
	deletes := p.Counts.Deletes
	allowed := deletes > 0 && lim.allowDeletes >= deletes
	overrideDeletes := fmt.Sprintf("entrasync sync --allow-deletes=%d", deletes)
	if imp.full {
		overrideDeletes = fmt.Sprintf("entrasync sync --full --allow-deletes=%d", deletes)
	}

	switch {
	case deletes == 0:
	case imp.full && !imp.complete:
		// No override: deleting what a cut-short search did not return is
		// exactly the mistake this guard exists for.
		out = append(out, GuardError{
			Guard: GuardPartialImport, Actual: deletes,
			Detail: fmt.Sprintf("the directory search ended early, so the %d objects it did not return would be deleted; "+
				"find why (the connector's log, a size or time limit on the DC), then run `entrasync sync --full`", deletes),
		})
	case allowed:
	default:
		switch {
		case imp.full && imp.objects == 0:
			out = append(out, GuardError{
				Guard: GuardPartialImport, Actual: deletes,
				Detail:   fmt.Sprintf("the import returned no objects at all, so all %d managed objects would be deleted; check the connector account's rights and ad.scope", deletes),
				Override: overrideDeletes,
			})
		case imp.serverChanged != "":
			out = append(out, GuardError{
				Guard: GuardPartialImport, Actual: deletes,
				Detail:   fmt.Sprintf("%s changed since the last full import, and %d objects would be deleted; a different account or DC may see less of the directory", imp.serverChanged, deletes),
				Override: overrideDeletes,
			})
		}
		if deletes > lim.deletes {
			out = append(out, GuardError{
				Guard: GuardDeletions, Limit: lim.deletes, Actual: deletes,
				Detail:   fmt.Sprintf("the run would delete %s, %d more than sync.deletionThreshold (%d)", plural(deletes, "object"), deletes-lim.deletes, lim.deletes),
				Override: overrideDeletes,
			})
		}
		if lim.deletePercent > 0 && p.Managed > 0 && deletes*100 > lim.deletePercent*p.Managed {
			out = append(out, GuardError{
				Guard: GuardDeletionPct, Limit: lim.deletePercent, Actual: deletes * 100 / p.Managed,
				Detail: fmt.Sprintf("the run would delete %d of %d managed objects (%.1f%%), more than sync.deletionThresholdPercent (%d%%)",
					deletes, p.Managed, float64(deletes)*100/float64(p.Managed), lim.deletePercent),
				Override: overrideDeletes,
			})
		}
	}
	if r := p.Counts.MemberRemoves; r > lim.memberRemovals && lim.allowRemovals < r {
		out = append(out, GuardError{
			Guard: GuardMemberRemovals, Limit: lim.memberRemovals, Actual: r,
			Detail:   fmt.Sprintf("the run would remove %s, %d more than sync.memberRemovalThreshold (%d)", plural(r, "group membership"), r-lim.memberRemovals, lim.memberRemovals),
			Override: fmt.Sprintf("entrasync sync --allow-member-removals=%d", r),
		})
	}
	return out
}

// plural writes "1 object" or "3 objects".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
