package sync

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// buildPlan computes the desired state and diffs it against the store
// (delta) or against what Entra holds (full), into r.plan.
func (r *run) buildPlan() error {
	r.progress(PhasePlan, 0, len(r.imported))
	r.desired = make(map[string]*entry)
	r.gone = make(map[string]string)
	r.touched = make(map[string]*Record)
	if r.full {
		if err := r.desiredFull(); err != nil {
			return err
		}
		if err := r.listTarget(); err != nil {
			return err
		}
		r.softMatch()
	} else if err := r.desiredDelta(); err != nil {
		return err
	}
	if err := r.resolveRefs(); err != nil {
		return err
	}
	if err := r.settleUPNs(); err != nil {
		return err
	}

	p := &Plan{ID: "plan-" + r.id, Created: r.started, Full: r.full, MappingVersion: r.m.mappingVersion, Names: make(map[string]string)}
	if r.full {
		for _, rec := range r.records {
			if rec.EntraID != "" {
				p.Managed++
			}
		}
	} else {
		n, err := r.e.store.Len()
		if err != nil {
			return fmt.Errorf("sync: read the state store: %w", err)
		}
		p.Managed = n
	}
	r.plan = p
	for _, a := range slices.Sorted(maps.Keys(r.desired)) {
		if err := r.planEntry(r.desired[a]); err != nil {
			return err
		}
	}
	for _, a := range slices.Sorted(maps.Keys(r.gone)) {
		if err := r.planGone(a, r.gone[a]); err != nil {
			return err
		}
	}
	sortChanges(p.Changes)
	for i := range p.Changes {
		c := &p.Changes[i]
		c.Fingerprint = c.fingerprint()
		for _, m := range c.Members {
			p.Names[m] = r.nameOf(m)
		}
		if m := c.Attributes[AttrManager]; m != "" {
			p.Names[m] = r.nameOf(m)
		}
		if m := c.Old[AttrManager]; m != "" {
			p.Names[m] = r.nameOf(m)
		}
	}
	p.count()
	r.progress(PhasePlan, len(r.imported), len(r.imported))
	return nil
}

// listTarget reads every user and group of the tenant (full runs): the
// objects entrasync manages by anchor, the others by UPN and mail.
func (r *run) listTarget() error {
	r.actual = make(map[string]*TargetObject)
	r.actualUPN = make(map[string]string)
	r.targetByID = make(map[string]*TargetObject)
	r.foreignUPN = make(map[string]*TargetObject)
	r.foreignML = make(map[string]*TargetObject)
	for _, k := range []Kind{KindUser, KindGroup} {
		err := r.e.target.List(r.ctx, k, func(t *TargetObject) error {
			r.targetByID[t.ID] = t
			if t.Anchor != "" && (r.desired[t.Anchor] != nil || r.records[t.Anchor] != nil) {
				r.actual[t.Anchor] = t
				if u := t.Attributes[AttrUserPrincipalName]; u != "" && k == KindUser {
					r.actualUPN[strings.ToLower(u)] = t.Anchor
				}
				return nil
			}
			if k == KindUser {
				if u := t.Attributes[AttrUserPrincipalName]; u != "" {
					r.foreignUPN[strings.ToLower(u)] = t
				}
				if m := t.Attributes[AttrMail]; m != "" {
					r.foreignML[strings.ToLower(m)] = t
				}
			}
			return nil
		})
		if err != nil {
			return err // the target names the list and the tenant
		}
	}
	return nil
}

// softMatch picks, when the configuration asks for it, the cloud users that
// entrasync did not create to adopt instead of creating new ones: same UPN
// (or mail), no anchor, not synced by Entra Connect. Like Entra Connect's
// soft match, but only ever by explicit choice
// (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant).
func (r *run) softMatch() {
	r.adoptions = make(map[string]*TargetObject)
	if !r.m.softMatchUPN && !r.m.softMatchMail {
		return
	}
	taken := make(map[*TargetObject]bool)
	for _, a := range slices.Sorted(maps.Keys(r.desired)) {
		e := r.desired[a]
		if e.kind != KindUser || r.actual[a] != nil {
			continue
		}
		var cand *TargetObject
		if r.m.softMatchUPN {
			cand = r.foreignUPN[strings.ToLower(e.wantUPN)]
		}
		if cand == nil && r.m.softMatchMail && e.obj.Mail != "" {
			cand = r.foreignML[strings.ToLower(e.obj.Mail)]
		}
		if cand == nil || cand.Anchor != "" || cand.DirSynced || taken[cand] {
			continue
		}
		taken[cand] = true
		r.adoptions[a] = cand
	}
}

// work returns the run's working copy of anchor's record, creating it from
// the stored record or from e, and marks it for committing.
func (r *run) work(a string, e *entry) *Record {
	if w := r.touched[a]; w != nil {
		return w
	}
	var w *Record
	if rec := r.records[a]; rec != nil {
		w = rec.clone()
	} else {
		w = &Record{Anchor: a, Kind: e.kind, GUID: e.obj.GUID, DN: e.obj.DN, Created: r.started}
	}
	r.touched[a] = w
	return w
}

// exportable returns the non-empty attributes of e, the way Entra holds
// them after a write (a cleared property is absent).
func exportable(a Attributes) Attributes {
	out := make(Attributes, len(a))
	for k, v := range a {
		if v != "" && k != AttrManager {
			out[k] = v
		}
	}
	return out
}

// sameExported reports whether exported equals exportable(attrs), without
// building it.
func sameExported(exported, attrs Attributes) bool {
	n := 0
	for k, v := range attrs {
		if v == "" || k == AttrManager {
			continue
		}
		if exported[k] != v {
			return false
		}
		n++
	}
	return n == len(exported)
}

// planEntry adds the changes that bring e's Entra object to its desired
// state, and notes the record updates that need no write.
func (r *run) planEntry(e *entry) error {
	a := e.anchor
	rec, err := r.loadRecord(a)
	if err != nil {
		return err
	}
	p := r.plan
	name := e.displayName()
	var (
		base                   Attributes
		baseManager            string
		baseMembers            []string
		entraID, reason        string
		drift                  []string
		create, adopt, recreat bool
	)
	if r.full {
		act := r.actual[a]
		switch {
		case act != nil && act.DirSynced:
			r.w.add(WarnNotOurs, "an object with this anchor is synced by Entra Connect or Cloud Sync: entrasync leaves it alone", name)
			return nil
		case act != nil:
			entraID, base = act.ID, act.Attributes
			baseManager = r.anchorOfID(act.Attributes[AttrManager])
			for _, id := range act.Members {
				baseMembers = append(baseMembers, r.anchorOfID(id))
			}
			slices.Sort(baseMembers)
			if rec != nil && rec.EntraID != "" {
				for _, k := range r.m.attrNames(e.kind) {
					if base[k] != rec.Exported[k] && base[k] != e.attrs[k] {
						drift = append(drift, k)
					}
				}
			}
			if rec == nil || rec.EntraID != act.ID {
				r.work(a, e).EntraID = act.ID // found by anchor: link it
			}
		case r.adoptions[a] != nil:
			adopt = true
			t := r.adoptions[a]
			entraID, base = t.ID, t.Attributes
			baseManager = r.anchorOfID(t.Attributes[AttrManager])
		default:
			create = true
			recreat = rec != nil && rec.EntraID != ""
		}
	} else if rec != nil && rec.EntraID != "" {
		entraID, base, baseManager, baseMembers = rec.EntraID, rec.Exported, rec.Manager, rec.Members
	} else {
		create = true
	}
	switch {
	case recreat:
		reason = reasonRecreate
		r.w.add(WarnRecreated, msgRecreated, name)
	case create && rec != nil && rec.Error != nil:
		reason = "retry: " + rec.Error.Message
	case create:
		reason = "new in Active Directory"
	case adopt:
		reason = "soft match: adopting the cloud object with the same " + r.matchedOn(e, r.adoptions[a])
	case len(drift) > 0:
		reason = "edited in Entra: putting the AD values back"
	case rec != nil && rec.Error != nil:
		reason = "retry: " + rec.Error.Message
	default:
		reason = "changed in Active Directory"
	}

	planned := false
	if create {
		attrs := exportable(e.attrs)
		if e.manager != "" {
			attrs[AttrManager] = e.manager
		}
		p.Changes = append(p.Changes, Change{Op: OpCreate, Kind: e.kind, Anchor: a, Name: name, DN: e.obj.DN, Attributes: attrs, Reason: reason})
		planned = true
	} else {
		changed, old := make(Attributes), make(Attributes)
		for _, k := range r.m.attrNames(e.kind) {
			if e.attrs[k] != base[k] {
				changed[k], old[k] = e.attrs[k], base[k]
			}
		}
		if e.kind == KindUser && r.m.syncManager && e.manager != baseManager {
			changed[AttrManager], old[AttrManager] = e.manager, baseManager
		}
		if len(changed) > 0 || adopt {
			op := OpUpdate
			if adopt {
				op = OpAdopt
			}
			p.Changes = append(p.Changes, Change{Op: op, Kind: e.kind, Anchor: a, EntraID: entraID, Name: name, DN: e.obj.DN,
				Attributes: changed, Old: old, Drift: drift, Reason: reason})
			planned = true
			if len(drift) > 0 {
				r.counts.Drifted++
				r.w.add(WarnDrift, "synced attributes edited in Entra were put back to their AD values", name)
			}
		} else {
			if rec == nil || !sameExported(rec.Exported, e.attrs) {
				r.work(a, e).Exported = exportable(e.attrs)
			}
			if e.kind == KindUser && (rec == nil || rec.Manager != e.manager) {
				r.work(a, e).Manager = e.manager
			}
		}
	}
	if e.kind == KindGroup {
		adds, removes := diffSorted(e.members, baseMembers)
		// Deleting an object removes its memberships: no separate write.
		removes = slices.DeleteFunc(removes, func(m string) bool { return r.gone[m] != "" })
		if len(adds) > 0 {
			p.Changes = append(p.Changes, Change{Op: OpAddMembers, Kind: KindGroup, Anchor: a, EntraID: entraID, Name: name, Members: adds, Reason: "members added in Active Directory"})
			planned = true
		}
		if len(removes) > 0 {
			why := "members removed in Active Directory"
			if r.full {
				why = "members not in the AD group (removed in AD, or added in Entra)"
			}
			p.Changes = append(p.Changes, Change{Op: OpRemoveMembers, Kind: KindGroup, Anchor: a, EntraID: entraID, Name: name, Members: removes, Reason: why})
			planned = true
		}
		if len(adds) == 0 && len(removes) == 0 && (rec == nil || !slices.Equal(rec.Members, e.members)) && !create {
			r.work(a, e).Members = slices.Clone(e.members)
		}
	}
	if h := e.obj.hash(); rec == nil || rec.SourceHash != h || rec.DN != e.obj.DN {
		w := r.work(a, e)
		w.Source, w.SourceHash, w.DN, w.GUID = e.obj, h, e.obj.DN, e.obj.GUID
	}
	if !planned {
		p.Counts.Unchanged++
		r.counts.Unchanged++
		if rec != nil && (rec.Error != nil || rec.Dirty) {
			w := r.work(a, e)
			w.Error, w.Dirty = nil, false
		}
	}
	return nil
}

// planGone plans the delete of a record whose object left.
func (r *run) planGone(a, reason string) error {
	rec, err := r.loadRecord(a)
	if err != nil || rec == nil {
		return err
	}
	id := rec.EntraID
	if r.full {
		id = ""
		if act := r.actual[a]; act != nil {
			if act.DirSynced {
				return nil
			}
			id = act.ID
		}
	}
	if id == "" {
		r.drops = append(r.drops, a) // never created, or already gone from Entra
		return nil
	}
	r.plan.Changes = append(r.plan.Changes, Change{Op: OpDelete, Kind: rec.Kind, Anchor: a, EntraID: id, Name: rec.Name(), DN: rec.DN, Reason: reason})
	return nil
}

// diffSorted returns the elements of want missing from have, and those of
// have missing from want.
func diffSorted(want, have []string) (adds, removes []string) {
	h := make(map[string]bool, len(have))
	for _, x := range have {
		h[x] = true
	}
	w := make(map[string]bool, len(want))
	for _, x := range want {
		w[x] = true
		if !h[x] {
			adds = append(adds, x)
		}
	}
	for _, x := range have {
		if !w[x] {
			removes = append(removes, x)
		}
	}
	return adds, removes
}

// anchorOfID maps an Entra object id to the anchor of the object
// entrasync manages, or to "entra:<id>" for an object it does not.
func (r *run) anchorOfID(id string) string {
	if id == "" {
		return ""
	}
	if t := r.targetByID[id]; t != nil && r.actual[t.Anchor] == t {
		return t.Anchor
	}
	return foreignPrefix + id
}

// foreignPrefix marks, in a plan, a member or manager that is an Entra
// object entrasync does not manage, by its object id.
const foreignPrefix = "entra:"

// nameOf returns a readable name for an anchor (or "entra:<id>").
func (r *run) nameOf(a string) string {
	if id, ok := strings.CutPrefix(a, foreignPrefix); ok {
		if t := r.targetByID[id]; t != nil {
			if u := t.Attributes[AttrUserPrincipalName]; u != "" {
				return u
			}
			return t.Attributes[AttrDisplayName]
		}
		return a
	}
	if e := r.desired[a]; e != nil {
		return e.displayName()
	}
	if rec, _ := r.loadRecord(a); rec != nil {
		return rec.Name()
	}
	return a
}

// displayName is the entry's UPN (users) or display name (groups).
func (e *entry) displayName() string {
	if u := e.attrs[AttrUserPrincipalName]; u != "" {
		return u
	}
	return e.attrs[AttrDisplayName]
}

// matchedOn names the attribute a soft match used.
func (r *run) matchedOn(e *entry, t *TargetObject) string {
	if strings.EqualFold(t.Attributes[AttrUserPrincipalName], e.wantUPN) {
		return AttrUserPrincipalName
	}
	return AttrMail
}

// matchSavedPlan checks a saved plan against the plan made now and keeps
// only the saved changes, refusing when one of them differs.
func (r *run) matchSavedPlan(saved *Plan) error {
	fresh := make(map[string]*Change, len(r.plan.Changes))
	for i := range r.plan.Changes {
		fresh[r.plan.Changes[i].key()] = &r.plan.Changes[i]
	}
	stale := &PlanStaleError{PlanID: saved.ID}
	keep := make(map[string]bool, len(saved.Changes))
	for _, c := range saved.Changes {
		keep[c.key()] = true
		f := fresh[c.key()]
		var why string
		switch {
		case f == nil:
			why = fmt.Sprintf("%s %s %s is no longer needed", c.Op, c.Kind, c.Name)
		case f.Fingerprint != c.Fingerprint:
			why = fmt.Sprintf("%s %s %s now differs: %s", c.Op, c.Kind, c.Name, describeDifference(&c, f))
		default:
			continue
		}
		if len(stale.Reasons) < 10 {
			stale.Reasons = append(stale.Reasons, why)
		} else {
			stale.More++
		}
	}
	if len(stale.Reasons) > 0 {
		return stale
	}
	var kept []Change
	for _, c := range r.plan.Changes {
		if keep[c.key()] {
			kept = append(kept, c)
		} else {
			r.keepCursor = true
		}
	}
	r.plan.Changes = kept
	r.plan.ID = saved.ID
	r.plan.count()
	return nil
}

// describeDifference says how a fresh change differs from a saved one.
func describeDifference(saved, fresh *Change) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(fresh.Attributes)) {
		if sv, ok := saved.Attributes[k]; !ok || sv != fresh.Attributes[k] {
			parts = append(parts, fmt.Sprintf("%s would now be %q (plan: %q)", k, fresh.Attributes[k], saved.Attributes[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fresh.Old)) {
		if saved.Old[k] != fresh.Old[k] {
			parts = append(parts, fmt.Sprintf("%s is now %q in Entra (plan: %q)", k, fresh.Old[k], saved.Old[k]))
		}
	}
	if !slices.Equal(saved.Members, fresh.Members) {
		parts = append(parts, fmt.Sprintf("%d members instead of %d", len(fresh.Members), len(saved.Members)))
	}
	if saved.EntraID != fresh.EntraID {
		parts = append(parts, "the Entra object changed")
	}
	if len(parts) == 0 {
		return "its inputs changed"
	}
	return strings.Join(parts, ", ")
}

// reasonRecreate and msgRecreated explain the create of an object that
// entrasync made and a full run no longer finds in Entra.
const (
	reasonRecreate = "deleted in Entra by someone else: creating it again"
	msgRecreated   = "deleted in Entra outside entrasync: created again"
)
