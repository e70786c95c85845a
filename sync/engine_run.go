package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// run is the state of one Engine.Run.
type run struct {
	e       *Engine
	ctx     context.Context
	opts    RunOptions
	id      string
	started time.Time
	log     *slog.Logger

	sum       RunSummary
	w         warnings
	counts    Counts
	excluded  map[string]int
	objErrors []ObjectError

	full      bool
	cursor    Cursor
	hasCursor bool
	m         *mapper
	imported  []*SourceObject
	result    ImportResult
	imp       importInfo

	// records are the stored records this run looked at, by anchor: all of
	// them in a full run; the changed, retried and referenced ones in a
	// delta. Changes go to the copies in touched, committed per batch.
	records map[string]*Record
	touched map[string]*Record
	// desired are the in-scope objects this run maps, by anchor; gone
	// the records whose object left (anchor → reason).
	desired map[string]*entry
	gone    map[string]string
	// Full runs only: what Entra holds.
	actual     map[string]*TargetObject // entrasync's objects, by anchor
	actualUPN  map[string]string        // lower-case UPN → anchor, of entrasync's users
	targetByID map[string]*TargetObject
	foreignUPN map[string]*TargetObject // objects entrasync did not create, by lower-case UPN
	foreignML  map[string]*TargetObject // ... by lower-case mail
	adoptions  map[string]*TargetObject // desired anchor → foreign object to adopt (soft match)

	plan       *Plan
	drops      []string // records to forget: never created, or already gone from Entra
	keepCursor bool     // a saved plan left changes unapplied: do not move the cursor

	// Apply bookkeeping, by anchor.
	attempted           map[string]bool // a write was sent
	failed              map[string]bool // a write failed
	unresolved          map[string]bool // a reference had no Entra id yet
	uncommitted         map[string]bool // touched since the last commit
	created             map[string]bool // created by this run
	membersFromEntra    map[string]bool // working Members initialised from Entra's list (full runs)
	deleted             []string
	retries             []pending // second attempts within a batch (quarantined UPNs)
	committedDeletes    int
	applied, applyTotal int // writes sent and expected, for progress
}

func (r *run) do() error {
	ctx, cfg := r.ctx, r.e.cfg
	r.sum.DryRun = r.opts.DryRun || cfg.Sync.StagingMode
	r.excluded = make(map[string]int)

	tenant, err := r.e.target.Tenant(ctx)
	if err != nil {
		return err // the target names the call
	}
	if r.m, err = newMapper(cfg, tenant); err != nil {
		return err
	}
	r.cursor, err = r.e.store.Cursor()
	switch {
	case err == nil:
		r.hasCursor = true
	case errors.Is(err, ErrNotFound):
	default:
		return fmt.Errorf("sync: read the cursor: %w", err)
	}
	r.full = r.opts.Kind == RunFull || !r.hasCursor || r.cursor.MappingVersion != r.m.mappingVersion
	if r.opts.Plan != nil {
		if r.opts.Plan.MappingVersion != r.m.mappingVersion {
			return &PlanStaleError{PlanID: r.opts.Plan.ID, Reasons: []string{"the configuration or the tenant's verified domains changed since the plan was made"}}
		}
		r.full = r.opts.Plan.Full
		r.sum.PlanID = r.opts.Plan.ID
	}
	if r.full && r.opts.Kind != RunFull && r.hasCursor && r.opts.Plan == nil {
		r.log.Info("full run instead of delta: the mapping rules changed")
	}

	if err := r.importObjects(); err != nil {
		return err
	}
	r.setKind()
	if err := r.buildPlan(); err != nil {
		return err
	}
	if r.opts.Plan != nil {
		if err := r.matchSavedPlan(r.opts.Plan); err != nil {
			return err
		}
	}
	r.counts.Planned = len(r.plan.Changes)
	if r.log.Enabled(r.ctx, slog.LevelDebug) {
		for _, c := range r.plan.Changes {
			r.log.Debug("planned", "op", c.Op, "kind", c.Kind, "object", c.Name, "attributes", c.Attributes.Names(), "members", len(c.Members), "reason", c.Reason)
		}
	}
	lim := guardLimits{
		deletes: cfg.Sync.DeletionThreshold, deletePercent: cfg.Sync.DeletionThresholdPercent,
		memberRemovals: cfg.Sync.MemberRemovalThreshold,
		allowDeletes:   r.opts.AllowDeletes, allowRemovals: r.opts.AllowMemberRemovals,
	}
	r.plan.Blocked = checkGuards(r.plan, r.imp, lim)
	r.plan.Warnings = r.w.all()

	if r.sum.DryRun {
		r.sum.Guards = r.plan.Blocked
		if r.opts.SavePlan {
			if err := r.e.store.SavePlan(r.plan); err != nil {
				return fmt.Errorf("sync: save the plan: %w", err)
			}
			r.sum.PlanID = r.plan.ID
		}
		return nil
	}
	if len(r.plan.Blocked) > 0 {
		r.sum.Guards = r.plan.Blocked
		if len(r.plan.Blocked) == 1 {
			return &r.plan.Blocked[0]
		}
		return GuardErrors(r.plan.Blocked)
	}
	applyErr := r.apply()
	if err := r.commitRest(applyErr == nil); err != nil {
		return errors.Join(applyErr, err)
	}
	if applyErr == nil && r.opts.Plan != nil {
		_ = r.e.store.DeletePlan(r.opts.Plan.ID) // applied: it cannot be applied again
	}
	return applyErr
}

// setKind records in the summary what kind the run turned out to be.
func (r *run) setKind() {
	if r.full {
		r.sum.Kind = RunFull
	} else {
		r.sum.Kind = RunDelta
	}
}

// importObjects runs the import, turning a refused delta into a full one.
func (r *run) importObjects() error {
	r.progress(PhaseImport, 0, 0)
	req := ImportRequest{Full: r.full, Include: r.e.cfg.AD.Scope.Include}
	if !r.full {
		req.Cursor = r.cursor.Data
	}
	emit := func(o *SourceObject) error {
		r.imported = append(r.imported, o)
		if n := len(r.imported); n%ProgressEvery == 0 {
			r.counts.Imported = n
			r.progress(PhaseImport, n, 0)
		}
		return nil
	}
	res, err := r.e.source.Import(r.ctx, req, emit)
	if err != nil && !r.full && errors.Is(err, ErrFullImportRequired) {
		r.log.Info("full import instead of delta", "reason", err)
		r.full, r.imported = true, nil
		req = ImportRequest{Full: true, Include: r.e.cfg.AD.Scope.Include}
		res, err = r.e.source.Import(r.ctx, req, emit)
	}
	if err != nil {
		return err // the source names the directory and what failed
	}
	r.result = res
	r.counts.Imported = len(r.imported)
	r.log.Debug("imported", "objects", len(r.imported), "full", r.full, "complete", res.Complete, "dc", res.Server.DC)
	r.imp = importInfo{full: r.full, objects: len(r.imported), complete: res.Complete}
	if r.hasCursor {
		r.imp.serverChanged = serverChange(r.cursor.FullServer, res.Server)
	}
	if !res.Complete {
		r.w.add(WarnDeletesHeld, "the directory search ended early: objects it did not return are not deleted", "")
	}
	r.progress(PhaseImport, len(r.imported), len(r.imported))
	return nil
}

// serverChange names what differs between the last full import's server
// and this one's, or "".
func serverChange(was, now ServerIdentity) string {
	if was == (ServerIdentity{}) {
		return ""
	}
	var parts []string
	if !strings.EqualFold(was.DC, now.DC) {
		parts = append(parts, fmt.Sprintf("the domain controller (%s, now %s)", was.DC, now.DC))
	} else if was.InvocationID != now.InvocationID {
		parts = append(parts, fmt.Sprintf("the domain controller's invocationId (%s restored or rebuilt?)", now.DC))
	}
	if !strings.EqualFold(was.BindAccount, now.BindAccount) {
		parts = append(parts, fmt.Sprintf("the bind account (%s, now %s)", was.BindAccount, now.BindAccount))
	}
	return strings.Join(parts, " and ")
}

// PlanStaleError refuses to apply a saved plan that is no longer what the
// engine would do: the directory or Entra moved on, or the configuration
// changed. Make a new plan.
type PlanStaleError struct {
	PlanID string
	// Reasons name the objects whose change differs now (the first few).
	Reasons []string
	// More counts the differences not listed.
	More int
}

// Error returns the message, naming what went wrong and how to fix it.
func (e *PlanStaleError) Error() string {
	s := fmt.Sprintf("sync: saved plan %s is stale: %s", e.PlanID, strings.Join(e.Reasons, "; "))
	if e.More > 0 {
		s += fmt.Sprintf("; and %d more", e.More)
	}
	return s + "; make a new plan with `entrasync sync --dry-run --plan FILE` and review it"
}
