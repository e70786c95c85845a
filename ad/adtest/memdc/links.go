package memdc

import "strings"

// linkValue is one value of a forward link (member, manager, managedBy).
// Links point at objects, not names, so renames and moves show through, as in
// AD's link table (MS-ADTS §3.1.1.1.6). A removed value stays, marked absent
// with the USN of its removal, as linked-value replication keeps it: DirSync
// with incremental values reports it as range=0-0.
type linkValue struct {
	target guid
	usn    int64
	absent bool
}

// linkTargets returns the live objects a forward link points at, in the order
// the values were added.
func (d *directory) linkTargets(e *entry, attr string) []*entry {
	var out []*entry
	for _, l := range e.links[attr] {
		if l.absent {
			continue
		}
		if t := d.byGUID[l.target]; t != nil && !t.deleted {
			out = append(out, t)
		}
	}
	return out
}

// backLinkSources returns the live objects linking to e through the forward
// link of back-link attribute back, oldest first.
func (d *directory) backLinkSources(e *entry, back string) []*entry {
	var out []*entry
	for g := range d.backlinks[e.guid][back] {
		if s := d.byGUID[g]; s != nil && !s.deleted {
			out = append(out, s)
		}
	}
	sortByCreation(out)
	return out
}

func sortByCreation(es []*entry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].usnCreated < es[j-1].usnCreated; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// hasLink reports whether src's forward link attr holds target.
func (d *directory) hasLink(src *entry, attr string, target guid) bool {
	for _, l := range src.links[attr] {
		if l.target == target && !l.absent {
			return true
		}
	}
	return false
}

// addLink adds target to src's forward link attr at usn.
func (d *directory) addLink(src *entry, def *attrDef, target *entry, usn int64) {
	attr := def.lname
	vals := src.links[attr]
	found := false
	for i := range vals {
		if vals[i].target == target.guid {
			vals[i].absent, vals[i].usn = false, usn
			found = true
			break
		}
	}
	if !found {
		vals = append(vals, linkValue{target: target.guid, usn: usn})
	}
	src.links[attr] = vals
	back := strings.ToLower(def.backLink)
	m := d.backlinks[target.guid]
	if m == nil {
		m = map[string]map[guid]struct{}{}
		d.backlinks[target.guid] = m
	}
	if m[back] == nil {
		m[back] = map[guid]struct{}{}
	}
	m[back][src.guid] = struct{}{}
}

// removeLink marks target absent in src's forward link attr at usn.
func (d *directory) removeLink(src *entry, def *attrDef, target guid, usn int64) {
	attr := def.lname
	for i, l := range src.links[attr] {
		if l.target == target && !l.absent {
			src.links[attr][i].absent, src.links[attr][i].usn = true, usn
		}
	}
	if m := d.backlinks[target][strings.ToLower(def.backLink)]; m != nil {
		delete(m, src.guid)
	}
}

// groupsOf returns the groups e is a direct member of, through member links
// and, for accounts, primaryGroupID (MS-ADTS §3.1.1.4.5.19).
func (d *directory) groupsOf(e *entry, primary bool) []*entry {
	out := d.backLinkSources(e, "memberof")
	if primary && e.has("primaryGroupID") && d.domainSID != nil {
		if g := d.bySID[string(d.domainSID.withRID(uint32(e.int("primaryGroupID"))))]; g != nil && !g.deleted {
			out = append(out, g)
		}
	}
	return out
}

// tokenGroups is the transitive closure of e's security-group memberships,
// primary group included (MS-ADTS §3.1.1.4.5.19).
func (d *directory) tokenGroups(e *entry) []sid {
	seen := map[guid]bool{}
	var out []sid
	queue := d.groupsOf(e, true)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if seen[g.guid] {
			continue
		}
		seen[g.guid] = true
		if uint32(g.int("groupType"))&groupSecurityEnabled != 0 && len(g.sid()) > 0 {
			out = append(out, g.sid())
		}
		queue = append(queue, d.groupsOf(g, false)...)
	}
	return out
}

// inChain reports whether target is reachable from e by following attr
// (a forward link or a back link) transitively: LDAP_MATCHING_RULE_IN_CHAIN
// (MS-ADTS §3.1.1.3.4.4.3).
func (d *directory) inChain(e *entry, def *attrDef, target *entry) bool {
	seen := map[guid]bool{e.guid: true}
	queue := []*entry{e}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		var next []*entry
		if def.is(flagBackLink) {
			next = d.backLinkSources(cur, def.lname)
		} else {
			next = d.linkTargets(cur, def.lname)
		}
		for _, n := range next {
			if n == target {
				return true
			}
			if !seen[n.guid] {
				seen[n.guid] = true
				queue = append(queue, n)
			}
		}
	}
	return false
}
