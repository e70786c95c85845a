package live

import (
	"fmt"
	"strings"
	"time"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// triggerSetup marks the initial sync of setup in the run history.
const triggerSetup = "setup"

// progressEvery is the least time between two progress reports of one
// phase: the wizard redraws a few times a second at most.
const progressEvery = 200 * time.Millisecond

// progress turns the engine's progress events into the wizard's, and
// drops those that come too soon after the last.
type progress struct {
	now  func() time.Time
	fn   func(wizard.Progress)
	last time.Time
	cur  wizard.Progress
}

// newProgress reports to fn; expect is the import's expected size (the
// last run's), 0 when unknown.
func newProgress(now func() time.Time, expect int, fn func(wizard.Progress)) *progress {
	return &progress{now: now, fn: fn, cur: wizard.Progress{Phase: -1, ImportTotal: expect}}
}

func (p *progress) report(e sync.Progress) {
	phase := phaseOf(e.Phase)
	changed := phase != p.cur.Phase
	p.cur.Phase = phase
	switch e.Phase {
	case sync.PhaseImport:
		p.cur.Imported = e.Done
		if e.Total > 0 {
			p.cur.ImportTotal = e.Total
		}
	case sync.PhasePlan:
		p.cur.Imported = max(p.cur.Imported, e.Counts.Imported)
	case sync.PhaseApply:
		p.cur.Exported = e.Done
	}
	if e.Counts.Imported > 0 {
		p.cur.Imported = e.Counts.Imported
	}
	p.cur.Planned = e.Counts.Planned
	p.cur.Errors = e.Counts.Errors
	if e.Phase == sync.PhaseDone {
		p.cur.Exported = max(p.cur.Exported, applied(e.Counts))
	}
	if p.cur.Imported > p.cur.ImportTotal && p.cur.ImportTotal > 0 {
		p.cur.ImportTotal = p.cur.Imported
	}
	now := p.now()
	if !changed && e.Phase != sync.PhaseDone && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.fn(p.cur)
}

// applied counts the writes of a run's counts.
func applied(c sync.Counts) int {
	return c.Created + c.Adopted + c.Updated + c.Deleted + c.MembersAdded + c.MembersRemoved
}

func phaseOf(p sync.Phase) wizard.Phase {
	switch p {
	case sync.PhasePlan:
		return wizard.PhasePlan
	case sync.PhaseApply:
		return wizard.PhaseApply
	case sync.PhaseDone:
		return wizard.PhaseDone
	}
	return wizard.PhaseImport
}

// runSummary turns a run of the history into the wizard's summary.
func runSummary(s sync.RunSummary) wizard.RunSummary {
	out := wizard.RunSummary{
		ID: s.ID, Kind: wizard.SyncDelta, Started: s.Started, Duration: s.Duration, Status: runStatus(s),
		Imported: s.Counts.Imported, Created: s.Counts.Created + s.Counts.Adopted, Updated: s.Counts.Updated,
		Deleted: s.Counts.Deleted, Errors: max(s.ErrorCount, s.Counts.Errors),
	}
	switch {
	case s.Trigger == triggerSetup:
		out.Kind = wizard.SyncInitial
	case s.Kind == sync.RunFull:
		out.Kind = wizard.SyncFull
	}
	for _, w := range s.Warnings {
		msg := w.Message
		if w.Count > 1 {
			msg = fmt.Sprintf("%s (%d objects)", msg, w.Count)
		}
		out.Warnings = append(out.Warnings, wizard.Warning{Message: msg, Count: w.Count, Objects: w.Objects, UPNSuffix: fallbackSuffix(w)})
	}
	return out
}

// fallbackSuffix returns the UPN suffix of the engine's warning that users
// on it got a UPN on the initial domain ("UPN suffix corp.local is not a
// verified domain: users get <mailNickname>@..."), so the wizard says it
// once, in its own words; "" for any other warning.
func fallbackSuffix(w sync.Warning) string {
	if w.Code != sync.WarnUPNFallback {
		return ""
	}
	rest, ok := strings.CutPrefix(w.Message, "UPN suffix ")
	if !ok {
		return ""
	}
	suffix, _, ok := strings.Cut(rest, " is not a verified domain")
	if !ok || suffix == "" || strings.ContainsAny(suffix, " :") {
		return ""
	}
	return suffix
}

// runStatus says how a run ended, in the wizard's words.
func runStatus(s sync.RunSummary) string {
	switch s.Status {
	case sync.StatusGuard:
		var guards []string
		for _, g := range s.Guards {
			guards = append(guards, g.Guard)
		}
		if len(guards) == 0 {
			return "stopped by a guard"
		}
		return "stopped: " + strings.Join(guards, ", ")
	case sync.StatusStaged:
		if s.Trigger == "preview" {
			return "preview: nothing exported"
		}
		return "staging: nothing exported"
	case sync.StatusFailed:
		if s.Error != "" {
			return "failed: " + s.Error
		}
	}
	return string(s.Status)
}

// changeOp is the wizard's name of a plan operation.
func changeOp(op sync.ChangeOp) wizard.Op {
	switch op {
	case sync.OpCreate:
		return wizard.OpCreate
	case sync.OpDelete:
		return wizard.OpDelete
	case sync.OpAddMembers:
		return wizard.OpAddMember
	case sync.OpRemoveMembers:
		return wizard.OpRemoveMember
	}
	return wizard.OpUpdate
}

// plan turns the engine's plan into the wizard's: one change per member
// added or removed, and the attributes each update changes.
func plan(p *sync.Plan) wizard.Plan {
	var out wizard.Plan
	for _, c := range p.Changes {
		kind := c.Kind.String()
		switch c.Op {
		case sync.OpAddMembers, sync.OpRemoveMembers:
			for _, m := range c.Members {
				name := p.Names[m]
				if name == "" {
					name = m
				}
				out.Changes = append(out.Changes, wizard.Change{Op: changeOp(c.Op), Kind: kind, Object: c.Name, Detail: name})
			}
		case sync.OpUpdate, sync.OpAdopt:
			detail := attrChanges(c, p.Names)
			if c.Op == sync.OpAdopt {
				detail = strings.TrimSuffix("adopt the existing cloud object ("+c.Reason+"); "+detail, "; ")
			}
			out.Changes = append(out.Changes, wizard.Change{Op: wizard.OpUpdate, Kind: kind, Object: c.Name, Detail: detail})
		default:
			out.Changes = append(out.Changes, wizard.Change{Op: changeOp(c.Op), Kind: kind, Object: c.Name, Detail: c.Reason})
		}
	}
	var blocked []string
	for _, g := range p.Blocked {
		blocked = append(blocked, g.Error())
	}
	out.Blocked = strings.Join(blocked, "; ")
	return out
}

// attrChanges describes an update: each attribute with its old and new
// value, a manager by name.
func attrChanges(c sync.Change, names map[string]string) string {
	var parts []string
	for _, k := range c.Attributes.Names() {
		old, cur := c.Old[k], c.Attributes[k]
		if k == sync.AttrManager {
			old, cur = nameOr(names, old), nameOr(names, cur)
		}
		parts = append(parts, fmt.Sprintf("%s: %q → %q", k, old, cur))
	}
	s := strings.Join(parts, ", ")
	if len(c.Drift) > 0 {
		s += " (edited in Entra: " + strings.Join(c.Drift, ", ") + ")"
	}
	return s
}

func nameOr(names map[string]string, anchor string) string {
	if n := names[anchor]; n != "" {
		return n
	}
	return anchor
}
