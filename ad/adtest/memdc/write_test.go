package memdc_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

func TestAddUser(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	dn := "CN=Sync Connector,CN=Users," + s.BaseDN()
	addUser(t, l, dn, "svc-entrasync", "svc-entrasync@corp.example.com")
	e := get(t, l, dn, "objectSid", "sAMAccountType", "primaryGroupID", "userAccountControl", "pwdLastSet", "objectCategory", "instanceType", "nTSecurityDescriptor")
	for attr, want := range map[string]string{
		"sAMAccountType":     "805306368",
		"primaryGroupID":     "513",
		"userAccountControl": "512",
		"instanceType":       "4",
		"objectCategory":     "CN=Person,CN=Schema,CN=Configuration," + s.BaseDN(),
	} {
		if got := e.GetAttributeValue(attr); got != want {
			t.Errorf("%s: got %q, want %q", attr, got, want)
		}
	}
	if e.GetAttributeValue("pwdLastSet") == "0" {
		t.Errorf("pwdLastSet is 0 after a password was set at creation")
	}
	if sid := e.GetRawAttributeValue("objectSid"); len(sid) != 28 || binary.LittleEndian.Uint32(sid[24:]) < 1100 {
		t.Errorf("objectSid: got % x, want the domain SID and a new RID", sid)
	}
	// The new account can bind at once, with its UPN or DOMAIN\name.
	bindAs(t, s, "svc-entrasync@corp.example.com", password)
	bindAs(t, s, `CORP\svc-entrasync`, password)

	for _, tc := range []struct {
		name  string
		dn    string
		attrs map[string][]string
		code  uint16
		text  string
	}{
		{"duplicate sAMAccountName", "CN=Other,CN=Users," + s.BaseDN(),
			map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"SVC-EntraSync"}}, ldap.LDAPResultEntryAlreadyExists, "00000524"},
		{"duplicate UPN", "CN=Other,CN=Users," + s.BaseDN(),
			map[string][]string{"objectClass": {"user"}, "userPrincipalName": {"SVC-entrasync@corp.example.com"}}, ldap.LDAPResultConstraintViolation, "000021C8"},
		{"duplicate DN", dn, map[string][]string{"objectClass": {"user"}}, ldap.LDAPResultEntryAlreadyExists, "00002071"},
		{"no parent", "CN=Orphan,OU=Nowhere," + s.BaseDN(), map[string][]string{"objectClass": {"user"}}, ldap.LDAPResultNoSuchObject, "0000208D"},
		{"no objectClass", "CN=Classless,CN=Users," + s.BaseDN(), map[string][]string{"description": {"x"}}, ldap.LDAPResultObjectClassViolation, "objectClass is required"},
		{"unknown class", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"unicorn"}}, ldap.LDAPResultObjectClassViolation, "unicorn"},
		{"wrong RDN type", "OU=Person,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}}, ldap.LDAPResultNamingViolation, "CN="},
		{"user below a user", "CN=Child," + dn, map[string][]string{"objectClass": {"user"}}, ldap.LDAPResultNamingViolation, "below a user"},
		{"unknown attribute", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "favouriteColour": {"blue"}}, ldap.LDAPResultUndefinedAttributeType, "favouriteColour"},
		{"system-only attribute", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "objectSid": {"x"}}, ldap.LDAPResultConstraintViolation, "objectSid"},
		{"two values of a single-valued attribute", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "title": {"a", "b"}}, ldap.LDAPResultConstraintViolation, "title"},
		{"not an integer", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "userAccountControl": {"enabled"}}, ldap.LDAPResultInvalidAttributeSyntax, "userAccountControl"},
		{"consistency GUID too long", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "mS-DS-ConsistencyGuid": {strings.Repeat("x", 17)}}, ldap.LDAPResultConstraintViolation, "mS-DS-ConsistencyGuid"},
		{"enabled without a password", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "userAccountControl": {"512"}}, ldap.LDAPResultUnwillingToPerform, "0000052D"},
		{"weak password", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"odd"}, "unicodePwd": {unicodePwd("password")}}, ldap.LDAPResultConstraintViolation, "0000052D"},
		{"password not quoted", "CN=Odd,CN=Users," + s.BaseDN(), map[string][]string{"objectClass": {"user"}, "unicodePwd": {"Test-Passw0rd-Not-Secret"}}, ldap.LDAPResultConstraintViolation, "unicodePwd"},
		{"domainDNS is not creatable", "DC=child," + s.BaseDN(), map[string][]string{"objectClass": {"domainDNS"}}, ldap.LDAPResultObjectClassViolation, "cannot be created"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ldap.NewAddRequest(tc.dn, nil)
			for k, v := range tc.attrs {
				r.Attribute(k, v)
			}
			err := l.Add(r)
			if got := resultCode(t, err); got != tc.code || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("add: got %d %v, want %d mentioning %q", got, err, tc.code, tc.text)
			}
		})
	}
	t.Run("a disabled user without a password is fine", func(t *testing.T) {
		r := ldap.NewAddRequest("CN=No Password,CN=Users,"+s.BaseDN(), nil)
		r.Attribute("objectClass", []string{"user"})
		if err := l.Add(r); err != nil {
			t.Fatalf("add: %v", err)
		}
		e := get(t, l, "CN=No Password,CN=Users,"+s.BaseDN(), "userAccountControl", "sAMAccountName")
		if e.GetAttributeValue("userAccountControl") != "546" || !strings.HasPrefix(e.GetAttributeValue("sAMAccountName"), "$") {
			t.Fatalf("defaults: got userAccountControl %s and sAMAccountName %s, want 546 and a generated $… name",
				e.GetAttributeValue("userAccountControl"), e.GetAttributeValue("sAMAccountName"))
		}
	})
}

func TestUnicodePwdNeedsAnEncryptedConnection(t *testing.T) {
	s := start(t, memdc.Options{AllowPlainBind: true})
	l, err := ldap.DialURL(s.LDAPURL())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer l.Close()
	if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
		t.Fatalf("plain bind: %v", err)
	}
	r := ldap.NewAddRequest("CN=Plain,CN=Users,"+s.BaseDN(), nil)
	r.Attribute("objectClass", []string{"user"})
	r.Attribute("unicodePwd", []string{unicodePwd(password)})
	err = l.Add(r)
	if got := resultCode(t, err); got != ldap.LDAPResultUnwillingToPerform || !strings.Contains(err.Error(), "0000001F") {
		t.Fatalf("unicodePwd over plain LDAP: got %v, want AD's unwillingToPerform 0000001F", err)
	}
	m := ldap.NewModifyRequest(s.AdminDN(), nil)
	m.Replace("unicodePwd", []string{unicodePwd(password)})
	if got := resultCode(t, l.Modify(m)); got != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("password reset over plain LDAP: got %d, want unwillingToPerform", got)
	}
}

func TestPasswords(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	dn := "CN=Rotating,CN=Users," + s.BaseDN()
	addUser(t, l, dn, "rotating", "")
	// Reset (replace) by an administrator.
	m := ldap.NewModifyRequest(dn, nil)
	m.Replace("unicodePwd", []string{unicodePwd("Second-Passw0rd-Not-Secret")})
	if err := l.Modify(m); err != nil {
		t.Fatalf("reset: %v", err)
	}
	bindAs(t, s, `CORP\rotating`, "Second-Passw0rd-Not-Secret")
	// Change (delete old + add new) by the user itself.
	u := bindAs(t, s, `CORP\rotating`, "Second-Passw0rd-Not-Secret")
	m = ldap.NewModifyRequest(dn, nil)
	m.Delete("unicodePwd", []string{unicodePwd("Wrong-Passw0rd-Not-Secret")})
	m.Add("unicodePwd", []string{unicodePwd("Third-Passw0rd-Not-Secret")})
	if got := resultCode(t, u.Modify(m)); got != ldap.LDAPResultConstraintViolation {
		t.Fatalf("change with a wrong old password: got %d, want constraintViolation", got)
	}
	m = ldap.NewModifyRequest(dn, nil)
	m.Delete("unicodePwd", []string{unicodePwd("Second-Passw0rd-Not-Secret")})
	m.Add("unicodePwd", []string{unicodePwd("Third-Passw0rd-Not-Secret")})
	if err := u.Modify(m); err != nil {
		t.Fatalf("change: %v", err)
	}
	bindAs(t, s, `CORP\rotating`, "Third-Passw0rd-Not-Secret")
	// A user may not reset another's password.
	m = ldap.NewModifyRequest(s.AdminDN(), nil)
	m.Replace("unicodePwd", []string{unicodePwd("Fourth-Passw0rd-Not-Secret")})
	if got := resultCode(t, u.Modify(m)); got != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("a user resetting the administrator's password: got %d, want insufficientAccessRights", got)
	}
	// unicodePwd is never readable.
	if v := get(t, l, dn, "unicodePwd").GetAttributeValue("unicodePwd"); v != "" {
		t.Fatalf("unicodePwd came back from a search")
	}
	// SetPassword applies the policy too.
	if err := s.SetPassword(dn, "short"); err == nil || !strings.Contains(err.Error(), "fewer than 7") {
		t.Fatalf("SetPassword with a short password: got %v", err)
	}
}

func TestModify(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	corp := "OU=Corp," + s.BaseDN()
	zoe := "CN=Zoë Müller,OU=Marketing,OU=Users," + corp
	group := "CN=SG-Marketing,OU=Groups," + corp
	other := "CN=Dana Whitfield,OU=Sales,OU=Users," + corp
	modify := func(dn string, f func(m *ldap.ModifyRequest), ctrls ...ldap.Control) error {
		m := ldap.NewModifyRequest(dn, ctrls)
		f(m)
		return l.Modify(m)
	}
	for _, tc := range []struct {
		name string
		dn   string
		f    func(m *ldap.ModifyRequest)
		code uint16
		text string
	}{
		{"replace", zoe, func(m *ldap.ModifyRequest) { m.Replace("title", []string{"Creative Director"}) }, 0, ""},
		{"add to a multi-valued attribute", zoe, func(m *ldap.ModifyRequest) { m.Add("otherTelephone", []string{"+49 30 5550 499"}) }, 0, ""},
		{"add an existing value", zoe, func(m *ldap.ModifyRequest) { m.Add("otherTelephone", []string{"+49 30 5550 499"}) }, ldap.LDAPResultAttributeOrValueExists, ""},
		{"add a second value to a single-valued attribute", zoe, func(m *ldap.ModifyRequest) { m.Add("title", []string{"Designer"}) }, ldap.LDAPResultConstraintViolation, "title"},
		{"delete a missing value", zoe, func(m *ldap.ModifyRequest) { m.Delete("otherTelephone", []string{"+1 000"}) }, ldap.LDAPResultNoSuchAttribute, ""},
		{"delete a missing attribute", zoe, func(m *ldap.ModifyRequest) { m.Delete("pager", nil) }, ldap.LDAPResultNoSuchAttribute, ""},
		{"modify the RDN attribute", zoe, func(m *ldap.ModifyRequest) { m.Replace("cn", []string{"Zoe"}) }, ldap.LDAPResultNotAllowedOnRDN, ""},
		{"modify a back link", zoe, func(m *ldap.ModifyRequest) { m.Replace("memberOf", []string{group}) }, ldap.LDAPResultUnwillingToPerform, ""},
		{"modify objectGUID", zoe, func(m *ldap.ModifyRequest) { m.Replace("objectGUID", []string{"0123456789abcdef"}) }, ldap.LDAPResultConstraintViolation, ""},
		{"UPN taken", zoe, func(m *ldap.ModifyRequest) { m.Replace("userPrincipalName", []string{"dana.whitfield@example.com"}) }, ldap.LDAPResultConstraintViolation, "000021C8"},
		{"sAMAccountName taken", zoe, func(m *ldap.ModifyRequest) { m.Replace("sAMAccountName", []string{"Administrator"}) }, ldap.LDAPResultEntryAlreadyExists, "00000524"},
		{"add a present member", group, func(m *ldap.ModifyRequest) { m.Add("member", []string{zoe}) }, ldap.LDAPResultEntryAlreadyExists, "00000562"},
		{"remove an absent member", group, func(m *ldap.ModifyRequest) { m.Delete("member", []string{other}) }, ldap.LDAPResultUnwillingToPerform, "00000561"},
		{"add a member that does not exist", group, func(m *ldap.ModifyRequest) { m.Add("member", []string{"CN=Ghost," + corp}) }, ldap.LDAPResultNoSuchObject, ""},
		{"set the consistency GUID", zoe, func(m *ldap.ModifyRequest) { m.Replace("mS-DS-ConsistencyGuid", []string{"0123456789abcdef"}) }, 0, ""},
		{"expire the password", other, func(m *ldap.ModifyRequest) { m.Replace("pwdLastSet", []string{"0"}) }, 0, ""},
		{"pwdLastSet to a date", other, func(m *ldap.ModifyRequest) { m.Replace("pwdLastSet", []string{"133000000000000000"}) }, ldap.LDAPResultUnwillingToPerform, ""},
		{"atomic: a failing change undoes the others", zoe, func(m *ldap.ModifyRequest) {
			m.Replace("department", []string{"Nowhere"})
			m.Add("title", []string{"second"})
		}, ldap.LDAPResultConstraintViolation, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := modify(tc.dn, tc.f)
			if got := resultCode(t, err); got != tc.code || (tc.text != "" && !strings.Contains(err.Error(), tc.text)) {
				t.Fatalf("got %d %v, want %d %q", got, err, tc.code, tc.text)
			}
		})
	}
	e := get(t, l, zoe, "title", "department", "otherTelephone", "mS-DS-ConsistencyGuid")
	if e.GetAttributeValue("title") != "Creative Director" || e.GetAttributeValue("department") != "Marketing" {
		t.Errorf("after the changes: title %q, department %q; want Creative Director and Marketing (the failed modify must change nothing)",
			e.GetAttributeValue("title"), e.GetAttributeValue("department"))
	}
	if len(e.GetRawAttributeValue("mS-DS-ConsistencyGuid")) != 16 {
		t.Errorf("mS-DS-ConsistencyGuid: got %q", e.GetRawAttributeValue("mS-DS-ConsistencyGuid"))
	}
	t.Run("permissive modify", func(t *testing.T) {
		err := modify(group, func(m *ldap.ModifyRequest) {
			m.Add("member", []string{zoe})
			m.Delete("member", []string{other})
		}, ldap.NewControlString("1.2.840.113556.1.4.1413", false, ""))
		if err != nil {
			t.Fatalf("permissive modify: %v", err)
		}
	})
	t.Run("membership shows in memberOf and tokenGroups", func(t *testing.T) {
		if err := modify(group, func(m *ldap.ModifyRequest) { m.Add("member", []string{other}) }); err != nil {
			t.Fatalf("add member: %v", err)
		}
		e := get(t, l, other, "memberOf")
		found := false
		for _, g := range e.GetAttributeValues("memberOf") {
			found = found || strings.EqualFold(g, group)
		}
		if !found {
			t.Fatalf("memberOf of %s: got %v, want it to hold %s", other, e.GetAttributeValues("memberOf"), group)
		}
	})
	t.Run("uPNSuffixes", func(t *testing.T) {
		partitions := "CN=Partitions,CN=Configuration," + s.BaseDN()
		if err := modify(partitions, func(m *ldap.ModifyRequest) { m.Add("uPNSuffixes", []string{"contoso.example"}) }); err != nil {
			t.Fatalf("add a UPN suffix as an Enterprise Admin: %v", err)
		}
		if got := strings.Join(s.UPNSuffixes(), ","); got != "contoso.example,corp.local,example.com" {
			t.Fatalf("UPN suffixes: got %s", got)
		}
		dn := "CN=Plain User,CN=Users," + s.BaseDN()
		addUser(t, l, dn, "plainuser", "")
		u := bindAs(t, s, `CORP\plainuser`, password)
		m := ldap.NewModifyRequest(partitions, nil)
		m.Add("uPNSuffixes", []string{"evil.example"})
		if got := resultCode(t, u.Modify(m)); got != ldap.LDAPResultInsufficientAccessRights {
			t.Fatalf("add a UPN suffix as a plain user: got %d, want insufficientAccessRights (50)", got)
		}
		m = ldap.NewModifyRequest(zoe, nil)
		m.Replace("title", []string{"Intern"})
		if got := resultCode(t, u.Modify(m)); got != ldap.LDAPResultInsufficientAccessRights {
			t.Fatalf("a plain user editing someone else: got %d, want insufficientAccessRights", got)
		}
		if err := modify(partitions, func(m *ldap.ModifyRequest) { m.Delete("uPNSuffixes", []string{"contoso.example"}) }); err != nil {
			t.Fatalf("remove a UPN suffix: %v", err)
		}
	})
}

func TestDeleteAndRename(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	corp := "OU=Corp," + s.BaseDN()
	dana := "CN=Dana Whitfield,OU=Sales,OU=Users," + corp
	guid := get(t, l, dana, "objectGUID").GetRawAttributeValue("objectGUID")
	for _, tc := range []struct {
		name, dn string
		code     uint16
		text     string
	}{
		{"an OU with children", "OU=Sales,OU=Users," + corp, ldap.LDAPResultNotAllowedOnNonLeaf, "00002015"},
		{"the administrator", s.AdminDN(), ldap.LDAPResultUnwillingToPerform, "0000055B"},
		{"Domain Admins", "CN=Domain Admins,CN=Users," + s.BaseDN(), ldap.LDAPResultUnwillingToPerform, "0000055B"},
		{"the Users container", "CN=Users," + s.BaseDN(), ldap.LDAPResultUnwillingToPerform, ""},
		{"the domain", s.BaseDN(), ldap.LDAPResultUnwillingToPerform, ""},
		{"nothing", "CN=Nobody," + corp, ldap.LDAPResultNoSuchObject, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := l.Del(ldap.NewDelRequest(tc.dn, nil))
			if got := resultCode(t, err); got != tc.code || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("delete %s: got %d %v, want %d %q", tc.dn, got, err, tc.code, tc.text)
			}
		})
	}
	if err := l.Del(ldap.NewDelRequest(dana, nil)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := l.Search(ldap.NewSearchRequest(dana, ldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", nil, nil)); resultCode(t, err) != ldap.LDAPResultNoSuchObject {
		t.Fatalf("read after delete: got %v, want noSuchObject", err)
	}
	showDeleted := ldap.NewControlMicrosoftShowDeleted()
	es := search(t, l, s.BaseDN(), ldap.ScopeWholeSubtree, "(&(isDeleted=TRUE)(objectClass=user))",
		[]string{"isDeleted", "lastKnownParent", "sAMAccountName", "userPrincipalName", "objectGUID", "manager", "objectCategory"}, showDeleted)
	if len(es) != 1 {
		t.Fatalf("tombstones with show deleted: got %d, want 1", len(es))
	}
	ts := es[0]
	if !strings.HasPrefix(ts.DN, "CN=Dana Whitfield\\0ADEL:") || !strings.HasSuffix(ts.DN, ",CN=Deleted Objects,"+s.BaseDN()) {
		t.Errorf("tombstone DN: got %q", ts.DN)
	}
	if string(ts.GetRawAttributeValue("objectGUID")) != string(guid) || ts.GetAttributeValue("sAMAccountName") == "" ||
		ts.GetAttributeValue("lastKnownParent") != "OU=Sales,OU=Users,"+corp {
		t.Errorf("tombstone keeps objectGUID, sAMAccountName and lastKnownParent: got %v", ts.Attributes)
	}
	if ts.GetAttributeValue("userPrincipalName") != "" || ts.GetAttributeValue("manager") != "" || ts.GetAttributeValue("objectCategory") != "" {
		t.Errorf("tombstone keeps attributes AD strips: %v", ts.Attributes)
	}
	if n := len(search(t, l, s.BaseDN(), ldap.ScopeWholeSubtree, "(isDeleted=TRUE)", []string{"1.1"})); n != 0 {
		t.Errorf("tombstones without show deleted: got %d, want 0", n)
	}
	addUser(t, l, "CN=Plain Reader,CN=Users,"+s.BaseDN(), "plainreader", "")
	u := bindAs(t, s, `CORP\plainreader`, password)
	if n := len(search(t, u, s.BaseDN(), ldap.ScopeWholeSubtree, "(isDeleted=TRUE)", []string{"1.1"}, showDeleted)); n != 0 {
		t.Errorf("tombstones a non-administrator sees with show deleted: got %d, want 0 (CN=Deleted Objects is for administrators)", n)
	}
	sales := search(t, l, "CN=SG-Sales,OU=Groups,"+corp, ldap.ScopeBaseObject, "(objectClass=*)", []string{"member"})[0]
	for _, m := range sales.GetAttributeValues("member") {
		if strings.Contains(m, "Dana Whitfield") {
			t.Errorf("the deleted user is still a member of SG-Sales")
		}
	}

	t.Run("tree delete", func(t *testing.T) {
		ou := "OU=Temp," + s.BaseDN()
		if err := s.Add(memdc.Object{DN: ou, Attributes: map[string][]string{"objectClass": {"organizationalUnit"}}},
			memdc.Object{DN: "CN=Temp User," + ou, Attributes: map[string][]string{"objectClass": {"user"}}}); err != nil {
			t.Fatalf("add: %v", err)
		}
		if err := l.Del(ldap.NewDelRequest(ou, []ldap.Control{ldap.NewControlSubtreeDelete()})); err != nil {
			t.Fatalf("tree delete: %v", err)
		}
	})

	t.Run("rename and move", func(t *testing.T) {
		zoe := "CN=Zoë Müller,OU=Marketing,OU=Users," + corp
		g := get(t, l, zoe, "objectGUID").GetRawAttributeValue("objectGUID")
		if err := l.ModifyDN(ldap.NewModifyDNRequest(zoe, "CN=Zoë Schmidt", true, "OU=Sales,OU=Users,"+corp)); err != nil {
			t.Fatalf("rename and move: %v", err)
		}
		moved := "CN=Zoë Schmidt,OU=Sales,OU=Users," + corp
		e := get(t, l, moved, "objectGUID", "cn", "name", "distinguishedName")
		if string(e.GetRawAttributeValue("objectGUID")) != string(g) || e.GetAttributeValue("cn") != "Zoë Schmidt" || e.GetAttributeValue("name") != "Zoë Schmidt" {
			t.Fatalf("after the move: %v", e.Attributes)
		}
		// Links follow the object: the group now lists the new DN.
		mkt := get(t, l, "CN=SG-Marketing,OU=Groups,"+corp, "member")
		found := false
		for _, m := range mkt.GetAttributeValues("member") {
			found = found || m == moved
		}
		if !found {
			t.Errorf("SG-Marketing members after the move: %v, want %s", mkt.GetAttributeValues("member"), moved)
		}
		err := l.ModifyDN(ldap.NewModifyDNRequest(moved, "CN=Zoë", false, ""))
		if got := resultCode(t, err); got != ldap.LDAPResultUnwillingToPerform {
			t.Errorf("deleteoldrdn false: got %v, want unwillingToPerform", err)
		}
		err = l.ModifyDN(ldap.NewModifyDNRequest(moved, "OU=Zoë", true, ""))
		if got := resultCode(t, err); got != ldap.LDAPResultNamingViolation {
			t.Errorf("OU= for a user: got %v, want namingViolation", err)
		}
		err = l.ModifyDN(ldap.NewModifyDNRequest("OU=Users,"+corp, "OU=Users", true, "OU=Sales,OU=Users,"+corp))
		if got := resultCode(t, err); got != ldap.LDAPResultUnwillingToPerform {
			t.Errorf("move an OU below itself: got %v, want unwillingToPerform", err)
		}
		err = l.ModifyDN(ldap.NewModifyDNRequest(moved, "CN=Sam Taylor (Sales)", true, ""))
		if got := resultCode(t, err); got != ldap.LDAPResultEntryAlreadyExists {
			t.Errorf("rename onto an existing name: got %v, want entryAlreadyExists", err)
		}
	})
}

func TestCompare(t *testing.T) {
	s := start(t, memdc.Options{})
	l := admin(t, s)
	ok, err := l.Compare(s.AdminDN(), "sAMAccountName", "administrator")
	if err != nil || !ok {
		t.Fatalf("compare sAMAccountName: got %v, %v; want true", ok, err)
	}
	ok, err = l.Compare(s.AdminDN(), "userAccountControl", "512")
	if err != nil || ok {
		t.Fatalf("compare userAccountControl 512: got %v, %v; want false (it is 66048)", ok, err)
	}
}
