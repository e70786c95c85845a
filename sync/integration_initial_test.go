package sync

import (
	"slices"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestIntegrationInitialSync syncs a small company (testdata/integration/
// company.ldif) into an empty tenant and checks every user and group as
// the tenant holds it; then a delta and a full run find nothing to do.
func TestIntegrationInitialSync(t *testing.T) {
	h := newHarness(t)
	h.seed("company.ldif")
	initial := h.srv.InitialDomain

	sum := h.run(RunFull)
	if sum.Counts.Created != 9 || sum.Counts.NotCreatable != 2 || sum.Counts.InScope != 9 {
		t.Errorf("counts = %+v, want 9 created (6 users, 3 security groups), 9 in scope, 2 not creatable (a contact, a distribution group)", sum.Counts)
	}

	staff := func(cn string) string { return h.dn(cn, "Staff") }
	groups := func(cn string) string { return h.dn(cn, "Groups") }
	ann := h.user(h.anchor(staff("Ann Archer")))
	wantAnn := map[string]string{
		"userPrincipalName": h.upn("ann", adtest.DNSDomain), "displayName": "Ann Archer", "givenName": "Ann", "surname": "Archer",
		"mail": h.upn("ann", adtest.DNSDomain), "mailNickname": h.prefix + "ann", "jobTitle": "CTO", "department": "R&D",
		"companyName": "Corp Example", "officeLocation": "HQ 4.01", "streetAddress": "1 Main Street", "city": "Paris",
		"state": "IDF", "postalCode": "75001", "country": "France", "usageLocation": "FR", "mobilePhone": "+33 6 12 34 56 78",
		"employeeId": "E001",
	}
	for k, want := range wantAnn {
		if got := ann.String(k); got != want {
			t.Errorf("Ann's %s = %q, want %q", k, got, want)
		}
	}
	if got, _ := ann.Properties["businessPhones"].([]any); len(got) != 1 || got[0] != "+33 1 23 45 67 89" {
		t.Errorf("Ann's businessPhones = %v, want [+33 1 23 45 67 89]", ann.Properties["businessPhones"])
	}
	if !ann.Bool("accountEnabled") {
		t.Error("Ann is disabled in Entra, want enabled")
	}

	ben := h.user(h.anchor(staff("Ben Baker")))
	if got := h.manager(ben.ID); got != ann.ID {
		t.Errorf("Ben's manager = %q, want Ann (%s)", got, ann.ID)
	}
	upns := []struct{ cn, want, why string }{
		{"Cat Cole", h.prefix + "catherine.cole@" + initial, "unverified suffix: mailNickname (from mail) @ initial domain"},
		{"Dan Dunn", h.prefix + "dan@" + initial, ".local suffix: mailNickname (from the UPN) @ initial domain"},
		{"Eve Evans", h.upn("eve", adtest.DNSDomain), "verified suffix: kept"},
		{"Fay Fox", h.upn("fay", adtest.DNSDomain), "no UPN: sAMAccountName@domain"},
	}
	for _, c := range upns {
		if got := h.user(h.anchor(staff(c.cn))).String("userPrincipalName"); got != c.want {
			t.Errorf("%s: userPrincipalName = %q, want %q (%s)", c.cn, got, c.want, c.why)
		}
	}
	if h.user(h.anchor(staff("Eve Evans"))).Bool("accountEnabled") {
		t.Error("Eve (userAccountControl 514) is enabled in Entra, want disabled")
	}

	leads := h.group(h.anchor(groups("Leads")))
	if leads.String("displayName") != "Leads" || leads.Bool("mailEnabled") || !leads.Bool("securityEnabled") {
		t.Errorf("Leads = %v, want a security group named Leads, not mail-enabled", leads.Properties)
	}
	if got, want := h.memberAnchors(leads), []string{h.anchor(staff("Ann Archer"))}; !slices.Equal(got, want) {
		t.Errorf("Leads members = %v, want Ann %v", got, want)
	}
	eng := h.group(h.anchor(groups("Engineering")))
	want := []string{h.anchor(staff("Ben Baker")), h.anchor(staff("Cat Cole")), h.anchor(groups("Leads"))}
	slices.Sort(want)
	if got := h.memberAnchors(eng); !slices.Equal(got, want) {
		t.Errorf("Engineering members = %v, want Ben, Cat and the Leads group %v", got, want)
	}
	if got := h.memberAnchors(h.group(h.anchor(groups("Empty")))); len(got) != 0 {
		t.Errorf("Empty has members %v, want none", got)
	}
	for _, g := range h.srv.Groups() {
		if g.String("displayName") == "Newsletter" {
			t.Error("the mail-enabled distribution group Newsletter was created, want it counted as not creatable")
		}
	}
	for _, u := range h.srv.Users() {
		if u.String("displayName") == "Pat Partner" {
			t.Error("the contact Pat Partner was created as a user")
		}
	}
	// 6 synced users besides the tenant's cloud users.
	if got, want := len(h.srv.Users()), len(entratest.DefaultTenant().Users)+6; got != want {
		t.Errorf("the tenant has %d users, want %d", got, want)
	}

	// Converged: neither a delta nor a full run (which reads the tenant
	// back, group anchors included) writes anything.
	for _, kind := range []RunKind{RunDelta, RunFull} {
		mark := h.mark()
		s := h.run(kind)
		if w := h.writesSince(mark); len(w) > 0 || s.Counts.Planned != 0 {
			t.Errorf("%s run after the initial sync: %d changes planned, %d writes (%v), want none", kind, s.Counts.Planned, len(w), w)
		}
	}
}
