package memdc

import (
	"encoding/binary"
	"sort"
	"strings"
)

// DirSync flags (MS-ADTS §3.1.1.3.4.1.3).
const (
	dirSyncObjectSecurity    uint32 = 0x1
	dirSyncIncrementalValues uint32 = 0x80000000
)

// dirSyncCookie is the state a DirSync cookie carries. Its layout follows
// AD's and Samba's ldapControlDirSyncCookie: "MSDS", version 3, a FILETIME,
// two reserved words, the high-water mark (tmp_highest_usn, reserved_usn,
// highest_usn) and the DC's invocationId; memdc sends no up-to-dateness
// vector. While a result is spread over several responses (more data),
// cursor (tmp_highest_usn) says how far the objects went and base
// (highest_usn) where the cycle started: objects past the cursor report
// the attributes changed since base. A complete answer sets both to the
// highest committed USN.
type dirSyncCookie struct {
	cursor, base int64
	invocationID guid
}

const cookieLen = 4 + 4 + 8 + 4 + 4 + 24 + 16

func (c dirSyncCookie) bytes(filetime int64) []byte {
	b := make([]byte, cookieLen)
	copy(b, "MSDS")
	binary.LittleEndian.PutUint32(b[4:], 3)
	binary.LittleEndian.PutUint64(b[8:], uint64(filetime))
	binary.LittleEndian.PutUint64(b[24:], uint64(c.cursor)) // tmp_highest_usn
	binary.LittleEndian.PutUint64(b[40:], uint64(c.base))   // highest_usn
	copy(b[48:], c.invocationID[:])
	return b
}

func parseCookie(b []byte) (dirSyncCookie, bool) {
	var c dirSyncCookie
	if len(b) < cookieLen || string(b[:4]) != "MSDS" || binary.LittleEndian.Uint32(b[4:]) != 3 {
		return c, false
	}
	c.cursor = int64(binary.LittleEndian.Uint64(b[24:]))
	c.base = int64(binary.LittleEndian.Uint64(b[40:]))
	if c.base > c.cursor {
		c.cursor = c.base
	}
	copy(c.invocationID[:], b[48:64])
	return c, true
}

// dirSync serves a search with the DirSync control: the objects of the
// naming context changed since the cookie, with only their changed
// attributes, deleted objects included, at most DirSyncBatch objects (or
// MaxAttrCount bytes) at a time.
func (c *conn) dirSync(id int64, req *searchRequest, sel *selection, oc *opControls) error {
	done := func(lerr *ldapError, ctrls []control) error {
		return c.respond(id, appSearchDone, lerr, ctrls)
	}
	ds := oc.dirSync
	if !ds.critical {
		return done(newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090A71, comment: the DirSync control must be critical, data 0, v4563"), nil)
	}
	s := c.s
	var out []byte
	var lerr *ldapError
	var ctrl control
	s.rlocked(func() { out, lerr, ctrl = c.dirSyncLocked(id, req, sel, ds) })
	if len(out) > 0 {
		if err := c.send(out); err != nil {
			return err
		}
	}
	if lerr != nil {
		return done(lerr, nil)
	}
	return done(nil, []control{ctrl})
}

func (c *conn) dirSyncLocked(id int64, req *searchRequest, sel *selection, ds *dirSyncRequest) ([]byte, *ldapError, control) {
	s := c.s
	d := s.dir
	head, lerr := d.resolve(req.base, true)
	if lerr != nil {
		return nil, lerr, control{}
	}
	if !head.isNCHead() {
		if ds.flags&dirSyncObjectSecurity != 0 {
			return nil, errWillNotPerform(0x57), control{}
		}
		return nil, errAccess(), control{}
	}
	if ds.flags&dirSyncObjectSecurity == 0 && !d.allowed(c.who, head, rightControlAccess, &rightGetChangesGUID, "") {
		// Without LDAP_DIRSYNC_OBJECT_SECURITY the caller needs Replicating
		// Directory Changes on the naming context.
		return nil, newErr(codeInsufficientAccessRights, "00000005: SecErr: DSID-03152857, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n"), control{}
	}
	var from, base int64 // objects after from; attributes changed after base
	if len(ds.cookie) > 0 {
		ck, ok := parseCookie(ds.cookie)
		if !ok {
			return nil, newErr(codeUnavailableCriticalExt, "00000057: LdapErr: DSID-0C090A71, comment: Error processing control (cookie), data 0, v4563"), control{}
		}
		if ck.invocationID == d.invocationID {
			from, base = ck.cursor, ck.base
		}
		// A cookie from another invocation (a restored DC) starts over,
		// as an up-to-dateness vector without this DC would.
	}
	f, lerr := s.compileFilter(req.filter)
	if lerr != nil {
		return nil, lerr, control{}
	}
	var candidates []*entry
	for _, e := range d.order {
		if e.nc == head && e.usnChanged > from && e != d.deletedObjects {
			candidates = append(candidates, e)
		}
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].usnChanged < candidates[j].usnChanged })

	budget := ds.maxBytes
	var enc encoder
	n := 0
	last := from
	more := false
	for i, e := range candidates {
		if n >= s.opts.DirSyncBatch || (budget > 0 && n > 0 && len(enc.b) >= budget) {
			more = true
			candidates = candidates[:i]
			break
		}
		last = e.usnChanged
		if e.deleted && ds.flags&dirSyncObjectSecurity != 0 && !c.who.isAdmin() {
			continue // with object security, only what the caller may read
		}
		if f.eval(d, entryTarget{s, e}) != fTrue {
			continue
		}
		attrs := s.dirSyncAttrs(e, sel, base, ds.flags&dirSyncIncrementalValues != 0)
		if attrs == nil {
			continue
		}
		writeEntry(&enc, id, e.dn.String(), attrs, false)
		n++
	}
	ck := dirSyncCookie{cursor: last, base: base, invocationID: d.invocationID}
	if !more {
		ck.cursor, ck.base = d.usn, d.usn
	}
	cookie := ck.bytes(fileTime(d.now()))
	return enc.b, nil, dirSyncResponse(more, cookie)
}

// dirSyncAttrs returns what DirSync reports of e: objectGUID and
// instanceType always; the requested attributes changed since from (all
// that have values when from is 0), removed ones as empty attributes; name
// and parentGUID when the object was created, renamed or moved; isDeleted
// for tombstones. Back links, constructed and non-replicated attributes and
// the RDN attribute never come. An object with nothing else to report is
// skipped (nil), as Samba's dirsync module does.
func (s *Server) dirSyncAttrs(e *entry, sel *selection, from int64, incremental bool) []partialAttr {
	rc := readCtx{who: systemPrincipal, sdFlags: secinfoOwner | secinfoGroup | secinfoDACL, extendedDN: -1}
	out := []partialAttr{
		{"objectGUID", []string{string(e.guid[:])}},
		{"instanceType", []string{e.first("instanceType")}},
	}
	real := 0
	wanted := func(def *attrDef) bool {
		if sel.all {
			return !def.is(flagOperational) || strings.EqualFold(def.name, "nTSecurityDescriptor")
		}
		_, ok := sel.request(def)
		return ok
	}
	for _, def := range schemaOrder {
		l := def.lname
		switch {
		case !s.knows(def), def.is(flagBackLink), def.is(flagConstructed), def.is(flagNotReplicated), def.is(flagNoRead):
			continue
		case l == "objectguid", l == "instancetype", l == "isdeleted", l == "distinguishedname":
			continue
		case len(e.dn) > 0 && strings.EqualFold(def.name, e.dn[0].attr):
			continue // the RDN attribute; name carries it
		case !wanted(def):
			continue
		}
		if def.is(flagLink) {
			if a := s.dirSyncLinks(e, def, from, incremental); a != nil {
				out = append(out, a...)
				real++
			}
			continue
		}
		changed := e.attrUSN[l] > from
		if l == "name" {
			changed = e.attrUSN["name"] > from
		}
		if !changed {
			continue
		}
		vals := s.attrValues(e, def, rc)
		if len(vals) == 0 && from == 0 {
			continue
		}
		out = append(out, partialAttr{def.name, vals})
		real++
		if l == "name" && !e.isNCHead() && e.parent != nil {
			out = append(out, partialAttr{"parentGUID", []string{string(e.parent.guid[:])}})
		}
	}
	if e.deleted {
		out = append(out, partialAttr{"isDeleted", []string{"TRUE"}})
		real++
	}
	if real == 0 {
		return nil
	}
	return out
}

// dirSyncLinks reports a forward link: with incremental values, the values
// added since from as attr;range=1-1 and those removed as attr;range=0-0;
// without, every present value when any changed.
func (s *Server) dirSyncLinks(e *entry, def *attrDef, from int64, incremental bool) []partialAttr {
	d := s.dir
	l := def.lname
	changed := false
	var added, removed []string
	for _, lv := range e.links[l] {
		if lv.usn <= from {
			continue
		}
		t := d.byGUID[lv.target]
		if t == nil {
			continue
		}
		if lv.absent {
			if from > 0 {
				changed = true
				removed = append(removed, t.dn.String())
			}
			continue
		}
		if t.deleted {
			continue
		}
		changed = true
		added = append(added, t.dn.String())
	}
	if !changed {
		return nil
	}
	if !incremental {
		var all []string
		for _, t := range d.linkTargets(e, l) {
			all = append(all, t.dn.String())
		}
		return []partialAttr{{def.name, all}}
	}
	var out []partialAttr
	if len(removed) > 0 {
		out = append(out, partialAttr{def.name + ";range=0-0", removed})
	}
	if len(added) > 0 {
		out = append(out, partialAttr{def.name + ";range=1-1", added})
	}
	return out
}
