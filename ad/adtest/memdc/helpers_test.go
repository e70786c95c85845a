package memdc_test

import (
	"errors"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// start runs a demo forest for one test.
func start(t *testing.T, opts memdc.Options) *memdc.Server {
	t.Helper()
	s, err := memdc.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// startSample runs the sample company with a fixed random seed.
func startSample(t *testing.T) *memdc.Server {
	t.Helper()
	return start(t, memdc.Options{Seed: memdc.SampleCompany("corp.example.com"), RandomSeed: 1})
}

// connect opens an LDAPS connection that verifies the DC's certificate.
func connect(t *testing.T, s *memdc.Server) *ldap.Conn {
	t.Helper()
	l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig("127.0.0.1")))
	if err != nil {
		t.Fatalf("dial %s: %v", s.LDAPSURL(), err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// admin opens an LDAPS connection bound as the administrator.
func admin(t *testing.T, s *memdc.Server) *ldap.Conn {
	t.Helper()
	l := connect(t, s)
	if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
		t.Fatalf("bind as %s: %v", s.AdminUser(), err)
	}
	return l
}

// bindAs opens an LDAPS connection bound as user.
func bindAs(t *testing.T, s *memdc.Server, user, password string) *ldap.Conn {
	t.Helper()
	l := connect(t, s)
	if err := l.Bind(user, password); err != nil {
		t.Fatalf("bind as %s: %v", user, err)
	}
	return l
}

// resultCode returns the LDAP result code of err, or 0 for nil.
func resultCode(t *testing.T, err error) uint16 {
	t.Helper()
	if err == nil {
		return 0
	}
	var le *ldap.Error
	if !errors.As(err, &le) {
		t.Fatalf("got a non-LDAP error: %v", err)
	}
	return le.ResultCode
}

// search runs a search and fails the test on error.
func search(t *testing.T, l *ldap.Conn, base string, scope int, filter string, attrs []string, ctrls ...ldap.Control) []*ldap.Entry {
	t.Helper()
	res, err := l.Search(ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, ctrls))
	if err != nil {
		t.Fatalf("search %s %s: %v", base, filter, err)
	}
	return res.Entries
}

// get reads one object's attributes.
func get(t *testing.T, l *ldap.Conn, dn string, attrs ...string) *ldap.Entry {
	t.Helper()
	es := search(t, l, dn, ldap.ScopeBaseObject, "(objectClass=*)", attrs)
	if len(es) != 1 {
		t.Fatalf("read %s: got %d entries, want 1", dn, len(es))
	}
	return es[0]
}

// password is an obviously fake test password that meets AD's policy.
const password = "Test-Passw0rd-Not-Secret"

// addUser adds an enabled user with the test password under the base DN.
func addUser(t *testing.T, l *ldap.Conn, dn, sam, upn string) {
	t.Helper()
	r := ldap.NewAddRequest(dn, nil)
	r.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	r.Attribute("sAMAccountName", []string{sam})
	if upn != "" {
		r.Attribute("userPrincipalName", []string{upn})
	}
	r.Attribute("unicodePwd", []string{unicodePwd(password)})
	r.Attribute("userAccountControl", []string{"512"})
	if err := l.Add(r); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
}

// unicodePwd encodes a password as AD's unicodePwd expects it: quoted,
// UTF-16LE.
func unicodePwd(pw string) string {
	var b []byte
	for _, r := range `"` + pw + `"` {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}
