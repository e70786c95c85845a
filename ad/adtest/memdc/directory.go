package memdc

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"
)

// entry is one directory object. The RDN attribute, name,
// distinguishedName, objectGUID, the USNs and the timestamps are not kept in
// attrs: they are derived from the fields on every read.
type entry struct {
	dn         dn
	key        string
	parent     *entry
	children   map[*entry]struct{}
	nc         *entry // head of the naming context holding the object
	guid       guid
	class      *classDef
	attrs      map[string][]string    // stored values by lower-case attribute name
	links      map[string][]linkValue // forward links by lower-case attribute name
	attrUSN    map[string]int64       // local USN of each attribute's last change
	usnCreated int64
	usnChanged int64
	created    time.Time
	changed    time.Time
	deleted    bool
	sd         *securityDescriptor // explicit part only; inherited ACEs are computed
	pwHash     []byte              // salted SHA-256 of the password; nil when none is set
	pwSalt     []byte
}

func (e *entry) first(attr string) string {
	if v := e.attrs[strings.ToLower(attr)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (e *entry) int(attr string) int64 {
	n, _ := strconv.ParseInt(e.first(attr), 10, 64)
	return n
}

func (e *entry) has(attr string) bool { return len(e.attrs[strings.ToLower(attr)]) > 0 }

// isClass reports whether objectClass holds class (case-insensitive).
func (e *entry) isClass(class string) bool {
	for _, c := range e.attrs["objectclass"] {
		if strings.EqualFold(c, class) {
			return true
		}
	}
	return false
}

func (e *entry) sid() sid { return sid(e.first("objectSid")) }

// rdnValue is the value of the entry's RDN (its name attribute).
func (e *entry) rdnValue() string {
	if len(e.dn) == 0 {
		return ""
	}
	return e.dn[0].value
}

// isNCHead reports whether the entry is the root of a naming context.
func (e *entry) isNCHead() bool { return e.nc == e }

// under reports whether e is base or one of its descendants.
func (e *entry) under(base *entry) bool {
	for p := e; p != nil; p = p.parent {
		if p == base {
			return true
		}
	}
	return false
}

func (e *entry) isUser() bool {
	return e.isClass("user") && !e.isClass("computer")
}

// directory is the object store. Every method expects the server's mutex to
// be held by the caller (the read lock for lookups, the write lock for
// changes).
type directory struct {
	usn          int64
	byKey        map[string]*entry
	byGUID       map[guid]*entry
	bySID        map[string]*entry
	bySAM        map[string]*entry // live accounts by folded sAMAccountName
	byUPN        map[string]*entry // live objects by folded userPrincipalName
	order        []*entry          // creation order: the order searches return
	backlinks    map[guid]map[string]map[guid]struct{}
	now          func() time.Time
	invocationID guid
	nextRID      uint32

	domain, config, schemaNC, deletedObjects *entry
	domainSID                                sid
}

func newDirectory(now func() time.Time) *directory {
	return &directory{
		byKey:        map[string]*entry{},
		byGUID:       map[guid]*entry{},
		bySID:        map[string]*entry{},
		bySAM:        map[string]*entry{},
		byUPN:        map[string]*entry{},
		backlinks:    map[guid]map[string]map[guid]struct{}{},
		now:          now,
		invocationID: newGUID(),
		nextRID:      1103, // the first RID a fresh AD domain hands out
	}
}

func (d *directory) nextUSN() int64 {
	d.usn++
	return d.usn
}

func newGUID() guid {
	var g guid
	if _, err := rand.Read(g[:]); err != nil {
		panic(err)
	}
	g[7] = g[7]&0x0f | 0x40 // version 4 (Data3 is little-endian on the wire)
	g[8] = g[8]&0x3f | 0x80
	return g
}

// generalizedTime formats t as AD's 2.5.5.11 values: "20240102030405.0Z".
func generalizedTime(t time.Time) string {
	return t.UTC().Format("20060102150405") + ".0Z"
}

// fileTime converts t to a Windows FILETIME (100 ns since 1601), the format of
// pwdLastSet, lockoutTime and accountExpires.
func fileTime(t time.Time) int64 {
	return t.UTC().UnixNano()/100 + 116444736000000000
}

// insert adds a new object under parent at usn. The caller has checked that
// its name is free.
func (d *directory) insert(e *entry, parent *entry, usn int64) {
	if e.attrs == nil {
		e.attrs = map[string][]string{}
	}
	if e.links == nil {
		e.links = map[string][]linkValue{}
	}
	e.children = map[*entry]struct{}{}
	e.attrUSN = map[string]int64{}
	e.key = e.dn.key()
	e.parent = parent
	if parent != nil {
		parent.children[e] = struct{}{}
		if e.nc == nil {
			e.nc = parent.nc
		}
	}
	if e.nc == nil {
		e.nc = e
	}
	e.usnCreated, e.usnChanged = usn, usn
	t := d.now()
	e.created, e.changed = t, t
	for a := range e.attrs {
		e.attrUSN[a] = usn
	}
	for a := range e.links {
		e.attrUSN[a] = usn
	}
	e.attrUSN["name"] = usn
	d.byKey[e.key] = e
	d.byGUID[e.guid] = e
	if s := e.sid(); len(s) > 0 {
		d.bySID[string(s)] = e
	}
	d.index(e)
	d.order = append(d.order, e)
}

// index records e's unique names; unindex forgets them.
func (d *directory) index(e *entry) {
	if e.deleted {
		return
	}
	if v := e.first("sAMAccountName"); v != "" && e.nc == d.domain {
		d.bySAM[foldString(v)] = e
	}
	if v := e.first("userPrincipalName"); v != "" {
		d.byUPN[foldString(v)] = e
	}
}

func (d *directory) unindex(e *entry) {
	if v := e.first("sAMAccountName"); v != "" && d.bySAM[foldString(v)] == e {
		delete(d.bySAM, foldString(v))
	}
	if v := e.first("userPrincipalName"); v != "" && d.byUPN[foldString(v)] == e {
		delete(d.byUPN, foldString(v))
	}
}

// touch records that attrs of e changed at usn.
func (d *directory) touch(e *entry, usn int64, attrs ...string) {
	e.usnChanged = usn
	e.changed = d.now()
	for _, a := range attrs {
		e.attrUSN[strings.ToLower(a)] = usn
	}
}

// move gives e a new DN and parent; its descendants follow.
func (d *directory) move(e *entry, to dn, parent *entry) {
	delete(e.parent.children, e)
	parent.children[e] = struct{}{}
	e.parent = parent
	var walk func(x *entry, name dn)
	walk = func(x *entry, name dn) {
		delete(d.byKey, x.key)
		x.dn = name
		x.key = name.key()
		d.byKey[x.key] = x
		for c := range x.children {
			walk(c, name.child(c.dn[0].attr, c.dn[0].value))
		}
	}
	walk(e, to)
}

// lookup finds an object by parsed DN.
func (d *directory) lookup(n dn) *entry { return d.byKey[n.key()] }

// matchedDN is the longest existing ancestor of n, for noSuchObject answers.
func (d *directory) matchedDN(n dn) string {
	for p := n.parent(); len(p) > 0; p = p.parent() {
		if e := d.byKey[p.key()]; e != nil && !e.deleted {
			return e.dn.String()
		}
	}
	return ""
}

// resolve finds the object a client names: a DN, or AD's <GUID=…> and
// <SID=…> forms (MS-ADTS §3.1.1.3.1.2.4). showDeleted lets tombstones be
// found.
func (d *directory) resolve(name string, showDeleted bool) (*entry, *ldapError) {
	if strings.HasPrefix(name, "<") {
		e, ok := d.resolveSpecial(name)
		if !ok || (e.deleted && !showDeleted) {
			return nil, errNoSuchObject("")
		}
		return e, nil
	}
	n, err := parseDN(name)
	if err != nil {
		return nil, errInvalidDN(name)
	}
	e := d.lookup(n)
	if e == nil || (e.deleted && !showDeleted) {
		return nil, errNoSuchObject(d.matchedDN(n))
	}
	return e, nil
}

func (d *directory) resolveSpecial(name string) (*entry, bool) {
	end := strings.IndexByte(name, '>')
	if end < 0 {
		return nil, false
	}
	body := name[1:end]
	eq := strings.IndexByte(body, '=')
	if eq < 0 {
		return nil, false
	}
	kind, val := strings.ToUpper(body[:eq]), body[eq+1:]
	switch kind {
	case "GUID":
		var g guid
		if len(val) == 32 {
			b, err := decodeHex(val)
			if err != nil {
				return nil, false
			}
			copy(g[:], b)
		} else {
			var err error
			if g, err = parseGUID(val); err != nil {
				return nil, false
			}
		}
		e := d.byGUID[g]
		return e, e != nil
	case "SID":
		var s sid
		if strings.HasPrefix(strings.ToUpper(val), "S-") {
			var err error
			if s, err = parseSIDString(val); err != nil {
				return nil, false
			}
		} else {
			b, err := decodeHex(val)
			if err != nil {
				return nil, false
			}
			s = b
		}
		e := d.bySID[string(s)]
		return e, e != nil
	}
	return nil, false
}
