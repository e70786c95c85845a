package memdc

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds the binary security structures of MS-DTYP §2.4 (SID, GUID,
// ACE, ACL, self-relative security descriptor) and memdc's small access
// model. The model, documented on (*Server).allowed, evaluates the DACLs memdc
// stores: explicit ACEs of the object first, then the inheritable ACEs of its
// ancestors (nearest first), each list deny-before-allow as Windows' canonical
// order has it (MS-DTYP §2.4.5, MS-ADTS §5.1.3.3).

// sid is a binary security identifier (MS-DTYP §2.4.2.2).
type sid []byte

// parseSIDString parses "S-1-5-21-…".
func parseSIDString(s string) (sid, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	subs := parts[3:]
	if len(subs) > 15 {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	b := make([]byte, 8+4*len(subs))
	b[0] = 1
	b[1] = byte(len(subs))
	for i := 0; i < 6; i++ {
		b[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for i, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid SID %q", s)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, nil
}

func mustSID(s string) sid {
	v, err := parseSIDString(s)
	if err != nil {
		panic(err)
	}
	return v
}

// validSID reports whether b is exactly one well-formed binary SID.
func validSID(b []byte) bool {
	return len(b) >= 8 && b[0] == 1 && int(b[1]) <= 15 && len(b) == 8+4*int(b[1])
}

// String formats the SID as S-1-….
func (s sid) String() string {
	if !validSID(s) {
		return "S-?"
	}
	var auth uint64
	for i := 0; i < 6; i++ {
		auth = auth<<8 | uint64(s[2+i])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "S-1-%d", auth)
	for i := 0; i < int(s[1]); i++ {
		fmt.Fprintf(&b, "-%d", binary.LittleEndian.Uint32(s[8+4*i:]))
	}
	return b.String()
}

// withRID appends a relative identifier to a domain SID.
func (s sid) withRID(rid uint32) sid {
	out := make([]byte, len(s)+4)
	copy(out, s)
	out[1]++
	binary.LittleEndian.PutUint32(out[len(s):], rid)
	return out
}

// rid returns the last sub-authority.
func (s sid) rid() uint32 {
	if !validSID(s) || s[1] == 0 {
		return 0
	}
	return binary.LittleEndian.Uint32(s[len(s)-4:])
}

// guid is a 16-byte GUID in its wire (mixed-endian) order (MS-DTYP §2.3.4.2).
type guid [16]byte

// parseGUID parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func parseGUID(s string) (guid, error) {
	var g guid
	s = strings.Trim(s, "{}")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, fmt.Errorf("invalid GUID %q", s)
	}
	raw, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if err != nil {
		return g, fmt.Errorf("invalid GUID %q", s)
	}
	// Data1, Data2 and Data3 are little-endian on the wire.
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g, nil
}

func mustGUID(s string) guid {
	g, err := parseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// String formats the GUID in its registry form, lower case.
func (g guid) String() string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// Well-known SIDs (MS-DTYP §2.4.2.4).
var (
	sidEveryone         = mustSID("S-1-1-0")
	sidSelf             = mustSID("S-1-5-10")
	sidAuthenticated    = mustSID("S-1-5-11")
	sidSystem           = mustSID("S-1-5-18")
	sidAdministrators   = mustSID("S-1-5-32-544")
	sidEnterpriseDCs    = mustSID("S-1-5-9")
	sidNetwork          = mustSID("S-1-5-2")
	sidThisOrganization = mustSID("S-1-5-15")
	sidBuiltinDomain    = mustSID("S-1-5-32")
)

// Access mask bits for directory objects (MS-ADTS §5.1.3.2).
const (
	rightCreateChild   uint32 = 0x00000001
	rightDeleteChild   uint32 = 0x00000002
	rightWriteProperty uint32 = 0x00000020
	rightControlAccess uint32 = 0x00000100
	rightDelete        uint32 = 0x00010000
	rightReadControl   uint32 = 0x00020000
	rightWriteDAC      uint32 = 0x00040000
	rightWriteOwner    uint32 = 0x00080000
	rightFullControl   uint32 = 0x000F01FF
	rightGenericAll    uint32 = 0x10000000
	rightGenericWrite  uint32 = 0x40000000
	rightGenericRead   uint32 = 0x80000000
	rightReadMapped    uint32 = 0x00020094 // GENERIC_READ mapped for DS objects
)

// ACE types and flags (MS-DTYP §2.4.4.1).
const (
	aceAllowed       byte = 0x00
	aceDenied        byte = 0x01
	aceAudit         byte = 0x02
	aceAllowedObject byte = 0x05
	aceDeniedObject  byte = 0x06
	aceAuditObject   byte = 0x07

	aceFlagObjectInherit    byte = 0x01
	aceFlagContainerInherit byte = 0x02
	aceFlagNoPropagate      byte = 0x04
	aceFlagInheritOnly      byte = 0x08
	aceFlagInherited        byte = 0x10

	aceObjectTypePresent    uint32 = 0x1
	aceInheritedTypePresent uint32 = 0x2
)

// Security descriptor control bits (MS-DTYP §2.4.6).
const (
	sdDACLAutoInherited uint16 = 0x0400
	sdDACLPresent       uint16 = 0x0004
	sdSACLPresent       uint16 = 0x0010
	sdDACLProtect       uint16 = 0x1000
	sdSelfRelative      uint16 = 0x8000
)

// SD flags control bits (MS-ADTS §3.1.1.3.4.1.11).
const (
	secinfoOwner uint32 = 0x1
	secinfoGroup uint32 = 0x2
	secinfoDACL  uint32 = 0x4
	secinfoSACL  uint32 = 0x8
)

// ace is one access control entry. Types memdc does not evaluate keep their
// bytes in raw and round-trip unchanged.
type ace struct {
	typ, flags    byte
	mask          uint32
	objFlags      uint32
	objectType    guid
	inheritedType guid
	sid           sid
	raw           []byte
}

func (a ace) isObject() bool {
	return a.typ == aceAllowedObject || a.typ == aceDeniedObject || a.typ == aceAuditObject
}

// aclRevisionDS is the ACL revision of a DACL holding object ACEs.
const aclRevisionDS byte = 4

type acl struct {
	revision byte
	aces     []ace
}

// securityDescriptor is a parsed self-relative security descriptor.
type securityDescriptor struct {
	control      uint16
	owner, group sid
	sacl, dacl   *acl
}

var errBadSD = errors.New("invalid security descriptor")

func parseSD(b []byte) (*securityDescriptor, error) {
	if len(b) < 20 || b[0] != 1 {
		return nil, errBadSD
	}
	sd := &securityDescriptor{control: binary.LittleEndian.Uint16(b[2:])}
	offOwner := binary.LittleEndian.Uint32(b[4:])
	offGroup := binary.LittleEndian.Uint32(b[8:])
	offSACL := binary.LittleEndian.Uint32(b[12:])
	offDACL := binary.LittleEndian.Uint32(b[16:])
	var err error
	if offOwner != 0 {
		if sd.owner, err = sidAt(b, offOwner); err != nil {
			return nil, err
		}
	}
	if offGroup != 0 {
		if sd.group, err = sidAt(b, offGroup); err != nil {
			return nil, err
		}
	}
	if sd.control&sdSACLPresent != 0 && offSACL != 0 {
		if sd.sacl, err = parseACL(b, offSACL); err != nil {
			return nil, err
		}
	}
	if sd.control&sdDACLPresent != 0 && offDACL != 0 {
		if sd.dacl, err = parseACL(b, offDACL); err != nil {
			return nil, err
		}
	}
	return sd, nil
}

func sidAt(b []byte, off uint32) (sid, error) {
	if uint64(off)+8 > uint64(len(b)) {
		return nil, errBadSD
	}
	n := 8 + 4*int(b[off+1])
	if int(off)+n > len(b) {
		return nil, errBadSD
	}
	s := sid(append([]byte(nil), b[off:int(off)+n]...))
	if !validSID(s) {
		return nil, errBadSD
	}
	return s, nil
}

func parseACL(b []byte, off uint32) (*acl, error) {
	if uint64(off)+8 > uint64(len(b)) {
		return nil, errBadSD
	}
	a := &acl{revision: b[off]}
	size := int(binary.LittleEndian.Uint16(b[off+2:]))
	count := int(binary.LittleEndian.Uint16(b[off+4:]))
	end := int(off) + size
	if size < 8 || end > len(b) {
		return nil, errBadSD
	}
	p := int(off) + 8
	for i := 0; i < count; i++ {
		if p+4 > end {
			return nil, errBadSD
		}
		aceSize := int(binary.LittleEndian.Uint16(b[p+2:]))
		if aceSize < 8 || p+aceSize > end {
			return nil, errBadSD
		}
		e, err := parseACE(b[p : p+aceSize])
		if err != nil {
			return nil, err
		}
		a.aces = append(a.aces, e)
		p += aceSize
	}
	return a, nil
}

func parseACE(b []byte) (ace, error) {
	e := ace{typ: b[0], flags: b[1], raw: append([]byte(nil), b...)}
	switch e.typ {
	case aceAllowed, aceDenied, aceAudit:
		e.mask = binary.LittleEndian.Uint32(b[4:])
		s, err := sidAt(b, 8)
		if err != nil {
			return e, err
		}
		e.sid = s
	case aceAllowedObject, aceDeniedObject, aceAuditObject:
		if len(b) < 12 {
			return e, errBadSD
		}
		e.mask = binary.LittleEndian.Uint32(b[4:])
		e.objFlags = binary.LittleEndian.Uint32(b[8:])
		p := 12
		if e.objFlags&aceObjectTypePresent != 0 {
			if p+16 > len(b) {
				return e, errBadSD
			}
			copy(e.objectType[:], b[p:])
			p += 16
		}
		if e.objFlags&aceInheritedTypePresent != 0 {
			if p+16 > len(b) {
				return e, errBadSD
			}
			copy(e.inheritedType[:], b[p:])
			p += 16
		}
		s, err := sidAt(b, uint32(p))
		if err != nil {
			return e, err
		}
		e.sid = s
	}
	return e, nil
}

func (a ace) bytes() []byte {
	switch a.typ {
	case aceAllowed, aceDenied, aceAudit:
		b := make([]byte, 8, 8+len(a.sid))
		b[0], b[1] = a.typ, a.flags
		binary.LittleEndian.PutUint32(b[4:], a.mask)
		b = append(b, a.sid...)
		binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
		return b
	case aceAllowedObject, aceDeniedObject, aceAuditObject:
		b := make([]byte, 12, 44+len(a.sid))
		b[0], b[1] = a.typ, a.flags
		binary.LittleEndian.PutUint32(b[4:], a.mask)
		binary.LittleEndian.PutUint32(b[8:], a.objFlags)
		if a.objFlags&aceObjectTypePresent != 0 {
			b = append(b, a.objectType[:]...)
		}
		if a.objFlags&aceInheritedTypePresent != 0 {
			b = append(b, a.inheritedType[:]...)
		}
		b = append(b, a.sid...)
		binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
		return b
	}
	return a.raw
}

func (l *acl) bytes() []byte {
	b := make([]byte, 8)
	rev := l.revision
	if rev == 0 {
		rev = 2
	}
	for _, a := range l.aces {
		if a.isObject() {
			rev = 4 // ACL_REVISION_DS, required for object ACEs
		}
		b = append(b, a.bytes()...)
	}
	b[0] = rev
	binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
	binary.LittleEndian.PutUint16(b[4:], uint16(len(l.aces)))
	return b
}

// bytes marshals the descriptor in self-relative form, laid out as AD stores
// it: header, SACL, DACL, owner, group.
func (sd *securityDescriptor) bytes() []byte {
	b := make([]byte, 20)
	b[0] = 1
	control := sd.control | sdSelfRelative
	control &^= sdSACLPresent | sdDACLPresent
	if sd.sacl != nil {
		control |= sdSACLPresent
		binary.LittleEndian.PutUint32(b[12:], uint32(len(b)))
		b = append(b, sd.sacl.bytes()...)
	}
	if sd.dacl != nil {
		control |= sdDACLPresent
		binary.LittleEndian.PutUint32(b[16:], uint32(len(b)))
		b = append(b, sd.dacl.bytes()...)
	}
	if sd.owner != nil {
		binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
		b = append(b, sd.owner...)
	}
	if sd.group != nil {
		binary.LittleEndian.PutUint32(b[8:], uint32(len(b)))
		b = append(b, sd.group...)
	}
	binary.LittleEndian.PutUint16(b[2:], control)
	return b
}

// part returns a copy holding only the parts named by the SD flags control.
func (sd *securityDescriptor) part(flags uint32) *securityDescriptor {
	out := &securityDescriptor{control: sd.control &^ (sdSACLPresent | sdDACLPresent)}
	if flags&secinfoOwner != 0 {
		out.owner = sd.owner
	}
	if flags&secinfoGroup != 0 {
		out.group = sd.group
	}
	if flags&secinfoDACL != 0 {
		out.dacl = sd.dacl
	}
	if flags&secinfoSACL != 0 {
		out.sacl = sd.sacl
	}
	return out
}

// merge replaces in sd the parts named by flags with those of in (MS-ADTS
// §3.1.1.3.4.1.11: parts not named are left as they are).
func (sd *securityDescriptor) merge(in *securityDescriptor, flags uint32) {
	if flags&secinfoOwner != 0 && in.owner != nil {
		sd.owner = in.owner
	}
	if flags&secinfoGroup != 0 && in.group != nil {
		sd.group = in.group
	}
	if flags&secinfoDACL != 0 {
		sd.dacl = in.dacl
		sd.control = sd.control&^sdDACLProtect | in.control&sdDACLProtect
	}
	if flags&secinfoSACL != 0 {
		sd.sacl = in.sacl
	}
}

// Schema and extended-right GUIDs memdc's access model knows
// (learn.microsoft.com/windows/win32/adschema, MS-ADTS §5.1.3.2.1).
var (
	classUserGUID                = mustGUID("bf967aba-0de6-11d0-a285-00aa003049e2")
	classGroupGUID               = mustGUID("bf967a9c-0de6-11d0-a285-00aa003049e2")
	classOUGUID                  = mustGUID("bf967aa5-0de6-11d0-a285-00aa003049e2")
	classContactGUID             = mustGUID("5cb41ed0-0e4c-11d0-a286-00aa003049e2")
	classComputerGUID            = mustGUID("bf967a86-0de6-11d0-a285-00aa003049e2")
	classInetOrgPersonGUID       = mustGUID("4828cc14-1437-45bc-9b07-ad6f015e5f28")
	attrMemberGUID               = mustGUID("bf9679c0-0de6-11d0-a285-00aa003049e2")
	attrConsistencyGUID          = mustGUID("23773dc2-b63a-11d2-90e1-00c04fd91ab1")
	attrUPNGUID                  = mustGUID("28630ebb-41d5-11d1-a9c1-0000f80367c1")
	attrUnicodePwdGUID           = mustGUID("bf9679e1-0de6-11d0-a285-00aa003049e2")
	rightGetChangesGUID          = mustGUID("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2")
	rightGetChangesAllGUID       = mustGUID("1131f6ad-9c07-11d1-f79f-00c04fc2dcd2")
	rightResetPasswordGUID       = mustGUID("00299570-246d-11d0-a768-00aa006e0529")
	rightChangePasswordGUID      = mustGUID("ab721a53-1e2f-11d0-9819-00aa0040529b")
	propSetPersonalInfoGUID      = mustGUID("77b5b886-944a-11d1-aebd-0000f80367c1")
	propSetPublicInfoGUID        = mustGUID("e48d0154-bcf8-11d1-8702-00c04fb96050")
	attrSAMAccountNameGUID       = mustGUID("3e0abfd0-126a-11d0-a060-00aa006c33ed")
	attrUserAccountControlGUID   = mustGUID("bf967a68-0de6-11d0-a285-00aa003049e2")
	attrNTSecurityDescriptorGUID = mustGUID("bf9679e3-0de6-11d0-a285-00aa003049e2")
)

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
