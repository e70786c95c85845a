package memdc_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

func TestTLSVerifiesWithTheExportedCA(t *testing.T) {
	s := start(t, memdc.Options{})
	pemBytes, err := os.ReadFile(s.CAFile())
	if err != nil {
		t.Fatalf("read CA file: %v", err)
	}
	if string(pemBytes) != string(s.CAPEM()) {
		t.Fatalf("CA file and CAPEM differ")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CA file %s holds no certificate", s.CAFile())
	}
	for _, name := range []string{"127.0.0.1", s.FQDN()} {
		t.Run("ldaps "+name, func(t *testing.T) {
			l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: name}))
			if err != nil {
				t.Fatalf("LDAPS with the exported CA: %v", err)
			}
			defer l.Close()
			if err := l.Bind(s.AdminUPN(), s.AdminPassword()); err != nil {
				t.Fatalf("bind over LDAPS: %v", err)
			}
		})
		t.Run("starttls "+name, func(t *testing.T) {
			l, err := ldap.DialURL(s.LDAPURL())
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer l.Close()
			if err := l.StartTLS(&tls.Config{RootCAs: pool, ServerName: name}); err != nil {
				t.Fatalf("StartTLS: %v", err)
			}
			if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
				t.Fatalf("bind after StartTLS: %v", err)
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		_, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(&tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"}))
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("got %v, want an unknown-authority error", err)
		}
	})
	t.Run("wrong name", func(t *testing.T) {
		_, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig("dc9.elsewhere.example")))
		var hostname x509.HostnameError
		if !errors.As(err, &hostname) {
			t.Fatalf("got %v, want a host-name error", err)
		}
	})
	t.Run("starttls twice", func(t *testing.T) {
		l := connect(t, s)
		err := l.StartTLS(s.TLSConfig("127.0.0.1"))
		if err == nil {
			t.Fatalf("StartTLS on an LDAPS connection succeeded, want an error")
		}
	})
}

func TestRootDSEAnonymous(t *testing.T) {
	s := start(t, memdc.Options{Realm: "ad.test.example", NetBIOS: "ADTEST"})
	l := connect(t, s)
	e := get(t, l, "")
	base := "DC=ad,DC=test,DC=example"
	want := map[string]string{
		"defaultNamingContext":       base,
		"rootDomainNamingContext":    base,
		"configurationNamingContext": "CN=Configuration," + base,
		"schemaNamingContext":        "CN=Schema,CN=Configuration," + base,
		"dnsHostName":                "dc1.ad.test.example",
		"serverName":                 "CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration," + base,
		"dsServiceName":              "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration," + base,
		"domainFunctionality":        "7",
	}
	for attr, v := range want {
		if got := e.GetAttributeValue(attr); got != v {
			t.Errorf("rootDSE %s: got %q, want %q", attr, got, v)
		}
	}
	if got := e.GetAttributeValues("namingContexts"); len(got) != 3 {
		t.Errorf("namingContexts: got %v, want the domain, configuration and schema NCs", got)
	}
	controls := strings.Join(e.GetAttributeValues("supportedControl"), " ")
	for _, oid := range []string{ldap.ControlTypePaging, ldap.ControlTypeDirSync, ldap.ControlTypeMicrosoftSDFlags, ldap.ControlTypeMicrosoftShowDeleted} {
		if !strings.Contains(controls, oid) {
			t.Errorf("supportedControl lacks %s", oid)
		}
	}
	if usn := e.GetAttributeValue("highestCommittedUSN"); usn == "" || usn == "0" {
		t.Errorf("highestCommittedUSN: got %q, want a positive number", usn)
	}
	// Explicit attributes: only those come back.
	e = get(t, l, "", "dnsHostName")
	if len(e.Attributes) != 1 || e.Attributes[0].Name != "dnsHostName" {
		t.Errorf("rootDSE with one attribute asked: got %v", e.Attributes)
	}
	// NTDS Settings holds invocationId (16 bytes) for delta bookkeeping.
	l2 := admin(t, s)
	ntds := get(t, l2, want["dsServiceName"], "invocationId", "objectGUID")
	if got := len(ntds.GetRawAttributeValue("invocationId")); got != 16 {
		t.Errorf("invocationId: got %d bytes, want 16", got)
	}
}

func TestRealmValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts memdc.Options
		want string
	}{
		{"one label", memdc.Options{Realm: "corp"}, "two or more labels"},
		{"bad characters", memdc.Options{Realm: "corp_1.example.com"}, "DNS name"},
		{"long NetBIOS", memdc.Options{NetBIOS: "ABCDEFGHIJKLMNOPQ"}, "15 characters"},
		{"bad IP", memdc.Options{ListenIP: "localhost"}, "not an IP address"},
		{"weak admin password", memdc.Options{AdminPassword: "password"}, "complexity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := memdc.Start(tc.opts)
			if err == nil {
				s.Close()
				t.Fatalf("Start succeeded, want an error mentioning %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestCloseEndsConnectionsAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := memdc.Start(memdc.Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var conns []*ldap.Conn
	for i := 0; i < 5; i++ {
		l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig("127.0.0.1")))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
			t.Fatalf("bind: %v", err)
		}
		conns = append(conns, l)
	}
	raw, err := net.Dial("tcp", s.LDAPAddr()) // a client that never sends anything
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer raw.Close()
	caDir := s.CAFile()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(caDir); !os.IsNotExist(err) {
		t.Errorf("the temporary CA file %s survived Close (stat: %v)", caDir, err)
	}
	if _, err := conns[0].Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", nil, nil)); err == nil {
		t.Errorf("search on a connection to a closed server succeeded")
	}
	for _, l := range conns {
		l.Close()
	}
	if _, err := net.DialTimeout("tcp", s.LDAPSAddr(), time.Second); err == nil {
		t.Errorf("the LDAPS port still accepts connections after Close")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before Start, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
