package memdc_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

func TestSampleCompany(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	corp := "OU=Corp," + s.BaseDN()
	count := func(filter string) int {
		t.Helper()
		res, err := l.SearchWithPaging(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false, filter, []string{"1.1"}, nil), 500)
		if err != nil {
			t.Fatalf("search %s: %v", filter, err)
		}
		return len(res.Entries)
	}
	people := "(&(objectCategory=person)(objectClass=user))"
	for _, tc := range []struct {
		name   string
		filter string
		min    int
		max    int
	}{
		{"people", "(&" + people + "(department=*))", 180, 220},
		{"on the unverifiable .local suffix", "(&" + people + "(userPrincipalName=*@corp.local))", 40, 60},
		{"on example.com", "(&" + people + "(userPrincipalName=*@example.com))", 120, 180},
		{"without a UPN", "(&" + people + "(!(userPrincipalName=*))(department=*))", 1, 1},
		{"disabled", "(&" + people + "(userAccountControl:1.2.840.113556.1.4.803:=2)(department=*))", 2, 2},
		{"sam.taylor on two suffixes", "(&" + people + "(userPrincipalName=sam.taylor@*))", 2, 2},
		{"non-ASCII display names", "(|(displayName=李娜)(displayName=Zo\\c3\\ab M\\c3\\bcller)(displayName=O'Brien, Siobh\\c3\\a1n))", 3, 3},
		{"contacts", "(&(objectCategory=person)(objectClass=contact))", 2, 2},
		{"mail-enabled distribution groups", "(&(objectClass=group)(mail=*)(!(groupType:1.2.840.113556.1.4.803:=2147483648)))", 2, 2},
		{"migrated users with a consistency GUID", "(&" + people + "(mS-DS-ConsistencyGuid=*))", 3, 3},
		{"critical system objects", "(&(isCriticalSystemObject=TRUE)(|(objectClass=user)(objectClass=group)))", 25, 60},
		{"managers set", "(&" + people + "(manager=*))", 170, 220},
		{"CNF conflict object", "(cn=*CNF:*)", 1, 1},
		{"MSOL_ account", "(sAMAccountName=MSOL_*)", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := count(tc.filter); n < tc.min || n > tc.max {
				t.Fatalf("%s: got %d, want %d to %d", tc.filter, n, tc.min, tc.max)
			}
		})
	}
	t.Run("suffixes", func(t *testing.T) {
		if got := strings.Join(s.UPNSuffixes(), ","); got != "corp.local,example.com" {
			t.Fatalf("uPNSuffixes: got %s", got)
		}
	})
	t.Run("administrator is an Enterprise and Domain Admin", func(t *testing.T) {
		memberOf := strings.Join(get(t, l, s.AdminDN(), "memberOf").GetAttributeValues("memberOf"), ";")
		for _, g := range []string{"CN=Domain Admins,", "CN=Enterprise Admins,"} {
			if !strings.Contains(memberOf, g) {
				t.Errorf("Administrator memberOf lacks %s: %s", g, memberOf)
			}
		}
	})
	t.Run("the same on every call", func(t *testing.T) {
		a, b := memdc.SampleCompany("corp.example.com"), memdc.SampleCompany("corp.example.com")
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("SampleCompany is not deterministic")
		}
		c := memdc.SampleCompany("contoso.example")
		if !strings.HasSuffix(c.ChangeBase, "DC=contoso,DC=example") {
			t.Fatalf("ChangeBase for another realm: got %s", c.ChangeBase)
		}
		start(t, memdc.Options{Realm: "contoso.example", Seed: c})
	})
	t.Run("nested groups reach people", func(t *testing.T) {
		n := count("(&" + people + "(memberOf:1.2.840.113556.1.4.1941:=CN=SG-All-Employees,OU=Groups," + corp + "))")
		if n < 170 {
			t.Fatalf("people in SG-All-Employees through nesting: got %d, want 170+", n)
		}
	})
}

func TestMutate(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	// objectClass, not objectCategory: tombstones lose objectCategory, so a
	// DirSync filter on it misses deletions (as on AD and Samba).
	filter := "(|(&(objectClass=user)(!(objectClass=computer)))(objectClass=group))"
	attrs := []string{"title", "department", "displayName", "userPrincipalName", "userAccountControl", "member", "telephoneNumber", "name"}
	_, cookie, _ := dirSync(t, l, base, filter, attrs, ldap.DirSyncIncrementalValues, 0, nil)

	var all []memdc.Change
	for i := 0; i < 10; i++ {
		changes, err := s.Mutate(4)
		if err != nil {
			t.Fatalf("Mutate: %v", err)
		}
		if len(changes) != 4 {
			t.Fatalf("Mutate(4): got %d changes", len(changes))
		}
		all = append(all, changes...)
	}
	kinds := map[string]int{}
	for _, c := range all {
		kinds[c.Kind]++
		if c.Detail == "" || c.DN == "" || !strings.HasPrefix(c.String(), c.Kind+": ") {
			t.Errorf("change without a description: %+v", c)
		}
		if c.Kind != "leave" && !strings.HasSuffix(c.DN, "OU=Corp,"+base) {
			t.Errorf("%s changed an object outside OU=Corp: %s", c.Kind, c.DN)
		}
	}
	if len(kinds) < 6 {
		t.Errorf("40 changes covered only %v; want a mix of kinds", kinds)
	}
	es, _, _ := dirSync(t, l, base, filter, attrs, ldap.DirSyncIncrementalValues, 0, cookie)
	got := byDN(es)
	for _, c := range all {
		if got[c.DN] == nil {
			if _, err := s.Get(c.DN); err != nil && c.Kind != "leave" {
				continue // renamed or moved again later
			}
			if c.Kind == "leave" || len(got) == 0 {
				t.Errorf("DirSync after Mutate lacks %s (%s)", c.DN, c)
			}
		}
	}
	t.Run("deterministic", func(t *testing.T) {
		run := func() []string {
			s := start(t, memdc.Options{Seed: memdc.SampleCompany("corp.example.com"), RandomSeed: 99})
			cs, err := s.Mutate(12)
			if err != nil {
				t.Fatalf("Mutate: %v", err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, c.String())
			}
			return out
		}
		if a, b := run(), run(); !reflect.DeepEqual(a, b) {
			t.Fatalf("the same RandomSeed gave different changes:\n%v\n%v", a, b)
		}
	})
	t.Run("leaves objects outside ChangeBase alone", func(t *testing.T) {
		before := get(t, l, s.AdminDN(), "uSNChanged").GetAttributeValue("uSNChanged")
		if _, err := s.Mutate(30); err != nil {
			t.Fatalf("Mutate: %v", err)
		}
		if after := get(t, l, s.AdminDN(), "uSNChanged").GetAttributeValue("uSNChanged"); after != before {
			t.Fatalf("Mutate changed the administrator")
		}
	})
}

// TestConcurrentClientsAndMutate runs searches, DirSync rounds, writes and
// Mutate at once, as the demo's engine and change ticker do; run it with
// -race.
func TestConcurrentClientsAndMutate(t *testing.T) {
	s := startSample(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig("127.0.0.1")))
			if err != nil {
				errs <- err
				return
			}
			defer l.Close()
			if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
				errs <- err
				return
			}
			var cookie []byte
			for i := 0; i < 15; i++ {
				switch i % 3 {
				case 0:
					_, err = l.SearchWithPaging(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false,
						"(&(objectCategory=person)(objectClass=user))", []string{"sAMAccountName", "memberOf"}, nil), 50)
				case 1:
					req := ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=user)", []string{"title"}, nil)
					var res *ldap.SearchResult
					if res, err = l.DirSync(req, 0, 0, cookie); err == nil {
						cookie = ldap.FindControl(res.Controls, ldap.ControlTypeDirSync).(*ldap.ControlDirSync).Cookie
					}
				case 2:
					m := ldap.NewModifyRequest("CN=Zoë Müller,OU=Marketing,OU=Users,OU=Corp,"+s.BaseDN(), nil)
					m.Replace("description", []string{fmt.Sprintf("worker %d round %d", w, i)})
					err = l.Modify(m)
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			if _, err := s.Mutate(3); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
