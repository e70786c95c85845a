package live

import (
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// Soft match (adopting a cloud user with the same UPN or mail) follows
// https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant.
func TestSoftMatches(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	// adele.vance@contoso.com and lee.gu@contoso.com are cloud users of
	// the default tenant; contoso.com is verified, so the UPN is kept.
	w.addUser(ou, "Adele Vance", "adele"+w.b.opts.Host, "adele.vance@"+entratest.DefaultDomain, nil)
	w.addUser(ou, "Lee Gu", "lee"+w.b.opts.Host, "lee.gu.onprem@"+entratest.DefaultDomain, map[string][]string{"mail": {"lee.gu@" + entratest.DefaultDomain}})
	w.addUser(ou, "Nobody Matches", "nobody"+w.b.opts.Host, "nobody@"+entratest.DefaultDomain, nil)

	// Before Install, without an administrator session, there is no one
	// to read the cloud users as.
	cfg := w.config(w.b.tenant, ou)
	cfg.Sync.SoftMatch = []string{sync.AttrUserPrincipalName, sync.AttrMail}
	nobody := w.backend("softmatch-nobody")
	if _, err := nobody.CheckAD(w.ctx, w.connection(), wizard.Credentials{User: w.dc.AdminDownLevel, Password: w.dc.AdminPassword}); err != nil {
		t.Fatal(err)
	}
	_, err := nobody.SoftMatches(w.ctx, cfg)
	if p := asProblem(t, err); !strings.Contains(p.Fix, "sign in to Entra ID") {
		t.Errorf("before Install, not signed in: got %q (fix %q), want a fix asking to sign in", p.Error(), p.Fix)
	}
	// Before Install, the administrator's session reads them: the
	// emulator grants users reads to the delegated scopes Graph
	// documents, and the tenant consented to entra.AdminScopes only.
	before, err := w.b.SoftMatches(w.ctx, cfg)
	if err != nil {
		t.Fatalf("before Install: %v", err)
	}
	wantBefore := map[string]string{"adele.vance@contoso.com": sync.AttrUserPrincipalName, "lee.gu.onprem@contoso.com": sync.AttrMail}
	if len(before) != len(wantBefore) {
		t.Errorf("before Install: got %+v, want %v", before, wantBefore)
	}
	for _, m := range before {
		if wantBefore[m.AD] != m.MatchOn || m.Blocked != "" {
			t.Errorf("before Install: match %+v, want on %q, not blocked", m, wantBefore[m.AD])
		}
	}
	cfg, _ = w.configure(w.b, w.b.tenant, ou)

	tests := []struct {
		name    string
		on      []string
		want    map[string]string // AD UPN → match attribute
		blocked bool
	}{
		{"soft match off", nil, map[string]string{"adele.vance@contoso.com": sync.AttrUserPrincipalName, "lee.gu.onprem@contoso.com": sync.AttrMail}, true},
		{"on userPrincipalName", []string{sync.AttrUserPrincipalName}, map[string]string{"adele.vance@contoso.com": sync.AttrUserPrincipalName}, false},
		{"on both", []string{sync.AttrUserPrincipalName, sync.AttrMail},
			map[string]string{"adele.vance@contoso.com": sync.AttrUserPrincipalName, "lee.gu.onprem@contoso.com": sync.AttrMail}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			c.Sync.SoftMatch = tt.on
			got, err := w.b.SoftMatches(w.ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %v", got, tt.want)
			}
			for _, m := range got {
				if tt.want[m.AD] != m.MatchOn || m.Kind != "user" || (m.Blocked != "") != tt.blocked {
					t.Errorf("match %+v: want on %q, blocked %v", m, tt.want[m.AD], tt.blocked)
				}
				wantEntra := strings.Replace(m.AD, ".onprem", "", 1)
				if m.Entra != wantEntra {
					t.Errorf("match of %s: got Entra object %q, want %q", m.AD, m.Entra, wantEntra)
				}
			}
		})
	}
	// The preview wrote nothing: the cloud users are not adopted.
	if u, ok := w.srv.UserByUPN("adele.vance@" + entratest.DefaultDomain); !ok || u.String("onPremisesImmutableId") != "" {
		t.Errorf("the preview changed Adele in Entra: %+v", u.Properties)
	}
}
