package memdc

import (
	"strconv"
	"strings"
)

// syntax is how an attribute's values compare (MS-ADTS §3.1.1.2.2.2,
// attributeSyntax 2.5.5.x).
type syntax int

const (
	synString syntax = iota // 2.5.5.12 Unicode string: case-insensitive
	synOID                  // 2.5.5.2 OID / class names: case-insensitive
	synDN                   // 2.5.5.1 DN: compared as names
	synInt                  // 2.5.5.9 and 2.5.5.16: signed integers
	synBool                 // 2.5.5.8: TRUE / FALSE
	synTime                 // 2.5.5.11 generalized time
	synBinary               // 2.5.5.10 octet string: byte-exact
	synSID                  // 2.5.5.17 SID: binary, S-1-… accepted in filters
	synSD                   // 2.5.5.15 NT security descriptor
)

// attrFlags describe an attribute's role.
type attrFlags uint16

const (
	flagSingle        attrFlags = 1 << iota // isSingleValued
	flagSystemOnly                          // systemOnly: no client writes
	flagConstructed                         // computed on read, never stored
	flagOperational                         // not returned for "*" (only by name or "+")
	flagBackLink                            // a back link (memberOf): read-only
	flagLink                                // a forward link (member): values are DN references
	flagNoRead                              // never returned (unicodePwd)
	flagPreserve                            // kept on tombstones (searchFlags fPRESERVEONDELETE)
	flagNotReplicated                       // not returned by DirSync
	flagExchange                            // part of the Exchange schema extension
)

// oid is the attributeSyntax of a syntax.
func (s syntax) oid() string {
	switch s {
	case synString:
		return "2.5.5.12"
	case synOID:
		return "2.5.5.2"
	case synDN:
		return "2.5.5.1"
	case synInt:
		return "2.5.5.9"
	case synBool:
		return "2.5.5.8"
	case synTime:
		return "2.5.5.11"
	case synBinary:
		return "2.5.5.10"
	case synSID:
		return "2.5.5.17"
	default:
		return "2.5.5.15"
	}
}

// attrDef is one attributeSchema entry of memdc's schema.
type attrDef struct {
	name     string
	lname    string // name in lower case, the key of stored values
	syntax   syntax
	flags    attrFlags
	backLink string // for a forward link: the back-link attribute
	forward  string // for a back link: the forward-link attribute
	schemaID *guid
	oid      string // attributeID, where memdc knows it
	rangeMax int    // rangeUpper in bytes or characters; 0: none
}

// cn is the name of the attribute's attributeSchema object.
func (a *attrDef) cn() string {
	if c, ok := attrCNs[strings.ToLower(a.name)]; ok {
		return c
	}
	return a.name
}

// attrCNs are the attributeSchema cns that differ from the lDAPDisplayName
// and that clients look up by cn.
var attrCNs = map[string]string{
	"ms-ds-consistencyguid": "ms-DS-Consistency-Guid",
	"userprincipalname":     "User-Principal-Name",
	"samaccountname":        "SAM-Account-Name",
	"mailnickname":          "ms-Exch-Mail-Nickname",
	"member":                "Member",
	"memberof":              "Is-Member-Of-DL",
	"proxyaddresses":        "Proxy-Addresses",
	"usnchanged":            "USN-Changed",
	"objectguid":            "Object-Guid",
}

// schemaOrder lists the attributes in definition order, which is also the
// order searches return them in.
var schemaOrder []*attrDef

func (a *attrDef) is(f attrFlags) bool { return a.flags&f != 0 }

// schema lists the attributes memdc knows, keyed by lower-case
// lDAPDisplayName. It covers AD's base schema for users, groups, contacts,
// OUs and the configuration objects entrasync reads, plus the Exchange
// attributes most forests carry (mailNickname, targetAddress,
// extensionAttribute1-15, msExch*), flagged so Options.WithoutExchangeSchema
// can leave them out as Samba's schema does.
var schema = map[string]*attrDef{}

func defAttr(name string, syn syntax, flags attrFlags) *attrDef {
	d := &attrDef{name: name, lname: strings.ToLower(name), syntax: syn, flags: flags}
	schema[strings.ToLower(name)] = d
	schemaOrder = append(schemaOrder, d)
	return d
}

func init() {
	S, M := flagSingle, attrFlags(0)
	sys := flagSystemOnly
	keep := flagPreserve
	defAttr("objectClass", synOID, M|keep)
	defAttr("cn", synString, S|keep)
	defAttr("name", synString, S|sys|keep)
	defAttr("ou", synString, M|keep)
	defAttr("dc", synString, S|keep)
	defAttr("distinguishedName", synDN, S|sys|keep)
	defAttr("objectGUID", synBinary, S|sys|keep)
	defAttr("objectSid", synSID, S|sys|keep)
	defAttr("sIDHistory", synSID, M|keep)
	defAttr("objectCategory", synDN, S)
	defAttr("instanceType", synInt, S|sys|keep)
	defAttr("whenCreated", synTime, S|sys|keep)
	defAttr("whenChanged", synTime, S|sys|keep|flagNotReplicated)
	defAttr("uSNCreated", synInt, S|sys|keep|flagNotReplicated)
	defAttr("uSNChanged", synInt, S|sys|keep|flagNotReplicated)
	defAttr("isDeleted", synBool, S|sys|keep)
	defAttr("lastKnownParent", synDN, S|sys|keep)
	defAttr("isCriticalSystemObject", synBool, S)
	defAttr("systemFlags", synInt, S|keep)
	defAttr("showInAdvancedViewOnly", synBool, S)
	defAttr("nTSecurityDescriptor", synSD, S|keep|flagOperational).schemaID = &attrNTSecurityDescriptorGUID
	defAttr("description", synString, M)
	for _, n := range []string{"displayName", "givenName", "sn", "initials", "title", "department", "company",
		"physicalDeliveryOfficeName", "streetAddress", "l", "st", "postalCode", "c", "co", "telephoneNumber",
		"mobile", "facsimileTelephoneNumber", "homePhone", "ipPhone", "pager", "mail", "employeeID",
		"employeeNumber", "employeeType", "info", "wWWHomePage", "homeDirectory", "homeDrive", "scriptPath",
		"profilePath", "division", "middleName", "preferredLanguage", "msDS-LastKnownRDN",
		"dNSHostName", "operatingSystem", "operatingSystemVersion", "comment"} {
		defAttr(n, synString, S)
	}
	// The Exchange schema extension: present in most forests, absent from
	// Samba's default schema (Options.WithoutExchangeSchema drops it).
	for _, n := range []string{"mailNickname", "targetAddress", "legacyExchangeDN"} {
		defAttr(n, synString, S|flagExchange)
	}
	schema["mailnickname"].oid = "1.2.840.113556.1.2.447"
	for i := 1; i <= 15; i++ {
		defAttr("extensionAttribute"+strconv.Itoa(i), synString, S|flagExchange)
	}
	defAttr("msExchHideFromAddressLists", synBool, S|flagExchange)
	defAttr("msExchRecipientTypeDetails", synInt, S|flagExchange)
	for _, n := range []string{"otherTelephone", "otherMobile", "url", "proxyAddresses", "servicePrincipalName",
		"otherMailbox", "postOfficeBox"} {
		defAttr(n, synString, M)
	}
	defAttr("countryCode", synInt, S)
	upn := defAttr("userPrincipalName", synString, S)
	upn.schemaID, upn.oid, upn.rangeMax = &attrUPNGUID, "1.2.840.113556.1.4.656", 1024
	sam := defAttr("sAMAccountName", synString, S|keep)
	sam.schemaID, sam.oid, sam.rangeMax = &attrSAMAccountNameGUID, "1.2.840.113556.1.4.221", 256
	defAttr("sAMAccountType", synInt, S|sys)
	defAttr("userAccountControl", synInt, S|keep).schemaID = &attrUserAccountControlGUID
	defAttr("pwdLastSet", synInt, S)
	defAttr("accountExpires", synInt, S)
	defAttr("lastLogonTimestamp", synInt, S|sys)
	defAttr("lockoutTime", synInt, S)
	defAttr("badPwdCount", synInt, S|sys|flagNotReplicated)
	defAttr("logonCount", synInt, S|sys|flagNotReplicated)
	defAttr("primaryGroupID", synInt, S)
	defAttr("adminCount", synInt, S)
	defAttr("groupType", synInt, S|keep)
	cg := defAttr("mS-DS-ConsistencyGuid", synBinary, S)
	cg.schemaID, cg.oid, cg.rangeMax = &attrConsistencyGUID, "1.2.840.113556.1.4.1360", 16
	defAttr("unicodePwd", synBinary, S|flagNoRead).schemaID = &attrUnicodePwdGUID
	defAttr("thumbnailPhoto", synBinary, S)
	defAttr("jpegPhoto", synBinary, M)
	defAttr("userCertificate", synBinary, M)
	defAttr("isRecycled", synBool, S|sys|keep)
	schema["msds-lastknownrdn"].flags |= sys | keep
	defAttr("codePage", synInt, S)
	defAttr("lastLogon", synInt, S|sys|flagNotReplicated)
	defAttr("lastLogoff", synInt, S|sys|flagNotReplicated)
	defAttr("badPasswordTime", synInt, S|sys|flagNotReplicated)

	// Linked attributes (MS-ADTS §3.1.1.1.6): forward links and back links.
	link := func(fwd, back string, fflags attrFlags, id *guid) {
		f := defAttr(fwd, synDN, fflags|flagLink)
		f.backLink, f.schemaID = back, id
		b := defAttr(back, synDN, flagBackLink|sys|flagNotReplicated)
		b.forward = fwd
	}
	link("member", "memberOf", M, &attrMemberGUID)
	link("manager", "directReports", S, nil)
	link("managedBy", "managedObjects", S, nil)

	// Configuration and schema objects.
	defAttr("uPNSuffixes", synString, M)
	defAttr("dnsRoot", synString, M)
	defAttr("nETBIOSName", synString, S)
	defAttr("nCName", synDN, S)
	defAttr("invocationId", synBinary, S|sys)
	defAttr("options", synInt, S)
	defAttr("msDS-Behavior-Version", synInt, S)
	defAttr("lDAPDisplayName", synString, S)
	defAttr("schemaIDGUID", synBinary, S)
	defAttr("attributeID", synOID, S)
	defAttr("governsID", synOID, S)
	defAttr("attributeSyntax", synOID, S)
	defAttr("isSingleValued", synBool, S)
	defAttr("rightsGuid", synString, S)
	defAttr("appliesTo", synString, M)
	defAttr("validAccesses", synInt, S)
	defAttr("defaultObjectCategory", synDN, S)
	defAttr("fSMORoleOwner", synDN, S)
	defAttr("minPwdLength", synInt, S)
	defAttr("pwdProperties", synInt, S)
	defAttr("lockoutThreshold", synInt, S)
	defAttr("maxPwdAge", synInt, S)
	defAttr("serverReference", synDN, S)

	// Constructed attributes (MS-ADTS §3.1.1.4.5).
	defAttr("tokenGroups", synSID, flagConstructed|flagOperational|flagNotReplicated)
	defAttr("parentGUID", synBinary, S|flagConstructed|flagOperational)
	defAttr("canonicalName", synString, S|flagConstructed|flagOperational|flagNotReplicated)
	defAttr("createTimeStamp", synTime, S|flagConstructed|flagOperational|flagNotReplicated)
	defAttr("modifyTimeStamp", synTime, S|flagConstructed|flagOperational|flagNotReplicated)
	defAttr("structuralObjectClass", synOID, M|flagConstructed|flagOperational|flagNotReplicated)
	defAttr("subSchemaSubEntry", synDN, S|flagConstructed|flagOperational|flagNotReplicated)
	defAttr("msDS-User-Account-Control-Computed", synInt, S|flagConstructed|flagOperational|flagNotReplicated)
}

func lookupAttr(name string) *attrDef {
	if i := strings.IndexByte(name, ';'); i >= 0 {
		name = name[:i]
	}
	return schema[strings.ToLower(name)]
}

// classDef is one structural class.
type classDef struct {
	name      string   // lDAPDisplayName
	chain     []string // objectClass values, most general first (as AD returns them)
	category  string   // defaultObjectCategory's CN under the schema NC
	rdnAttr   string
	creatable bool // clients may add it over LDAP
	container bool // may hold the creatable classes
	schemaID  *guid
}

// classes are the structural classes memdc knows, keyed by lower-case name
// (MS-ADTS §3.1.1.2.4). Only the creatable ones may be added over LDAP; the
// others make up the forest's fixed skeleton.
var classes = map[string]*classDef{}

func defClass(c classDef) {
	classes[strings.ToLower(c.name)] = &c
}

func init() {
	p := []string{"top", "person", "organizationalPerson"}
	defClass(classDef{name: "user", chain: append(p[:3:3], "user"), category: "Person", rdnAttr: "cn", creatable: true, schemaID: &classUserGUID})
	defClass(classDef{name: "inetOrgPerson", chain: append(p[:3:3], "user", "inetOrgPerson"), category: "Person", rdnAttr: "cn", creatable: true, schemaID: &classInetOrgPersonGUID})
	defClass(classDef{name: "computer", chain: append(p[:3:3], "user", "computer"), category: "Computer", rdnAttr: "cn", creatable: true, schemaID: &classComputerGUID})
	defClass(classDef{name: "contact", chain: append(p[:3:3], "contact"), category: "Person", rdnAttr: "cn", creatable: true, schemaID: &classContactGUID})
	defClass(classDef{name: "group", chain: []string{"top", "group"}, category: "Group", rdnAttr: "cn", creatable: true, schemaID: &classGroupGUID})
	defClass(classDef{name: "organizationalUnit", chain: []string{"top", "organizationalUnit"}, category: "Organizational-Unit", rdnAttr: "ou", creatable: true, container: true, schemaID: &classOUGUID})
	defClass(classDef{name: "container", chain: []string{"top", "container"}, category: "Container", rdnAttr: "cn", creatable: true, container: true})
	defClass(classDef{name: "domainDNS", chain: []string{"top", "domain", "domainDNS"}, category: "Domain-DNS", rdnAttr: "dc", container: true})
	defClass(classDef{name: "builtinDomain", chain: []string{"top", "builtinDomain"}, category: "Builtin-Domain", rdnAttr: "cn", container: true})
	defClass(classDef{name: "foreignSecurityPrincipal", chain: []string{"top", "foreignSecurityPrincipal"}, category: "Foreign-Security-Principal", rdnAttr: "cn"})
	defClass(classDef{name: "configuration", chain: []string{"top", "configuration"}, category: "Configuration", rdnAttr: "cn"})
	defClass(classDef{name: "crossRefContainer", chain: []string{"top", "crossRefContainer"}, category: "Cross-Ref-Container", rdnAttr: "cn"})
	defClass(classDef{name: "crossRef", chain: []string{"top", "crossRef"}, category: "Cross-Ref", rdnAttr: "cn"})
	defClass(classDef{name: "sitesContainer", chain: []string{"top", "sitesContainer"}, category: "Sites-Container", rdnAttr: "cn"})
	defClass(classDef{name: "site", chain: []string{"top", "site"}, category: "Site", rdnAttr: "cn"})
	defClass(classDef{name: "serversContainer", chain: []string{"top", "serversContainer"}, category: "Servers-Container", rdnAttr: "cn"})
	defClass(classDef{name: "server", chain: []string{"top", "server"}, category: "Server", rdnAttr: "cn"})
	defClass(classDef{name: "nTDSDSA", chain: []string{"top", "applicationSettings", "nTDSDSA"}, category: "NTDS-DSA", rdnAttr: "cn"})
	defClass(classDef{name: "dMD", chain: []string{"top", "dMD"}, category: "DMD", rdnAttr: "cn"})
	defClass(classDef{name: "attributeSchema", chain: []string{"top", "attributeSchema"}, category: "Attribute-Schema", rdnAttr: "cn"})
	defClass(classDef{name: "classSchema", chain: []string{"top", "classSchema"}, category: "Class-Schema", rdnAttr: "cn"})
	defClass(classDef{name: "subSchema", chain: []string{"top", "subSchema"}, category: "SubSchema", rdnAttr: "cn"})
	defClass(classDef{name: "controlAccessRight", chain: []string{"top", "controlAccessRight"}, category: "Control-Access-Right", rdnAttr: "cn"})
	for _, c := range classes {
		for _, n := range c.chain {
			knownClassNames[strings.ToLower(n)] = true
		}
	}
}

// knownClassNames are the objectClass values memdc accepts: every class in a
// known class's chain.
var knownClassNames = map[string]bool{}

// structuralClass picks the most specific known class among objectClass
// values, as AD derives structuralObjectClass.
func structuralClass(values []string) *classDef {
	var best *classDef
	for _, v := range values {
		c := classes[strings.ToLower(v)]
		if c != nil && (best == nil || len(c.chain) > len(best.chain)) {
			best = c
		}
	}
	return best
}

// categoryAliases resolves the short names AD accepts in objectCategory
// filters to the class's defaultObjectCategory (MS-ADTS §3.1.1.3.1.3.2):
// (objectCategory=user) therefore also matches contacts, as on Windows.
var categoryAliases = map[string]string{
	"person": "Person", "user": "Person", "contact": "Person", "inetorgperson": "Person",
	"organizationalperson": "Person", "group": "Group", "computer": "Computer",
	"organizationalunit": "Organizational-Unit", "container": "Container",
	"domaindns": "Domain-DNS", "domain": "Domain-DNS", "crossref": "Cross-Ref",
	"builtindomain": "Builtin-Domain", "crossrefcontainer": "Cross-Ref-Container",
	"configuration": "Configuration", "dmd": "DMD", "ntdsdsa": "NTDS-DSA", "server": "Server",
	"attributeschema": "Attribute-Schema", "classschema": "Class-Schema",
	"controlaccessright": "Control-Access-Right",
}
