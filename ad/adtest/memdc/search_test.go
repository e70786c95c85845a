package memdc_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// bulk adds an OU with n contacts and a group holding all of them.
func bulk(t *testing.T, s *memdc.Server, ou string, n int) (ouDN, groupDN string) {
	t.Helper()
	ouDN = "OU=" + ou + "," + s.BaseDN()
	objs := []memdc.Object{{DN: ouDN, Attributes: map[string][]string{"objectClass": {"organizationalUnit"}}}}
	var members []string
	for i := 0; i < n; i++ {
		dn := fmt.Sprintf("CN=Contact %05d,%s", i, ouDN)
		members = append(members, dn)
		objs = append(objs, memdc.Object{DN: dn, Attributes: map[string][]string{
			"objectClass": {"contact"}, "mail": {fmt.Sprintf("c%05d@partner.example", i)}}})
	}
	groupDN = "CN=Big Group," + ouDN
	objs = append(objs, memdc.Object{DN: groupDN, Attributes: map[string][]string{
		"objectClass": {"group"}, "groupType": {"8"}, "member": members}})
	if err := s.Add(objs...); err != nil {
		t.Fatalf("seed %d contacts: %v", n, err)
	}
	return ouDN, groupDN
}

func TestMaxPageSizeIsEnforced(t *testing.T) {
	s := start(t, memdc.Options{})
	ou, _ := bulk(t, s, "Bulk", 2500)
	l := admin(t, s)
	req := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"1.1"}, nil)
	res, err := l.Search(req)
	if got := resultCode(t, err); got != ldap.LDAPResultSizeLimitExceeded {
		t.Fatalf("unpaged search of 2,500: got result %d (%v), want sizeLimitExceeded (4) as AD answers", got, err)
	}
	if len(res.Entries) != 1000 {
		t.Fatalf("unpaged search of 2,500: got %d entries, want AD's MaxPageSize 1000", len(res.Entries))
	}

	t.Run("pages are capped at 1000", func(t *testing.T) {
		paging := ldap.NewControlPaging(5000)
		var sizes []int
		seen := map[string]bool{}
		for {
			r := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"mail"}, []ldap.Control{paging})
			res, err := l.Search(r)
			if err != nil {
				t.Fatalf("page %d: %v", len(sizes)+1, err)
			}
			sizes = append(sizes, len(res.Entries))
			for _, e := range res.Entries {
				if seen[e.DN] {
					t.Fatalf("%s returned twice", e.DN)
				}
				seen[e.DN] = true
			}
			c := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
			if len(c.Cookie) == 0 {
				break
			}
			paging.SetCookie(c.Cookie)
		}
		if fmt.Sprint(sizes) != "[1000 1000 500]" {
			t.Fatalf("page sizes: got %v, want [1000 1000 500]", sizes)
		}
	})
	t.Run("SearchWithPaging gets everything", func(t *testing.T) {
		res, err := l.SearchWithPaging(ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"1.1"}, nil), 300)
		if err != nil || len(res.Entries) != 2500 {
			t.Fatalf("paged search: got %d entries, %v; want 2500", len(res.Entries), err)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		res, err := l.Search(ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 10, 0, false, "(objectClass=contact)", []string{"1.1"}, nil))
		if got := resultCode(t, err); got != ldap.LDAPResultSizeLimitExceeded || len(res.Entries) != 10 {
			t.Fatalf("size limit 10: got %d entries, result %d; want 10 and sizeLimitExceeded", len(res.Entries), got)
		}
	})
	t.Run("cookie of another search", func(t *testing.T) {
		r := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"1.1"}, []ldap.Control{ldap.NewControlPaging(10)})
		res, err := l.Search(r)
		if err != nil {
			t.Fatalf("first page: %v", err)
		}
		cookie := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging).Cookie
		p := ldap.NewControlPaging(10)
		p.SetCookie(cookie)
		other := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=*)", []string{"1.1"}, []ldap.Control{p})
		if _, err := l.Search(other); resultCode(t, err) != ldap.LDAPResultUnwillingToPerform {
			t.Fatalf("a cookie with another filter: got %v, want unwillingToPerform", err)
		}
	})
}

func TestRangedRetrieval(t *testing.T) {
	s := start(t, memdc.Options{})
	_, group := bulk(t, s, "Ranged", 3200)
	l := admin(t, s)
	attrName := func(e *ldap.Entry) (string, int) {
		for _, a := range e.Attributes {
			if strings.HasPrefix(strings.ToLower(a.Name), "member") {
				return a.Name, len(a.Values)
			}
		}
		return "", 0
	}
	for _, tc := range []struct {
		ask, name string
		n         int
	}{
		{"member", "member;range=0-1499", 1500},
		{"*", "member;range=0-1499", 1500},
		{"member;range=0-*", "member;range=0-1499", 1500},
		{"member;range=0-1499", "member;range=0-1499", 1500},
		{"member;range=1500-2999", "member;range=1500-2999", 1500},
		{"member;range=1500-*", "member;range=1500-2999", 1500},
		{"member;range=3000-4499", "member;range=3000-*", 200},
		{"member;range=3000-*", "member;range=3000-*", 200},
		{"member;range=10-19", "member;range=10-19", 10},
		{"member;range=3199-*", "member;range=3199-*", 1},
		{"member;range=3200-*", "member;range=3200-*", 0},
	} {
		t.Run(tc.ask, func(t *testing.T) {
			e := get(t, l, group, tc.ask)
			name, n := attrName(e)
			if name != tc.name || n != tc.n {
				t.Fatalf("ask %s: got %s with %d values, want %s with %d", tc.ask, name, n, tc.name, tc.n)
			}
		})
	}
	t.Run("all ranges together hold each member once", func(t *testing.T) {
		seen := map[string]bool{}
		for low := 0; ; {
			e := get(t, l, group, fmt.Sprintf("member;range=%d-*", low))
			name, _ := attrName(e)
			for _, v := range e.Attributes[0].Values {
				if seen[v] {
					t.Fatalf("%s returned twice", v)
				}
				seen[v] = true
			}
			if strings.HasSuffix(name, "-*") {
				break
			}
			var lo, hi int
			fmt.Sscanf(name, "member;range=%d-%d", &lo, &hi)
			low = hi + 1
		}
		if len(seen) != 3200 {
			t.Fatalf("got %d distinct members, want 3200", len(seen))
		}
	})
	t.Run("memberOf of a small group is not ranged", func(t *testing.T) {
		e := get(t, l, "CN=Administrator,CN=Users,"+s.BaseDN(), "memberOf")
		if len(e.GetAttributeValues("memberOf")) != 5 {
			t.Fatalf("Administrator memberOf: got %v, want 5 groups", e.GetAttributeValues("memberOf"))
		}
	})
}

func TestFilters(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	corp := "OU=Corp," + base
	adminDN := "CN=Administrator,CN=Users," + base
	sid := get(t, l, adminDN, "objectSid").GetRawAttributeValue("objectSid")
	guid := get(t, l, adminDN, "objectGUID").GetRawAttributeValue("objectGUID")
	escapeBytes := func(b []byte) string {
		var sb strings.Builder
		for _, c := range b {
			fmt.Fprintf(&sb, "\\%02x", c)
		}
		return sb.String()
	}
	count := func(t *testing.T, base, filter string) int {
		t.Helper()
		res, err := l.SearchWithPaging(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, 0, 0, 0, false, filter, []string{"1.1"}, nil), 500)
		if err != nil {
			t.Fatalf("search %s: %v", filter, err)
		}
		return len(res.Entries)
	}
	one := func(t *testing.T, filter string) string {
		t.Helper()
		es := search(t, l, base, ldap.ScopeWholeSubtree, filter, []string{"1.1"})
		if len(es) != 1 {
			var dns []string
			for _, e := range es {
				dns = append(dns, e.DN)
			}
			t.Fatalf("%s: got %d entries %v, want 1", filter, len(es), dns)
		}
		return es[0].DN
	}
	people := count(t, corp, "(&(objectCategory=person)(objectClass=user))")
	if people < 180 || people > 210 {
		t.Fatalf("the sample company has %d people, want about 190", people)
	}
	for _, tc := range []struct {
		name, filter, want string
	}{
		{"equality is case-insensitive", "(sAMAccountName=ADMINISTRATOR)", adminDN},
		{"binary objectSid", "(objectSid=" + escapeBytes(sid) + ")", adminDN},
		{"string objectSid", "(objectSid=" + sidString(sid) + ")", adminDN},
		{"binary objectGUID", "(objectGUID=" + escapeBytes(guid) + ")", adminDN},
		{"escaped comma and apostrophe", "(cn=O'Brien, Siobh\\c3\\a1n)", "CN=O'Brien\\, Siobhán,OU=Legal,OU=Users," + corp},
		{"escaped parentheses", "(cn=Kim Park \\28Contractor\\29)", ""},
		{"non-ASCII value", "(displayName=李娜)", "CN=Li Na,OU=Engineering,OU=Users," + corp},
		{"substring with non-ASCII", "(&(givenName=Zo\\c3\\ab)(sn=M*ller))", "CN=Zoë Müller,OU=Marketing,OU=Users," + corp},
		{"substring any", "(&(objectClass=group)(cn=SG-Engineering-*eb))", "CN=SG-Engineering-Web,OU=Groups," + corp},
		{"memberOf equality", "(&(objectClass=group)(memberOf=CN=SG-Engineering,OU=Groups," + corp + "))", ""},
		{"member equality", "(member=" + adminDN + ")", ""},
		{"bitwise AND disabled", "(&(objectCategory=person)(userAccountControl:1.2.840.113556.1.4.803:=2)(sn=Whitfield))", "CN=Dana Whitfield,OU=Sales,OU=Users," + corp},
		{"distribution group by groupType", "(&(objectClass=group)(!(groupType:1.2.840.113556.1.4.803:=2147483648))(mail=allstaff@example.com))", "CN=All Staff,OU=Groups," + corp},
		{"contact", "(&(objectCategory=person)(objectClass=contact)(mail=orders@*))", "CN=Acme Logistics Orders,OU=Contacts," + corp},
		{"no UPN", "(&(objectCategory=person)(objectClass=user)(!(userPrincipalName=*))(sn=Payroll))", "CN=Legacy Payroll Import,OU=Finance,OU=Users," + corp},
		{"greater or equal", "(&(sAMAccountName=Administrator)(uSNChanged>=1))", adminDN},
		{"less or equal fails", "(&(sAMAccountName=Administrator)(uSNChanged<=1))", ""},
		{"undefined attribute matches nothing", "(noSuchAttribute=1)", ""},
		{"not of undefined is undefined", "(&(sAMAccountName=Administrator)(!(noSuchAttribute=1)))", ""},
		{"approximate is equality", "(sAMAccountName~=administrator)", adminDN},
		{"extensible without rule", "(sAMAccountName:=Administrator)", adminDN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == "" {
				switch tc.name {
				case "escaped parentheses":
					one(t, tc.filter)
				case "memberOf equality":
					if n := count(t, corp, tc.filter); n != 2 {
						t.Fatalf("%s: got %d groups, want the platform and web teams", tc.filter, n)
					}
				case "member equality":
					if n := count(t, base, tc.filter); n != 5 {
						t.Fatalf("%s: got %d groups, want the administrator's 5 direct groups", tc.filter, n)
					}
				default:
					if n := count(t, base, tc.filter); n != 0 {
						t.Fatalf("%s: got %d entries, want none", tc.filter, n)
					}
				}
				return
			}
			if got := one(t, tc.filter); !strings.EqualFold(got, tc.want) {
				t.Fatalf("%s: got %s, want %s", tc.filter, got, tc.want)
			}
		})
	}
	t.Run("objectCategory=user also finds contacts, as on AD", func(t *testing.T) {
		users := count(t, corp, "(&(objectCategory=person)(objectClass=user))")
		all := count(t, corp, "(objectCategory=user)")
		if all != users+2 {
			t.Fatalf("(objectCategory=user): got %d, want %d users + 2 contacts", all, users)
		}
	})
	t.Run("in chain", func(t *testing.T) {
		// Everyone in Engineering through the nested team groups.
		direct := count(t, corp, "(memberOf=CN=SG-Engineering,OU=Groups,"+corp+")")
		chained := count(t, corp, "(&(objectCategory=person)(memberOf:1.2.840.113556.1.4.1941:=CN=SG-Engineering,OU=Groups,"+corp+"))")
		if direct != 3 || chained < 40 {
			t.Fatalf("SG-Engineering: got %d direct and %d people transitively, want 3 direct (head + two teams) and 40+ people", direct, chained)
		}
		groups := count(t, corp, "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=SG-Finance-Leads,OU=Groups,"+corp+"))")
		if groups != 2 {
			t.Fatalf("groups holding SG-Finance-Leads transitively: got %d, want Finance Managers and Finance Approvers", groups)
		}
	})
}

// sidString formats a binary SID as S-1-….
func sidString(b []byte) string {
	s := fmt.Sprintf("S-%d-%d", b[0], uint64(b[2])<<40|uint64(b[3])<<32|uint64(b[4])<<24|uint64(b[5])<<16|uint64(b[6])<<8|uint64(b[7]))
	for i := 0; i < int(b[1]); i++ {
		o := 8 + 4*i
		s += fmt.Sprintf("-%d", uint32(b[o])|uint32(b[o+1])<<8|uint32(b[o+2])<<16|uint32(b[o+3])<<24)
	}
	return s
}

func TestAttributeSelection(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	dn := "CN=Zoë Müller,OU=Marketing,OU=Users,OU=Corp," + s.BaseDN()
	names := func(e *ldap.Entry) []string {
		var out []string
		for _, a := range e.Attributes {
			out = append(out, a.Name)
		}
		return out
	}
	has := func(list []string, name string) bool {
		for _, n := range list {
			if n == name {
				return true
			}
		}
		return false
	}
	all := names(get(t, l, dn))
	for _, want := range []string{"objectClass", "cn", "sAMAccountName", "userPrincipalName", "objectGUID", "objectSid", "whenChanged", "uSNChanged", "memberOf", "manager", "distinguishedName", "name"} {
		if !has(all, want) {
			t.Errorf("no attribute list: %s missing from %v", want, all)
		}
	}
	for _, never := range []string{"unicodePwd", "nTSecurityDescriptor", "tokenGroups", "canonicalName"} {
		if has(all, never) {
			t.Errorf("no attribute list: got %s, which AD returns only when named", never)
		}
	}
	if star := names(get(t, l, dn, "*")); len(star) != len(all) {
		t.Errorf("*: got %d attributes, want the same %d as no list", len(star), len(all))
	}
	plus := names(get(t, l, dn, "+"))
	if !has(plus, "canonicalName") || has(plus, "sAMAccountName") || has(plus, "tokenGroups") {
		t.Errorf("+: got %v, want operational attributes only, without tokenGroups", plus)
	}
	if none := names(get(t, l, dn, "1.1")); len(none) != 0 {
		t.Errorf("1.1: got %v, want no attributes", none)
	}
	e := get(t, l, dn, "samaccountname", "DISPLAYNAME", "canonicalName", "noSuchAttribute")
	got := names(e)
	sort.Strings(got)
	if fmt.Sprint(got) != "[canonicalName displayName sAMAccountName]" {
		t.Errorf("named attributes: got %v, want AD's spelling [canonicalName displayName sAMAccountName]", got)
	}
	if got := e.GetAttributeValue("canonicalName"); got != "corp.example.com/Corp/Users/Marketing/Zoë Müller" {
		t.Errorf("canonicalName: got %q", got)
	}
	res, err := l.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, 0, 0, 0, true, "(objectClass=*)", []string{"mail"}, nil))
	if err != nil || len(res.Entries) != 1 || len(res.Entries[0].Attributes) != 1 || len(res.Entries[0].Attributes[0].Values) != 0 {
		t.Errorf("typesOnly: got %v, %v; want mail without values", res, err)
	}
	t.Run("tokenGroups on a base search only", func(t *testing.T) {
		tg := get(t, l, "CN=Administrator,CN=Users,"+s.BaseDN(), "tokenGroups").GetRawAttributeValues("tokenGroups")
		var rids []string
		for _, sid := range tg {
			rids = append(rids, sidString(sid)[strings.LastIndexByte(sidString(sid), '-')+1:])
		}
		sort.Strings(rids)
		if got := strings.Join(rids, ","); got != "512,513,518,519,520,544,545,572" {
			t.Errorf("Administrator tokenGroups RIDs: got %s, want 512,513,518,519,520,544,545,572", got)
		}
		_, err := l.Search(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false, "(sAMAccountName=Administrator)", []string{"tokenGroups"}, nil))
		if got := resultCode(t, err); got != ldap.LDAPResultOperationsError || !strings.Contains(err.Error(), "DIR_ERROR") {
			t.Errorf("tokenGroups in a subtree search: got %v, want AD's operationsError DIR_ERROR", err)
		}
	})
	t.Run("extended DN", func(t *testing.T) {
		ctrl := ldap.NewControlString(ldap.ControlTypeMicrosoftExtendedDN, true, "\x30\x03\x02\x01\x01")
		e := search(t, l, dn, ldap.ScopeBaseObject, "(objectClass=*)", []string{"manager", "objectGUID", "objectSid"}, ctrl)[0]
		if !strings.HasPrefix(e.DN, "<GUID=") || !strings.Contains(e.DN, ">;<SID=S-1-5-21-") || !strings.HasSuffix(e.DN, ">;"+dn) {
			t.Errorf("extended DN: got %q", e.DN)
		}
		if m := e.GetAttributeValue("manager"); !strings.HasPrefix(m, "<GUID=") {
			t.Errorf("extended DN manager: got %q", m)
		}
	})
	t.Run("continuation reference to the configuration", func(t *testing.T) {
		res, err := l.Search(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeSingleLevel, 0, 0, 0, false, "(objectClass=*)", []string{"1.1"}, nil))
		if err != nil {
			t.Fatalf("one-level search of the domain: %v", err)
		}
		want := "ldap://corp.example.com/CN=Configuration," + s.BaseDN()
		if len(res.Referrals) != 1 || res.Referrals[0] != want {
			t.Errorf("referrals: got %v, want [%s]", res.Referrals, want)
		}
		for _, e := range res.Entries {
			if strings.HasPrefix(e.DN, "CN=Configuration,") {
				t.Errorf("the configuration NC head came back as an entry of the domain NC")
			}
		}
	})
	t.Run("binary values are raw bytes", func(t *testing.T) {
		e := get(t, l, dn, "objectGUID", "objectSid", "nTSecurityDescriptor")
		if n := len(e.GetRawAttributeValue("objectGUID")); n != 16 {
			t.Errorf("objectGUID: got %d bytes, want 16", n)
		}
		if sid := e.GetRawAttributeValue("objectSid"); len(sid) != 28 || sid[0] != 1 || sid[1] != 5 {
			t.Errorf("objectSid: got % x, want a binary domain-account SID", sid)
		}
		if sd := e.GetRawAttributeValue("nTSecurityDescriptor"); len(sd) < 20 || sd[0] != 1 || !bytes.Contains(sd, nil) {
			t.Errorf("nTSecurityDescriptor: got % x, want a self-relative descriptor", sd)
		}
	})
	t.Run("no such object", func(t *testing.T) {
		_, err := l.Search(ldap.NewSearchRequest("CN=Nobody,OU=Sales,OU=Users,OU=Corp,"+s.BaseDN(), ldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", nil, nil))
		var le *ldap.Error
		if resultCode(t, err) != ldap.LDAPResultNoSuchObject {
			t.Fatalf("got %v, want noSuchObject", err)
		}
		_ = le
		if !strings.Contains(err.Error(), "OU=Sales,OU=Users,OU=Corp") {
			t.Errorf("got %q, want the best match (the parent)", err)
		}
	})
}

func TestPagedSearchesPerConnection(t *testing.T) {
	s := start(t, memdc.Options{})
	ou, _ := bulk(t, s, "Many", 50)
	l := admin(t, s)
	var cookies [][]byte
	for i := 0; i < 12; i++ {
		res, err := l.Search(ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"1.1"},
			[]ldap.Control{ldap.NewControlPaging(10)}))
		if err != nil {
			t.Fatalf("page 1 of search %d: %v", i, err)
		}
		cookies = append(cookies, ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging).Cookie)
	}
	next := func(cookie []byte) error {
		p := ldap.NewControlPaging(10)
		p.SetCookie(cookie)
		_, err := l.Search(ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=contact)", []string{"1.1"}, []ldap.Control{p}))
		return err
	}
	if err := next(cookies[0]); resultCode(t, err) != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("the oldest of 12 open paged searches: got %v, want it dropped (MaxResultSetsPerConn 10)", err)
	}
	if err := next(cookies[11]); err != nil {
		t.Fatalf("the newest paged search: %v", err)
	}
}
