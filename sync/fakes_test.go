package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
)

// fakeSource is an in-memory directory with a change log: a full import
// returns every object, a delta the objects changed or deleted since the
// cursor (a sequence number).
type fakeSource struct {
	mu      stdsync.Mutex
	objects map[GUID]*SourceObject
	changed map[GUID]int // GUID → sequence of its last change
	deleted map[GUID]int
	seq     int
	server  ServerIdentity
	// log lists the GUID changed or deleted at each sequence number
	// (log[i] at i+1), so a delta costs what changed, not the directory.
	log []GUID
	// incr holds, per group, the member changes a delta reports
	// incrementally (DirSync's incremental values) instead of the list.
	incr map[GUID][2][]Ref

	// Faults.
	incomplete  bool  // imports report Complete false
	refuseDelta bool  // delta imports return ErrFullImportRequired
	err         error // imports fail with it
	imports     []ImportRequest
}

func newFakeSource() *fakeSource {
	return &fakeSource{objects: map[GUID]*SourceObject{}, changed: map[GUID]int{}, deleted: map[GUID]int{}, incr: map[GUID][2][]Ref{},
		server: ServerIdentity{DC: "dc1.corp.example.com", InvocationID: "inv-1", BindAccount: `CORP\MSOL_abc`}}
}

// put adds or replaces an object (a copy) and logs the change. A new DN is
// written into the references other objects hold, as AD maintains linked
// attributes, without logging a change for them.
func (s *fakeSource) put(o *SourceObject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.log = append(s.log, o.GUID)
	if old := s.objects[o.GUID]; old != nil && old.DN != o.DN {
		for _, x := range s.objects {
			if x.Manager.DN == old.DN {
				x.Manager.DN = o.DN
			}
			for i := range x.Members {
				if x.Members[i].DN == old.DN {
					x.Members[i].DN = o.DN
				}
			}
		}
	}
	delete(s.incr, o.GUID)
	s.objects[o.GUID] = copyObject(o)
	s.changed[o.GUID] = s.seq
	delete(s.deleted, o.GUID)
}

// edit changes the object with GUID g and logs the change.
func (s *fakeSource) edit(g GUID, fn func(*SourceObject)) {
	s.mu.Lock()
	o := copyObject(s.objects[g])
	s.mu.Unlock()
	fn(o)
	s.put(o)
}

// changeMembers adds and removes members of group g; a delta reports the
// change incrementally.
func (s *fakeSource) changeMembers(g GUID, add, remove []Ref) {
	s.edit(g, func(o *SourceObject) {
		o.Members = slices.DeleteFunc(o.Members, func(m Ref) bool {
			return slices.ContainsFunc(remove, func(r Ref) bool { return sameRef(r, m) })
		})
		o.Members = append(o.Members, add...)
	})
	s.mu.Lock()
	s.incr[g] = [2][]Ref{add, remove}
	s.mu.Unlock()
}

// remove deletes an object; like AD, it also leaves the groups and
// manager references that named it, without a change being logged for them.
func (s *fakeSource) remove(g GUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.log = append(s.log, g)
	if old := s.objects[g]; old != nil {
		ref := Ref{GUID: g, DN: old.DN}
		for _, x := range s.objects {
			if sameRef(x.Manager, ref) {
				x.Manager = Ref{}
			}
			x.Members = slices.DeleteFunc(x.Members, func(m Ref) bool { return sameRef(m, ref) })
		}
	}
	delete(s.objects, g)
	delete(s.changed, g)
	s.deleted[g] = s.seq
}

func copyObject(o *SourceObject) *SourceObject {
	c := *o
	c.ProxyAddresses = slices.Clone(o.ProxyAddresses)
	c.Members = slices.Clone(o.Members)
	c.MembersRemoved = slices.Clone(o.MembersRemoved)
	c.ConsistencyGUID = slices.Clone(o.ConsistencyGUID)
	return &c
}

func (s *fakeSource) Import(ctx context.Context, req ImportRequest, emit func(*SourceObject) error) (ImportResult, error) {
	s.mu.Lock()
	s.imports = append(s.imports, req)
	if s.err != nil {
		defer s.mu.Unlock()
		return ImportResult{}, s.err
	}
	if !req.Full && s.refuseDelta {
		defer s.mu.Unlock()
		return ImportResult{}, fmt.Errorf("fake: cookie expired: %w", ErrFullImportRequired)
	}
	since := 0
	if !req.Full {
		since, _ = strconv.Atoi(string(req.Cursor))
	}
	var out []*SourceObject
	emitObject := func(g GUID) {
		o := copyObject(s.objects[g])
		if inc, ok := s.incr[g]; ok && !req.Full {
			o.MembersIncremental, o.Members, o.MembersRemoved = true, slices.Clone(inc[0]), slices.Clone(inc[1])
		}
		out = append(out, o)
	}
	if req.Full {
		for _, g := range slices.SortedFunc(maps.Keys(s.objects), func(a, b GUID) int { return bytes.Compare(a[:], b[:]) }) {
			emitObject(g)
		}
	} else {
		seen := map[GUID]bool{}
		for _, g := range s.log[since:] {
			if seen[g] {
				continue
			}
			seen[g] = true
			switch {
			case s.objects[g] != nil && s.changed[g] > since:
				emitObject(g)
			case s.objects[g] == nil && s.deleted[g] > since:
				out = append(out, &SourceObject{GUID: g, Deleted: true})
			}
		}
	}
	res := ImportResult{Cursor: []byte(strconv.Itoa(s.seq)), Complete: !s.incomplete, Server: s.server}
	s.mu.Unlock()
	for _, o := range out {
		if err := ctx.Err(); err != nil {
			return ImportResult{}, err
		}
		if err := emit(o); err != nil {
			return ImportResult{}, err
		}
	}
	return res, nil
}

// fakeTarget is an in-memory tenant that answers as Graph documents:
// unique userPrincipalName and onPremisesImmutableId, UPNs only on
// verified domains, members and managers by object id.
type fakeTarget struct {
	mu     stdsync.Mutex
	tenant Tenant
	objs   map[string]*TargetObject
	upns   map[string]string // lower-case UPN → id (users)
	anchor map[string]string // kind/anchor → id
	nextID int
	writes []Write // every write attempted, in order

	// Faults.
	failWrite   func(Write) error // per-write error, nothing done
	crashAfter  func(Write) bool  // do the writes, then fail the whole call (a crash after the POST)
	beforeApply func([]Write)     // called at the start of Apply
	unlisted    map[string]bool   // ids List leaves out (a listing that misses objects)
	// strictMembers refuses a whole member add when one member is there
	// already, as Graph's members@odata.bind does.
	strictMembers bool
	applyCalls    int
}

func newFakeTarget() *fakeTarget {
	return &fakeTarget{
		tenant: Tenant{InitialDomain: testInitial, VerifiedDomains: []string{"corp.example.com", testInitial}},
		objs:   map[string]*TargetObject{},
		upns:   map[string]string{},
		anchor: map[string]string{},
	}
}

func anchorKey(k Kind, anchor string) string { return k.String() + "/" + anchor }

func (t *fakeTarget) Tenant(context.Context) (Tenant, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.tenant
	c.VerifiedDomains = slices.Clone(c.VerifiedDomains)
	return c, nil
}

func copyTarget(o *TargetObject) TargetObject {
	c := *o
	c.Attributes = o.Attributes.Clone()
	c.Members = slices.Clone(o.Members)
	return c
}

func (t *fakeTarget) Lookup(_ context.Context, kind Kind, by string, values []string) ([]TargetObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []TargetObject
	seen := map[string]bool{}
	add := func(id string) {
		if o := t.objs[id]; o != nil && o.Kind == kind && !seen[id] {
			seen[id] = true
			out = append(out, copyTarget(o))
		}
	}
	for _, v := range values {
		switch by {
		case LookupAnchor:
			add(t.anchor[anchorKey(kind, v)])
		case AttrUserPrincipalName:
			add(t.upns[strings.ToLower(v)])
		default:
			for _, id := range slices.Sorted(maps.Keys(t.objs)) {
				if o := t.objs[id]; o.Attributes[by] != "" && strings.EqualFold(o.Attributes[by], v) {
					add(id)
				}
			}
		}
	}
	return out, nil
}

func (t *fakeTarget) List(_ context.Context, kind Kind, emit func(*TargetObject) error) error {
	t.mu.Lock()
	var out []TargetObject
	for _, id := range slices.Sorted(maps.Keys(t.objs)) {
		if o := t.objs[id]; o.Kind == kind && !t.unlisted[id] {
			out = append(out, copyTarget(o))
		}
	}
	t.mu.Unlock()
	for i := range out {
		if err := emit(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

func (t *fakeTarget) Apply(_ context.Context, ws []Write) ([]WriteResult, error) {
	if t.beforeApply != nil {
		t.beforeApply(ws)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.applyCalls++
	res := make([]WriteResult, len(ws))
	crash := false
	for i, w := range ws {
		t.writes = append(t.writes, w)
		if t.failWrite != nil {
			if err := t.failWrite(w); err != nil {
				res[i].Err = err
				continue
			}
		}
		res[i] = t.apply(w)
		if t.crashAfter != nil && t.crashAfter(w) {
			crash = true
		}
	}
	if crash {
		return nil, errors.New("fake: connection lost after the request was sent")
	}
	return res, nil
}

func (t *fakeTarget) apply(w Write) WriteResult {
	switch w.Op {
	case WriteCreate:
		if err := t.check(w.Kind, "", w.Anchor, w.Attributes); err != nil {
			return WriteResult{Err: err}
		}
		t.nextID++
		id := fmt.Sprintf("%s-%04d", w.Kind.String()[:1], t.nextID)
		o := &TargetObject{ID: id, Kind: w.Kind, Anchor: w.Anchor, Attributes: Attributes{}}
		t.objs[id] = o
		t.set(o, w.Attributes)
		if w.Anchor != "" {
			t.anchor[anchorKey(w.Kind, w.Anchor)] = id
		}
		return WriteResult{ID: id}
	case WriteUpdate:
		o := t.objs[w.ID]
		if o == nil {
			return WriteResult{Err: fmt.Errorf("fake: %s: %w", w.ID, ErrGone)}
		}
		anchor := ""
		if w.SetAnchor {
			anchor = w.Anchor
		}
		if err := t.check(o.Kind, o.ID, anchor, w.Attributes); err != nil {
			return WriteResult{Err: err}
		}
		if m, ok := w.Attributes[AttrManager]; ok && m != "" && t.objs[m] == nil {
			return WriteResult{Err: fmt.Errorf("fake: manager %s: %w", m, ErrGone)}
		}
		if w.SetAnchor {
			delete(t.anchor, anchorKey(o.Kind, o.Anchor))
			o.Anchor = w.Anchor
			t.anchor[anchorKey(o.Kind, o.Anchor)] = o.ID
		}
		t.set(o, w.Attributes)
		return WriteResult{}
	case WriteDelete:
		old := t.objs[w.ID]
		if old == nil {
			return WriteResult{Err: fmt.Errorf("fake: %s: %w", w.ID, ErrGone)}
		}
		delete(t.objs, w.ID)
		delete(t.anchor, anchorKey(old.Kind, old.Anchor))
		if u := old.Attributes[AttrUserPrincipalName]; u != "" && old.Kind == KindUser {
			delete(t.upns, strings.ToLower(u))
		}
		for _, o := range t.objs {
			o.Members = slices.DeleteFunc(o.Members, func(m string) bool { return m == w.ID })
			if o.Attributes[AttrManager] == w.ID {
				delete(o.Attributes, AttrManager)
			}
		}
		return WriteResult{}
	case WriteAddMembers, WriteRemoveMembers:
		g := t.objs[w.ID]
		if g == nil || g.Kind != KindGroup {
			return WriteResult{Err: fmt.Errorf("fake: group %s: %w", w.ID, ErrGone)}
		}
		if len(w.Members) > MaxMembersPerWrite {
			return WriteResult{Err: fmt.Errorf("fake: %d members in one request, Graph takes %d: %w", len(w.Members), MaxMembersPerWrite, ErrInvalidValue)}
		}
		for _, m := range w.Members {
			if t.objs[m] == nil {
				return WriteResult{Err: fmt.Errorf("fake: member %s: %w", m, ErrGone)}
			}
		}
		if t.strictMembers && w.Op == WriteAddMembers {
			for _, m := range w.Members {
				if slices.Contains(g.Members, m) {
					return WriteResult{Err: &ConflictError{Property: "members", Value: m}}
				}
			}
		}
		for _, m := range w.Members {
			has := slices.Contains(g.Members, m)
			switch {
			case w.Op == WriteAddMembers && !has:
				g.Members = append(g.Members, m)
			case w.Op == WriteRemoveMembers && has:
				g.Members = slices.DeleteFunc(g.Members, func(x string) bool { return x == m })
			}
		}
		return WriteResult{}
	}
	return WriteResult{Err: fmt.Errorf("fake: unknown write %v", w.Op)}
}

// check enforces Graph's uniqueness and domain rules for a write to id
// ("" for a create).
func (t *fakeTarget) check(kind Kind, id, anchor string, attrs Attributes) error {
	if anchor != "" {
		if h := t.anchor[anchorKey(kind, anchor)]; h != "" && h != id {
			return &ConflictError{Property: "onPremisesImmutableId", Value: anchor, HolderID: h}
		}
	}
	if u, ok := attrs[AttrUserPrincipalName]; ok && kind == KindUser {
		at := strings.LastIndexByte(u, '@')
		if at < 0 || !slices.ContainsFunc(t.tenant.VerifiedDomains, func(d string) bool { return strings.EqualFold(d, u[at+1:]) }) {
			return &InvalidValueError{Property: AttrUserPrincipalName, Value: u, Reason: "the domain is not a verified domain of the tenant"}
		}
		if h := t.upns[strings.ToLower(u)]; h != "" && h != id {
			return &ConflictError{Property: AttrUserPrincipalName, Value: u, HolderID: h}
		}
	}
	return nil
}

// set writes attributes, keeping the UPN index.
func (t *fakeTarget) set(o *TargetObject, attrs Attributes) {
	if u, ok := attrs[AttrUserPrincipalName]; ok && o.Kind == KindUser {
		delete(t.upns, strings.ToLower(o.Attributes[AttrUserPrincipalName]))
		if u != "" {
			t.upns[strings.ToLower(u)] = o.ID
		}
	}
	for k, v := range attrs {
		if v == "" {
			delete(o.Attributes, k)
		} else {
			o.Attributes[k] = v
		}
	}
}

// byUPN returns the user with UPN u, or nil.
func (t *fakeTarget) byUPN(u string) *TargetObject {
	t.mu.Lock()
	defer t.mu.Unlock()
	if o := t.objs[t.upns[strings.ToLower(u)]]; o != nil {
		c := copyTarget(o)
		return &c
	}
	return nil
}

// byName returns the object whose UPN or displayName is n, or nil.
func (t *fakeTarget) byName(n string) *TargetObject {
	if o := t.byUPN(n); o != nil {
		return o
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.objs {
		if o.Attributes[AttrDisplayName] == n {
			c := copyTarget(o)
			return &c
		}
	}
	return nil
}

func (t *fakeTarget) count(kind Kind) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, o := range t.objs {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

// takeWrites returns the writes so far and forgets them.
func (t *fakeTarget) takeWrites() []Write {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.writes
	t.writes = nil
	return w
}

// addForeign adds a cloud object entrasync did not create.
func (t *fakeTarget) addForeign(kind Kind, attrs Attributes) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	id := fmt.Sprintf("cloud-%04d", t.nextID)
	o := &TargetObject{ID: id, Kind: kind, Attributes: Attributes{}}
	t.objs[id] = o
	t.set(o, attrs)
	return id
}

// deleteInCloud deletes an object as an administrator in the portal would.
func (t *fakeTarget) deleteInCloud(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.apply(Write{Op: WriteDelete, ID: id})
}

// mutate edits an object in place, as an administrator in the portal would.
func (t *fakeTarget) mutate(id string, fn func(*TargetObject)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn(t.objs[id])
}

// memberNames returns the UPNs or names of a group's members, sorted.
func (t *fakeTarget) memberNames(group string) []string {
	g := t.byName(group)
	if g == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, id := range g.Members {
		o := t.objs[id]
		if u := o.Attributes[AttrUserPrincipalName]; u != "" {
			out = append(out, u)
		} else {
			out = append(out, o.Attributes[AttrDisplayName])
		}
	}
	slices.Sort(out)
	return out
}

// testEnv is an engine over the fakes and an in-memory store.
type testEnv struct {
	t      *testing.T
	src    *fakeSource
	tgt    *fakeTarget
	store  Store
	cfg    Config
	engine *Engine
}

func newTestEnv(t *testing.T, edit ...func(*Config)) *testEnv {
	t.Helper()
	cfg := validConfig(t)
	cfg.AD.BindUser = `CORP\MSOL_abc`
	cfg.Sync.DeletionThresholdPercent = 0 // the fixtures are small: guard tests set it
	cfg.AD.Scope.Include = []string{"OU=Staff,DC=corp,DC=example,DC=com", "OU=Groups,DC=corp,DC=example,DC=com"}
	for _, e := range edit {
		e(&cfg)
	}
	env := &testEnv{t: t, src: newFakeSource(), tgt: newFakeTarget(), store: NewMemStore(), cfg: cfg}
	env.newEngine()
	return env
}

func (env *testEnv) newEngine(opts ...Option) {
	env.t.Helper()
	base := []Option{WithBatchSize(7), WithLogger(slog.New(slog.DiscardHandler))}
	e, err := NewEngine(env.cfg, env.src, env.tgt, env.store, append(base, opts...)...)
	if err != nil {
		env.t.Fatalf("NewEngine: %v", err)
	}
	env.engine = e
}

// run runs the engine and fails the test on an error.
func (env *testEnv) run(opts RunOptions) RunSummary {
	env.t.Helper()
	s, err := env.engine.Run(context.Background(), opts)
	if err != nil {
		env.t.Fatalf("Run(%+v): %v", opts, err)
	}
	return s
}

// guid makes a GUID from a small number, readable in failures.
func guid(n int) GUID {
	return MustParseGUID(fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
}

const staff = ",OU=Staff,DC=corp,DC=example,DC=com"
const groupsOU = ",OU=Groups,DC=corp,DC=example,DC=com"

// newUser returns an enabled user in OU=Staff.
func newUser(n int, sam, upn string) *SourceObject {
	return &SourceObject{GUID: guid(n), Kind: KindUser, DN: "CN=" + sam + staff, SAMAccountName: sam,
		UserPrincipalName: upn, DisplayName: strings.ToUpper(sam[:1]) + sam[1:], UserAccountControl: 0x200}
}

// newGroup returns a security group in OU=Groups with members by DN.
func newGroup(n int, name string, members ...*SourceObject) *SourceObject {
	g := &SourceObject{GUID: guid(n), Kind: KindGroup, DN: "CN=" + name + groupsOU, SAMAccountName: name, GroupType: 0x80000002}
	for _, m := range members {
		g.Members = append(g.Members, Ref{GUID: m.GUID, DN: m.DN})
	}
	return g
}

// seedCompany fills the source with a small company: users (one with a
// manager, one disabled, one on a .local suffix, two wanting the same UPN),
// nested groups, and objects that must not be created.
func seedCompany(s *fakeSource) {
	alice := newUser(1, "alice", "alice@corp.example.com")
	alice.Title, alice.Department = "CTO", "R&D"
	bob := newUser(2, "bob", "bob@corp.example.com")
	bob.Manager = Ref{GUID: alice.GUID}
	carol := newUser(3, "carol", "carol@corp.example.com")
	carol.UserAccountControl = 0x202
	dave := newUser(4, "dave", "dave@corp.local")
	eve1 := newUser(5, "eve", "eve@corp.example.com")
	eve2 := newUser(6, "eve2", "EVE@corp.example.com")
	leads := newGroup(20, "Leads", alice)
	eng := newGroup(21, "Engineering", bob, carol)
	eng.Members = append(eng.Members, Ref{GUID: leads.GUID})
	for _, o := range []*SourceObject{alice, bob, carol, dave, eve1, eve2, leads, eng} {
		s.put(o)
	}
	contact := &SourceObject{GUID: guid(30), Kind: KindContact, DN: "CN=Supplier" + staff, Mail: "x@supplier.com"}
	dist := &SourceObject{GUID: guid(31), Kind: KindGroup, DN: "CN=All" + groupsOU, SAMAccountName: "All", GroupType: 0x8, Mail: "all@corp.example.com"}
	krbtgt := newUser(32, "krbtgt", "")
	krbtgt.CriticalSystemObject = true
	svc := newUser(33, "MSOL_abc", "")
	for _, o := range []*SourceObject{contact, dist, krbtgt, svc} {
		s.put(o)
	}
}
