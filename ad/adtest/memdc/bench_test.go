package memdc_test

import (
	"fmt"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// BenchmarkStartSample is what `entrasync demo` waits for: the forest, the
// sample company, the certificates and the listeners.
func BenchmarkStartSample(b *testing.B) {
	for b.Loop() {
		s, err := memdc.Start(memdc.Options{Seed: memdc.SampleCompany("corp.example.com")})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// people adds n disabled users (no password hashing) in one OU.
func people(b *testing.B, s *memdc.Server, n int) string {
	b.Helper()
	ou := "OU=Bench," + s.BaseDN()
	objs := []memdc.Object{{DN: ou, Attributes: map[string][]string{"objectClass": {"organizationalUnit"}}}}
	for i := 0; i < n; i++ {
		objs = append(objs, memdc.Object{DN: fmt.Sprintf("CN=User %06d,%s", i, ou), Attributes: map[string][]string{
			"objectClass": {"user"}, "sAMAccountName": {fmt.Sprintf("u%06d", i)}, "userAccountControl": {"514"},
			"userPrincipalName": {fmt.Sprintf("u%06d@example.com", i)}, "displayName": {fmt.Sprintf("User %d", i)},
			"title": {"Engineer"}, "department": {"Bench"}, "mail": {fmt.Sprintf("u%06d@example.com", i)}}})
	}
	if err := s.Add(objs...); err != nil {
		b.Fatal(err)
	}
	return ou
}

// BenchmarkPagedSearch10k reads 10,000 users page by page over LDAPS, as
// ad.Enumerate does.
func BenchmarkPagedSearch10k(b *testing.B) {
	s, err := memdc.Start(memdc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ou := people(b, s, 10000)
	l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig(s.Host())))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		// A new request each time: SearchWithPaging keeps its control, and
		// the last cookie, on the request.
		req := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, 0, 0, 0, false, "(&(objectCategory=person)(objectClass=user))",
			[]string{"objectGUID", "sAMAccountName", "userPrincipalName", "displayName", "title", "department", "mail", "memberOf"}, nil)
		res, err := l.SearchWithPaging(req, 1000)
		if err != nil || len(res.Entries) != 10000 {
			b.Fatalf("got %d entries, %v", len(res.Entries), err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkDirSyncInitial10k is a first DirSync round over 10,000 users.
func BenchmarkDirSyncInitial10k(b *testing.B) {
	s, err := memdc.Start(memdc.Options{DirSyncBatch: 20000})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	people(b, s, 10000)
	l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig(s.Host())))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		req := ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=user)",
			[]string{"sAMAccountName", "userPrincipalName", "displayName"}, nil)
		res, err := l.DirSync(req, 0, 0, nil)
		if err != nil || len(res.Entries) < 10000 {
			b.Fatalf("got %d entries, %v", len(res.Entries), err)
		}
	}
}
