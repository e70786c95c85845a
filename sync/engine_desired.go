package sync

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// count files an object under the run's counts by verdict.
func (r *run) count(o *SourceObject, v verdict, reason string) {
	switch v {
	case inScope:
		r.counts.InScope++
	case outOfScope, ignored:
		r.counts.OutOfScope++
	case excluded:
		r.counts.Excluded++
		r.excluded[reason]++
	case notCreatable:
		r.counts.NotCreatable++
		r.excluded[reason]++
		r.w.add(WarnNotCreatable, reason+": counted, not synced", o.Name())
	}
}

// goneReason says why a record's object is to be deleted, from the verdict
// on its new state.
func goneReason(v verdict, reason string) string {
	switch v {
	case outOfScope:
		return "left the selected OUs"
	case ignored:
		return "its object type is no longer synced"
	}
	return "no longer synced: " + reason
}

// anchorFor returns the anchor of an in-scope object: the stored one when
// entrasync knows the object (an anchor never changes once exported, as in
// Entra Connect), else the one the configured sourceAnchor gives.
func (r *run) anchorFor(o *SourceObject, stored string) string {
	a := anchorOf(o, r.m.anchorMode)
	if stored != "" && stored != a {
		r.w.add(WarnAnchorKept, "ms-DS-ConsistencyGuid changed after the object was exported: its anchor is kept", o.Name())
		return stored
	}
	return a
}

// addDesired maps o and keeps it, unless another object already claims
// its anchor (a copied ms-DS-ConsistencyGuid).
func (r *run) addDesired(o *SourceObject, anchor string, owner map[string]GUID) {
	if g, ok := owner[anchor]; ok && g != o.GUID {
		r.w.add(WarnValueInvalid, "two objects have the same sourceAnchor (a copied ms-DS-ConsistencyGuid): the second is not synced", o.Name())
		return
	}
	owner[anchor] = o.GUID
	delete(r.gone, anchor)
	r.desired[anchor] = r.m.mapObject(o, anchor, &r.w)
}

// desiredFull maps a full import. Every stored record whose object did not
// come back in scope is gone.
func (r *run) desiredFull() error {
	r.records = make(map[string]*Record)
	byGUID := make(map[GUID]string)
	err := r.e.store.ForEach(func(rec *Record) error {
		r.records[rec.Anchor] = rec
		if !rec.GUID.IsZero() {
			byGUID[rec.GUID] = rec.Anchor
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync: read the state store: %w", err)
	}
	owner := make(map[string]GUID, len(r.imported))
	for i, o := range r.imported {
		if i%ProgressEvery == 0 {
			r.progress(PhasePlan, i, len(r.imported))
		}
		if o.Deleted {
			continue
		}
		v, reason := r.m.classify(o)
		r.count(o, v, reason)
		stored := byGUID[o.GUID]
		if v != inScope {
			if stored != "" {
				r.gone[stored] = goneReason(v, reason)
			}
			continue
		}
		r.addDesired(o, r.anchorFor(o, stored), owner)
	}
	for a := range r.records {
		if r.desired[a] == nil && r.gone[a] == "" {
			r.gone[a] = "not found in Active Directory"
		}
	}
	return nil
}

// desiredDelta maps the objects of a delta import and the stored objects
// that need another try.
func (r *run) desiredDelta() error {
	r.records = make(map[string]*Record)
	owner := make(map[string]GUID)
	for _, o := range r.imported {
		rec, err := r.recordOf(o.GUID)
		if err != nil {
			return err
		}
		if o.Deleted {
			if rec != nil {
				r.gone[rec.Anchor] = "deleted in Active Directory"
				delete(r.desired, rec.Anchor)
			}
			continue
		}
		if o.MembersIncremental {
			r.mergeMembers(o, rec)
		}
		v, reason := r.m.classify(o)
		r.count(o, v, reason)
		stored := ""
		if rec != nil {
			stored = rec.Anchor
		}
		if v != inScope {
			if rec != nil {
				r.gone[rec.Anchor] = goneReason(v, reason)
				delete(r.desired, rec.Anchor)
			}
			continue
		}
		r.addDesired(o, r.anchorFor(o, stored), owner)
	}
	return r.e.store.ForEachRetry(func(rec *Record) error {
		a := rec.Anchor
		if r.desired[a] != nil || r.gone[a] != "" || rec.Source == nil {
			return nil
		}
		r.records[a] = rec
		if v, reason := r.m.classify(rec.Source); v != inScope {
			r.gone[a] = goneReason(v, reason)
			return nil
		}
		r.addDesired(rec.Source, a, owner)
		return nil
	})
}

// recordOf returns the stored record of the object with GUID g (and keeps
// it in r.records), or nil.
func (r *run) recordOf(g GUID) (*Record, error) {
	a, err := r.e.store.Lookup(IndexGUID, g.String())
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sync: read the state store: %w", err)
	}
	return r.loadRecord(a)
}

// loadRecord returns the record of anchor, from r.records or the store, or
// nil when there is none.
func (r *run) loadRecord(a string) (*Record, error) {
	if rec, ok := r.records[a]; ok {
		return rec, nil
	}
	if r.full {
		return nil, nil // r.records holds every record
	}
	rec, err := r.e.store.Get(a)
	if errors.Is(err, ErrNotFound) {
		r.records[a] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sync: read the state store: %w", err)
	}
	r.records[a] = rec
	return rec, nil
}

// mergeMembers turns a delta's incremental member changes into the
// complete member list, from the stored snapshot.
func (r *run) mergeMembers(o *SourceObject, rec *Record) {
	if rec == nil || rec.Source == nil {
		r.log.Warn("incremental member changes for a group without a stored snapshot: taking them as the complete list", "group", o.Name())
	} else {
		// Match on GUID or DN, whichever both sides have: a source may
		// give either.
		removed := func(m Ref) bool {
			return slices.ContainsFunc(o.MembersRemoved, func(x Ref) bool { return sameRef(x, m) })
		}
		merged := slices.DeleteFunc(slices.Clone(rec.Source.Members), removed)
		for _, m := range o.Members {
			if !slices.ContainsFunc(merged, func(x Ref) bool { return sameRef(x, m) }) {
				merged = append(merged, m)
			}
		}
		o.Members = merged
	}
	o.MembersIncremental = false
	o.MembersRemoved = nil
}

// sameRef reports whether two references name the same object.
func sameRef(a, b Ref) bool {
	if !a.GUID.IsZero() && !b.GUID.IsZero() {
		return a.GUID == b.GUID
	}
	return a.DN != "" && b.DN != "" && canonicalDN(a.DN) == canonicalDN(b.DN)
}

// resolveRefs turns each entry's manager and member references into
// anchors of synced objects: objects of this run first, then (in a delta)
// the store. References to objects that are not synced are dropped with a
// warning.
func (r *run) resolveRefs() error {
	byGUID := make(map[GUID]string, len(r.desired))
	for a, e := range r.desired {
		byGUID[e.obj.GUID] = a
	}
	var byDN map[string]string // built on the first reference without a known GUID
	dnIndex := func() map[string]string {
		if byDN == nil {
			byDN = make(map[string]string, len(r.desired))
			for a, e := range r.desired {
				byDN[canonicalDN(e.obj.DN)] = a
			}
		}
		return byDN
	}
	var storeErr error
	resolve := func(ref Ref) string {
		if !ref.GUID.IsZero() {
			if a, ok := byGUID[ref.GUID]; ok {
				return a
			}
		}
		var dn string
		if ref.DN != "" {
			dn = canonicalDN(ref.DN)
			if a, ok := dnIndex()[dn]; ok {
				return a
			}
		}
		if r.full {
			return ""
		}
		for _, q := range []struct {
			idx Index
			key string
		}{{IndexGUID, guidKey(ref.GUID)}, {IndexDN, dn}} {
			if q.key == "" {
				continue
			}
			a, err := r.e.store.Lookup(q.idx, q.key)
			if err == nil && r.gone[a] == "" {
				return a
			}
			if err != nil && !errors.Is(err, ErrNotFound) && storeErr == nil {
				storeErr = err
			}
		}
		return ""
	}
	for _, a := range slices.Sorted(maps.Keys(r.desired)) {
		e := r.desired[a]
		if !e.managerRef.IsZero() {
			if e.manager = resolve(e.managerRef); e.manager == "" {
				r.w.add(WarnReference, "the manager is not synced (outside the selected OUs or excluded): manager left empty", e.obj.Name())
			}
		}
		if len(e.memberRefs) == 0 {
			continue
		}
		set := make(map[string]bool, len(e.memberRefs))
		for _, ref := range e.memberRefs {
			m := resolve(ref)
			switch {
			case m == "":
				r.w.add(WarnReference, "group members that are not synced (contacts, computers, objects outside the selected OUs) are left out", e.obj.Name())
			case m == a:
				r.w.add(WarnReference, "a group lists itself as a member: that member is left out", e.obj.Name())
			default:
				set[m] = true
			}
		}
		e.members = slices.Sorted(maps.Keys(set))
	}
	if storeErr != nil {
		return fmt.Errorf("sync: read the state store: %w", storeErr)
	}
	return nil
}

func guidKey(g GUID) string {
	if g.IsZero() {
		return ""
	}
	return g.String()
}

// settleUPNs gives every user a unique userPrincipalName, as Entra's
// duplicate attribute resiliency does: when several objects want one UPN,
// the one holding it already keeps it (else the smallest anchor), and the
// others get <prefix>_NNNN@<initial domain>; a UPN held by an object
// entrasync did not create goes to nobody
// (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency).
func (r *run) settleUPNs() error {
	claims := make(map[string][]string) // lower UPN → anchors, sorted
	for _, a := range slices.Sorted(maps.Keys(r.desired)) {
		if e := r.desired[a]; e.kind == KindUser {
			u := strings.ToLower(e.wantUPN)
			claims[u] = append(claims[u], a)
		}
	}
	final := make(map[string]string)
	var storeErr error
	// holder returns the anchor of the synced object holding u in Entra
	// now, and whether an object entrasync did not create holds it.
	holder := func(u string) (string, bool) {
		if r.full {
			if f := r.foreignUPN[u]; f != nil {
				for a, t := range r.adoptions {
					if t == f {
						return a, false
					}
				}
				return "", true
			}
			return r.ourUPN(u), false
		}
		a, err := r.e.store.Lookup(IndexUPN, u)
		if err != nil {
			if !errors.Is(err, ErrNotFound) && storeErr == nil {
				storeErr = err
			}
			return "", false
		}
		return a, false
	}
	keeps := func(h string) bool { // h keeps its UPN whatever this run does
		return h != "" && r.desired[h] == nil && r.gone[h] == ""
	}
	var losers []string
	for _, u := range slices.Sorted(maps.Keys(claims)) {
		cl := claims[u]
		h, foreign := holder(u)
		switch {
		case foreign || keeps(h):
			losers = append(losers, cl...)
		default:
			winner := cl[0]
			if slices.Contains(cl, h) {
				winner = h
			}
			final[u] = winner
			for _, a := range cl {
				if a != winner {
					losers = append(losers, a)
				}
			}
		}
	}
	slices.Sort(losers)
	for _, a := range losers {
		e := r.desired[a]
		taken := func(u string) bool {
			if final[u] != "" || len(claims[u]) > 0 {
				return true
			}
			h, foreign := holder(u)
			return foreign || h != "" && h != a
		}
		q := r.m.quarantineUPN(e.upnPrefix, a, taken)
		final[strings.ToLower(q)] = a
		e.attrs[AttrUserPrincipalName] = q
		r.w.add(WarnUPNDuplicate, fmt.Sprintf("duplicate userPrincipalName: the object gets <prefix>_NNNN@%s until the conflict is resolved", r.m.initialDomain),
			e.obj.DN+": "+e.wantUPN+" → "+q)
	}
	if storeErr != nil {
		return fmt.Errorf("sync: read the state store: %w", storeErr)
	}
	return nil
}

// ourUPN returns the anchor of the object entrasync manages that holds UPN
// u in Entra (full runs).
func (r *run) ourUPN(u string) string { return r.actualUPN[u] }
