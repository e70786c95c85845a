package memdc

// memdc's access model, a small part of MS-ADTS §5.1.3:
//
//   - Anonymous clients may read the rootDSE and nothing else (AD's default
//     dSHeuristics).
//   - Authenticated clients may read every object and attribute except
//     secrets (unicodePwd) and, without Administrators membership, SACLs.
//   - Writes, creations, deletions, renames and DirSync are checked against
//     the objects' DACLs: the explicit ACEs memdc stores, then the ACEs
//     inherited from ancestors (nearest first, unless the DACL is protected),
//     evaluated in order, deny before allow, with object ACEs matching a
//     property, property set, extended right or child class by GUID.
//   - The owner implicitly holds READ_CONTROL and WRITE_DAC.

// principal is the security context of a bound client: its account and the
// SIDs of its token.
type principal struct {
	e      *entry // nil for the system (seeding, Mutate)
	sids   map[string]bool
	system bool
}

var systemPrincipal = &principal{system: true, sids: map[string]bool{string(sidSystem): true}}

func (p *principal) has(s sid) bool { return p.sids[string(s)] }

// isAdmin reports membership of BUILTIN\Administrators, which holds
// SeSecurityPrivilege (needed to read or write a SACL).
func (p *principal) isAdmin() bool { return p.system || p.has(sidAdministrators) }

// token builds the security context of account e: its SID, its transitive
// group SIDs and the well-known SIDs every network logon carries.
func (d *directory) token(e *entry) *principal {
	p := &principal{e: e, sids: map[string]bool{}}
	p.sids[string(e.sid())] = true
	for _, g := range d.tokenGroups(e) {
		p.sids[string(g)] = true
	}
	for _, w := range []sid{sidEveryone, sidAuthenticated, sidNetwork, sidThisOrganization} {
		p.sids[string(w)] = true
	}
	return p
}

// explicitACEs returns the DACL entries stored on e.
func explicitACEs(e *entry) []ace {
	if e.sd == nil || e.sd.dacl == nil {
		return nil
	}
	return e.sd.dacl.aces
}

// inheritedACEs computes the ACEs e inherits from its ancestors (MS-DTYP
// §2.5.3.4.2, for directory objects, which are all containers).
func (d *directory) inheritedACEs(e *entry) []ace {
	if e.parent == nil || e.isNCHead() || (e.sd != nil && e.sd.control&sdDACLProtect != 0) {
		return nil
	}
	from := append(append([]ace(nil), explicitACEs(e.parent)...), d.inheritedACEs(e.parent)...)
	var out []ace
	for _, a := range from {
		if a.flags&aceFlagContainerInherit == 0 {
			continue
		}
		c := a
		c.raw = nil
		c.flags = a.flags | aceFlagInherited
		c.flags &^= aceFlagInheritOnly
		if a.flags&aceFlagNoPropagate != 0 {
			c.flags &^= aceFlagContainerInherit | aceFlagObjectInherit | aceFlagNoPropagate
		}
		if a.objFlags&aceInheritedTypePresent != 0 && !classMatches(e, a.inheritedType) {
			if c.flags&aceFlagContainerInherit == 0 {
				continue // applies neither here nor below
			}
			c.flags |= aceFlagInheritOnly
		}
		out = append(out, c)
	}
	return out
}

// classMatches reports whether one of e's object classes has schemaIDGUID g.
func classMatches(e *entry, g guid) bool {
	for _, name := range e.attrs["objectclass"] {
		if c := classes[lowerASCII(name)]; c != nil && c.schemaID != nil && *c.schemaID == g {
			return true
		}
	}
	return false
}

// allowed reports whether p holds every right in mask on e. objType narrows
// the check to a property, extended right or child class (nil: the object as
// a whole); attr names the property, for property-set ACEs.
func (d *directory) allowed(p *principal, e *entry, mask uint32, objType *guid, attr string) bool {
	if p.system {
		return true
	}
	remaining := mask
	if e.sd != nil && e.sd.owner != nil && p.has(e.sd.owner) {
		remaining &^= rightReadControl | rightWriteDAC
	}
	if remaining == 0 {
		return true
	}
	self := p.e == e
	check := func(aces []ace) (done, ok bool) {
		for _, a := range aces {
			if a.flags&aceFlagInheritOnly != 0 || a.sid == nil {
				continue
			}
			if !p.has(a.sid) && !(self && sidEqual(a.sid, sidSelf)) {
				continue
			}
			if !aceMatches(a, remaining, objType, attr) {
				continue
			}
			switch a.typ {
			case aceDenied, aceDeniedObject:
				return true, false
			case aceAllowed, aceAllowedObject:
				remaining &^= mapGeneric(a.mask)
				if remaining == 0 {
					return true, true
				}
			}
		}
		return false, false
	}
	if done, ok := check(explicitACEs(e)); done {
		return ok
	}
	done, ok := check(d.inheritedACEs(e))
	return done && ok
}

func sidEqual(a, b sid) bool { return string(a) == string(b) }

// readSD returns e's security descriptor as a client reads it: the parts
// named by flags, the DACL holding the explicit and then the inherited ACEs.
func (d *directory) readSD(e *entry, flags uint32) []byte {
	if e.sd == nil {
		return nil
	}
	full := *e.sd
	full.control |= sdDACLAutoInherited
	if full.dacl != nil || len(d.inheritedACEs(e)) > 0 {
		aces := append(append([]ace(nil), explicitACEs(e)...), d.inheritedACEs(e)...)
		full.dacl = &acl{revision: aclRevisionDS, aces: aces}
	}
	return full.part(flags).bytes()
}

// writeSD merges a client's descriptor into e's (MS-ADTS §3.1.1.5.3.3 and
// §3.1.1.3.4.1.11): only the parts flags name change, and inherited ACEs the
// client sends back are dropped, since memdc recomputes them.
func (d *directory) writeSD(p *principal, e *entry, value []byte, flags uint32) *ldapError {
	in, err := parseSD(value)
	if err != nil {
		return errConstraint(0x57, "nTSecurityDescriptor")
	}
	if flags == 0 {
		flags = secinfoOwner | secinfoGroup | secinfoDACL | secinfoSACL
	}
	if in.sacl == nil {
		flags &^= secinfoSACL
	}
	if in.owner == nil {
		flags &^= secinfoOwner
	}
	if in.group == nil {
		flags &^= secinfoGroup
	}
	if flags&secinfoSACL != 0 && !p.isAdmin() {
		return errAccess()
	}
	if flags&secinfoDACL != 0 && !d.allowed(p, e, rightWriteDAC, nil, "") {
		return errAccess()
	}
	if flags&(secinfoOwner|secinfoGroup) != 0 && !d.allowed(p, e, rightWriteOwner, nil, "") {
		return errAccess()
	}
	if in.dacl != nil {
		var explicit []ace
		for _, a := range in.dacl.aces {
			if a.flags&aceFlagInherited == 0 {
				explicit = append(explicit, a)
			}
		}
		in.dacl = &acl{revision: in.dacl.revision, aces: explicit}
	}
	if e.sd == nil {
		e.sd = &securityDescriptor{}
	}
	e.sd.merge(in, flags)
	return nil
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// propertySets maps a property set to the attributes it contains (a small
// part of MS-ADTS §5.1.3.2.1's table).
var propertySets = map[guid][]string{
	propSetPersonalInfoGUID: {"telephonenumber", "mobile", "streetaddress", "postalcode", "l", "st", "c", "co", "homephone", "ipphone", "pager", "facsimiletelephonenumber"},
	propSetPublicInfoGUID:   {"userprincipalname", "displayname", "mail", "givenname", "sn", "cn", "name", "samaccountname", "serviceprincipalname"},
}

// newACE builds an allow ACE: an object ACE when objectType or
// inheritedType are given.
func newACE(allow bool, flags byte, mask uint32, who sid, objectType, inheritedType *guid) ace {
	a := ace{flags: flags, mask: mask, sid: who}
	if objectType == nil && inheritedType == nil {
		a.typ = aceAllowed
		if !allow {
			a.typ = aceDenied
		}
		return a
	}
	a.typ = aceAllowedObject
	if !allow {
		a.typ = aceDeniedObject
	}
	if objectType != nil {
		a.objFlags |= aceObjectTypePresent
		a.objectType = *objectType
	}
	if inheritedType != nil {
		a.objFlags |= aceInheritedTypePresent
		a.inheritedType = *inheritedType
	}
	return a
}

// mapGeneric expands the generic bits of an ACE mask for directory objects
// (MS-ADTS §5.1.3.2, GENERIC_* mapping).
func mapGeneric(m uint32) uint32 {
	if m&rightGenericAll != 0 {
		m |= rightFullControl
	}
	if m&rightGenericRead != 0 {
		m |= rightReadMapped
	}
	if m&rightGenericWrite != 0 {
		m |= 0x00020028 // READ_CONTROL | WRITE_PROPERTY | SELF
	}
	return m &^ (rightGenericAll | rightGenericRead | rightGenericWrite)
}

// aceMatches reports whether an ACE speaks of the requested right and object
// type. An ACE without an object type covers every property and right; a
// property-set ACE covers the properties in the set.
func aceMatches(a ace, mask uint32, objectType *guid, attr string) bool {
	if mapGeneric(a.mask)&mask == 0 {
		return false
	}
	if !a.isObject() || a.objFlags&aceObjectTypePresent == 0 || objectType == nil {
		return !a.isObject() || a.objFlags&aceObjectTypePresent == 0
	}
	if a.objectType == *objectType {
		return true
	}
	for _, name := range propertySets[a.objectType] {
		if name == attr {
			return true
		}
	}
	return false
}
