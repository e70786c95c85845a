package ad

import (
	"time"
)

// Kind is the kind of a directory object the package reads.
type Kind int

// Kinds of objects.
const (
	KindUnknown Kind = iota
	KindUser         // objectCategory person, objectClass user (not computers)
	KindGroup        // objectClass group
	KindContact      // objectCategory person, objectClass contact
)

// String returns "user", "group", "contact" or "unknown".
func (k Kind) String() string {
	switch k {
	case KindUser:
		return "user"
	case KindGroup:
		return "group"
	case KindContact:
		return "contact"
	}
	return "unknown"
}

// userAccountControl flags (MS-ADTS §2.2.16).
const (
	UACAccountDisable     = 0x0002
	UACNormalAccount      = 0x0200
	UACDontExpirePassword = 0x10000
)

// groupTypeSecurity is the security-enabled bit of groupType.
const groupTypeSecurity = 0x80000000

// Object is a user, group or contact as read from AD. Attributes the
// object lacks are empty. Binary values are decoded; values that could not
// be are left empty and described in Warnings.
type Object struct {
	Kind Kind
	DN   string
	GUID GUID // objectGUID: AD's immutable identity
	SID  SID  // objectSid; zero for contacts
	// ConsistencyGUID is mS-DS-ConsistencyGuid as stored (16 bytes when
	// set by Entra Connect or entrasync), nil when absent.
	ConsistencyGUID []byte

	SAMAccountName     string
	UserPrincipalName  string
	UserAccountControl uint32
	DisplayName        string
	GivenName          string
	Surname            string // sn
	Mail               string
	MailNickname       string // only in forests with Exchange's schema
	ProxyAddresses     []string
	Title              string
	Department         string
	Company            string
	Office             string // physicalDeliveryOfficeName
	StreetAddress      string
	City               string // l
	State              string // st
	PostalCode         string
	Country            string // c: ISO 3166 two-letter code
	CountryName        string // co
	TelephoneNumber    string
	Mobile             string
	EmployeeID         string
	Manager            string // DN of the manager
	// ManagerGUID is the manager's objectGUID, zero when the DC did not
	// give it (see the extended-DN control in extdn.go).
	ManagerGUID GUID
	// Description is the first value of description (multi-valued in the
	// schema, single-valued for users and groups through SAM).
	Description string

	CriticalSystemObject bool  // isCriticalSystemObject: built-in accounts and groups
	GroupType            int32 // groupType; 0 for non-groups
	// Members are the DNs in member, all of them: large groups are read
	// with ranged retrieval.
	Members []string
	// MemberGUIDs[i] is the objectGUID of Members[i], zero when the DC did
	// not give it.
	MemberGUIDs []GUID

	ObjectClass    []string
	ObjectCategory string // DN of the schema class, such as CN=Person,CN=Schema,...
	WhenChanged    time.Time
	USNChanged     int64
	Deleted        bool // isDeleted: a tombstone, seen only in deltas

	// Warnings describe values that were malformed and how they were read.
	Warnings []string
}

// Disabled reports whether userAccountControl has ACCOUNTDISABLE.
func (o Object) Disabled() bool { return o.UserAccountControl&UACAccountDisable != 0 }

// SecurityGroup reports whether a group is security-enabled (as opposed to
// a distribution list).
func (o Object) SecurityGroup() bool { return uint32(o.GroupType)&groupTypeSecurity != 0 }
