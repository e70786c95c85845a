package memdc

import (
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"unicode"
)

// SampleCompany returns the demo's directory for a forest named realm (pass
// the same realm to Options): Example Corp, about 190 people in nine
// departments across four offices, with what real directories hold and what
// makes a sync interesting:
//
//   - UPN suffixes example.com (meant to be verified in the demo tenant) and
//     corp.local (non-routable, never verifiable); Engineering signs in on
//     corp.local.
//   - Display names with accents, a CJK name and a comma; a user without a
//     UPN; disabled, expired and locked-out accounts; two users named Sam
//     Taylor on two unverified suffixes, whose UPNs collide once both fall
//     back to the tenant's initial domain.
//   - Managers for everyone but the CEO; nested security groups; a
//     mail-enabled distribution group and two contacts (which Graph cannot
//     create); users migrated from another forest with mS-DS-ConsistencyGuid
//     already set; an old Entra Connect MSOL_ account, a SystemMailbox and a
//     CNF: replication-conflict object.
//
// The content is the same on every call. Mutate changes only objects below
// OU=Corp.
func SampleCompany(realm string) *Seed {
	realm = strings.ToLower(realm)
	g := &sampleGen{
		base:  realmDN(realm),
		realm: realm,
		rng:   mrand.New(mrand.NewPCG(20240601, 7)),
		sams:  map[string]bool{},
		upns:  map[string]bool{},
		names: map[string]bool{"Zoë Müller": true, "Sam Taylor": true, "Dana Whitfield": true, "Terry Walsh": true,
			"Kim Park": true, "Chris Lockwood": true, "Søren Ødegård": true},
	}
	g.upns["li.na"] = true
	g.build()
	return &Seed{
		UPNSuffixes: []string{"example.com", "corp.local"},
		Objects:     g.objs,
		ChangeBase:  "OU=Corp," + g.base,
	}
}

// Offices of Example Corp. The phone numbers are in ranges reserved for
// fiction (NANP 555-01xx, Ofcom 020 7946 0xxx) or clearly invented.
type office struct {
	name, street, city, state, postal, c, co, countryCode, phone, mobile string
}

var offices = []office{
	{"Seattle HQ", "400 Pine Street", "Seattle", "WA", "98101", "US", "United States", "840", "+1 206 555 01", "+1 425 555 01"},
	{"London", "1 Poultry", "London", "", "EC2R 8EJ", "GB", "United Kingdom", "826", "+44 20 7946 0", "+44 7700 900"},
	{"Berlin", "Friedrichstraße 68", "Berlin", "", "10117", "DE", "Germany", "276", "+49 30 5550 4", "+49 151 5550 4"},
	{"São Paulo", "Avenida Paulista 1578", "São Paulo", "SP", "01310-200", "BR", "Brasil", "76", "+55 11 5555 0", "+55 11 95555 0"},
}

type department struct {
	ou, name, group string
	size            int
	head            string
	titles          []string
	suffix          string // UPN suffix; "" for example.com
	offices         []int
}

var departments = []department{
	{"Executive", "Executive", "SG-Executive", 4, "Chief Executive Officer", []string{"Chief Financial Officer", "Chief Technology Officer", "Executive Assistant"}, "", []int{0}},
	{"Sales", "Sales", "SG-Sales", 30, "Vice President, Sales", []string{"Account Executive", "Senior Account Executive", "Sales Development Representative", "Regional Sales Manager"}, "", []int{0, 1, 2, 3}},
	{"Engineering", "Engineering", "SG-Engineering", 44, "Vice President, Engineering", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "QA Engineer", "Site Reliability Engineer"}, "corp.local", []int{0, 2}},
	{"Finance", "Finance", "SG-Finance", 15, "Finance Director", []string{"Accountant", "Senior Accountant", "Financial Analyst", "Payroll Specialist"}, "", []int{0, 1}},
	{"Marketing", "Marketing", "SG-Marketing", 15, "Head of Marketing", []string{"Marketing Manager", "Content Strategist", "Product Marketing Manager", "Designer"}, "", []int{0, 1, 2}},
	{"Human Resources", "Human Resources", "SG-HR", 10, "HR Director", []string{"HR Business Partner", "Recruiter", "People Operations Specialist"}, "", []int{0, 1}},
	{"IT", "IT", "SG-IT", 12, "IT Manager", []string{"Systems Administrator", "Service Desk Analyst", "Network Engineer", "Security Analyst"}, "", []int{0}},
	{"Legal", "Legal", "SG-Legal", 6, "General Counsel", []string{"Corporate Counsel", "Paralegal", "Compliance Officer"}, "", []int{0, 1}},
	{"Operations", "Operations", "SG-Operations", 20, "Head of Operations", []string{"Operations Analyst", "Logistics Coordinator", "Facilities Manager", "Procurement Specialist"}, "", []int{0, 3}},
	{"Support", "Customer Support", "SG-Support", 25, "Support Manager", []string{"Support Engineer", "Customer Success Manager", "Technical Support Specialist"}, "", []int{0, 1, 3}},
}

var givenNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James", "Mia", "William",
	"Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail", "Alexander", "Emily", "Daniel", "Ella",
	"Matthew", "Grace", "Aiden", "Chloé", "Jack", "Lily", "Samuel", "Hannah", "David", "Aria", "Joseph", "Nora",
	"Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Omar", "Ingrid", "Lars", "Björn", "Renée", "François", "Łukasz",
	"Agnieszka", "Siobhán", "Seán", "Zoë", "Anaïs", "Joaquín", "Inês", "João", "Thảo", "Kwame", "Amara", "Dmitri",
	"Yuki", "Nikolai", "Leilani", "Mateo", "Camila", "Tomás", "Şebnem", "Ayşe", "Pål", "Dorothée", "Günther",
}

var surnames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
	"Patel", "Nguyen", "Kim", "Chen", "Tanaka", "Okafor", "Mensah", "Novak", "Kowalski", "Müller", "Schröder",
	"Sørensen", "Åström", "Lefèvre", "Dubois", "Núñez", "Gonçalves", "Wójcik", "Yılmaz", "Ivanova", "Haddad",
	"O'Connor", "Fitzgerald", "Van der Berg", "De Luca", "Rossi", "Costa", "Lindqvist", "Nakamura",
}

type sampleGen struct {
	base, realm string
	rng         *mrand.Rand
	objs        []Object
	sams, upns  map[string]bool
	names       map[string]bool
	employee    int
}

// name picks a given name and surname not used yet, so that CNs are unique.
func (g *sampleGen) name() (string, string) {
	for {
		given := givenNames[g.rng.IntN(len(givenNames))]
		sn := surnames[g.rng.IntN(len(surnames))]
		if !g.names[given+" "+sn] {
			g.names[given+" "+sn] = true
			return given, sn
		}
	}
}

func (g *sampleGen) ou(dn, desc string) {
	g.objs = append(g.objs, Object{DN: dn, Attributes: map[string][]string{
		"objectClass": {"organizationalUnit"}, "description": {desc}}})
}

// person is one generated user before it becomes an Object.
type person struct {
	given, sn, display, cn string
	title, dept            string
	ouDN                   string
	suffix                 string // UPN suffix, "" for none
	manager                string
	office                 office
	uac                    int
	extra                  map[string][]string
	noMail                 bool
}

func (g *sampleGen) build() {
	corp := "OU=Corp," + g.base
	usersOU := "OU=Users," + corp
	groupsOU := "OU=Groups," + corp
	g.ou(corp, "Example Corp")
	g.ou(usersOU, "People of Example Corp")
	g.ou(groupsOU, "Security and distribution groups")
	g.ou("OU=Contacts,"+corp, "External contacts")
	g.ou("OU=Disabled Accounts,"+corp, "Leavers, kept for 90 days")
	g.ou("OU=Service Accounts,"+corp, "Accounts that run services")
	g.ou("OU=Lab,"+g.base, "Test accounts of the lab (not synced)")

	var ceo string
	deptMembers := map[string][]string{}
	var engPlatform, engWeb, finLeads []string
	for di, dep := range departments {
		ouDN := "OU=" + dep.ou + "," + usersOU
		g.ou(ouDN, dep.name)
		var head string
		for i := 0; i < dep.size; i++ {
			off := offices[dep.offices[g.rng.IntN(len(dep.offices))]]
			given, sn := g.name()
			title := dep.titles[g.rng.IntN(len(dep.titles))]
			if i == 0 {
				title = dep.head
			}
			suffix := dep.suffix
			if suffix == "" {
				suffix = "example.com"
			}
			p := person{given: given, sn: sn, title: title, dept: dep.name, ouDN: ouDN, suffix: suffix,
				manager: head, office: off, uac: 512}
			if di == 0 && i > 0 {
				p.manager = ceo
			}
			if di > 0 && i == 0 {
				p.manager = ceo
			}
			dn := g.user(p)
			if di == 0 && i == 0 {
				ceo = dn
			}
			if i == 0 {
				head = dn
			}
			deptMembers[dep.group] = append(deptMembers[dep.group], dn)
			switch {
			case dep.ou == "Engineering" && i%2 == 1:
				engPlatform = append(engPlatform, dn)
			case dep.ou == "Engineering" && i > 0:
				engWeb = append(engWeb, dn)
			case dep.ou == "Finance" && i < 4:
				finLeads = append(finLeads, dn)
			}
		}
	}

	// The records that make a sync interesting.
	sales := "OU=Sales," + usersOU
	eng := "OU=Engineering," + usersOU
	fin := "OU=Finance," + usersOU
	ops := "OU=Operations," + usersOU
	mkt := "OU=Marketing," + usersOU
	salesHead := deptMembers["SG-Sales"][0]
	engHead := deptMembers["SG-Engineering"][0]
	special := []person{
		{given: "Zoë", sn: "Müller", title: "Brand Designer", dept: "Marketing", ouDN: mkt, suffix: "example.com", manager: deptMembers["SG-Marketing"][0], office: offices[2], uac: 512},
		{given: "José Ángel", sn: "García-Núñez", title: "Account Executive", dept: "Sales", ouDN: sales, suffix: "example.com", manager: salesHead, office: offices[3], uac: 512},
		{given: "娜", sn: "李", display: "李娜", cn: "Li Na", title: "Senior Software Engineer", dept: "Engineering", ouDN: eng, suffix: "corp.local", manager: engHead, office: offices[0], uac: 512,
			extra: map[string][]string{"userPrincipalName": {"li.na@corp.local"}, "mailNickname": {"li.na"}, "mail": {"li.na@example.com"},
				"proxyAddresses": {"SMTP:li.na@example.com"}}},
		{given: "Siobhán", sn: "O'Brien", display: "O'Brien, Siobhán", cn: "O'Brien, Siobhán", title: "Corporate Counsel", dept: "Legal", ouDN: "OU=Legal," + usersOU, suffix: "example.com", manager: deptMembers["SG-Legal"][0], office: offices[1], uac: 512},
		{given: "Søren", sn: "Ødegård", title: "Staff Engineer", dept: "Engineering", ouDN: eng, suffix: "corp.local", manager: engHead, office: offices[2], uac: 512},
		{given: "Legacy", sn: "Payroll", display: "Legacy Payroll Import", title: "Payroll Specialist", dept: "Finance", ouDN: fin, suffix: "", manager: deptMembers["SG-Finance"][0], office: offices[0], uac: 512, noMail: true},
		{given: "Sam", sn: "Taylor", title: "Software Engineer", dept: "Engineering", ouDN: eng, suffix: "corp.local", manager: engHead, office: offices[0], uac: 512, noMail: true},
		{given: "Sam", sn: "Taylor", cn: "Sam Taylor (Sales)", title: "Account Executive", dept: "Sales", ouDN: sales, suffix: g.realm, manager: salesHead, office: offices[1], uac: 512, noMail: true},
		{given: "Dana", sn: "Whitfield", title: "Sales Development Representative", dept: "Sales", ouDN: sales, suffix: "example.com", manager: salesHead, office: offices[0], uac: 514},
		{given: "Terry", sn: "Walsh", title: "Accountant", dept: "Finance", ouDN: "OU=Disabled Accounts," + corp, suffix: "example.com", office: offices[0], uac: 514,
			extra: map[string][]string{"description": {"Left 2024-03-31"}}},
		{given: "Kim", sn: "Park", display: "Kim Park (Contractor)", title: "Contract Developer", dept: "Engineering", ouDN: eng, suffix: "corp.local", manager: engHead, office: offices[0], uac: 512,
			extra: map[string][]string{"accountExpires": {"133000000000000000"}, "employeeType": {"Contractor"}}},
		{given: "Chris", sn: "Lockwood", title: "Service Desk Analyst", dept: "IT", ouDN: "OU=IT," + usersOU, suffix: "example.com", manager: deptMembers["SG-IT"][0], office: offices[0], uac: 512,
			extra: map[string][]string{"lockoutTime": {"133500000000000000"}}},
	}
	for i, p := range special {
		dn := g.user(p)
		if p.uac == 512 {
			grp := map[string]string{"Marketing": "SG-Marketing", "Sales": "SG-Sales", "Engineering": "SG-Engineering",
				"Legal": "SG-Legal", "Finance": "SG-Finance", "IT": "SG-IT"}[p.dept]
			deptMembers[grp] = append(deptMembers[grp], dn)
		}
		_ = i
	}
	// Users moved in from another forest: their anchor came with them.
	for i, dn := range deptMembers["SG-Operations"][1:4] {
		for j := range g.objs {
			if g.objs[j].DN == dn {
				cg := make([]byte, 16)
				for k := range cg {
					cg[k] = byte(g.rng.IntN(256))
				}
				g.objs[j].Attributes["mS-DS-ConsistencyGuid"] = []string{string(cg)}
				g.objs[j].Attributes["description"] = []string{"Migrated from fabrikam.local, wave " + strconv.Itoa(i+1)}
			}
		}
	}
	_ = ops

	// Service accounts and records that are not people.
	svc := "OU=Service Accounts," + corp
	g.objs = append(g.objs,
		Object{DN: "CN=svc-backup," + svc, Attributes: map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"svc-backup"},
			"userAccountControl": {"66048"}, "description": {"Runs the nightly backup"}}},
		Object{DN: "CN=svc-crm," + svc, Attributes: map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"svc-crm"},
			"userPrincipalName": {"svc-crm@" + g.realm}, "userAccountControl": {"66048"}, "description": {"CRM integration"}}},
		Object{DN: "CN=MSOL_0a1b2c3d4e5f,CN=Users," + g.base, Attributes: map[string][]string{"objectClass": {"user"},
			"sAMAccountName": {"MSOL_0a1b2c3d4e5f"}, "userAccountControl": {"66048"},
			"description": {"Account created by Microsoft Azure Active Directory Connect with installation identifier 0a1b2c3d4e5f"}}},
		Object{DN: "CN=SystemMailbox{1f05a927-3be2-4fb9-aa03-b59fe3b56f4c},CN=Users," + g.base, Attributes: map[string][]string{
			"objectClass": {"user"}, "sAMAccountName": {"SM_4f1a0c3e7b2d4e5f9"}, "userAccountControl": {"514"},
			"displayName": {"Microsoft Exchange"}, "mailNickname": {"SystemMailbox{1f05a927-3be2-4fb9-aa03-b59fe3b56f4c}"}}},
		Object{DN: "CN=Morgan Reed\\0ACNF:6f1d0a9c-2b3e-4c5d-8e7f-901a2b3c4d5e," + sales, Attributes: map[string][]string{
			"objectClass": {"user"}, "sAMAccountName": {"$CNF-MREED"}, "userAccountControl": {"514"},
			"displayName": {"Morgan Reed"}, "description": {"Replication conflict: created on two DCs at once"}}},
		Object{DN: "CN=Lab Tester 1,OU=Lab," + g.base, Attributes: map[string][]string{"objectClass": {"user"},
			"sAMAccountName": {"labtest1"}, "userPrincipalName": {"labtest1@corp.local"}, "userAccountControl": {"512"},
			"displayName": {"Lab Tester 1"}}},
		Object{DN: "CN=WS-0001,CN=Computers," + g.base, Attributes: map[string][]string{"objectClass": {"computer"},
			"sAMAccountName": {"WS-0001$"}, "dNSHostName": {"ws-0001." + g.realm}, "operatingSystem": {"Windows 11 Enterprise"}}},
		Object{DN: "CN=WS-0002,CN=Computers," + g.base, Attributes: map[string][]string{"objectClass": {"computer"},
			"sAMAccountName": {"WS-0002$"}, "dNSHostName": {"ws-0002." + g.realm}, "operatingSystem": {"Windows 11 Enterprise"}}},
	)
	contacts := "OU=Contacts," + corp
	g.objs = append(g.objs,
		Object{DN: "CN=Acme Logistics Orders," + contacts, Attributes: map[string][]string{"objectClass": {"contact"},
			"displayName": {"Acme Logistics – Orders"}, "mail": {"orders@acme-logistics.example"},
			"targetAddress": {"SMTP:orders@acme-logistics.example"}, "mailNickname": {"acme-orders"}, "company": {"Acme Logistics"}}},
		Object{DN: "CN=Jordan Lee (Partner)," + contacts, Attributes: map[string][]string{"objectClass": {"contact"},
			"displayName": {"Jordan Lee (Partner)"}, "givenName": {"Jordan"}, "sn": {"Lee"}, "mail": {"jordan.lee@partner.example"},
			"company": {"Partner Consulting"}, "telephoneNumber": {"+1 206 555 0199"}}},
	)

	// Groups: one per department, nested teams and approvers, and a
	// mail-enabled distribution list.
	grp := func(cn, gt, desc string, members []string, extra map[string][]string) string {
		dn := "CN=" + cn + "," + groupsOU
		a := map[string][]string{"objectClass": {"group"}, "sAMAccountName": {cn}, "groupType": {gt}, "description": {desc}}
		if len(members) > 0 {
			a["member"] = members
		}
		for k, v := range extra {
			a[k] = v
		}
		g.objs = append(g.objs, Object{DN: dn, Attributes: a})
		return dn
	}
	platform := grp("SG-Engineering-Platform", gtGlobalSecurity, "Platform team", engPlatform, nil)
	web := grp("SG-Engineering-Web", gtGlobalSecurity, "Web team", engWeb, nil)
	var deptGroups []string
	for _, dep := range departments {
		members := deptMembers[dep.group]
		if dep.ou == "Engineering" {
			members = []string{members[0], platform, web}
		}
		deptGroups = append(deptGroups, grp(dep.group, gtGlobalSecurity, dep.name+" department", members, nil))
	}
	leads := grp("SG-Finance-Leads", gtGlobalSecurity, "Finance team leads", finLeads, nil)
	managers := grp("Finance Managers", gtGlobalSecurity, "Approve up to 50,000", []string{leads}, nil)
	grp("Finance Approvers", gtDomainLocalSecurity, "Approve purchase orders", []string{managers, deptMembers["SG-Executive"][1]}, nil)
	grp("SG-All-Employees", gtUniversalSecurity, "Every employee", deptGroups, nil)
	grp("SG-VPN-Users", gtUniversalSecurity, "Allowed on the VPN", []string{deptGroups[2], deptGroups[6], "CN=svc-crm," + svc}, nil)
	grp("All Staff", gtUniversalDist, "Company-wide announcements", deptGroups, map[string][]string{
		"mail": {"allstaff@example.com"}, "mailNickname": {"AllStaff"}, "displayName": {"All Staff"},
		"proxyAddresses": {"SMTP:allstaff@example.com", "smtp:allstaff@" + g.realm}})
	grp("Sales Leadership", gtGlobalDist, "Sales managers (distribution)", deptMembers["SG-Sales"][:3], map[string][]string{
		"mail": {"sales-leads@example.com"}, "mailNickname": {"SalesLeads"}})
}

// user adds one person and returns its DN.
func (g *sampleGen) user(p person) string {
	g.employee++
	display := p.display
	if display == "" {
		display = p.given + " " + p.sn
	}
	cn := p.cn
	if cn == "" {
		cn = display
	}
	nick := g.unique(ascii(p.given)+"."+ascii(p.sn), g.upns, ".")
	sam := g.unique(truncate(string([]rune(ascii(p.given))[:1])+ascii(p.sn), 20), g.sams, "")
	dn := dnEscape("CN", cn) + "," + p.ouDN
	a := map[string][]string{
		"objectClass":                {"user"},
		"sAMAccountName":             {sam},
		"givenName":                  {p.given},
		"sn":                         {p.sn},
		"displayName":                {display},
		"title":                      {p.title},
		"department":                 {p.dept},
		"company":                    {"Example Corp"},
		"physicalDeliveryOfficeName": {p.office.name},
		"streetAddress":              {p.office.street},
		"l":                          {p.office.city},
		"postalCode":                 {p.office.postal},
		"c":                          {p.office.c},
		"co":                         {p.office.co},
		"countryCode":                {p.office.countryCode},
		"telephoneNumber":            {p.office.phone + strconv.Itoa(10+g.employee%90)},
		"employeeID":                 {"E" + strconv.Itoa(10000+g.employee)},
		"userAccountControl":         {strconv.Itoa(p.uac)},
		"extensionAttribute1":        {"CC-" + strconv.Itoa(1000+len(p.dept)*7)},
	}
	if p.office.state != "" {
		a["st"] = []string{p.office.state}
	}
	if g.employee%3 == 0 {
		a["mobile"] = []string{p.office.mobile + strconv.Itoa(100+g.employee%900)}
	}
	if p.suffix != "" {
		upn := nick + "@" + p.suffix
		if p.given == "Sam" && p.sn == "Taylor" {
			upn = "sam.taylor@" + p.suffix // the collision is the point
		}
		a["userPrincipalName"] = []string{upn}
	}
	if !p.noMail {
		a["mail"] = []string{nick + "@example.com"}
		a["mailNickname"] = []string{nick}
		a["proxyAddresses"] = []string{"SMTP:" + nick + "@example.com", "smtp:" + strings.ToLower(sam) + "@" + g.realm}
	}
	if p.manager != "" {
		a["manager"] = []string{p.manager}
	}
	for k, v := range p.extra {
		a[k] = v
	}
	g.objs = append(g.objs, Object{DN: dn, Attributes: a})
	return dn
}

// unique returns name, or name with a number appended, not yet in used.
func (g *sampleGen) unique(name string, used map[string]bool, sep string) string {
	cand := name
	for i := 2; used[strings.ToLower(cand)]; i++ {
		cand = name + sep + strconv.Itoa(i)
	}
	used[strings.ToLower(cand)] = true
	return cand
}

// foldAccents maps the accented letters of the sample names to ASCII.
var foldAccents = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'æ': "ae", 'ç': "c", 'é': "e", 'è': "e",
	'ê': "e", 'ë': "e", 'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ñ': "n", 'ó': "o", 'ò': "o",
	'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ß': "ss",
	'ł': "l", 'ś': "s", 'ş': "s", 'ż': "z", 'ź': "z", 'ć': "c", 'ń': "n", 'ę': "e", 'ą': "a", 'đ': "d",
	'ả': "a", 'ạ': "a", 'ă': "a", 'ơ': "o", 'ư': "u", 'ğ': "g",
}

// ascii folds a name to lower-case ASCII for account names: accents are
// dropped, other letters (李) become their Unicode code point.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case foldAccents[r] != "":
			b.WriteString(foldAccents[r])
		case r < 0x80:
		default:
			b.WriteString("u" + strconv.FormatInt(int64(r), 16))
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// dnEscape builds one RDN, escaping its value (RFC 4514 §2.4).
func dnEscape(attr, value string) string {
	return attr + "=" + escapeDNValue(value)
}
