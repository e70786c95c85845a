package memdc

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"strings"
)

// Well-known RIDs of a domain (MS-DTYP §2.4.2.4).
const (
	ridAdministrator    = 500
	ridGuest            = 501
	ridKrbtgt           = 502
	ridDomainAdmins     = 512
	ridDomainUsers      = 513
	ridDomainGuests     = 514
	ridDomainComputers  = 515
	ridDomainDCs        = 516
	ridCertPublishers   = 517
	ridSchemaAdmins     = 518
	ridEnterpriseAdmins = 519
	ridGPCreatorOwners  = 520
	ridRODCs            = 521
	ridProtectedUsers   = 525
	ridKeyAdmins        = 526
	ridEntKeyAdmins     = 527
	ridRASServers       = 553
	ridAllowedRODCPRG   = 571
	ridDeniedRODCPRG    = 572
	ridFirstDC          = 1000
)

// Group types as AD stores them (signed 32-bit).
const (
	gtGlobalSecurity      = "-2147483646"
	gtDomainLocalSecurity = "-2147483644"
	gtUniversalSecurity   = "-2147483640"
	gtBuiltinSecurity     = "-2147483643"
	gtUniversalDist       = "8"
	gtGlobalDist          = "2"
)

// neverExpires is accountExpires for an account that never expires.
const neverExpires = "9223372036854775807"

// buildForest creates what a freshly promoted DC of a one-domain forest holds:
// the three naming contexts, the well-known containers, accounts and groups,
// the partitions and sites of the configuration, and the schema objects the
// other objects point at. The caller owns s exclusively.
func (s *Server) buildForest() {
	d := s.dir
	d.usn = 12000 // a fresh AD forest starts above 12,000; clients must not assume 0
	var sub [3]uint32
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range sub {
		sub[i] = binary.LittleEndian.Uint32(b[4*i:]) | 0x10000000
	}
	d.domainSID = mustSID("S-1-5-21-" + strconv.FormatUint(uint64(sub[0]), 10) + "-" +
		strconv.FormatUint(uint64(sub[1]), 10) + "-" + strconv.FormatUint(uint64(sub[2]), 10))
	rid := func(r uint32) string { return string(d.domainSID.withRID(r)) }
	da, ea, sa := d.domainSID.withRID(ridDomainAdmins), d.domainSID.withRID(ridEnterpriseAdmins), d.domainSID.withRID(ridSchemaAdmins)
	dcs := d.domainSID.withRID(ridDomainDCs)
	configDN := "CN=Configuration," + s.baseDN
	schemaDN := "CN=Schema," + configDN
	ntdsDN := "CN=NTDS Settings,CN=" + strings.ToUpper(s.host) + ",CN=Servers,CN=Default-First-Site-Name,CN=Sites," + configDN
	forGeneric := func(mask uint32, who sid) ace { return newACE(true, aceFlagContainerInherit, mask, who, nil, nil) }
	right := func(who sid, g guid) ace { return newACE(true, 0, rightControlAccess, who, &g, nil) }

	// The domain naming context.
	dom := s.skel(nil, s.baseDN, "domainDNS",
		"objectSid", string(d.domainSID), "instanceType", "5", "isCriticalSystemObject", "TRUE",
		"systemFlags", "-1946157056", "msDS-Behavior-Version", "7", "minPwdLength", "7", "pwdProperties", "1",
		"lockoutThreshold", "0", "maxPwdAge", "-36288000000000", "fSMORoleOwner", ntdsDN)
	d.domain = dom
	dom.sd = sdWith(sidAdministrators, sidAdministrators,
		forGeneric(rightGenericAll, da), forGeneric(rightGenericAll, ea), forGeneric(rightGenericAll, sidAdministrators),
		forGeneric(rightGenericAll, sidSystem), forGeneric(rightGenericRead, sidAuthenticated),
		right(sidAdministrators, rightGetChangesGUID), right(sidAdministrators, rightGetChangesAllGUID),
		right(sidEnterpriseDCs, rightGetChangesGUID), right(dcs, rightGetChangesAllGUID),
		newACE(true, aceFlagContainerInherit|aceFlagInheritOnly, rightControlAccess, sidEveryone, &rightChangePasswordGUID, &classUserGUID),
		newACE(true, aceFlagContainerInherit|aceFlagInheritOnly, rightWriteProperty, sidSelf, &propSetPersonalInfoGUID, &classUserGUID))

	crit := func(e *entry) *entry {
		e.attrs["iscriticalsystemobject"] = []string{"TRUE"}
		return e
	}
	users := crit(s.skel(dom, "CN=Users", "container", "description", "Default container for upgraded user accounts", "systemFlags", "-1946157056"))
	crit(s.skel(dom, "CN=Computers", "container", "description", "Default container for upgraded computer accounts", "systemFlags", "-1946157056"))
	dcOU := crit(s.skel(dom, "OU=Domain Controllers", "organizationalUnit", "description", "Default container for domain controllers", "systemFlags", "-1946157056"))
	system := crit(s.skel(dom, "CN=System", "container", "description", "Builtin system settings", "showInAdvancedViewOnly", "TRUE", "systemFlags", "-1946157056"))
	crit(s.skel(system, "CN=AdminSDHolder", "container", "showInAdvancedViewOnly", "TRUE", "systemFlags", "-1946157056"))
	crit(s.skel(dom, "CN=ForeignSecurityPrincipals", "container", "description", "Default container for security identifiers (SIDs) associated with objects from external, trusted domains", "systemFlags", "-1946157056"))
	s.skel(dom, "CN=Managed Service Accounts", "container", "description", "Default container for managed service accounts")
	s.skel(dom, "CN=Program Data", "container", "description", "Default location for storage of application data.")
	del := crit(s.skel(dom, "CN=Deleted Objects", "container", "showInAdvancedViewOnly", "TRUE", "systemFlags", "-1946157056"))
	del.deleted = true
	d.deletedObjects = del
	builtin := crit(s.skel(dom, "CN=Builtin", "builtinDomain", "objectSid", string(sidBuiltinDomain), "systemFlags", "-1946157056"))

	// Accounts and groups of a new domain (MS-SAMR §3.1.4.1, "well-known
	// accounts").
	account := func(parent *entry, cn string, r uint32, uac string, kv ...string) *entry {
		kv = append([]string{"objectSid", rid(r), "sAMAccountName", cn, "userAccountControl", uac,
			"primaryGroupID", strconv.Itoa(ridDomainUsers), "accountExpires", neverExpires, "pwdLastSet", "0",
			"badPwdCount", "0", "logonCount", "0", "codePage", "0", "countryCode", "0", "sAMAccountType", "805306368"}, kv...)
		return crit(s.skel(parent, "CN="+cn, "user", kv...))
	}
	admin := account(users, "Administrator", ridAdministrator, "66048", "adminCount", "1",
		"description", "Built-in account for administering the computer/domain")
	admin.setPassword(s.pass)
	admin.attrs["pwdlastset"] = []string{strconv.FormatInt(fileTime(d.now()), 10)}
	s.adm = admin
	account(users, "Guest", ridGuest, "66082", "description", "Built-in account for guest access to the computer/domain",
		"primaryGroupID", strconv.Itoa(ridDomainGuests))
	account(users, "krbtgt", ridKrbtgt, "514", "adminCount", "1", "showInAdvancedViewOnly", "TRUE",
		"description", "Key Distribution Center Service Account", "servicePrincipalName", "kadmin/changepw")
	group := func(parent *entry, cn string, sidValue string, gt, desc string, members ...*entry) *entry {
		g := crit(s.skel(parent, "CN="+cn, "group", "objectSid", sidValue, "sAMAccountName", cn, "groupType", gt, "description", desc))
		g.attrs["samaccounttype"] = []string{samAccountType(g)}
		for _, m := range members {
			d.addLink(g, schema["member"], m, g.usnCreated)
		}
		return g
	}
	domainAdmins := group(users, "Domain Admins", rid(ridDomainAdmins), gtGlobalSecurity, "Designated administrators of the domain", admin)
	domainAdmins.attrs["admincount"] = []string{"1"}
	domainUsers := group(users, "Domain Users", rid(ridDomainUsers), gtGlobalSecurity, "All domain users")
	domainGuests := group(users, "Domain Guests", rid(ridDomainGuests), gtGlobalSecurity, "All domain guests")
	group(users, "Domain Computers", rid(ridDomainComputers), gtGlobalSecurity, "All workstations and servers joined to the domain")
	group(users, "Domain Controllers", rid(ridDomainDCs), gtGlobalSecurity, "All domain controllers in the domain")
	group(users, "Cert Publishers", rid(ridCertPublishers), gtDomainLocalSecurity, "Members of this group are permitted to publish certificates to the directory")
	group(users, "Schema Admins", rid(ridSchemaAdmins), gtUniversalSecurity, "Designated administrators of the schema", admin).attrs["admincount"] = []string{"1"}
	enterpriseAdmins := group(users, "Enterprise Admins", rid(ridEnterpriseAdmins), gtUniversalSecurity, "Designated administrators of the enterprise", admin)
	enterpriseAdmins.attrs["admincount"] = []string{"1"}
	group(users, "Group Policy Creator Owners", rid(ridGPCreatorOwners), gtGlobalSecurity, "Members in this group can modify group policy for the domain", admin)
	group(users, "Read-only Domain Controllers", rid(ridRODCs), gtGlobalSecurity, "Members of this group are Read-Only Domain Controllers in the domain")
	group(users, "Protected Users", rid(ridProtectedUsers), gtGlobalSecurity, "Members of this group are afforded additional protections against authentication security threats")
	group(users, "Key Admins", rid(ridKeyAdmins), gtGlobalSecurity, "Members of this group can perform administrative actions on key objects within the domain.")
	group(users, "Enterprise Key Admins", rid(ridEntKeyAdmins), gtUniversalSecurity, "Members of this group can perform administrative actions on key objects within the forest.")
	group(users, "RAS and IAS Servers", rid(ridRASServers), gtDomainLocalSecurity, "Servers in this group can access remote access properties of users")
	group(users, "Allowed RODC Password Replication Group", rid(ridAllowedRODCPRG), gtDomainLocalSecurity, "Members in this group can have their passwords replicated to all read-only domain controllers in the domain")
	group(users, "Denied RODC Password Replication Group", rid(ridDeniedRODCPRG), gtDomainLocalSecurity, "Members in this group cannot have their passwords replicated to any read-only domain controllers in the domain", domainAdmins, enterpriseAdmins)

	builtinGroup := func(cn string, r int, desc string, members ...*entry) {
		group(builtin, cn, string(mustSID("S-1-5-32-"+strconv.Itoa(r))), gtBuiltinSecurity, desc, members...)
	}
	builtinGroup("Administrators", 544, "Administrators have complete and unrestricted access to the computer/domain", admin, enterpriseAdmins, domainAdmins)
	builtinGroup("Users", 545, "Users are prevented from making accidental or intentional system-wide changes and can run most applications", domainUsers)
	builtinGroup("Guests", 546, "Guests have the same access as members of the Users group by default, except for the Guest account which is further restricted", domainGuests)
	builtinGroup("Account Operators", 548, "Members can administer domain user and group accounts")
	builtinGroup("Server Operators", 549, "Members can administer domain servers")
	builtinGroup("Print Operators", 550, "Members can administer printers installed on domain controllers")
	builtinGroup("Backup Operators", 551, "Backup Operators can override security restrictions for the sole purpose of backing up or restoring files")
	builtinGroup("Replicator", 552, "Supports file replication in a domain")
	builtinGroup("Pre-Windows 2000 Compatible Access", 554, "A backward compatibility group which allows read access on all users and groups in the domain")
	builtinGroup("Remote Desktop Users", 555, "Members in this group are granted the right to logon remotely")

	dcAccount := crit(s.skel(dcOU, "CN="+strings.ToUpper(s.host), "computer",
		"objectSid", rid(ridFirstDC), "sAMAccountName", strings.ToUpper(s.host)+"$", "userAccountControl", "532480",
		"primaryGroupID", strconv.Itoa(ridDomainDCs), "dNSHostName", s.FQDN(), "accountExpires", neverExpires,
		"operatingSystem", "Windows Server 2022 Datacenter", "operatingSystemVersion", "10.0 (20348)",
		"sAMAccountType", "805306369", "servicePrincipalName", "ldap/"+s.FQDN()))

	// The configuration naming context.
	cfg := s.skel(dom, "CN=Configuration", "configuration", "instanceType", "13")
	cfg.nc = cfg
	d.config = cfg
	cfg.sd = sdWith(ea, ea, forGeneric(rightGenericAll, ea), forGeneric(rightGenericAll, sidSystem),
		forGeneric(rightGenericRead, sidAuthenticated), right(sidAdministrators, rightGetChangesGUID), right(sidEnterpriseDCs, rightGetChangesGUID))
	partitions := crit(s.skel(cfg, "CN=Partitions", "crossRefContainer", "systemFlags", "-2147483648",
		"msDS-Behavior-Version", "7", "fSMORoleOwner", ntdsDN, "showInAdvancedViewOnly", "TRUE"))
	s.skel(partitions, "CN="+s.netbio, "crossRef", "nCName", s.baseDN, "dnsRoot", s.realm, "nETBIOSName", s.netbio, "systemFlags", "3")
	s.skel(partitions, "CN=Enterprise Configuration", "crossRef", "nCName", configDN, "dnsRoot", s.realm, "systemFlags", "1")
	s.skel(partitions, "CN=Enterprise Schema", "crossRef", "nCName", schemaDN, "dnsRoot", s.realm, "systemFlags", "1")
	sites := s.skel(cfg, "CN=Sites", "sitesContainer")
	site := s.skel(sites, "CN=Default-First-Site-Name", "site")
	servers := s.skel(site, "CN=Servers", "serversContainer")
	srv := s.skel(servers, "CN="+strings.ToUpper(s.host), "server", "dNSHostName", s.FQDN(), "serverReference", dcAccount.dn.String())
	s.skel(srv, "CN=NTDS Settings", "nTDSDSA", "invocationId", string(d.invocationID[:]), "options", "1",
		"msDS-Behavior-Version", "7", "showInAdvancedViewOnly", "TRUE")
	rights := s.skel(cfg, "CN=Extended-Rights", "container")
	for _, r := range []struct {
		cn string
		g  guid
	}{
		{"DS-Replication-Get-Changes", rightGetChangesGUID},
		{"DS-Replication-Get-Changes-All", rightGetChangesAllGUID},
		{"User-Force-Change-Password", rightResetPasswordGUID},
		{"User-Change-Password", rightChangePasswordGUID},
		{"Personal-Information", propSetPersonalInfoGUID},
		{"Public-Information", propSetPublicInfoGUID},
	} {
		s.skel(rights, "CN="+r.cn, "controlAccessRight", "rightsGuid", r.g.String(), "displayName", r.cn)
	}

	// The schema naming context: one classSchema per category and class,
	// one attributeSchema per attribute memdc knows.
	sch := s.skel(cfg, "CN=Schema", "dMD", "instanceType", "13", "fSMORoleOwner", ntdsDN)
	sch.nc = sch
	d.schemaNC = sch
	sch.sd = sdWith(sa, sa, forGeneric(rightGenericAll, sa), forGeneric(rightGenericAll, sidSystem), forGeneric(rightGenericRead, sidAuthenticated))
	s.skel(sch, "CN=Aggregate", "subSchema")
	seen := map[string]bool{}
	for _, name := range sortedKeys(classes) {
		c := classes[name]
		for _, cn := range []string{c.category, classCN(c)} {
			if seen[strings.ToLower(cn)] {
				continue
			}
			seen[strings.ToLower(cn)] = true
			kv := []string{"lDAPDisplayName", ldapNameForClassCN(cn, c), "defaultObjectCategory", s.categoryDN(c.category)}
			if strings.EqualFold(cn, classCN(c)) && c.schemaID != nil {
				kv = append(kv, "schemaIDGUID", string(c.schemaID[:]))
			}
			s.skel(sch, "CN="+cn, "classSchema", kv...)
		}
	}
	for _, def := range schemaOrder {
		if def.is(flagExchange) && s.opts.WithoutExchangeSchema {
			continue
		}
		kv := []string{"lDAPDisplayName", def.name, "attributeSyntax", def.syntax.oid(),
			"isSingleValued", strings.ToUpper(strconv.FormatBool(def.is(flagSingle)))}
		if def.schemaID != nil {
			kv = append(kv, "schemaIDGUID", string(def.schemaID[:]))
		}
		if def.oid != "" {
			kv = append(kv, "attributeID", def.oid)
		}
		s.skel(sch, "CN="+def.cn(), "attributeSchema", kv...)
	}
}

// skel adds a built-in object below parent (nil for a naming context whose
// parent is not held). rdn is "CN=x" or, without a parent, the whole DN; kv
// holds attribute name and value pairs, a name repeated for more values.
func (s *Server) skel(parent *entry, rdn, class string, kv ...string) *entry {
	d := s.dir
	c := classes[strings.ToLower(class)]
	var name dn
	if parent == nil {
		name = mustDN(rdn)
	} else {
		r := mustDN(rdn)
		name = parent.dn.child(r[0].attr, r[0].value)
	}
	e := &entry{dn: name, guid: newGUID(), class: c, attrs: map[string][]string{}}
	e.attrs["objectclass"] = append([]string(nil), c.chain...)
	e.attrs["objectcategory"] = []string{s.categoryDN(c.category)}
	e.attrs["instancetype"] = []string{"4"}
	for i := 0; i+1 < len(kv); i += 2 {
		k := strings.ToLower(kv[i])
		if k == "instancetype" {
			e.attrs[k] = nil
		}
		e.attrs[k] = append(e.attrs[k], kv[i+1])
	}
	if parent == nil {
		e.nc = e
	}
	if c.rdnAttr == "cn" || c.rdnAttr == "ou" || c.rdnAttr == "dc" {
		// The RDN attribute is derived from the DN; never store it.
		delete(e.attrs, c.rdnAttr)
	}
	owner := d.domainSID.withRID(ridDomainAdmins)
	e.sd = sdWith(owner, owner)
	d.insert(e, parent, d.nextUSN())
	return e
}

// categoryDN is the DN of a defaultObjectCategory in the schema NC.
func (s *Server) categoryDN(cn string) string {
	return "CN=" + cn + ",CN=Schema,CN=Configuration," + s.baseDN
}

// ntdsSettings returns the DC's nTDSDSA object, which holds invocationId.
func (s *Server) ntdsSettings() *entry {
	return s.dir.lookup(mustDN("CN=NTDS Settings,CN=" + strings.ToUpper(s.host) +
		",CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration," + s.baseDN))
}

// sdWith builds a descriptor with an owner, a group and explicit ACEs.
func sdWith(owner, group sid, aces ...ace) *securityDescriptor {
	return &securityDescriptor{owner: owner, group: group, dacl: &acl{revision: aclRevisionDS, aces: aces}}
}

// classCN is the cn of a class's classSchema object: its lDAPDisplayName
// with the first letter upper-cased and words hyphenated, as AD names them
// (organizationalUnit is Organizational-Unit).
func classCN(c *classDef) string {
	var b strings.Builder
	for i, r := range c.name {
		switch {
		case i == 0:
			b.WriteString(strings.ToUpper(string(r)))
		case r >= 'A' && r <= 'Z' && c.name[i-1] >= 'a' && c.name[i-1] <= 'z':
			b.WriteByte('-')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	switch b.String() {
	case "Inet-Org-Person":
		return "inetOrgPerson"
	case "N-TDSDSA":
		return "NTDS-DSA"
	case "D-MD":
		return "DMD"
	case "Sub-Schema":
		return "SubSchema"
	}
	return b.String()
}

func ldapNameForClassCN(cn string, c *classDef) string {
	if strings.EqualFold(cn, classCN(c)) {
		return c.name
	}
	// A category without a class of its own (Person).
	return strings.ToLower(cn[:1]) + strings.ReplaceAll(cn[1:], "-", "")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
