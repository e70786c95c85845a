package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// pending is one write and what to do with its result.
type pending struct {
	w      Write
	anchor string
	change *Change
	done   func(WriteResult) error
}

// apply performs the plan: creates (groups first), adoptions and updates,
// then managers and memberships (so every object they name exists), then
// deletes, and last writes anchors back into AD (writeAnchors). It commits
// each batch's records before the next batch, stops between batches when
// ctx ends, and records per-object failures without stopping.
func (r *run) apply() error {
	r.attempted = make(map[string]bool)
	r.failed = make(map[string]bool)
	r.unresolved = make(map[string]bool)
	r.uncommitted = make(map[string]bool)
	r.created = make(map[string]bool)
	r.membersFromEntra = make(map[string]bool)
	byOp := make(map[ChangeOp][]*Change)
	for i := range r.plan.Changes {
		c := &r.plan.Changes[i]
		byOp[c.Op] = append(byOp[c.Op], c)
		r.applyTotal += writesFor(c)
	}
	r.progress(PhaseApply, 0, r.applyTotal)
	if err := r.applyCreates(byOp[OpCreate]); err != nil {
		return err
	}
	if err := r.applyUpdates(append(byOp[OpAdopt], byOp[OpUpdate]...)); err != nil {
		return err
	}
	if err := r.applyRefs(byOp); err != nil {
		return err
	}
	if err := r.applyDeletes(byOp[OpDelete]); err != nil {
		return err
	}
	return r.writeAnchors()
}

// send applies one batch of writes (already at most the batch size) and
// commits the records it touched. Target calls use a context that ctx's
// end does not cancel, so a batch in flight finishes.
func (r *run) send(ps []pending) error {
	if len(ps) == 0 {
		return nil
	}
	ws := make([]Write, len(ps))
	for i, p := range ps {
		ws[i] = p.w
		r.attempted[p.anchor] = true
	}
	start := time.Now()
	res, err := r.e.target.Apply(context.WithoutCancel(r.ctx), ws)
	if err != nil {
		return fmt.Errorf("sync: write to Entra: %w", err)
	}
	if len(res) != len(ws) {
		return fmt.Errorf("sync: the Entra target returned %d results for %d writes", len(res), len(ws))
	}
	var denied error
	failed := 0
	for i, p := range ps {
		if errors.Is(res[i].Err, ErrDenied) && denied == nil {
			denied = res[i].Err
		}
		if res[i].Err != nil {
			failed++
		}
		if err := p.done(res[i]); err != nil {
			return err
		}
	}
	if err := r.commitTouched(); err != nil {
		return err
	}
	r.applied += len(ps)
	r.log.Debug("batch written", "writes", len(ws), "failed", failed, "elapsed", time.Since(start).Round(time.Millisecond))
	r.progress(PhaseApply, r.applied, max(r.applyTotal, r.applied))
	if denied != nil {
		return Permanent(fmt.Errorf("sync: Entra refused a write, so every other would fail too: %w", denied))
	}
	return nil
}

// writesFor estimates how many writes a change takes, for progress.
func writesFor(c *Change) int {
	n := 1
	switch c.Op {
	case OpAddMembers, OpRemoveMembers:
		n = (len(c.Members) + MaxMembersPerWrite - 1) / MaxMembersPerWrite
	case OpCreate, OpUpdate, OpAdopt:
		if _, ok := c.Attributes[AttrManager]; ok {
			n++
		}
	}
	return n
}

// stopped reports whether the run must stop before the next batch.
func (r *run) stopped() error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("sync: stopped after the batch in flight: %w", err)
	}
	return nil
}

// chunks calls fn on consecutive slices of at most n elements of xs,
// stopping between them when the run is cancelled.
func chunks[T any](r *run, xs []T, n int, fn func([]T) error) error {
	for len(xs) > 0 {
		if err := r.stopped(); err != nil {
			return err
		}
		k := min(n, len(xs))
		if err := fn(xs[:k]); err != nil {
			return err
		}
		xs = xs[k:]
	}
	return nil
}

// fail records a per-object failure on the object's record and in the run.
func (r *run) fail(a string, c *Change, err error) {
	w := r.touched[a]
	if w == nil {
		if r.desired[a] == nil && r.records[a] == nil {
			return // nothing to record it on (cannot happen: every change has one)
		}
		w = r.work(a, r.desired[a])
	}
	r.uncommitted[a] = true
	now := time.Now()
	oe := ObjectError{RunID: r.id, Anchor: a, Kind: c.Kind, Object: c.Name, Op: c.Op, Code: errorCode(err), Message: err.Error(), Attempts: 1, Since: now, At: now}
	if prev := w.Error; prev != nil {
		oe.Attempts, oe.Since = prev.Attempts+1, prev.Since
	}
	w.Error = &oe
	if !r.failed[a] {
		r.failed[a] = true
		r.counts.Errors++
		r.objErrors = append(r.objErrors, oe)
	}
	r.log.Warn("object failed", "op", c.Op, "object", c.Name, "code", oe.Code, "err", err)
}

// touch returns the working record of a, marked for the next commit.
func (r *run) touch(a string) *Record {
	w := r.work(a, r.desired[a])
	r.uncommitted[a] = true
	return w
}

// applyCreates creates objects, after looking their anchors up: an object
// that a crashed run created but did not record is linked, not created
// again. With soft match on, a cloud user with the same UPN or mail is
// adopted instead.
func (r *run) applyCreates(cs []*Change) error {
	return chunks(r, cs, r.e.batch, func(batch []*Change) error {
		found, err := r.lookupAnchors(batch)
		if err != nil {
			return err
		}
		var ps []pending
		var rest []*Change
		for _, c := range batch {
			t := found[c.Anchor]
			switch {
			case t == nil:
				rest = append(rest, c)
			case t.DirSynced:
				r.fail(c.Anchor, c, fmt.Errorf("an object with this anchor (%s) is synced by Entra Connect or Cloud Sync: entrasync leaves it alone", t.ID))
			default:
				r.log.Info("found in Entra by anchor before creating: linking it", "object", c.Name, "id", t.ID)
				if c.Reason == reasonRecreate {
					// The listing missed it; it was never deleted.
					r.w.withdraw(WarnRecreated, msgRecreated, c.Name)
				}
				if p, write := r.linkWrite(c, t, false); write {
					ps = append(ps, p)
				} else if err := p.done(WriteResult{}); err != nil {
					return err
				}
			}
		}
		adopt, err := r.softMatchCandidates(rest)
		if err != nil {
			return err
		}
		for _, c := range rest {
			if t := adopt[c.Anchor]; t != nil {
				p, _ := r.linkWrite(c, t, true)
				ps = append(ps, p)
				continue
			}
			ps = append(ps, r.createWrite(c, c.Attributes[AttrUserPrincipalName]))
		}
		if err := r.send(ps); err != nil {
			return err
		}
		retry := r.retries
		r.retries = nil
		return r.send(retry)
	})
}

// lookupAnchors finds which of batch's objects Entra already holds.
func (r *run) lookupAnchors(batch []*Change) (map[string]*TargetObject, error) {
	found := make(map[string]*TargetObject)
	for _, k := range []Kind{KindGroup, KindUser} {
		var anchors []string
		for _, c := range batch {
			if c.Kind == k {
				anchors = append(anchors, c.Anchor)
			}
		}
		if len(anchors) == 0 {
			continue
		}
		objs, err := r.e.target.Lookup(context.WithoutCancel(r.ctx), k, LookupAnchor, anchors)
		if err != nil {
			return nil, err // the target names the lookup
		}
		for i := range objs {
			found[objs[i].Anchor] = &objs[i]
		}
	}
	return found, nil
}

// softMatchCandidates looks up, when soft match is on, cloud users with the
// UPN (or mail) of users about to be created, that no sync created.
func (r *run) softMatchCandidates(cs []*Change) (map[string]*TargetObject, error) {
	out := make(map[string]*TargetObject)
	if !r.m.softMatchUPN && !r.m.softMatchMail {
		return out, nil
	}
	for _, by := range []string{AttrUserPrincipalName, AttrMail} {
		if by == AttrUserPrincipalName && !r.m.softMatchUPN || by == AttrMail && !r.m.softMatchMail {
			continue
		}
		want := make(map[string]string) // lower value → anchor
		var values []string
		for _, c := range cs {
			v := c.Attributes[by]
			if by == AttrUserPrincipalName {
				if e := r.desired[c.Anchor]; e != nil {
					v = e.wantUPN
				}
			}
			if c.Kind != KindUser || v == "" || out[c.Anchor] != nil {
				continue
			}
			want[strings.ToLower(v)] = c.Anchor
			values = append(values, v)
		}
		if len(values) == 0 {
			continue
		}
		objs, err := r.e.target.Lookup(context.WithoutCancel(r.ctx), KindUser, by, values)
		if err != nil {
			return nil, err // the target names the lookup
		}
		for i := range objs {
			t := &objs[i]
			if t.Anchor != "" || t.DirSynced {
				continue
			}
			if a := want[strings.ToLower(t.Attributes[by])]; a != "" && out[a] == nil {
				out[a] = t
			}
		}
	}
	return out, nil
}

// linkWrite records that c's object is t (found by anchor, or adopted by
// soft match) and patches what differs. write is false when there is
// nothing to send: call the pending's done with an empty result.
func (r *run) linkWrite(c *Change, t *TargetObject, adopt bool) (p pending, write bool) {
	e := r.desired[c.Anchor]
	changed := make(Attributes)
	for _, k := range r.m.attrNames(c.Kind) {
		if e.attrs[k] != t.Attributes[k] {
			changed[k] = e.attrs[k]
		}
	}
	a := c.Anchor
	w := Write{Op: WriteUpdate, Kind: c.Kind, Anchor: a, ID: t.ID, Attributes: changed, SetAnchor: adopt}
	return pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
		if res.Err != nil {
			r.fail(a, c, res.Err)
			return nil
		}
		rec := r.touch(a)
		rec.EntraID = t.ID
		rec.Exported = exportable(e.attrs)
		if c.Kind == KindGroup {
			rec.Members = nil
			for _, id := range t.Members {
				if m := r.anchorOfIDAny(id); m != "" {
					rec.Members = append(rec.Members, m)
				}
			}
			slices.Sort(rec.Members)
		}
		switch {
		case adopt:
			r.counts.Adopted++
		case c.Reason == reasonRecreate:
			// Never deleted: a listing of Entra missed it.
			if len(changed) > 0 {
				r.counts.Updated++
			}
		default:
			r.counts.Created++ // created by an earlier, interrupted run
		}
		return nil
	}}, adopt || len(changed) > 0
}

// anchorOfIDAny maps an Entra id to an anchor using what the run knows.
func (r *run) anchorOfIDAny(id string) string {
	if r.targetByID != nil {
		if a := r.anchorOfID(id); !strings.HasPrefix(a, foreignPrefix) {
			return a
		}
	}
	for a, w := range r.touched {
		if w.EntraID == id {
			return a
		}
	}
	return ""
}

// createWrite creates c's object with the given UPN; a UPN conflict is
// retried once under the quarantine name.
func (r *run) createWrite(c *Change, upn string) pending {
	a := c.Anchor
	attrs := make(Attributes, len(c.Attributes))
	for k, v := range c.Attributes {
		if k != AttrManager && v != "" {
			attrs[k] = v
		}
	}
	if upn != "" {
		attrs[AttrUserPrincipalName] = upn
	}
	w := Write{Op: WriteCreate, Kind: c.Kind, Anchor: a, Attributes: attrs}
	return pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
		if res.Err != nil {
			if q := r.quarantineAfter(c, res.Err, upn); q != "" {
				r.retries = append(r.retries, r.createWrite(c, q))
				return nil
			}
			r.fail(a, c, res.Err)
			return nil
		}
		rec := r.touch(a)
		rec.EntraID = res.ID
		rec.Exported = attrs
		rec.Manager = ""
		rec.Members = nil
		r.created[a] = true
		r.counts.Created++
		return nil
	}}
}

// quarantineAfter returns the quarantine UPN to retry with after err, or ""
// when err is not a UPN conflict of a first attempt: the UPN is held in
// Entra by an object entrasync does not manage, so this object gets
// <prefix>_NNNN@<initial domain>, as Entra Connect's resiliency does (with
// the separator Graph accepts: see quarantineSeparator).
func (r *run) quarantineAfter(c *Change, err error, tried string) string {
	var ce *ConflictError
	e := r.desired[c.Anchor]
	if c.Kind != KindUser || e == nil || !errors.As(err, &ce) || ce.Property != AttrUserPrincipalName {
		return ""
	}
	if r.m.isQuarantineUPN(tried) {
		return "" // already a quarantine name
	}
	q := r.m.quarantineUPN(e.upnPrefix, c.Anchor, func(u string) bool { return u == strings.ToLower(tried) })
	r.w.add(WarnUPNDuplicate, fmt.Sprintf("userPrincipalName held in Entra by an object entrasync did not create: the object gets <prefix>_NNNN@%s until the conflict is resolved", r.m.initialDomain),
		e.obj.DN+": "+tried+" → "+q)
	return q
}

// applyUpdates patches the changed attributes (and adopts soft matches).
func (r *run) applyUpdates(cs []*Change) error {
	return chunks(r, cs, r.e.batch, func(batch []*Change) error {
		var ps []pending
		for _, c := range batch {
			attrs := make(Attributes, len(c.Attributes))
			for k, v := range c.Attributes {
				if k != AttrManager {
					attrs[k] = v
				}
			}
			if len(attrs) == 0 && c.Op != OpAdopt {
				continue // only the manager changed: the refs phase writes it
			}
			ps = append(ps, r.updateWrite(c, attrs))
		}
		if err := r.send(ps); err != nil {
			return err
		}
		retry := r.retries
		r.retries = nil
		return r.send(retry)
	})
}

func (r *run) updateWrite(c *Change, attrs Attributes) pending {
	a := c.Anchor
	w := Write{Op: WriteUpdate, Kind: c.Kind, Anchor: a, ID: c.EntraID, Attributes: attrs, SetAnchor: c.Op == OpAdopt}
	return pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
		switch {
		case errors.Is(res.Err, ErrGone):
			// Deleted in Entra since it was listed: create it again next run.
			rec := r.touch(a)
			rec.EntraID, rec.Dirty = "", true
			r.w.add(WarnRecreated, "deleted in Entra outside entrasync: created again at the next run", c.Name)
			r.fail(a, c, res.Err)
			return nil
		case res.Err != nil:
			if q := r.quarantineAfter(c, res.Err, attrs[AttrUserPrincipalName]); q != "" {
				retry := attrs.Clone()
				retry[AttrUserPrincipalName] = q
				r.retries = append(r.retries, r.updateWrite(c, retry))
				return nil
			}
			r.fail(a, c, res.Err)
			return nil
		}
		rec := r.touch(a)
		rec.EntraID = c.EntraID
		if rec.Exported == nil || c.Op == OpAdopt {
			rec.Exported = make(Attributes)
		}
		if c.Op == OpAdopt {
			rec.Exported = exportable(r.desired[a].attrs)
			r.counts.Adopted++
		} else {
			r.counts.Updated++
		}
		for k, v := range attrs {
			if v == "" {
				delete(rec.Exported, k)
			} else {
				rec.Exported[k] = v
			}
		}
		return nil
	}}
}

// entraID returns the Entra id of the object with anchor a (or the id in
// an "entra:<id>" reference), "" when it has none yet.
func (r *run) entraID(a string) string {
	if id, ok := strings.CutPrefix(a, foreignPrefix); ok {
		return id
	}
	if w := r.touched[a]; w != nil {
		return w.EntraID
	}
	if r.full {
		if t := r.actual[a]; t != nil {
			return t.ID
		}
	}
	if rec, _ := r.loadRecord(a); rec != nil {
		return rec.EntraID
	}
	return ""
}

// applyRefs writes managers and group memberships, once every object of
// the run exists.
func (r *run) applyRefs(byOp map[ChangeOp][]*Change) error {
	var ps []pending
	for _, op := range []ChangeOp{OpCreate, OpAdopt, OpUpdate} {
		for _, c := range byOp[op] {
			if m, ok := c.Attributes[AttrManager]; ok && !r.failed[c.Anchor] {
				if p, ok := r.managerWrite(c, m); ok {
					ps = append(ps, p)
				}
			}
		}
	}
	for _, op := range []ChangeOp{OpAddMembers, OpRemoveMembers} {
		for _, c := range byOp[op] {
			ps = append(ps, r.memberWrites(c)...)
		}
	}
	if err := chunks(r, ps, r.e.batch, r.send); err != nil {
		return err
	}
	retry := r.retries
	r.retries = nil
	return chunks(r, retry, r.e.batch, r.send)
}

func (r *run) managerWrite(c *Change, manager string) (pending, bool) {
	a := c.Anchor
	id := r.entraID(a)
	if id == "" {
		return pending{}, false
	}
	mid := ""
	if manager != "" {
		if mid = r.entraID(manager); mid == "" {
			r.unresolved[a] = true
			return pending{}, false
		}
	}
	w := Write{Op: WriteUpdate, Kind: KindUser, Anchor: a, ID: id, Attributes: Attributes{AttrManager: mid}}
	return pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
		if res.Err != nil && !(mid == "" && errors.Is(res.Err, ErrGone)) {
			r.fail(a, c, res.Err)
			return nil
		}
		r.touch(a).Manager = manager
		if c.Op == OpUpdate && len(c.Attributes) == 1 {
			r.counts.Updated++
		}
		return nil
	}}, true
}

// memberWrites splits a member change into writes of at most
// MaxMembersPerWrite members whose Entra ids are known.
func (r *run) memberWrites(c *Change) []pending {
	a := c.Anchor
	if r.failed[a] {
		return nil
	}
	gid := r.entraID(a)
	if gid == "" {
		return nil
	}
	var anchors, ids []string
	for _, m := range c.Members {
		id := r.entraID(m)
		switch {
		case id == "" && c.Op == OpRemoveMembers:
			// The member is gone from Entra (deleted): so is the membership.
			rec := r.touch(a)
			rec.Members = slices.DeleteFunc(rec.Members, func(x string) bool { return x == m })
		case id == "":
			r.unresolved[a] = true // not created yet (it failed): retried next run
		default:
			anchors, ids = append(anchors, m), append(ids, id)
		}
	}
	op := WriteAddMembers
	if c.Op == OpRemoveMembers {
		op = WriteRemoveMembers
	}
	var out []pending
	for len(ids) > 0 {
		k := min(MaxMembersPerWrite, len(ids))
		out = append(out, r.memberWrite(c, op, gid, anchors[:k], ids[:k]))
		anchors, ids = anchors[k:], ids[k:]
	}
	return out
}

// memberWrite adds or removes some members of c's group. A member already
// there (or already gone) is not a failure; when a write of several
// members is refused for that reason (Graph refuses a whole
// members@odata.bind request when one reference exists), each member is
// retried alone.
func (r *run) memberWrite(c *Change, op WriteOp, gid string, anchors, ids []string) pending {
	a := c.Anchor
	w := Write{Op: op, Kind: KindGroup, Anchor: a, ID: gid, Members: ids}
	return pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
		benign := op == WriteAddMembers && errors.Is(res.Err, ErrConflict) || // already a member
			op == WriteRemoveMembers && errors.Is(res.Err, ErrGone) // already not
		switch {
		case benign && len(ids) > 1:
			for i := range ids {
				r.retries = append(r.retries, r.memberWrite(c, op, gid, anchors[i:i+1], ids[i:i+1]))
			}
			return nil
		case res.Err != nil && !benign:
			r.fail(a, c, res.Err)
			return nil
		}
		rec := r.touch(a)
		if r.full && !r.membersFromEntra[a] {
			// The working record starts from what Entra listed.
			r.membersFromEntra[a] = true
			if !r.created[a] {
				rec.Members = r.actualMembers(a)
			}
		}
		set := make(map[string]bool, len(rec.Members)+len(anchors))
		for _, m := range rec.Members {
			set[m] = true
		}
		for _, m := range anchors {
			if op == WriteAddMembers {
				set[m] = true
				r.counts.MembersAdded++
			} else {
				delete(set, m)
				r.counts.MembersRemoved++
			}
		}
		rec.Members = rec.Members[:0]
		for m := range set {
			if !strings.HasPrefix(m, foreignPrefix) {
				rec.Members = append(rec.Members, m)
			}
		}
		slices.Sort(rec.Members)
		return nil
	}}
}

// actualMembers returns the anchors of the members of a's group as Entra
// listed them (full runs).
func (r *run) actualMembers(a string) []string {
	t := r.actual[a]
	if t == nil {
		return nil
	}
	var out []string
	for _, id := range t.Members {
		if m := r.anchorOfID(id); !strings.HasPrefix(m, foreignPrefix) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// applyDeletes deletes last. A delete of an object already gone succeeds.
func (r *run) applyDeletes(cs []*Change) error {
	return chunks(r, cs, r.e.batch, func(batch []*Change) error {
		ps := make([]pending, 0, len(batch))
		for _, c := range batch {
			a := c.Anchor
			w := Write{Op: WriteDelete, Kind: c.Kind, Anchor: a, ID: c.EntraID}
			ps = append(ps, pending{w: w, anchor: a, change: c, done: func(res WriteResult) error {
				if res.Err != nil && !errors.Is(res.Err, ErrGone) {
					r.fail(a, c, res.Err)
					return nil
				}
				r.deleted = append(r.deleted, a)
				delete(r.touched, a)
				delete(r.uncommitted, a)
				r.counts.Deleted++
				return nil
			}})
		}
		return r.send(ps)
	})
}
