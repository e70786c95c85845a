package live

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/wizard"
)

// suffix returns the row of name, failing the test when there is none.
func suffix(t *testing.T, r wizard.SuffixReport, name string) wizard.Suffix {
	t.Helper()
	for _, s := range r.Suffixes {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no suffix %s in %+v", name, r.Suffixes)
	return wizard.Suffix{}
}

// The states are Entra Connect's
// (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-express#azure-ad-sign-in-configuration),
// and the fallback name follows
// https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-userprincipalname.
func TestSuffixes(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	r, err := w.b.Suffixes(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.adminClient().UPNSuffixes(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Suffixes) != len(want.Suffixes) {
		t.Errorf("got %d suffixes, want %d (%+v)", len(r.Suffixes), len(want.Suffixes), want.Suffixes)
	}
	for _, s := range want.Suffixes {
		if got := suffix(t, r, s.Name); got.Users != s.Users {
			t.Errorf("%s: got %d users, want %d", s.Name, got.Users, s.Users)
		}
	}
	tests := []struct {
		name  string
		state wizard.DomainState
	}{
		{adtest.AltSuffix, wizard.Verified},    // example.com: verified in the tenant
		{adtest.DNSDomain, wizard.NotVerified}, // corp.example.com: added, not verified
		{adtest.LocalSuffix, wizard.NotAdded},  // corp.local: not in the tenant
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := suffix(t, r, tt.name)
			if s.State != tt.state {
				t.Errorf("state: got %s, want %s", s.State, tt.state)
			}
			if s.Users == 0 || !strings.HasSuffix(strings.ToLower(s.ExampleUser), "@"+tt.name) {
				t.Fatalf("example: got %q for %d users, want one of its users", s.ExampleUser, s.Users)
			}
			prefix, _, _ := strings.Cut(s.ExampleUser, "@")
			switch tt.state {
			case wizard.Verified:
				if s.ExampleEntra != s.ExampleUser {
					t.Errorf("in Entra: got %q, want the same UPN %q on a verified domain", s.ExampleEntra, s.ExampleUser)
				}
			default:
				// Samba has no Exchange schema: the mailNickname comes from
				// mail, else the UPN's prefix.
				if !strings.HasSuffix(s.ExampleEntra, "@"+w.srv.InitialDomain) || s.ExampleEntra == prefix+"@"+tt.name {
					t.Errorf("in Entra: got %q for %q, want a name on %s", s.ExampleEntra, s.ExampleUser, w.srv.InitialDomain)
				}
			}
		})
	}
	for _, d := range []string{adtest.AltSuffix, entratest.DefaultDomain, entratest.DefaultInitialDomain} {
		if !slices.Contains(r.VerifiedDomains, d) {
			t.Errorf("verified domains %v lack %s", r.VerifiedDomains, d)
		}
	}
	if slices.Contains(r.VerifiedDomains, adtest.DNSDomain) {
		t.Errorf("verified domains %v hold the unverified %s", r.VerifiedDomains, adtest.DNSDomain)
	}
}

func TestAddSuffix(t *testing.T) {
	w := newWorld(t)
	b := w.backend("addsuffix")
	if err := b.AddSuffix(w.ctx, entratest.DefaultVerifiedDomain); !strings.Contains(asProblem(t, err).Fix, "connect to AD DS") {
		t.Errorf("without CheckAD: got %v, want a problem asking to connect first", err)
	}
	w.admins(b)
	t.Cleanup(func() {
		if err := w.adminClient().RemoveUPNSuffix(w.ctx, entratest.DefaultVerifiedDomain); err != nil {
			t.Errorf("remove the suffix again: %v", err)
		}
	})
	if err := b.AddSuffix(w.ctx, " "+strings.ToUpper(entratest.DefaultVerifiedDomain)+" "); err != nil {
		t.Fatal(err)
	}
	if err := b.AddSuffix(w.ctx, entratest.DefaultVerifiedDomain); err != nil {
		t.Errorf("adding it again: got %v, want nothing done", err)
	}
	got := w.dc.Attr(t, "CN=Partitions,CN=Configuration,"+adtest.BaseDN, "uPNSuffixes")
	if !slices.Contains(got, entratest.DefaultVerifiedDomain) {
		t.Errorf("uPNSuffixes: got %v, want %s", got, entratest.DefaultVerifiedDomain)
	}
	r, err := b.Suffixes(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := suffix(t, r, entratest.DefaultVerifiedDomain); s.State != wizard.Verified || s.Users != 0 || s.ExampleUser != "" {
		t.Errorf("the new suffix: got %+v, want verified with no users", s)
	}
	for _, bad := range []string{"not a suffix", "localhost", "-x.example"} {
		if err := b.AddSuffix(w.ctx, bad); err == nil {
			t.Errorf("AddSuffix(%q): got success, want a problem", bad)
		} else {
			asProblem(t, err)
		}
	}
}

func TestUPNMove(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	seq := hostSeq.Add(1)
	from, to := fmt.Sprintf("from%d.example", seq), fmt.Sprintf("to%d.example", seq)
	ann := w.addUser(ou, "Ann Move", fmt.Sprint("annmove", seq), "ann@"+from, nil)
	ben := w.addUser(ou, "Ben Move", fmt.Sprint("benmove", seq), "ben@"+from, nil)
	cat := w.addUser(ou, "Cat Move", fmt.Sprint("catmove", seq), "cat@"+from, nil)
	w.addUser(ou, "Cat Taken", fmt.Sprint("cattaken", seq), "cat@"+to, nil) // holds cat's new UPN

	if _, err := w.b.PlanUPNMove(w.ctx, from, to); !strings.Contains(asProblem(t, err).Fix, "add "+to+" to AD first") {
		t.Errorf("to a suffix AD lacks: got %v, want a problem saying to add it first", err)
	}
	if err := w.b.AddSuffix(w.ctx, to); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.dc.Delete(t, ou)
		if err := w.adminClient().RemoveUPNSuffix(w.ctx, to); err != nil {
			t.Errorf("remove %s: %v", to, err)
		}
	})
	changes, err := w.b.PlanUPNMove(w.ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.From+" -> "+c.To+" "+c.Conflict)
	}
	slices.Sort(got)
	want := []string{"ann@" + from + " -> ann@" + to + " ", "ben@" + from + " -> ben@" + to + " ",
		"cat@" + from + " -> cat@" + to + " CN=Cat Taken," + ou + " already has the UPN cat@" + to}
	if !slices.Equal(got, want) {
		t.Fatalf("plan: got %q, want %q (cat's new UPN is taken: listed with why)", got, want)
	}
	if upn := w.dc.Attr(t, ann, "userPrincipalName"); upn[0] != "ann@"+from {
		t.Errorf("planning changed AD: %s has %v", ann, upn)
	}
	n, err := w.b.ApplyUPNMove(w.ctx, changes)
	if err != nil || n != 2 {
		t.Fatalf("apply: got %d, %v, want 2 applied and cat's skipped", n, err)
	}
	for dn, upn := range map[string]string{ann: "ann@" + to, ben: "ben@" + to, cat: "cat@" + from} {
		if got := w.dc.Attr(t, dn, "userPrincipalName"); len(got) != 1 || got[0] != upn {
			t.Errorf("%s: got %v, want %s", dn, got, upn)
		}
	}
	// Applying the same plan again is refused: the UPNs changed since.
	n, err = w.b.ApplyUPNMove(w.ctx, changes)
	if err == nil || n != 0 {
		t.Errorf("stale plan: got %d, %v, want 0 applied and an error", n, err)
	}
}
