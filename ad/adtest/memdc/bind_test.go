package memdc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

func TestBind(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	users := "CN=Users," + s.BaseDN()
	addUser(t, l, "CN=Bind Tester,"+users, "btester", "bind.tester@example.com")
	addUser(t, l, "CN=Disabled Tester,"+users, "dtester", "")
	addUser(t, l, "CN=Locked Tester,"+users, "ltester", "")
	addUser(t, l, "CN=Expired Tester,"+users, "etester", "")
	addUser(t, l, "CN=Must Change,"+users, "mchange", "")
	for dn, kv := range map[string][2]string{
		"CN=Disabled Tester," + users: {"userAccountControl", "514"},
		"CN=Locked Tester," + users:   {"lockoutTime", "133500000000000000"},
		"CN=Expired Tester," + users:  {"accountExpires", "130000000000000000"},
		"CN=Must Change," + users:     {"pwdLastSet", "0"},
	} {
		m := ldap.NewModifyRequest(dn, nil)
		m.Replace(kv[0], []string{kv[1]})
		if err := l.Modify(m); err != nil {
			t.Fatalf("modify %s: %v", dn, err)
		}
	}
	for _, tc := range []struct {
		name, user, password string
		code                 uint16
		sub                  string
	}{
		{"DOMAIN\\user", `CORP\btester`, password, 0, ""},
		{"UPN", "bind.tester@example.com", password, 0, ""},
		{"UPN any case", "BIND.Tester@Example.COM", password, 0, ""},
		{"implicit UPN", "btester@corp.example.com", password, 0, ""},
		{"DN", "CN=Bind Tester," + users, password, 0, ""},
		{"DNS domain\\user", `corp.example.com\btester`, password, 0, ""},
		{"administrator", s.AdminUser(), s.AdminPassword(), 0, ""},
		{"wrong password", `CORP\btester`, "Wrong-Passw0rd", ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"unknown user", `CORP\nobody`, password, ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"unknown domain", `OTHER\btester`, password, ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"alternative suffix is not implicit", "btester@example.com", password, ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"user without a password", `CORP\Guest`, password, ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"disabled", `CORP\dtester`, password, ldap.LDAPResultInvalidCredentials, "data 533"},
		{"disabled, wrong password", `CORP\dtester`, "Wrong-Passw0rd", ldap.LDAPResultInvalidCredentials, "data 52e"},
		{"locked out", `CORP\ltester`, password, ldap.LDAPResultInvalidCredentials, "data 775"},
		{"account expired", `CORP\etester`, password, ldap.LDAPResultInvalidCredentials, "data 701"},
		{"must change password", `CORP\mchange`, password, ldap.LDAPResultInvalidCredentials, "data 773"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := connect(t, s)
			err := c.Bind(tc.user, tc.password)
			if got := resultCode(t, err); got != tc.code {
				t.Fatalf("bind as %s: got result %d (%v), want %d", tc.user, got, err, tc.code)
			}
			if tc.sub != "" && !strings.Contains(err.Error(), "AcceptSecurityContext error, "+tc.sub) {
				t.Fatalf("bind as %s: got %q, want AD's sub-code %q", tc.user, err, tc.sub)
			}
		})
	}
}

func TestBindNeedsTLS(t *testing.T) {
	s := start(t, memdc.Options{})
	l, err := ldap.DialURL(s.LDAPURL())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer l.Close()
	err = l.Bind(s.AdminUser(), s.AdminPassword())
	if got := resultCode(t, err); got != ldap.LDAPResultStrongAuthRequired {
		t.Fatalf("simple bind over plain LDAP: got %d (%v), want strongerAuthRequired (8)", got, err)
	}
	if !strings.Contains(err.Error(), "SSL\\TLS") {
		t.Errorf("got %q, want AD's text about SSL\\TLS", err)
	}
	// Anonymous reads of the rootDSE still work on plain LDAP.
	search(t, l, "", ldap.ScopeBaseObject, "(objectClass=*)", []string{"defaultNamingContext"})

	t.Run("allowed", func(t *testing.T) {
		s := start(t, memdc.Options{AllowPlainBind: true})
		l, err := ldap.DialURL(s.LDAPURL())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer l.Close()
		if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
			t.Fatalf("plain bind with AllowPlainBind: %v", err)
		}
	})
}

func TestAnonymousCanReadOnlyTheRootDSE(t *testing.T) {
	s := start(t, memdc.Options{})
	l := connect(t, s)
	_, err := l.Search(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeWholeSubtree, 0, 0, 0, false, "(objectClass=user)", nil, nil))
	if got := resultCode(t, err); got != ldap.LDAPResultOperationsError || !strings.Contains(err.Error(), "000004DC") {
		t.Fatalf("anonymous search: got %d (%v), want operationsError 000004DC", got, err)
	}
	// A name without a password is an unauthenticated bind: success, but
	// still anonymous (RFC 4513 §5.1.2), as on AD.
	if err := l.UnauthenticatedBind(s.AdminUser()); err != nil {
		t.Fatalf("unauthenticated bind: %v", err)
	}
	_, err = l.Search(ldap.NewSearchRequest(s.BaseDN(), ldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", nil, nil))
	if got := resultCode(t, err); got != ldap.LDAPResultOperationsError {
		t.Fatalf("search after an unauthenticated bind: got %d (%v), want operationsError", got, err)
	}
	err = l.Add(ldap.NewAddRequest("CN=x,"+s.BaseDN(), nil))
	if got := resultCode(t, err); got != ldap.LDAPResultOperationsError {
		t.Fatalf("anonymous add: got %d (%v), want operationsError", got, err)
	}
}

func TestWhoAmI(t *testing.T) {
	s := start(t, memdc.Options{})
	l := bindAs(t, s, s.AdminUPN(), s.AdminPassword())
	res, err := l.WhoAmI(nil)
	if err != nil {
		t.Fatalf("who am I: %v", err)
	}
	if want := "u:CORP\\Administrator"; res.AuthzID != want {
		t.Fatalf("who am I: got %q, want %q", res.AuthzID, want)
	}
	var le *ldap.Error
	if err := l.Bind(`CORP\Administrator`, "Wrong-Passw0rd"); !errors.As(err, &le) {
		t.Fatalf("bad bind: got %v", err)
	}
	res, err = l.WhoAmI(nil)
	if err != nil || res.AuthzID != "" {
		t.Fatalf("who am I after a failed bind: got %q, %v; want anonymous", res.AuthzID, err)
	}
}
