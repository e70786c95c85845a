package ad

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// This file is a small codec for self-relative security descriptors, the
// binary form of nTSecurityDescriptor (MS-DTYP §2.4.6, §2.4.5 ACL, §2.4.4
// ACEs, §2.4.2 SID). No Go module writes object ACEs correctly (go-deps.md
// §8), and AD accepts only this form, not SDDL text.

// Security descriptor control flags (MS-DTYP §2.4.6).
const (
	SEDACLPresent   = 0x0004
	SESACLPresent   = 0x0010
	SEDACLProtected = 0x1000
	SESelfRelative  = 0x8000
)

// ACE types (MS-DTYP §2.4.4.1).
const (
	ACETypeAccessAllowed       = 0x00
	ACETypeAccessDenied        = 0x01
	ACETypeSystemAudit         = 0x02
	ACETypeAccessAllowedObject = 0x05
	ACETypeAccessDeniedObject  = 0x06
	ACETypeSystemAuditObject   = 0x07
)

// ACE flags (MS-DTYP §2.4.4.1).
const (
	ACEFlagObjectInherit    = 0x01
	ACEFlagContainerInherit = 0x02
	ACEFlagNoPropagate      = 0x04
	ACEFlagInheritOnly      = 0x08
	ACEFlagInherited        = 0x10
)

// Object ACE flags: which GUIDs an object ACE carries (MS-DTYP §2.4.4.3).
const (
	ACEObjectTypePresent          = 0x1
	ACEInheritedObjectTypePresent = 0x2
)

// Directory access rights (MS-ADTS §5.1.3.2).
const (
	RightDSCreateChild  = 0x00000001
	RightDSDeleteChild  = 0x00000002
	RightDSListChildren = 0x00000004
	RightDSSelf         = 0x00000008
	RightDSReadProperty = 0x00000010
	RightDSWriteProp    = 0x00000020
	RightDSListObject   = 0x00000080
	RightDSControl      = 0x00000100 // an extended (control access) right, named by ObjectType
	RightReadControl    = 0x00020000
	// RightGenericRead is what "Read" means on a directory object: list,
	// read all properties, list object, read permissions.
	RightGenericRead = RightReadControl | RightDSListChildren | RightDSReadProperty | RightDSListObject
)

// ACL revisions: 2 for ACLs of basic ACEs, 4 when object ACEs are present.
const (
	ACLRevision   = 2
	ACLRevisionDS = 4
)

// SecurityDescriptor is a self-relative security descriptor. Nil Owner,
// Group, SACL or DACL are absent (offset 0).
type SecurityDescriptor struct {
	Revision byte   // 1
	Sbz1     byte   // resource manager control bits, usually 0
	Control  uint16 // SE_* flags, kept as read; set SEDACLPresent with a DACL
	Owner    *SID
	Group    *SID
	SACL     *ACL
	DACL     *ACL

	// order of the components in the buffer, as read, so an unchanged
	// descriptor marshals to the same bytes. Nil means Windows' order:
	// SACL, DACL, owner, group.
	order []sdPart
}

type sdPart int

const (
	partOwner sdPart = iota
	partGroup
	partSACL
	partDACL
)

// ACL is an access control list. Marshal writes the ACEs in order; use
// [ACL.AddAllowed] to insert in canonical order.
type ACL struct {
	Revision byte
	ACEs     []ACE
}

// ACE is an access control entry. Object ACEs carry ObjectType and
// InheritedObjectType GUIDs when ObjectFlags says so.
type ACE struct {
	Type  byte
	Flags byte
	Mask  uint32
	// ObjectFlags, ObjectType and InheritedObjectType are for object ACE
	// types only.
	ObjectFlags         uint32
	ObjectType          GUID
	InheritedObjectType GUID
	SID                 SID
	// ApplicationData are the bytes after the SID inside the ACE: a
	// callback ACE's condition, a resource attribute, or padding.
	ApplicationData []byte
	// Raw is the body (after the 4-byte header) of an ACE type this codec
	// does not decode, kept as is; its other fields are then unused.
	Raw []byte
}

// aceLayout says how an ACE type's body is laid out.
type aceLayout int

const (
	layoutRaw    aceLayout = iota // unknown: kept as bytes
	layoutBasic                   // mask, SID, application data
	layoutObject                  // mask, object flags, GUIDs, SID, application data
)

func layoutOf(t byte) aceLayout {
	switch t {
	case 0x00, 0x01, 0x02, 0x03, 0x09, 0x0a, 0x0d, 0x0e, 0x11, 0x12, 0x13:
		return layoutBasic
	case 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0f, 0x10:
		return layoutObject
	}
	return layoutRaw
}

// IsObject reports whether the ACE is of an object type (with GUIDs).
func (a ACE) IsObject() bool { return layoutOf(a.Type) == layoutObject }

// ParseSecurityDescriptor decodes a self-relative security descriptor.
func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	if len(b) < 20 {
		return nil, fmt.Errorf("ad: security descriptor of %d bytes, the header alone is 20", len(b))
	}
	sd := &SecurityDescriptor{Revision: b[0], Sbz1: b[1], Control: binary.LittleEndian.Uint16(b[2:])}
	if sd.Revision != 1 {
		return nil, fmt.Errorf("ad: security descriptor revision %d, want 1", sd.Revision)
	}
	type at struct {
		part sdPart
		off  uint32
	}
	var parts []at
	for i, p := range []sdPart{partOwner, partGroup, partSACL, partDACL} {
		off := binary.LittleEndian.Uint32(b[4+4*i:])
		if off == 0 {
			continue
		}
		if off < 20 || off >= uint32(len(b)) {
			return nil, fmt.Errorf("ad: security descriptor: offset %d of the %s is outside 20..%d", off, partName(p), len(b)-1)
		}
		parts = append(parts, at{p, off})
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].off < parts[j].off })
	for _, p := range parts {
		sd.order = append(sd.order, p.part)
		rest := b[p.off:]
		var err error
		switch p.part {
		case partOwner, partGroup:
			var sid SID
			sid, _, err = readSID(rest)
			if p.part == partOwner {
				sd.Owner = &sid
			} else {
				sd.Group = &sid
			}
		case partSACL:
			sd.SACL, err = parseACL(rest)
		case partDACL:
			sd.DACL, err = parseACL(rest)
		}
		if err != nil {
			return nil, fmt.Errorf("ad: security descriptor %s: %w", partName(p.part), err)
		}
	}
	return sd, nil
}

func partName(p sdPart) string {
	return [...]string{"owner", "group", "SACL", "DACL"}[p]
}

func parseACL(b []byte) (*ACL, error) {
	if len(b) < 8 {
		return nil, errors.New("truncated ACL header")
	}
	size := int(binary.LittleEndian.Uint16(b[2:]))
	count := int(binary.LittleEndian.Uint16(b[4:]))
	if size < 8 || size > len(b) {
		return nil, fmt.Errorf("ACL size %d outside 8..%d", size, len(b))
	}
	acl := &ACL{Revision: b[0]}
	off := 8
	for i := range count {
		if off+4 > size {
			return nil, fmt.Errorf("ACE %d of %d starts beyond the ACL's %d bytes", i, count, size)
		}
		aceSize := int(binary.LittleEndian.Uint16(b[off+2:]))
		if aceSize < 4 || off+aceSize > size {
			return nil, fmt.Errorf("ACE %d: size %d does not fit the ACL", i, aceSize)
		}
		ace, err := parseACE(b[off : off+aceSize])
		if err != nil {
			return nil, fmt.Errorf("ACE %d: %w", i, err)
		}
		acl.ACEs = append(acl.ACEs, ace)
		off += aceSize
	}
	return acl, nil
}

func parseACE(b []byte) (ACE, error) {
	a := ACE{Type: b[0], Flags: b[1]}
	body := b[4:]
	layout := layoutOf(a.Type)
	if layout == layoutRaw {
		a.Raw = append([]byte{}, body...)
		return a, nil
	}
	if len(body) < 4 {
		return a, errors.New("truncated access mask")
	}
	a.Mask = binary.LittleEndian.Uint32(body)
	body = body[4:]
	if layout == layoutObject {
		if len(body) < 4 {
			return a, errors.New("truncated object flags")
		}
		a.ObjectFlags = binary.LittleEndian.Uint32(body)
		body = body[4:]
		for _, g := range []struct {
			bit uint32
			dst *GUID
		}{{ACEObjectTypePresent, &a.ObjectType}, {ACEInheritedObjectTypePresent, &a.InheritedObjectType}} {
			if a.ObjectFlags&g.bit == 0 {
				continue
			}
			if len(body) < 16 {
				return a, errors.New("truncated object GUID")
			}
			copy(g.dst[:], body)
			body = body[16:]
		}
	}
	sid, n, err := readSID(body)
	if err != nil {
		return a, fmt.Errorf("trustee: %w", err)
	}
	a.SID = sid
	if len(body) > n {
		a.ApplicationData = append([]byte{}, body[n:]...)
	}
	return a, nil
}

// Marshal encodes the descriptor in self-relative form. It fails on an
// object ACE whose GUID is set without its ObjectFlags bit (it would be
// silently dropped, widening the ACE), and on sizes over 64 KiB.
func (sd *SecurityDescriptor) Marshal() ([]byte, error) {
	order := sd.order
	if order == nil {
		order = []sdPart{partSACL, partDACL, partOwner, partGroup}
	}
	b := make([]byte, 20, 256)
	b[0], b[1] = sd.Revision, sd.Sbz1
	binary.LittleEndian.PutUint16(b[2:], sd.Control)
	seen := map[sdPart]bool{}
	write := func(p sdPart) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		start := uint32(len(b))
		var err error
		switch p {
		case partOwner:
			if sd.Owner == nil {
				return nil
			}
			b = sd.Owner.appendTo(b)
		case partGroup:
			if sd.Group == nil {
				return nil
			}
			b = sd.Group.appendTo(b)
		case partSACL:
			if sd.SACL == nil {
				return nil
			}
			b, err = sd.SACL.appendTo(b)
		case partDACL:
			if sd.DACL == nil {
				return nil
			}
			b, err = sd.DACL.appendTo(b)
		}
		if err != nil {
			return fmt.Errorf("ad: security descriptor %s: %w", partName(p), err)
		}
		binary.LittleEndian.PutUint32(b[4+4*int(p):], start)
		return nil
	}
	for _, p := range append(append([]sdPart{}, order...), partSACL, partDACL, partOwner, partGroup) {
		if err := write(p); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (acl *ACL) appendTo(b []byte) ([]byte, error) {
	start := len(b)
	if len(acl.ACEs) > 0xffff {
		return nil, fmt.Errorf("%d ACEs, at most 65535", len(acl.ACEs))
	}
	b = append(b, acl.Revision, 0, 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint16(b[start+4:], uint16(len(acl.ACEs)))
	for i, a := range acl.ACEs {
		var err error
		if b, err = a.appendTo(b); err != nil {
			return nil, fmt.Errorf("ACE %d: %w", i, err)
		}
	}
	size := len(b) - start
	if size > 0xffff {
		return nil, fmt.Errorf("ACL of %d bytes, at most 65535", size)
	}
	binary.LittleEndian.PutUint16(b[start+2:], uint16(size))
	return b, nil
}

func (a ACE) appendTo(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, a.Type, a.Flags, 0, 0)
	switch layoutOf(a.Type) {
	case layoutRaw:
		b = append(b, a.Raw...)
	case layoutBasic, layoutObject:
		b = binary.LittleEndian.AppendUint32(b, a.Mask)
		if a.IsObject() {
			if a.ObjectFlags&ACEObjectTypePresent == 0 && !a.ObjectType.IsZero() {
				return nil, errors.New("ObjectType is set but ObjectFlags lacks ACE_OBJECT_TYPE_PRESENT: it would be dropped")
			}
			if a.ObjectFlags&ACEInheritedObjectTypePresent == 0 && !a.InheritedObjectType.IsZero() {
				return nil, errors.New("InheritedObjectType is set but ObjectFlags lacks ACE_INHERITED_OBJECT_TYPE_PRESENT: it would be dropped")
			}
			b = binary.LittleEndian.AppendUint32(b, a.ObjectFlags)
			if a.ObjectFlags&ACEObjectTypePresent != 0 {
				b = append(b, a.ObjectType[:]...)
			}
			if a.ObjectFlags&ACEInheritedObjectTypePresent != 0 {
				b = append(b, a.InheritedObjectType[:]...)
			}
		}
		b = a.SID.appendTo(b)
		b = append(b, a.ApplicationData...)
	}
	size := len(b) - start
	if size > 0xffff {
		return nil, fmt.Errorf("ACE of %d bytes, at most 65535", size)
	}
	binary.LittleEndian.PutUint16(b[start+2:], uint16(size))
	return b, nil
}
