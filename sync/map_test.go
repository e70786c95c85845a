package sync

import (
	"encoding/base64"
	"maps"
	"strings"
	"testing"
)

const testInitial = "contoso.onmicrosoft.com"

// testMapper returns the mapper of the minimal configuration (scope
// OU=Staff and OU=Groups, bind user CORP\MSOL_abc) for a tenant whose
// verified domains are corp.example.com and the initial domain.
func testMapper(t *testing.T, edit ...func(*Config)) *mapper {
	t.Helper()
	cfg := validConfig(t)
	cfg.AD.BindUser = `CORP\MSOL_abc`
	cfg.AD.Scope.Include = []string{"OU=Staff,DC=corp,DC=example,DC=com", "OU=Groups,DC=corp,DC=example,DC=com"}
	cfg.AD.Scope.Exclude = []string{"OU=Service,OU=Staff,DC=corp,DC=example,DC=com"}
	for _, e := range edit {
		e(&cfg)
	}
	m, err := newMapper(cfg, Tenant{InitialDomain: testInitial, VerifiedDomains: []string{"Corp.Example.com", testInitial}})
	if err != nil {
		t.Fatalf("newMapper: %v", err)
	}
	return m
}

func user(sam, upn string) *SourceObject {
	return &SourceObject{
		GUID: MustParseGUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), Kind: KindUser,
		DN: "CN=" + sam + ",OU=Staff,DC=corp,DC=example,DC=com", SAMAccountName: sam, UserPrincipalName: upn,
		UserAccountControl: 0x200,
	}
}

func TestClassify(t *testing.T) {
	m := testMapper(t)
	tests := []struct {
		name   string
		obj    func() *SourceObject
		want   verdict
		reason string
	}{
		{"plain user", func() *SourceObject { return user("alice", "alice@corp.example.com") }, inScope, ""},
		{"critical system object", func() *SourceObject { o := user("krbtgt", ""); o.CriticalSystemObject = true; return o }, excluded, "critical system object"},
		{"no sAMAccountName", func() *SourceObject { return user("", "x@corp.example.com") }, excluded, "no sAMAccountName"},
		{"MSOL_ account", func() *SourceObject { return user("MSOL_0f3a9c", "") }, excluded, "MSOL_"},
		{"AAD_ account, lower case", func() *SourceObject { return user("aad_1234", "") }, excluded, "AAD_"},
		{"support account", func() *SourceObject { return user("SUPPORT_388945a0", "") }, excluded, "support"},
		{"SystemMailbox", func() *SourceObject { return user("SystemMailbox{1f05a927-b5b1}", "") }, excluded, "Exchange system mailbox"},
		{"CAS_ mailbox", func() *SourceObject { return user("CAS_{abc}", "") }, excluded, "Exchange system mailbox"},
		{"CAS_ without brace is a user", func() *SourceObject { return user("CAS_admin", "") }, inScope, ""},
		{"connector account by DOMAIN\\user", func() *SourceObject { return user("msol_ABC", "") }, excluded, "MSOL_"},
		{"CNF object, escaped", func() *SourceObject {
			o := user("bob", "")
			o.DN = `CN=bob\0ACNF:3f2a9c1e-0000-4000-8000-000000000001,OU=Staff,DC=corp,DC=example,DC=com`
			return o
		}, excluded, "CNF"},
		{"CNF object, raw line feed", func() *SourceObject {
			o := user("bob", "")
			o.DN = "CN=bob\nCNF:3f2a9c1e-0000-4000-8000-000000000001,OU=Staff,DC=corp,DC=example,DC=com"
			return o
		}, excluded, "CNF"},
		{"outside the selected OUs", func() *SourceObject {
			o := user("carol", "")
			o.DN = "CN=carol,OU=Lab,DC=corp,DC=example,DC=com"
			return o
		}, outOfScope, "selected OUs"},
		{"in an excluded OU", func() *SourceObject {
			o := user("svc", "")
			o.DN = "CN=svc,OU=Service,OU=Staff,DC=corp,DC=example,DC=com"
			return o
		}, outOfScope, "selected OUs"},
		{"OU match ignores case and spaces", func() *SourceObject {
			o := user("dave", "")
			o.DN = "cn=dave, ou=STAFF, dc=Corp,dc=Example,dc=Com"
			return o
		}, inScope, ""},
		{"contact", func() *SourceObject { o := user("c1", ""); o.Kind = KindContact; return o }, notCreatable, "contacts"},
		{"security group", func() *SourceObject {
			return &SourceObject{Kind: KindGroup, DN: "CN=Eng,OU=Groups,DC=corp,DC=example,DC=com", SAMAccountName: "Eng", GroupType: 0x80000002}
		}, inScope, ""},
		{"mail-enabled distribution group", func() *SourceObject {
			return &SourceObject{Kind: KindGroup, DN: "CN=All,OU=Groups,DC=corp,DC=example,DC=com", SAMAccountName: "All", GroupType: 0x8, Mail: "all@corp.example.com"}
		}, notCreatable, "distribution groups"},
		{"distribution group without mail", func() *SourceObject {
			return &SourceObject{Kind: KindGroup, DN: "CN=Old,OU=Groups,DC=corp,DC=example,DC=com", SAMAccountName: "Old", GroupType: 0x2}
		}, excluded, "without mail"},
		{"computer", func() *SourceObject { o := user("PC1$", ""); o.Kind = KindOther; return o }, ignored, "not synced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := m.classify(tt.obj())
			if got != tt.want {
				t.Fatalf("classify = %d (%s), want %d", got, reason, tt.want)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", reason, tt.reason)
			}
		})
	}
}

func TestClassifyConnectorAccount(t *testing.T) {
	tests := []struct {
		name, bind string
		obj        *SourceObject
	}{
		{"by DOMAIN\\user", `CORP\entrasync-svc`, user("entrasync-svc", "")},
		{"by UPN", "svc@corp.example.com", user("svc2", "SVC@corp.example.com")},
		{"by DN", "CN=svc3, OU=Staff,DC=corp,DC=example,DC=com", user("svc3", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMapper(t, func(c *Config) { c.AD.BindUser = tt.bind })
			if got, reason := m.classify(tt.obj); got != excluded || reason != "the connector account" {
				t.Errorf("classify = %d (%q), want excluded as the connector account", got, reason)
			}
		})
	}
}

func TestClassifyObjectTypes(t *testing.T) {
	m := testMapper(t, func(c *Config) { c.AD.ObjectTypes = []string{"groups"} })
	if got, _ := m.classify(user("alice", "")); got != ignored {
		t.Errorf("user with objectTypes [groups]: classify = %d, want ignored", got)
	}
}

func TestAnchor(t *testing.T) {
	o := user("alice", "")
	guid := base64.StdEncoding.EncodeToString(o.GUID[:])
	cg := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tests := []struct {
		name string
		mode string
		cg   []byte
		want string
	}{
		{"consistency guid present", AnchorConsistencyGUID, cg, base64.StdEncoding.EncodeToString(cg)},
		{"consistency guid absent", AnchorConsistencyGUID, nil, guid},
		{"objectGUID mode ignores it", AnchorObjectGUID, cg, guid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o.ConsistencyGUID = tt.cg
			if got := anchorOf(o, tt.mode); got != tt.want {
				t.Errorf("anchorOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUserPrincipalName(t *testing.T) {
	m := testMapper(t)
	tests := []struct {
		name     string
		obj      func() *SourceObject
		want     string
		warnings int
	}{
		{"verified suffix kept", func() *SourceObject { return user("alice", "Alice.Smith@corp.example.com") }, "Alice.Smith@corp.example.com", 0},
		{"suffix case ignored", func() *SourceObject { return user("alice", "alice@CORP.EXAMPLE.COM") }, "alice@CORP.EXAMPLE.COM", 0},
		{"unverified suffix", func() *SourceObject { return user("bob", "bob@fabrikam.com") }, "bob@" + testInitial, 1},
		{"non-routable .local", func() *SourceObject { return user("billa", "billa@contoso.local") }, "billa@" + testInitial, 1},
		{"missing UPN, verified domain", func() *SourceObject { return user("carol", "") }, "carol@corp.example.com", 0},
		{"missing UPN, unverified domain", func() *SourceObject {
			o := user("dan", "")
			o.DN = "CN=dan,OU=Staff,DC=emea,DC=corp,DC=example,DC=com"
			return o
		}, "dan@" + testInitial, 1},
		{"space in UPN", func() *SourceObject { return user("erin", "erin smith@corp.example.com") }, "erinsmith@" + testInitial, 1},
		{"accent in UPN", func() *SourceObject { return user("jose", "josé@corp.example.com") }, "jose@" + testInitial, 1},
		{"double dot", func() *SourceObject { return user("f", "f..g@corp.example.com") }, "f.g@" + testInitial, 1},
		{"UPN too long", func() *SourceObject { return user("long", strings.Repeat("a", 65)+"@corp.example.com") }, strings.Repeat("a", 64) + "@" + testInitial, 1},
		// The example from plan-connect-userprincipalname: UPN on an
		// unverified suffix, primary SMTP user1@… ⇒ user1@<initial>.
		{"doc example: primary SMTP wins over UPN prefix", func() *SourceObject {
			o := user("user3", "user3@contoso.com")
			o.ProxyAddresses = []string{"smtp:other@contoso.com", "SMTP:user1@contoso.com"}
			return o
		}, "user1@" + testInitial, 1},
		{"mailNickname first", func() *SourceObject {
			o := user("u", "u@fabrikam.com")
			o.MailNickname = "nick"
			o.ProxyAddresses = []string{"SMTP:primary@x.com"}
			return o
		}, "nick@" + testInitial, 1},
		{"mail prefix before UPN prefix", func() *SourceObject { o := user("u", "upn@fabrikam.com"); o.Mail = "mailbox@x.com"; return o }, "mailbox@" + testInitial, 1},
		{"secondary smtp after UPN prefix", func() *SourceObject {
			o := user("u", "")
			o.DN = "CN=u,OU=Staff,DC=lab,DC=local"
			o.ProxyAddresses = []string{"smtp:second@x.com"}
			return o
		}, "u@" + testInitial, 1},
		{"mailNickname sanitized for the UPN", func() *SourceObject { o := user("u", "u@fabrikam.com"); o.MailNickname = "Zoë+Brontë$"; return o }, "ZoeBronte@" + testInitial, 1},
		{"nothing ASCII in the alias chain", func() *SourceObject {
			o := user("张伟", "张伟@fabrikam.com")
			return o
		}, "u0f1e2d3c4b5a@" + testInitial, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w warnings
			o := tt.obj()
			e := m.mapUser(o, anchorOf(o, m.anchorMode), &w)
			if got := e.attrs[AttrUserPrincipalName]; got != tt.want {
				t.Errorf("userPrincipalName = %q, want %q", got, tt.want)
			}
			n := 0
			for _, x := range w.all() {
				if x.Code == WarnUPNFallback {
					n += x.Count
				}
			}
			if n != tt.warnings {
				t.Errorf("%d upn-fallback warnings, want %d: %+v", n, tt.warnings, w.all())
			}
		})
	}
}

func TestUPNFallbackWarningNamesSuffix(t *testing.T) {
	m := testMapper(t)
	var w warnings
	for _, u := range []string{"a@corp.local", "b@corp.local", "c@fabrikam.com"} {
		m.mapUser(user(u[:1], u), "x", &w)
	}
	got := w.all()
	if len(got) != 2 {
		t.Fatalf("got %d warnings, want 2 (one per suffix): %+v", len(got), got)
	}
	if got[0].Count != 2 || !strings.Contains(got[0].Message, "corp.local is not a verified domain") || !strings.Contains(got[0].Message, testInitial) {
		t.Errorf("warning = %+v, want 2 users on corp.local and the initial domain named", got[0])
	}
}

func TestMailNickname(t *testing.T) {
	m := testMapper(t)
	tests := []struct {
		name string
		obj  func() *SourceObject
		want string
	}{
		{"on-prem mailNickname", func() *SourceObject { o := user("s", "u@corp.example.com"); o.MailNickname = "nick"; return o }, "nick"},
		{"primary SMTP", func() *SourceObject {
			o := user("s", "u@corp.example.com")
			o.ProxyAddresses = []string{"X500:/o=x", "smtp:sec@x.com", "SMTP:Prim@x.com"}
			return o
		}, "Prim"},
		{"mail", func() *SourceObject { o := user("s", "u@corp.example.com"); o.Mail = "m.ail@x.com"; return o }, "m.ail"},
		{"UPN prefix", func() *SourceObject { return user("s", "first.last@corp.example.com") }, "first.last"},
		{"forbidden characters dropped", func() *SourceObject {
			o := user("s", "u@corp.example.com")
			o.MailNickname = `a(b)c[d]e"f;g:h<i>j,k l@m\n`
			return o
		}, "abcdefghijklmn"},
		{"accents folded", func() *SourceObject {
			o := user("s", "u@corp.example.com")
			o.MailNickname = "Ångström-Ærø"
			return o
		}, "Angstrom-AEro"},
		{"broken UTF-8 dropped", func() *SourceObject { o := user("s", "u@corp.example.com"); o.MailNickname = "jos\xe9"; return o }, "jos"},
		{"oversized cut to 64", func() *SourceObject {
			o := user("s", "u@corp.example.com")
			o.MailNickname = strings.Repeat("n", 100)
			return o
		}, strings.Repeat("n", 64)},
		{"unusable falls through to the next", func() *SourceObject {
			o := user("s", "u@corp.example.com")
			o.MailNickname = "()"
			o.Mail = "next@x.com"
			return o
		}, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.mailNickname(tt.obj()); got != tt.want {
				t.Errorf("mailNickname = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQuarantineUPN(t *testing.T) {
	m := testMapper(t)
	none := func(string) bool { return false }
	a := m.quarantineUPN("alice", "AAAAAAAAAAAAAAAAAAAAAA==", none)
	if a != m.quarantineUPN("alice", "AAAAAAAAAAAAAAAAAAAAAA==", none) {
		t.Errorf("quarantineUPN is not deterministic")
	}
	prefix, rest, ok := strings.Cut(a, "_")
	if !ok || prefix != "alice" || len(rest) != len("0000@"+testInitial) || !strings.HasSuffix(rest, "@"+testInitial) {
		t.Fatalf("quarantineUPN = %q, want alice_NNNN@%s", a, testInitial)
	}
	if !m.isQuarantineUPN(a) {
		t.Errorf("isQuarantineUPN(%q) = false, want true", a)
	}
	for _, upn := range []string{"alice@" + testInitial, "alice_12a4@" + testInitial, "al_1234@corp.example.com", "_1234@" + testInitial, "alice+1234@" + testInitial} {
		if m.isQuarantineUPN(upn) {
			t.Errorf("isQuarantineUPN(%q) = true, want false", upn)
		}
	}
	taken := func(u string) bool { return u == strings.ToLower(a) }
	b := m.quarantineUPN("alice", "AAAAAAAAAAAAAAAAAAAAAA==", taken)
	if b == a {
		t.Errorf("quarantineUPN with %q taken returned it again", a)
	}
	long := m.quarantineUPN(strings.Repeat("x", 80), "a", none)
	if p, _, _ := strings.Cut(long, "@"); len(p) > 64 {
		t.Errorf("quarantined prefix %q has %d characters, want at most 64", p, len(p))
	}
}

func TestMapUserAttributes(t *testing.T) {
	m := testMapper(t)
	o := user("alice", "alice@corp.example.com")
	o.DisplayName = "Alice\tSmith\x00"
	o.GivenName = "Al\xffice"
	o.Surname = strings.Repeat("S", 70)
	o.Title = "Engineer"
	o.Department = "R&D"
	o.Company = "Contoso"
	o.Office = "B1"
	o.StreetAddress = "1 Main St\r\nFloor 2"
	o.City = "Paris"
	o.State = "IDF"
	o.PostalCode = "75001"
	o.Country = "France"
	o.CountryCode = "fr"
	o.TelephoneNumber = "+33 1 23 45 67 89"
	o.Mobile = "+33 6 00 00 00 00"
	o.EmployeeID = "12345678901234567890"
	o.UserAccountControl = 0x202
	o.Manager = Ref{DN: "CN=boss,OU=Staff,DC=corp,DC=example,DC=com"}
	var w warnings
	e := m.mapUser(o, "anchor", &w)
	want := Attributes{
		AttrAccountEnabled: "false", AttrDisplayName: "Alice Smith", AttrGivenName: "Al\uFFFDice",
		AttrSurname: strings.Repeat("S", 64), AttrJobTitle: "Engineer", AttrDepartment: "R&D",
		AttrCompanyName: "Contoso", AttrOfficeLocation: "B1", AttrStreetAddress: "1 Main St  Floor 2",
		AttrCity: "Paris", AttrState: "IDF", AttrPostalCode: "75001", AttrCountry: "France",
		AttrUsageLocation: "FR", AttrBusinessPhones: "+33 1 23 45 67 89", AttrMobilePhone: "+33 6 00 00 00 00",
		AttrEmployeeID: "1234567890123456", AttrMailNickname: "alice", AttrUserPrincipalName: "alice@corp.example.com",
		AttrMail: "",
	}
	for k, v := range want {
		if e.attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, e.attrs[k], v)
		}
	}
	if len(e.attrs) != len(want) {
		t.Errorf("got attributes %v, want exactly %v", e.attrs.Names(), want.Names())
	}
	if e.managerRef != o.Manager {
		t.Errorf("manager ref = %+v, want %+v", e.managerRef, o.Manager)
	}
	codes := map[string]int{}
	for _, x := range w.all() {
		codes[x.Code] += x.Count
	}
	if codes[WarnValueRepaired] != 3 || codes[WarnValueTruncated] != 2 {
		t.Errorf("warnings %v, want 3 repaired (displayName, givenName, streetAddress) and 2 truncated (surname, employeeId)", codes)
	}
}

func TestMapUserOptionalAttributes(t *testing.T) {
	m := testMapper(t, func(c *Config) { c.Sync.OptionalAttributes = []string{AttrJobTitle} })
	o := user("alice", "alice@corp.example.com")
	o.Title, o.Department = "Engineer", "R&D"
	o.Manager = Ref{DN: "CN=boss,OU=Staff,DC=corp,DC=example,DC=com"}
	e := m.mapUser(o, "anchor", &warnings{})
	if _, ok := e.attrs[AttrDepartment]; ok {
		t.Errorf("department synced although not chosen")
	}
	if e.attrs[AttrJobTitle] != "Engineer" {
		t.Errorf("jobTitle = %q, want Engineer", e.attrs[AttrJobTitle])
	}
	if !e.managerRef.IsZero() {
		t.Errorf("manager synced although not chosen")
	}
}

func TestUsageLocationInvalid(t *testing.T) {
	m := testMapper(t)
	o := user("a", "a@corp.example.com")
	o.CountryCode = "FRA"
	var w warnings
	if got := m.mapUser(o, "x", &w).attrs[AttrUsageLocation]; got != "" {
		t.Errorf("usageLocation = %q, want empty for c=FRA", got)
	}
	if len(w.all()) != 1 || w.all()[0].Code != WarnValueInvalid {
		t.Errorf("warnings = %+v, want one value-invalid", w.all())
	}
}

func TestDisplayNameFallback(t *testing.T) {
	m := testMapper(t)
	o := user("alice", "alice@corp.example.com")
	if got := m.mapUser(o, "x", &warnings{}).attrs[AttrDisplayName]; got != "alice" {
		t.Errorf("displayName = %q, want the cn alice", got)
	}
	o.DN = "bad dn"
	if got := m.mapUser(o, "x", &warnings{}).attrs[AttrDisplayName]; got != "alice" {
		t.Errorf("displayName = %q, want the sAMAccountName alice", got)
	}
}

func TestMapGroup(t *testing.T) {
	m := testMapper(t)
	g := &SourceObject{
		Kind: KindGroup, DN: `CN=R\2CD Team,OU=Groups,DC=corp,DC=example,DC=com`, SAMAccountName: "R&D Team (all)",
		GroupType: 0x80000002, Description: "Research", Mail: "rd@corp.example.com",
		Members: []Ref{{DN: "CN=alice,OU=Staff,DC=corp,DC=example,DC=com"}},
	}
	var w warnings
	e := m.mapGroup(g, "anchor", &w)
	// No mailNickname: the Target owns a group's.
	want := Attributes{AttrDisplayName: "R,D Team", AttrDescription: "Research"}
	if !maps.Equal(e.attrs, want) {
		t.Errorf("attributes = %v, want %v", e.attrs, want)
	}
	if len(e.memberRefs) != 1 {
		t.Errorf("memberRefs = %v, want the one member", e.memberRefs)
	}
	if len(w.all()) != 1 || w.all()[0].Code != WarnMailDropped {
		t.Errorf("warnings = %+v, want mail-not-synced", w.all())
	}
}

func TestMappingVersionChanges(t *testing.T) {
	base := testMapper(t).mappingVersion
	if base != testMapper(t).mappingVersion {
		t.Fatal("mappingVersion is not stable")
	}
	for name, edit := range map[string]func(*Config){
		"scope":      func(c *Config) { c.AD.Scope.Include = nil },
		"attributes": func(c *Config) { c.Sync.OptionalAttributes = nil },
		"anchor":     func(c *Config) { c.Sync.SourceAnchor = AnchorObjectGUID },
		"soft match": func(c *Config) { c.Sync.SoftMatch = []string{AttrMail} },
	} {
		if testMapper(t, edit).mappingVersion == base {
			t.Errorf("changing %s leaves mappingVersion unchanged", name)
		}
	}
}
