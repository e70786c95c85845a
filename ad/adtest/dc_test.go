package adtest

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestMain(m *testing.M) { Main(m) }

func TestStartServesLDAPSWithVerifiedCA(t *testing.T) {
	dc := Start(t)
	c, err := ldap.DialURL(dc.LDAPSURL(), ldap.DialWithTLSConfig(dc.TLSConfig()))
	if err != nil {
		t.Fatalf("dial %s with the DC's CA: %v", dc.LDAPSURL(), err)
	}
	defer c.Close()
	if err := c.Bind(dc.AdminDownLevel, dc.AdminPassword); err != nil {
		t.Fatalf("bind as %s: %v", dc.AdminDownLevel, err)
	}
	res, err := c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"defaultNamingContext", "dnsHostName"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Entries[0].GetAttributeValue("defaultNamingContext"); got != BaseDN {
		t.Errorf("defaultNamingContext = %q, want %q", got, BaseDN)
	}
	if got := res.Entries[0].GetAttributeValue("dnsHostName"); got != HostName {
		t.Errorf("dnsHostName = %q, want %q", got, HostName)
	}
}

func TestStartTLSOnPlainPort(t *testing.T) {
	dc := Start(t)
	c, err := ldap.DialURL(dc.LDAPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(dc.TLSConfig()); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := c.Bind(dc.AdminUPN, dc.AdminPassword); err != nil {
		t.Fatalf("bind after StartTLS: %v", err)
	}
}

func TestFixtures(t *testing.T) {
	dc := Start(t)
	tests := []struct {
		dn, attr string
		want     []string
	}{
		{AliceDN, "userPrincipalName", []string{"alice@" + AltSuffix}},
		{CarolDN, "userPrincipalName", []string{"carol@" + LocalSuffix}},
		{DaveDN, "userPrincipalName", nil},
		{ErinDN, "userAccountControl", []string{"514"}},
		{JoseDN, "displayName", []string{"José Müller"}},
		{WangDN, "sn", []string{"王"}},
		{SmithDN, "displayName", []string{`Star*(paren)\back`}},
		{FanDN, "sAMAccountName", []string{"fan1"}},
		{AliceDN, "manager", []string{BobDN}},
		{NewsDN, "groupType", []string{"8"}},
		{"CN=Partitions,CN=Configuration," + BaseDN, "uPNSuffixes", []string{AltSuffix, LocalSuffix}},
	}
	for _, tt := range tests {
		t.Run(tt.dn+"/"+tt.attr, func(t *testing.T) {
			got := dc.Attr(t, tt.dn, tt.attr)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := len(dc.Attr(t, LargeDN, "member")); got != LargeGroupSize {
		t.Errorf("large group has %d members, want %d", got, LargeGroupSize)
	}
}

func TestUserPasswordBinds(t *testing.T) {
	dc := Start(t)
	for _, user := range []string{"alice@" + AltSuffix, NetBIOS + `\dave`, CarolDN} {
		t.Run(user, func(t *testing.T) {
			c, err := ldap.DialURL(dc.LDAPSURL(), ldap.DialWithTLSConfig(dc.TLSConfig()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Bind(user, dc.UserPassword); err != nil {
				t.Errorf("bind as %s: %v", user, err)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	dc := Start(t)
	ou := dc.NewOU(t, "")
	if !strings.HasPrefix(ou, "OU=TestHelpers ") {
		t.Errorf("NewOU = %q, want the test name as prefix", ou)
	}
	dc.LoadLDIF(t, "dn: CN=${NAME},"+ou+"\nobjectClass: contact\ndisplayName: ${NAME}\n", map[string]string{"NAME": "Zed"})
	if got := dc.Attr(t, "CN=Zed,"+ou, "displayName"); len(got) != 1 || got[0] != "Zed" {
		t.Errorf("LoadLDIF: displayName = %q, want [Zed]", got)
	}
	dc.Replace(t, "CN=Zed,"+ou, "displayName", "Zed 2")
	if got := dc.Attr(t, "CN=Zed,"+ou, "displayName"); len(got) != 1 || got[0] != "Zed 2" {
		t.Errorf("Replace: displayName = %q, want [Zed 2]", got)
	}
	users := dc.SeedUsers(t, ou, 30)
	if len(users) != 30 {
		t.Fatalf("SeedUsers returned %d DNs, want 30", len(users))
	}
	if got := dc.Attr(t, users[29], "employeeID"); len(got) != 1 || got[0] != "E0000029" {
		t.Errorf("seeded user 29: employeeID = %q, want [E0000029]", got)
	}
	dc.Delete(t, ou)
	if got := dc.Attr(t, ou, "ou"); got != nil {
		t.Errorf("after Delete, %s still has ou %q", ou, got)
	}
}

func TestLeasesAreExclusive(t *testing.T) {
	a, err := leaseAddress()
	if err != nil {
		t.Fatal(err)
	}
	defer a.release()
	b, err := leaseAddress()
	if err != nil {
		t.Fatal(err)
	}
	defer b.release()
	if a.ip == b.ip || a.dir == b.dir {
		t.Errorf("two leases share %s", a.ip)
	}
	if dc := sharedDC; dc != nil && (a.ip == dc.Host || b.ip == dc.Host) {
		t.Errorf("a lease took the running DC's address %s", dc.Host)
	}
}

func TestMissingToolsMessage(t *testing.T) {
	err := &missingToolsError{names: []string{"samba", "ldbadd"}}
	if got := err.Error(); !strings.Contains(got, "samba, ldbadd") || !strings.Contains(got, InstallCommand) {
		t.Errorf("message %q does not name the tools and %q", got, InstallCommand)
	}
}

func TestExpand(t *testing.T) {
	got, err := expand("a ${X} b ${Y}", map[string]string{"X": "1", "Y": "${X}"})
	if err != nil || got != "a 1 b ${X}" {
		t.Errorf("expand = %q, %v", got, err)
	}
	for _, bad := range []string{"${NOPE}", "${unterminated"} {
		if _, err := expand(bad, nil); err == nil {
			t.Errorf("expand(%q) accepted", bad)
		}
	}
}

// TestAdminConnectionReconnects: the helpers' shared connection is dialled
// again when it was lost, as when Samba closes an idle one during a long
// seed, closed (go-ldap noticed) or not yet noticed.
func TestAdminConnectionReconnects(t *testing.T) {
	dc := Start(t)
	ou := dc.NewOU(t, "reconnect")

	// Closed, as go-ldap marks a connection whose server hung up.
	dc.adminConn(t).Close()
	dc.Add(t, "CN=After Close,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {fmt.Sprintf("after-close-%d", dc.seq.next())}})

	// Lost under go-ldap: the socket goes away without a word.
	raw, err := net.Dial("tcp", dc.LDAPSAddr())
	if err != nil {
		t.Fatal(err)
	}
	c := ldap.NewConn(tls.Client(raw, dc.TLSConfig()), true)
	c.Start()
	if err := c.Bind(dc.AdminUPN, dc.AdminPassword); err != nil {
		t.Fatal(err)
	}
	dc.connMu.Lock()
	old := dc.conn
	dc.conn = c
	dc.connMu.Unlock()
	old.Close()
	raw.Close()
	dc.Replace(t, "CN=After Close,"+ou, "displayName", "After Drop")
	if got := dc.Attr(t, "CN=After Close,"+ou, "displayName"); len(got) != 1 || got[0] != "After Drop" {
		t.Errorf("displayName after the drop = %q, want After Drop", got)
	}
	dc.connMu.Lock()
	replaced := dc.conn != c
	dc.connMu.Unlock()
	if !replaced {
		t.Error("the lost connection is still the shared one")
	}
}
