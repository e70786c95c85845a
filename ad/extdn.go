package ad

import "github.com/go-ldap/ldap/v3"

// Object reads send extendedDNString (the extended-DN control,
// 1.2.840.113556.1.4.529), so DN values (member, manager) come with the
// objectGUID they point to: a reference stays right when the object it
// names is renamed or moved while a sync reads the directory. The control
// is not critical: a DC without it answers with plain DNs, and the objects
// then carry no member or manager GUIDs. Samba supports it.

// splitRef splits a DN value read with the extended-DN control,
// "<GUID=…>;<SID=…>;CN=…", into the DN and the GUID; a plain DN comes back
// as it is, with a zero GUID.
func splitRef(v string) (dn string, guid GUID) {
	x := parseExtendedDN(v)
	if x.guid != "" {
		guid, _ = ParseGUID(x.guid) // a malformed one stays zero: the DN still names the object
	}
	return x.dn, guid
}

// plainDN strips the extended components from the entry's own DN (the
// control extends it too), so the entry can be named again in a request.
func plainDN(e *ldap.Entry) *ldap.Entry {
	e.DN = parseExtendedDN(e.DN).dn
	return e
}
