package sync

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Kind is what an object is, on either side.
type Kind uint8

// The kinds of objects. A Source reports every kind it reads; only users
// and security groups are created in Entra, contacts and mail-enabled
// distribution groups are counted as not creatable through Graph.
const (
	KindUnknown Kind = iota
	KindUser         // objectCategory person, objectClass user or inetOrgPerson
	KindGroup        // objectClass group
	KindContact      // objectClass contact
	KindOther        // computers, managed service accounts, ...: ignored
)

var kindNames = [...]string{"unknown", "user", "group", "contact", "other"}

// String returns "user", "group", "contact", "other" or "unknown".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if string(b) == n {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("sync: unknown object kind %q", b)
}

// GUID is an AD objectGUID: 16 bytes in the order AD stores them (the
// first three fields little-endian, as Windows writes GUIDs).
type GUID [16]byte

// ParseGUID reads the canonical form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func ParseGUID(s string) (GUID, error) {
	var g GUID
	h := strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 || len(s) < 32 {
		return g, fmt.Errorf("sync: %q is not a GUID", s)
	}
	binary.LittleEndian.PutUint32(g[0:], binary.BigEndian.Uint32(b[0:]))
	binary.LittleEndian.PutUint16(g[4:], binary.BigEndian.Uint16(b[4:]))
	binary.LittleEndian.PutUint16(g[6:], binary.BigEndian.Uint16(b[6:]))
	copy(g[8:], b[8:])
	return g, nil
}

// MustParseGUID is ParseGUID for constants; it panics on a bad GUID.
func MustParseGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// String returns the canonical form, as AD tools show objectGUID.
func (g GUID) String() string {
	// The first three fields are little-endian: reverse their bytes.
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	var b [36]byte
	j := 0
	for i, k := range order {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		hex.Encode(b[j:j+2], g[k:k+1])
		j += 2
	}
	return string(b[:])
}

// IsZero reports whether g is all zero (unknown).
func (g GUID) IsZero() bool { return g == GUID{} }

// MarshalText writes the canonical form.
func (g GUID) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText reads the canonical form.
func (g *GUID) UnmarshalText(b []byte) error {
	v, err := ParseGUID(string(b))
	*g = v
	return err
}

// Ref points from one source object to another (manager, member): by
// objectGUID when the source knows it (AD's extended-DN control gives it),
// and by DN. A source should fill both whenever it can: incremental member
// removals are matched on GUID when both sides have one, else on DN. The
// engine resolves references to anchors.
type Ref struct {
	GUID GUID   `json:"guid,omitzero"`
	DN   string `json:"dn,omitempty"`
}

// IsZero reports whether the reference is empty (no manager).
func (r Ref) IsZero() bool { return r.GUID.IsZero() && r.DN == "" }

// SourceObject is one directory object as a [Source] reads it, in sync's
// terms. Attributes are AD's, unprocessed: mapping cleans, checks and
// converts them. String values should be UTF-8 (mapping repairs them when
// they are not); absent attributes are empty.
type SourceObject struct {
	// GUID is objectGUID: the object's identity, never empty.
	GUID GUID `json:"guid"`
	// DN is the object's distinguished name, as the source returned it.
	DN string `json:"dn"`
	// Kind is from objectCategory/objectClass.
	Kind Kind `json:"kind"`
	// Deleted, in a delta import, says the object was deleted (or is no
	// longer visible); only GUID (and DN when known) need be set.
	Deleted bool `json:"deleted,omitempty"`
	// CriticalSystemObject is AD's isCriticalSystemObject.
	CriticalSystemObject bool `json:"critical,omitempty"`

	// ConsistencyGUID is ms-DS-ConsistencyGuid, raw bytes, when set.
	ConsistencyGUID []byte `json:"consistencyGuid,omitempty"`
	SAMAccountName  string `json:"sAMAccountName,omitempty"`
	// UserPrincipalName is AD's userPrincipalName, possibly empty.
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	// MailNickname is Exchange's mailNickname, absent without the Exchange schema.
	MailNickname string `json:"mailNickname,omitempty"`
	Mail         string `json:"mail,omitempty"`
	// ProxyAddresses holds "SMTP:primary@x", "smtp:secondary@x", "X500:...".
	ProxyAddresses  []string `json:"proxyAddresses,omitempty"`
	DisplayName     string   `json:"displayName,omitempty"`
	GivenName       string   `json:"givenName,omitempty"`
	Surname         string   `json:"sn,omitempty"`
	Title           string   `json:"title,omitempty"`
	Department      string   `json:"department,omitempty"`
	Company         string   `json:"company,omitempty"`
	Office          string   `json:"physicalDeliveryOfficeName,omitempty"`
	StreetAddress   string   `json:"streetAddress,omitempty"`
	City            string   `json:"l,omitempty"`
	State           string   `json:"st,omitempty"`
	PostalCode      string   `json:"postalCode,omitempty"`
	Country         string   `json:"co,omitempty"` // country name
	CountryCode     string   `json:"c,omitempty"`  // ISO 3166 two-letter code
	TelephoneNumber string   `json:"telephoneNumber,omitempty"`
	Mobile          string   `json:"mobile,omitempty"`
	EmployeeID      string   `json:"employeeID,omitempty"`
	Description     string   `json:"description,omitempty"`
	// UserAccountControl is AD's flag word; bit 0x2 is ACCOUNTDISABLE.
	UserAccountControl uint32 `json:"userAccountControl,omitempty"`
	// GroupType is AD's groupType; bit 0x80000000 marks a security group.
	GroupType uint32 `json:"groupType,omitempty"`

	// Manager is the user's manager, zero when none.
	Manager Ref `json:"manager,omitzero"`
	// Members are a group's members. When MembersIncremental is set (a
	// delta import with DirSync's incremental values) Members holds only
	// the members added since the cursor and MembersRemoved those removed;
	// otherwise Members is the complete list.
	Members            []Ref `json:"members,omitempty"`
	MembersIncremental bool  `json:"membersIncremental,omitempty"`
	MembersRemoved     []Ref `json:"membersRemoved,omitempty"`
}

// AD flag bits the mapping reads.
const (
	uacAccountDisable = 0x2        // userAccountControl ACCOUNTDISABLE
	groupTypeSecurity = 0x80000000 // groupType: security group
)

// Name returns the best short name for messages: the UPN, else the
// sAMAccountName, else the DN.
func (o *SourceObject) Name() string {
	switch {
	case o.UserPrincipalName != "":
		return o.UserPrincipalName
	case o.SAMAccountName != "":
		return o.SAMAccountName
	case o.DN != "":
		return o.DN
	}
	return o.GUID.String()
}

// anchorOf computes the sourceAnchor: base64 of ms-DS-ConsistencyGuid when
// mode is AnchorConsistencyGUID and the object has one, else of objectGUID
// (https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts).
func anchorOf(o *SourceObject, mode string) string {
	if mode == AnchorConsistencyGUID && len(o.ConsistencyGUID) > 0 {
		return base64.StdEncoding.EncodeToString(o.ConsistencyGUID)
	}
	return base64.StdEncoding.EncodeToString(o.GUID[:])
}

// hash returns a digest of the object's content, to notice when a stored
// snapshot is unchanged.
func (o *SourceObject) hash() string {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		io.WriteString(h, s)
	}
	refs := func(rs []Ref) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(rs)))
		h.Write(n[:])
		for _, r := range rs {
			h.Write(r.GUID[:])
			str(r.DN)
		}
	}
	h.Write(o.GUID[:])
	flags := []byte{byte(o.Kind), b2i(o.Deleted), b2i(o.CriticalSystemObject), b2i(o.MembersIncremental)}
	h.Write(flags)
	binary.LittleEndian.PutUint32(n[:4], o.UserAccountControl)
	binary.LittleEndian.PutUint32(n[4:], o.GroupType)
	h.Write(n[:])
	str(string(o.ConsistencyGUID))
	for _, s := range []string{o.DN, o.SAMAccountName, o.UserPrincipalName, o.MailNickname, o.Mail,
		o.DisplayName, o.GivenName, o.Surname, o.Title, o.Department, o.Company, o.Office, o.StreetAddress,
		o.City, o.State, o.PostalCode, o.Country, o.CountryCode, o.TelephoneNumber, o.Mobile, o.EmployeeID, o.Description} {
		str(s)
	}
	binary.LittleEndian.PutUint64(n[:], uint64(len(o.ProxyAddresses)))
	h.Write(n[:])
	for _, p := range o.ProxyAddresses {
		str(p)
	}
	refs([]Ref{o.Manager})
	refs(o.Members)
	refs(o.MembersRemoved)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}
