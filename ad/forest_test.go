package ad

import (
	"context"
	"errors"
	"testing"
)

func TestForest(t *testing.T) {
	dc, c := admin(t)
	f, err := c.Forest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rootSID, err := SIDFromBytes([]byte(dc.Attr(t, dc.BaseDN, "objectSid")[0]))
	if err != nil {
		t.Fatal(err)
	}
	want := Domain{DN: dc.BaseDN, DNSName: dc.DNSDomain, NetBIOS: dc.NetBIOS, SID: rootSID}
	if !sameDomain(f.Root, want) {
		t.Errorf("Root = %+v, want %+v", f.Root, want)
	}
	if len(f.Domains) != 1 || !sameDomain(f.Domains[0], want) {
		t.Errorf("Domains = %+v, want just the root", f.Domains)
	}
	if f.ConfigurationDN != "CN=Configuration,"+dc.BaseDN || f.SchemaDN != "CN=Schema,CN=Configuration,"+dc.BaseDN {
		t.Errorf("ConfigurationDN, SchemaDN = %q, %q", f.ConfigurationDN, f.SchemaDN)
	}
	if f.DefaultDomain != dc.BaseDN || f.FunctionalLevel < 2 || len(f.NamingContexts) < 3 {
		t.Errorf("DefaultDomain %q, FunctionalLevel %d, NamingContexts %q", f.DefaultDomain, f.FunctionalLevel, f.NamingContexts)
	}
	if f.DC.DNSHostName != dc.HostName || f.DC.HighestCommittedUSN <= 0 {
		t.Errorf("DC = %+v, want host %s and a USN", f.DC, dc.HostName)
	}
	inv := dc.Attr(t, f.DC.NTDSSettingsDN, "invocationId")
	if len(inv) != 1 || GUID([]byte(inv[0])) != f.DC.InvocationID || f.DC.InvocationID == f.DC.DSAGUID {
		t.Errorf("InvocationID = %v, want the invocationId of %s, distinct from the DSA GUID %v", f.DC.InvocationID, f.DC.NTDSSettingsDN, f.DC.DSAGUID)
	}
	for _, name := range []string{dc.NetBIOS, "corp.EXAMPLE.com", dc.BaseDN} {
		if d, ok := f.Domain(name); !ok || d.DN != dc.BaseDN {
			t.Errorf("Domain(%q) = %+v, %v", name, d, ok)
		}
	}
	if _, ok := f.Domain("other"); ok {
		t.Error("Domain(other) found a domain")
	}
}

func TestForestAsUserAndAnonymous(t *testing.T) {
	dc, _ := admin(t)
	user := dial(t, userOptions(dc, "bob@"+dc.DNSDomain))
	if f, err := user.Forest(context.Background()); err != nil || f.Root.DN != dc.BaseDN {
		t.Errorf("Forest as a plain user = %+v, %v", f.Root, err)
	}
	anon := dial(t, Options{Host: dc.Host, RootCAs: dc.CAPool})
	dse, err := anon.RootDSE(context.Background())
	if err != nil || !dse.Supports("1.2.840.113556.1.4.841") || !dse.Supports("1.2.840.113556.1.4.319") {
		t.Errorf("anonymous RootDSE: %v; controls %q lack DirSync or paging", err, dse.SupportedControls)
	}
	if _, err := anon.Forest(context.Background()); err == nil {
		t.Error("Forest worked anonymously; Samba should refuse to show CN=Partitions")
	}
}

func TestCanceledContext(t *testing.T) {
	_, c := admin(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Forest(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Forest with a canceled context: %v, want context.Canceled", err)
	}
}

func TestParseExtendedDN(t *testing.T) {
	tests := []struct{ in, guid, sid, dn string }{
		{"<GUID=62e158df-c25f-4dd4-95a5-910d9122202c>;<SID=S-1-5-21-1-2-3>;DC=corp,DC=example,DC=com",
			"62e158df-c25f-4dd4-95a5-910d9122202c", "S-1-5-21-1-2-3", "DC=corp,DC=example,DC=com"},
		{"<GUID=x>;CN=Configuration,DC=c", "x", "", "CN=Configuration,DC=c"},
		{"DC=plain", "", "", "DC=plain"},
		{"<broken", "", "", "<broken"},
	}
	for _, tt := range tests {
		got := parseExtendedDN(tt.in)
		if got.guid != tt.guid || got.sid != tt.sid || got.dn != tt.dn {
			t.Errorf("parseExtendedDN(%q) = %+v, want {%s %s %s}", tt.in, got, tt.guid, tt.sid, tt.dn)
		}
	}
}

func sameDomain(a, b Domain) bool {
	return a.DN == b.DN && a.DNSName == b.DNSName && a.NetBIOS == b.NetBIOS && a.SID.Equal(b.SID)
}
