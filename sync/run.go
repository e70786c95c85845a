package sync

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// RunKind is a delta or a full run.
type RunKind string

// The kinds of run.
const (
	// RunDelta imports the changes since the last cursor and compares with
	// the store. It becomes a full run when there is no cursor, the cursor
	// is refused, or the mapping rules changed.
	RunDelta RunKind = "delta"
	// RunFull imports everything and also compares with what Entra holds
	// (drift).
	RunFull RunKind = "full"
)

// RunOptions says what one run does.
type RunOptions struct {
	// Kind is RunDelta (the default when empty) or RunFull.
	Kind RunKind
	// DryRun plans and stops: nothing is written to Entra or the store but
	// the run's history entry. Staging mode (sync.stagingMode) forces it.
	DryRun bool
	// SavePlan stores the plan of a dry run so it can be applied exactly
	// later (RunSummary.PlanID names it).
	SavePlan bool
	// Plan applies a saved plan exactly: the engine imports and plans
	// again, refuses with a [*PlanStaleError] when a change of the saved
	// plan is no longer what it would do, and applies only the saved
	// changes.
	Plan *Plan
	// AllowDeletes lets up to this many deletes through the deletion
	// guards (the --allow-deletes=N override); AllowMemberRemovals the
	// same for member removals.
	AllowDeletes        int
	AllowMemberRemovals int
	// Trigger says who asked, for the history: "schedule", "manual",
	// "setup", ...
	Trigger string
	// Progress, when set, receives progress events from the calling
	// goroutine: at each phase change and at most every ProgressEvery
	// objects.
	Progress func(Progress)
}

// RunStatus is how a run ended.
type RunStatus string

// The statuses of a run.
const (
	StatusSuccess    RunStatus = "success"
	StatusWithErrors RunStatus = "completed with errors" // some objects failed; retried next run
	StatusStaged     RunStatus = "staged"                // a dry run or staging mode: planned, nothing written
	StatusGuard      RunStatus = "stopped by a guard"    // a guard refused the plan; nothing written
	StatusStale      RunStatus = "stopped: plan is stale"
	StatusCancelled  RunStatus = "cancelled" // stopped between batches; what was applied is recorded
	StatusFailed     RunStatus = "failed"    // the run could not finish (import, network, permission)
)

// Counts are a run's numbers.
type Counts struct {
	Imported     int `json:"imported"`     // objects the source returned
	InScope      int `json:"inScope"`      // users and security groups to sync
	OutOfScope   int `json:"outOfScope"`   // outside the selected OUs or object types
	Excluded     int `json:"excluded"`     // kept out by a rule (critical objects, MSOL_, CNF, ...)
	NotCreatable int `json:"notCreatable"` // contacts and mail-enabled distribution groups
	Planned      int `json:"planned"`      // changes in the plan

	Created        int `json:"created"`
	Adopted        int `json:"adopted"`
	Updated        int `json:"updated"`
	Deleted        int `json:"deleted"`
	MembersAdded   int `json:"membersAdded"`
	MembersRemoved int `json:"membersRemoved"`
	Unchanged      int `json:"unchanged"`
	Drifted        int `json:"drifted"` // objects whose cloud edits were overwritten
	// AnchorsWritten counts the users whose anchor was written back into
	// ms-DS-ConsistencyGuid (see [AnchorWriter]).
	AnchorsWritten int `json:"anchorsWritten,omitempty"`
	Errors         int `json:"errors"` // objects that failed
}

// MaxRunErrors is how many per-object errors a RunSummary keeps; ErrorCount
// has the total and each object's record keeps its own.
const MaxRunErrors = 200

// RunSummary is one run's history entry.
type RunSummary struct {
	ID       string        `json:"id"`
	Kind     RunKind       `json:"kind"`
	Trigger  string        `json:"trigger,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`
	Status   RunStatus     `json:"status"`
	// DryRun is set for dry runs and staging mode.
	DryRun bool   `json:"dryRun,omitempty"`
	Counts Counts `json:"counts"`
	// Excluded counts the excluded and not-creatable objects by reason.
	Excluded map[string]int `json:"excluded,omitempty"`
	Warnings []Warning      `json:"warnings,omitempty"`
	// Errors are the first MaxRunErrors per-object errors.
	Errors     []ObjectError `json:"errors,omitempty"`
	ErrorCount int           `json:"errorCount"`
	// Guards lists the guards that stopped the run.
	Guards []GuardError `json:"guards,omitempty"`
	// Error is the run's own failure, if any.
	Error string `json:"error,omitempty"`
	// PlanID names the saved plan a dry run made or a run applied.
	PlanID string `json:"planId,omitempty"`
}

// Phase is where a run is.
type Phase string

// The phases of a run, in order.
const (
	PhaseImport Phase = "import"
	PhasePlan   Phase = "plan"
	PhaseApply  Phase = "apply"
	PhaseDone   Phase = "done"
)

// Progress is a running run's state, for a progress bar.
type Progress struct {
	RunID string
	Kind  RunKind
	Phase Phase
	// Done and Total count the phase's work: objects imported (Total 0:
	// unknown), objects planned, changes applied.
	Done, Total int
	Counts      Counts
	Elapsed     time.Duration
}

// ProgressEvery is how many objects pass between two progress events.
const ProgressEvery = 500

// newRunID returns a run id that sorts by start time: 20261126T200606.123Z-3f9a.
func newRunID(t time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}
