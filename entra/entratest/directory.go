package entratest

import (
	"sort"
	"strings"
	"time"
)

// kind is the type of a directory object.
type kind uint8

const (
	kindUser kind = iota
	kindGroup
	kindApplication
	kindServicePrincipal
	kindCount
)

var schemas = [kindCount]*schema{userSchema, groupSchema, applicationSchema, servicePrincipalSchema}

func (k kind) schema() *schema { return schemas[k] }

// object is one directory object. Its writable and computed properties live
// in props, a short slice rather than a map: 100k users stay small.
type object struct {
	kind    kind
	id      string
	seq     uint64 // creation order: lists and $skiptoken paging follow it
	change  uint64 // stamp of the last change, for delta
	created time.Time
	deleted time.Time // soft-deleted at (in deleted items); zero when live
	gone    bool      // permanently deleted; kept only as a delta tombstone
	props   []prop

	group   *groupData // kindGroup
	app     *appData   // kindApplication
	manager string     // kindUser: the manager's id
}

type prop struct {
	name string // canonical name from the schema
	val  any    // decoded JSON: string, bool, float64, []any, map[string]any
}

func (o *object) live() bool { return !o.gone && o.deleted.IsZero() }

func (o *object) get(name string) (any, bool) {
	for _, p := range o.props {
		if p.name == name {
			return p.val, true
		}
	}
	return nil, false
}

func (o *object) str(name string) string {
	v, _ := o.get(name)
	s, _ := v.(string)
	return s
}

func (o *object) boolean(name string) bool {
	v, _ := o.get(name)
	b, _ := v.(bool)
	return b
}

// set stores val under name; a nil val removes the property.
func (o *object) set(name string, val any) {
	for i, p := range o.props {
		if p.name == name {
			if val == nil {
				o.props = append(o.props[:i], o.props[i+1:]...)
			} else {
				o.props[i].val = val
			}
			return
		}
	}
	if val != nil {
		o.props = append(o.props, prop{name, val})
	}
}

// value returns a property for rendering and filtering, computing the
// system ones.
func (o *object) value(name string) any {
	switch name {
	case "id":
		return o.id
	case "createdDateTime":
		if o.created.IsZero() {
			return nil
		}
		return graphTime(o.created)
	case "deletedDateTime":
		if o.deleted.IsZero() {
			return nil
		}
		return graphTime(o.deleted)
	}
	v, _ := o.get(name)
	return v
}

// groupData holds a group's members, in the order they were added, and
// the membership changes delta reports as members@delta.
type groupData struct {
	members []string       // member ids, insertion order
	index   map[string]int // member id -> position in members
	events  []memberEvent
}

type memberEvent struct {
	stamp  uint64
	member string
	added  bool
}

func (g *groupData) has(id string) bool { _, ok := g.index[id]; return ok }

func (g *groupData) add(id string, stamp uint64) {
	if g.index == nil {
		g.index = map[string]int{}
	}
	g.index[id] = len(g.members)
	g.members = append(g.members, id)
	g.events = append(g.events, memberEvent{stamp, id, true})
}

func (g *groupData) remove(id string, stamp uint64) {
	i, ok := g.index[id]
	if !ok {
		return
	}
	copy(g.members[i:], g.members[i+1:])
	g.members = g.members[:len(g.members)-1]
	delete(g.index, id)
	for j := i; j < len(g.members); j++ {
		g.index[g.members[j]] = j
	}
	g.events = append(g.events, memberEvent{stamp, id, false})
}

// journalEntry records that an object changed at a stamp; an entry is
// stale once the object changed again.
type journalEntry struct {
	stamp uint64
	obj   *object
}

// objectList keeps the objects of one kind in creation order, and a change
// journal in stamp order, so that paging and delta never sort.
type objectList struct {
	items   []*object // creation order, including gone ones until compaction
	gone    int
	journal []journalEntry
	stale   int
}

func (l *objectList) append(o *object) { l.items = append(l.items, o) }

func (l *objectList) compact() {
	if l.gone > 64 && l.gone > len(l.items)/2 {
		kept := l.items[:0]
		for _, o := range l.items {
			if !o.gone {
				kept = append(kept, o)
			}
		}
		clear(l.items[len(kept):])
		l.items = kept
		l.gone = 0
	}
	if l.stale > 64 && l.stale > len(l.journal)/2 {
		kept := l.journal[:0]
		for _, e := range l.journal {
			if e.obj.change == e.stamp {
				kept = append(kept, e)
			}
		}
		clear(l.journal[len(kept):])
		l.journal = kept
		l.stale = 0
	}
}

// journalAfter returns the index of the first journal entry after stamp.
func (l *objectList) journalAfter(stamp uint64) int {
	return sort.Search(len(l.journal), func(i int) bool { return l.journal[i].stamp > stamp })
}

// directory is the state of one tenant. All access goes through Server.mu.
type directory struct {
	tenantID      string
	displayName   string
	initialDomain string
	created       time.Time
	domains       []*domain

	stamp     uint64 // last stamp handed out; creation and change share it
	objects   map[string]*object
	lists     [kindCount]objectList
	liveCount [kindCount]int // live objects by kind

	byUPN       map[string]*object // lower-case userPrincipalName -> live user
	byImmutable map[string]*object // lower-case onPremisesImmutableId -> live user
	byProxy     map[string]*object // lower-case "smtp:address" -> live user or group
	appByAppID  map[string]*object // lower-case appId -> live application
	spByAppID   map[string]*object // lower-case appId -> live service principal

	assignments map[string]*assignment // app role assignments by id
	roles       []*directoryRole       // activated directory roles
	writes      int64                  // successful writes, for WriteCount
	consented   []string               // delegated Graph scopes admin-consented tenant-wide
}

// domain is one domain of the tenant
// (https://learn.microsoft.com/graph/api/resources/domain).
type domain struct {
	name      string
	verified  bool
	isDefault bool
	initial   bool
	federated bool
}

// assignment is an app role assignment
// (https://learn.microsoft.com/graph/api/resources/approleassignment).
type assignment struct {
	seq         uint64 // creation order
	id          string
	appRoleID   string
	principalID string
	resourceID  string
	created     time.Time
}

// directoryRole is an activated directory role and its members
// (https://learn.microsoft.com/graph/api/resources/directoryrole).
type directoryRole struct {
	id          string
	templateID  string
	displayName string
	description string
	members     map[string]bool
}

func newDirectory(tenantID, displayName string, now time.Time) *directory {
	return &directory{
		tenantID:    tenantID,
		displayName: displayName,
		created:     now,
		objects:     map[string]*object{},
		byUPN:       map[string]*object{},
		byImmutable: map[string]*object{},
		byProxy:     map[string]*object{},
		appByAppID:  map[string]*object{},
		spByAppID:   map[string]*object{},
		assignments: map[string]*assignment{},
	}
}

func (d *directory) nextStamp() uint64 { d.stamp++; return d.stamp }

// insert adds a new object of kind k with a fresh id and stamps.
func (d *directory) insert(k kind, id string, now time.Time, props []prop) *object {
	if id == "" {
		id = newGUID()
	}
	s := d.nextStamp()
	o := &object{kind: k, id: id, seq: s, change: s, created: now, props: props}
	switch k {
	case kindGroup:
		o.group = &groupData{}
	case kindApplication:
		o.app = &appData{}
	}
	d.objects[id] = o
	d.liveCount[k]++
	l := &d.lists[k]
	l.append(o)
	l.journal = append(l.journal, journalEntry{s, o})
	d.index(o)
	return o
}

// touch records a change of o for delta.
func (d *directory) touch(o *object) uint64 {
	s := d.nextStamp()
	o.change = s
	l := &d.lists[o.kind]
	l.journal = append(l.journal, journalEntry{s, o})
	l.stale++
	l.compact()
	return s
}

// index adds o's unique values to the lookup maps; unindex removes them.
func (d *directory) index(o *object) {
	switch o.kind {
	case kindUser:
		if v := o.str("userPrincipalName"); v != "" {
			d.byUPN[strings.ToLower(v)] = o
		}
		if v := o.str("onPremisesImmutableId"); v != "" {
			d.byImmutable[strings.ToLower(v)] = o
		}
		for _, p := range proxyKeys(o) {
			d.byProxy[p] = o
		}
	case kindApplication:
		d.appByAppID[strings.ToLower(o.str("appId"))] = o
	case kindServicePrincipal:
		d.spByAppID[strings.ToLower(o.str("appId"))] = o
	}
}

func (d *directory) unindex(o *object) {
	switch o.kind {
	case kindUser:
		if v := o.str("userPrincipalName"); v != "" && d.byUPN[strings.ToLower(v)] == o {
			delete(d.byUPN, strings.ToLower(v))
		}
		if v := strings.ToLower(o.str("onPremisesImmutableId")); v != "" && d.byImmutable[v] == o {
			delete(d.byImmutable, v)
		}
		for _, p := range proxyKeys(o) {
			if d.byProxy[p] == o {
				delete(d.byProxy, p)
			}
		}
	case kindApplication:
		if k := strings.ToLower(o.str("appId")); d.appByAppID[k] == o {
			delete(d.appByAppID, k)
		}
	case kindServicePrincipal:
		if k := strings.ToLower(o.str("appId")); d.spByAppID[k] == o {
			delete(d.spByAppID, k)
		}
	}
}

// proxyKeys returns the lower-cased proxyAddresses of o.
func proxyKeys(o *object) []string {
	v, _ := o.get("proxyAddresses")
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, a := range arr {
		if s, ok := a.(string); ok {
			out = append(out, strings.ToLower(s))
		}
	}
	return out
}

// live returns the live object with id, of kind k if k < kindCount.
func (d *directory) live(id string, k kind) *object {
	o := d.objects[strings.ToLower(id)]
	if o == nil {
		o = d.objects[id]
	}
	if o == nil || !o.live() || (k < kindCount && o.kind != k) {
		return nil
	}
	return o
}

// restore brings a soft-deleted o back.
func (d *directory) restore(o *object) {
	o.deleted = time.Time{}
	d.liveCount[o.kind]++
	d.index(o)
	d.touch(o)
}

// softDelete moves o to deleted items
// (https://learn.microsoft.com/graph/api/resources/directory-deleteditems:
// users, groups and applications stay restorable for 30 days).
func (d *directory) softDelete(o *object, now time.Time) {
	d.liveCount[o.kind]--
	d.unindex(o)
	o.deleted = now
	d.touch(o)
}

// purge deletes o permanently, leaving a tombstone for delta.
func (d *directory) purge(o *object) {
	if o.live() {
		d.liveCount[o.kind]--
	}
	d.unindex(o)
	o.gone = true
	o.props = nil
	if o.group != nil {
		o.group = &groupData{}
	}
	delete(d.objects, o.id)
	d.lists[o.kind].gone++
	d.touch(o)
	for _, g := range d.lists[kindGroup].items {
		if !g.gone && g.group.has(o.id) {
			g.group.remove(o.id, d.touch(g))
		}
	}
	for id, a := range d.assignments {
		if a.principalID == o.id || a.resourceID == o.id {
			delete(d.assignments, id)
		}
	}
	for _, r := range d.roles {
		delete(r.members, o.id)
	}
}

// domainNamed returns the domain called name, case-insensitively.
func (d *directory) domainNamed(name string) *domain {
	for _, dm := range d.domains {
		if strings.EqualFold(dm.name, name) {
			return dm
		}
	}
	return nil
}

// roleByTemplate returns the activated role with templateID, or nil.
func (d *directory) roleByTemplate(templateID string) *directoryRole {
	for _, r := range d.roles {
		if strings.EqualFold(r.templateID, templateID) {
			return r
		}
	}
	return nil
}

// activateRole returns the directory role for templateID, activating it
// on first use as Entra ID does when a role is first assigned
// (https://learn.microsoft.com/graph/api/directoryrole-post-directoryroles).
func (d *directory) activateRole(templateID string) *directoryRole {
	if r := d.roleByTemplate(templateID); r != nil {
		return r
	}
	t := roleTemplateByID(templateID)
	r := &directoryRole{id: newGUID(), templateID: t.id, displayName: t.displayName, description: t.description, members: map[string]bool{}}
	d.roles = append(d.roles, r)
	return r
}

// rolesOf returns the template ids of the roles userID holds.
func (d *directory) rolesOf(userID string) []string {
	var out []string
	for _, r := range d.roles {
		if r.members[userID] {
			out = append(out, r.templateID)
		}
	}
	return out
}
