package memdc

import (
	"encoding/binary"
	"errors"
)

// The binary security descriptor of MS-DTYP §2.4 (ACE, ACL, self-relative
// descriptor), as nTSecurityDescriptor holds it.

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
