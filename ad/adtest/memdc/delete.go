package memdc

import (
	"strconv"
	"strings"
)

// systemFlags bits (MS-ADTS §2.2.10).
const (
	sysFlagDisallowDelete       = 0x80000000
	sysFlagDomainDisallowRename = 0x08000000
	sysFlagDomainDisallowMove   = 0x04000000
	rightDeleteTree             = 0x00000040
)

// deleteObject deletes an object the way AD does without the Recycle Bin
// (MS-ADTS §3.1.1.5.5): it becomes a tombstone under CN=Deleted Objects,
// named "<RDN>\0ADEL:<objectGUID>", keeping only the attributes tombstones
// keep, with isDeleted TRUE, and every link to and from it removed. The
// caller holds the write lock.
func (s *Server) deleteObject(ctx *opCtx, name string) *ldapError {
	d := s.dir
	e, lerr := d.resolve(name, false)
	if lerr != nil {
		return lerr
	}
	if lerr := s.checkDeletable(ctx, e); lerr != nil {
		return lerr
	}
	if len(liveChildren(e)) > 0 {
		if !ctx.treeDelete {
			return errNonLeaf()
		}
		if !d.allowed(ctx.who, e, rightDeleteTree, nil, "") {
			return errAccess()
		}
		var check func(x *entry) *ldapError
		check = func(x *entry) *ldapError {
			for _, c := range liveChildren(x) {
				if lerr := s.checkDeletable(ctx, c); lerr != nil {
					return lerr
				}
				if lerr := check(c); lerr != nil {
					return lerr
				}
			}
			return nil
		}
		if lerr := check(e); lerr != nil {
			return lerr
		}
		var remove func(x *entry)
		remove = func(x *entry) {
			for _, c := range liveChildren(x) {
				remove(c)
			}
			s.tombstone(x)
		}
		remove(e)
		return nil
	}
	if !d.allowed(ctx.who, e, rightDelete, nil, "") && !d.allowed(ctx.who, e.parent, rightDeleteChild, e.class.schemaID, "") {
		return errAccess()
	}
	s.tombstone(e)
	return nil
}

// checkDeletable refuses the objects AD protects: naming-context heads,
// objects whose systemFlags forbid deletion, and the built-in accounts and
// groups (RIDs below 1000).
func (s *Server) checkDeletable(ctx *opCtx, e *entry) *ldapError {
	if e.isNCHead() || uint32(e.int("systemFlags"))&sysFlagDisallowDelete != 0 {
		return errWillNotPerform(0x20CE)
	}
	if sd := e.sid(); len(sd) > 0 && s.dir.domainSID != nil && len(sd) == len(s.dir.domainSID)+4 &&
		string(sd[8:len(sd)-4]) == string(s.dir.domainSID[8:]) && sd.rid() < 1000 {
		return errWillNotPerform(0x55B)
	}
	if e.nc != s.dir.domain {
		return errWillNotPerform(0x20CE) // memdc keeps tombstones in the domain NC only
	}
	return nil
}

func liveChildren(e *entry) []*entry {
	var out []*entry
	for c := range e.children {
		if !c.deleted {
			out = append(out, c)
		}
	}
	sortByCreation(out)
	return out
}

// tombstone turns e into a tombstone at a new USN.
func (s *Server) tombstone(e *entry) {
	d := s.dir
	usn := d.nextUSN()
	d.unindex(e)
	var touched []string
	for attr, vals := range e.links {
		def := schema[attr]
		for _, lv := range vals {
			if !lv.absent {
				d.removeLink(e, def, lv.target, usn)
			}
		}
		touched = append(touched, attr)
	}
	for back, sources := range d.backlinks[e.guid] {
		def := schema[back]
		fwd := schema[strings.ToLower(def.forward)]
		for g := range sources {
			src := d.byGUID[g]
			if src == nil || src.deleted {
				continue
			}
			srcUSN := d.nextUSN()
			d.removeLink(src, fwd, e.guid, srcUSN)
			d.touch(src, srcUSN, fwd.name)
		}
	}
	for k := range e.attrs {
		if def := lookupAttr(k); def == nil || !def.is(flagPreserve) {
			delete(e.attrs, k)
			touched = append(touched, k)
		}
	}
	oldRDN := e.dn[0]
	e.attrs["lastknownparent"] = []string{e.parent.dn.String()}
	e.attrs["msds-lastknownrdn"] = []string{oldRDN.value}
	e.deleted = true
	newName := d.deletedObjects.dn.child(oldRDN.attr, oldRDN.value+"\nDEL:"+e.guid.String())
	d.move(e, newName, d.deletedObjects)
	touched = append(touched, "isdeleted", "lastknownparent", "msds-lastknownrdn", "name")
	d.touch(e, usn, touched...)
}

// renameObject serves ModifyDN: a rename, a move, or both (MS-ADTS
// §3.1.1.5.4). The caller holds the write lock.
func (s *Server) renameObject(ctx *opCtx, name, newRDN string, deleteOld bool, newSuperior string, hasSuperior bool) *ldapError {
	d := s.dir
	e, lerr := d.resolve(name, false)
	if lerr != nil {
		return lerr
	}
	r, err := parseDN(newRDN)
	if err != nil || len(r) != 1 {
		return errInvalidDN(newRDN)
	}
	if !deleteOld {
		return newErr(codeUnwillingToPerform, "00000057: LdapErr: DSID-0C090D8A, comment: Old RDN must be deleted, data 0, v4563")
	}
	if e.class == nil || !strings.EqualFold(r[0].attr, e.class.rdnAttr) {
		return errNaming("a %s is named by %s=, not %s=", parentClassName(e), strings.ToUpper(e.class.rdnAttr), r[0].attr)
	}
	parent := e.parent
	if hasSuperior {
		if parent, lerr = d.resolve(newSuperior, false); lerr != nil {
			return lerr
		}
	}
	flags := uint32(e.int("systemFlags"))
	moving := parent != e.parent
	renaming := r[0].value != e.rdnValue()
	switch {
	case e.isNCHead():
		return errWillNotPerform(0x20CE)
	case moving && parent.nc != e.nc:
		return errWillNotPerform(0x20B5) // a cross-domain move needs the DRS, not LDAP
	case moving && parent.under(e):
		return errWillNotPerform(0x2088)
	case moving && flags&sysFlagDomainDisallowMove != 0, renaming && flags&sysFlagDomainDisallowRename != 0:
		return errWillNotPerform(0x20CE)
	case parent.class == nil || !parent.class.container:
		return errNaming("a %s cannot be placed below a %s", parentClassName(e), parentClassName(parent))
	}
	newName := parent.dn.child(e.class.rdnAttr, r[0].value)
	if x := d.lookup(newName); x != nil && x != e {
		return errEntryExists()
	}
	if renaming && !d.allowed(ctx.who, e, rightWriteProperty, nil, "name") {
		return errAccess()
	}
	if moving && (!d.allowed(ctx.who, e, rightDelete, nil, "") && !d.allowed(ctx.who, e.parent, rightDeleteChild, e.class.schemaID, "") ||
		!d.allowed(ctx.who, parent, rightCreateChild, e.class.schemaID, "")) {
		return errAccess()
	}
	usn := d.nextUSN()
	d.move(e, newName, parent)
	d.touch(e, usn, "name", e.class.rdnAttr)
	return nil
}

// compareObject serves a compare request (RFC 4511 §4.10).
func (s *Server) compareObject(name, attr, value string) *ldapError {
	d := s.dir
	e, lerr := d.resolve(name, false)
	if lerr != nil {
		return lerr
	}
	def := s.attr(attr)
	if def == nil {
		return errUndefinedAttr(attr)
	}
	vals := s.storedValues(e, def)
	if len(vals) == 0 {
		return errNoSuchAttr(def.name)
	}
	if def.syntax == synInt {
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			value = strconv.FormatInt(n, 10)
		}
	}
	if containsValue(def, vals, value) {
		return &ldapError{code: codeCompareTrue}
	}
	return &ldapError{code: codeCompareFalse}
}
