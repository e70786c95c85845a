package ad

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// objectAttrs are the attributes read for every object: what the sync
// maps (DESIGN.md) and what it needs to decide scope. mailNickname is not
// in every schema; AD and Samba ignore an unknown attribute in the list.
var objectAttrs = []string{
	"objectGUID", "objectSid", "mS-DS-ConsistencyGuid", "sAMAccountName", "userPrincipalName",
	"userAccountControl", "displayName", "givenName", "sn", "mail", "mailNickname", "proxyAddresses",
	"title", "department", "company", "physicalDeliveryOfficeName", "streetAddress", "l", "st",
	"postalCode", "c", "co", "telephoneNumber", "mobile", "employeeID", "manager", "description",
	"isCriticalSystemObject", "groupType", "whenChanged", "uSNChanged", "objectClass", "objectCategory",
	"isDeleted",
}

// decoder turns an entry into an Object, collecting warnings.
type decoder struct {
	e   *ldap.Entry
	obj *Object
}

func (d *decoder) warn(format string, args ...any) {
	d.obj.Warnings = append(d.obj.Warnings, fmt.Sprintf(format, args...))
}

// str returns the first value of attr as text; invalid UTF-8 is replaced
// with U+FFFD and reported.
func (d *decoder) str(attr string) string {
	vs := d.e.GetEqualFoldAttributeValues(attr)
	if len(vs) == 0 {
		return ""
	}
	if len(vs) > 1 {
		d.warn("%s has %d values; the first is used", attr, len(vs))
	}
	return d.text(attr, vs[0])
}

func (d *decoder) strs(attr string) []string {
	vs := d.e.GetEqualFoldAttributeValues(attr)
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = d.text(attr, v)
	}
	return out
}

func (d *decoder) text(attr, v string) string {
	if utf8.ValidString(v) {
		return v
	}
	d.warn("%s is not valid UTF-8; invalid bytes were replaced with U+FFFD", attr)
	return strings.ToValidUTF8(v, "\uFFFD")
}

func (d *decoder) int(attr string, bits int) int64 {
	v := d.str(attr)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		d.warn("%s %q is not a %d-bit integer; read as 0", attr, v, bits)
		return 0
	}
	return n
}

// decodeObject converts an entry read with objectAttrs.
func decodeObject(e *ldap.Entry) Object {
	o := Object{DN: parseExtendedDN(e.DN).dn}
	d := &decoder{e: e, obj: &o}
	if raw := e.GetEqualFoldRawAttributeValue("objectGUID"); len(raw) > 0 {
		if g, err := GUIDFromBytes(raw); err == nil {
			o.GUID = g
		} else {
			d.warn("objectGUID has %d bytes, want 16; left empty", len(raw))
		}
	}
	if raw := e.GetEqualFoldRawAttributeValue("objectSid"); len(raw) > 0 {
		if s, err := SIDFromBytes(raw); err == nil {
			o.SID = s
		} else {
			d.warn("objectSid is malformed (%v); left empty", err)
		}
	}
	if raw := e.GetEqualFoldRawAttributeValue("mS-DS-ConsistencyGuid"); len(raw) > 0 {
		o.ConsistencyGUID = slices.Clone(raw)
	}
	o.SAMAccountName = d.str("sAMAccountName")
	o.UserPrincipalName = d.str("userPrincipalName")
	if uac := d.int("userAccountControl", 64); uac >= 0 && uac <= 0xffffffff {
		o.UserAccountControl = uint32(uac)
	}
	o.DisplayName = d.str("displayName")
	o.GivenName = d.str("givenName")
	o.Surname = d.str("sn")
	o.Mail = d.str("mail")
	o.MailNickname = d.str("mailNickname")
	o.ProxyAddresses = d.strs("proxyAddresses")
	o.Title = d.str("title")
	o.Department = d.str("department")
	o.Company = d.str("company")
	o.Office = d.str("physicalDeliveryOfficeName")
	o.StreetAddress = d.str("streetAddress")
	o.City = d.str("l")
	o.State = d.str("st")
	o.PostalCode = d.str("postalCode")
	o.Country = d.str("c")
	o.CountryName = d.str("co")
	o.TelephoneNumber = d.str("telephoneNumber")
	o.Mobile = d.str("mobile")
	o.EmployeeID = d.str("employeeID")
	o.Manager, o.ManagerGUID = splitRef(d.str("manager"))
	o.Description = d.str("description")
	o.CriticalSystemObject = strings.EqualFold(d.str("isCriticalSystemObject"), "TRUE")
	o.Deleted = strings.EqualFold(d.str("isDeleted"), "TRUE")
	o.GroupType = int32(d.int("groupType", 32))
	o.ObjectClass = d.strs("objectClass")
	o.ObjectCategory = parseExtendedDN(d.str("objectCategory")).dn // a DN value, extended by the control too
	o.USNChanged = d.int("uSNChanged", 64)
	if v := d.str("whenChanged"); v != "" {
		t, err := parseGeneralizedTime(v)
		if err != nil {
			d.warn("whenChanged %q is not a generalized time; left empty", v)
		}
		o.WhenChanged = t
	}
	o.Kind = kindOf(o.ObjectClass, o.ObjectCategory)
	return o
}

// kindOf tells users, groups and contacts apart by their object classes.
func kindOf(classes []string, category string) Kind {
	has := func(c string) bool {
		return slices.ContainsFunc(classes, func(v string) bool { return strings.EqualFold(v, c) })
	}
	switch {
	case has("group"):
		return KindGroup
	case has("contact"):
		return KindContact
	case has("computer"):
		return KindUnknown
	case has("user"):
		if category != "" && !strings.HasPrefix(strings.ToUpper(category), "CN=PERSON,") {
			return KindUnknown
		}
		return KindUser
	}
	return KindUnknown
}

// parseGeneralizedTime parses AD's form of GeneralizedTime,
// YYYYMMDDHHMMSS.0Z.
func parseGeneralizedTime(v string) (time.Time, error) {
	main, _, _ := strings.Cut(strings.TrimSuffix(v, "Z"), ".")
	return time.ParseInLocation("20060102150405", main, time.UTC)
}
