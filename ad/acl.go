package ad

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// NewObjectACE returns an object ACE of type t (such as
// ACETypeAccessAllowedObject) whose ObjectFlags match the GUIDs given: a
// zero GUID is left out.
func NewObjectACE(t, flags byte, mask uint32, objectType, inheritedObjectType GUID, sid SID) ACE {
	a := ACE{Type: t, Flags: flags, Mask: mask, ObjectType: objectType, InheritedObjectType: inheritedObjectType, SID: sid}
	if !objectType.IsZero() {
		a.ObjectFlags |= ACEObjectTypePresent
	}
	if !inheritedObjectType.IsZero() {
		a.ObjectFlags |= ACEInheritedObjectTypePresent
	}
	return a
}

// Equal reports whether two ACEs grant or deny exactly the same.
func (a ACE) Equal(b ACE) bool {
	return a.Type == b.Type && a.Flags == b.Flags && a.Mask == b.Mask && a.ObjectFlags == b.ObjectFlags &&
		a.ObjectType == b.ObjectType && a.InheritedObjectType == b.InheritedObjectType && a.SID.Equal(b.SID) &&
		bytes.Equal(a.ApplicationData, b.ApplicationData) && bytes.Equal(a.Raw, b.Raw)
}

// String describes the ACE in SDDL's shape, with numbers: (type;flags;mask;
// object type;inherited object type;trustee).
func (a ACE) String() string {
	g := func(x GUID) string {
		if x.IsZero() {
			return ""
		}
		return x.String()
	}
	return fmt.Sprintf("(0x%02x;0x%02x;0x%08x;%s;%s;%s)", a.Type, a.Flags, a.Mask, g(a.ObjectType), g(a.InheritedObjectType), a.SID)
}

// inherited reports whether the ACE came from a parent.
func (a ACE) inherited() bool { return a.Flags&ACEFlagInherited != 0 }

// Add inserts ace in canonical order (explicit deny, explicit allow,
// inherited) unless an equal ACE is there, and reports whether it did. An
// object ACE raises the revision to ACLRevisionDS.
func (acl *ACL) Add(ace ACE) bool {
	for _, x := range acl.ACEs {
		if x.Equal(ace) {
			return false
		}
	}
	if ace.IsObject() && acl.Revision < ACLRevisionDS {
		acl.Revision = ACLRevisionDS
	}
	deny := ace.Type == ACETypeAccessDenied || ace.Type == ACETypeAccessDeniedObject
	pos := len(acl.ACEs)
	for i, x := range acl.ACEs {
		xDeny := x.Type == ACETypeAccessDenied || x.Type == ACETypeAccessDeniedObject
		if x.inherited() || (deny && !xDeny) {
			pos = i
			break
		}
	}
	acl.ACEs = append(acl.ACEs, ACE{})
	copy(acl.ACEs[pos+1:], acl.ACEs[pos:])
	acl.ACEs[pos] = ace
	return true
}

// RemoveSID removes the explicit (not inherited) ACEs of sid and returns
// how many it removed.
func (acl *ACL) RemoveSID(sid SID) int {
	kept := acl.ACEs[:0]
	n := 0
	for _, x := range acl.ACEs {
		if !x.inherited() && x.SID.Equal(sid) {
			n++
			continue
		}
		kept = append(kept, x)
	}
	acl.ACEs = kept
	return n
}

// sdFlagsDACL asks the DC for, or writes, only the DACL of
// nTSecurityDescriptor (SD_FLAGS control, MS-ADTS §3.1.1.3.4.1.11): no
// SeSecurityPrivilege is needed and owner and group are left alone.
func sdFlagsDACL() ldap.Control {
	return &ldap.ControlMicrosoftSDFlags{Criticality: true, ControlValue: 4}
}

// readDACL reads the DACL part of dn's security descriptor.
func (c *Client) readDACL(ctx context.Context, dn string) (*SecurityDescriptor, error) {
	e, err := c.readEntry(ctx, dn, []string{"nTSecurityDescriptor"}, sdFlagsDACL())
	if err != nil {
		return nil, err
	}
	raw := e.GetRawAttributeValue("nTSecurityDescriptor")
	if len(raw) == 0 {
		return nil, fmt.Errorf("ad: read the security descriptor of %s: none returned: %s may not read permissions (READ_CONTROL): %w", dn, c.user, ErrInsufficientRights)
	}
	sd, err := ParseSecurityDescriptor(raw)
	if err != nil {
		return nil, fmt.Errorf("ad: security descriptor of %s: %w", dn, err)
	}
	if sd.DACL == nil {
		return nil, fmt.Errorf("ad: security descriptor of %s has no DACL", dn)
	}
	return sd, nil
}

// writeDACL replaces the DACL of dn with sd's.
func (c *Client) writeDACL(ctx context.Context, dn string, sd *SecurityDescriptor) error {
	b, err := sd.Marshal()
	if err != nil {
		return fmt.Errorf("ad: security descriptor of %s: %w", dn, err)
	}
	m := ldap.NewModifyRequest(dn, []ldap.Control{sdFlagsDACL()})
	m.Replace("nTSecurityDescriptor", []string{string(b)})
	return c.modify(ctx, "change the permissions of", m)
}

// describeACEs lists ACEs for error messages.
func describeACEs(aces []ACE) string {
	s := make([]string, len(aces))
	for i, a := range aces {
		s[i] = a.String()
	}
	return strings.Join(s, " ")
}
