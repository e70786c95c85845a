package ad

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/go-ldap/ldap/v3"
)

// collect enumerates opts and returns the objects by sAMAccountName (or
// DN for contacts) and the stats.
func collect(t *testing.T, c *Client, opts EnumerateOptions) (map[string]Object, EnumerateStats) {
	t.Helper()
	got := map[string]Object{}
	st, err := c.Enumerate(context.Background(), opts, func(o Object) error {
		key := o.SAMAccountName
		if key == "" {
			key = o.DN
		}
		got[key] = o
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func TestEnumerateFixtures(t *testing.T) {
	_, c := admin(t)
	got, st := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{adtest.FixturesOU}, Exclude: []string{adtest.ExcludedOU}}})
	wantUsers := []string{"alice", "bob", "carol", "dave", "erin", "jmuller", "wxiaoming", "jsmith", "fan1"}
	wantGroups := []string{"Sales", "Staff", "AllCompany", "Newsletter", "Empty", "LargeGroup"}
	for _, n := range append(wantUsers, wantGroups...) {
		if _, ok := got[n]; !ok {
			t.Errorf("%s missing", n)
		}
	}
	for _, n := range []string{"harry", "WS01$"} {
		if _, ok := got[n]; ok {
			t.Errorf("%s enumerated: excluded OU or computer", n)
		}
	}
	want := EnumerateStats{Objects: len(wantUsers) + adtest.LargeGroupSize + len(wantGroups) + 1, Users: len(wantUsers) + adtest.LargeGroupSize,
		Groups: len(wantGroups), Contacts: 1, OutOfScope: 1}
	if st.Objects != want.Objects || st.Users != want.Users || st.Groups != want.Groups || st.Contacts != want.Contacts || st.OutOfScope != want.OutOfScope {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	for _, o := range got {
		if len(o.Warnings) > 0 {
			t.Errorf("%s: warnings %q", o.DN, o.Warnings)
		}
	}
	if st.Pages < 4 || st.Warnings != 0 {
		t.Errorf("%d pages for %d objects with page size %d, %d warnings", st.Pages, st.Objects, DefaultPageSize, st.Warnings)
	}
	if pat, ok := got[adtest.PatDN]; !ok || pat.Kind != KindContact || pat.Mail != "pat@partner.example" || !pat.SID.IsZero() {
		t.Errorf("contact = %+v", pat)
	}
}

func TestEnumerateAttributes(t *testing.T) {
	_, c := admin(t)
	got, _ := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{adtest.PeopleOU, adtest.GroupsOU}}})
	a := got["alice"]
	checks := []struct{ name, got, want string }{
		{"Kind", a.Kind.String(), "user"},
		{"UPN", a.UserPrincipalName, "alice@" + adtest.AltSuffix},
		{"DisplayName", a.DisplayName, "Alice Adams"},
		{"GivenName", a.GivenName, "Alice"},
		{"Surname", a.Surname, "Adams"},
		{"Mail", a.Mail, "alice@" + adtest.AltSuffix},
		{"ProxyAddresses", strings.Join(a.ProxyAddresses, ","), "SMTP:alice@" + adtest.AltSuffix + ",smtp:alice@" + adtest.DNSDomain},
		{"Title", a.Title, "Account Executive"},
		{"Department", a.Department, "Sales"},
		{"Company", a.Company, "Example Corp"},
		{"Office", a.Office, "Building 1"},
		{"StreetAddress", a.StreetAddress, "1 Main Street"},
		{"City", a.City, "Springfield"},
		{"State", a.State, "IL"},
		{"PostalCode", a.PostalCode, "62701"},
		{"Country", a.Country, "US"},
		{"CountryName", a.CountryName, "United States"},
		{"TelephoneNumber", a.TelephoneNumber, "+1 217 555 0100"},
		{"Mobile", a.Mobile, "+1 217 555 0101"},
		{"EmployeeID", a.EmployeeID, "E0001"},
		{"Manager", a.Manager, adtest.BobDN},
		{"MailNickname (not in Samba's schema)", a.MailNickname, ""},
		{"ConsistencyGUID", GUID(a.ConsistencyGUID).String(), adtest.AliceConsistencyGUID},
		{"José", got["jmuller"].DisplayName, "José Müller"},
		{"王", got["wxiaoming"].Surname, "王"},
		{"specials", got["jsmith"].DisplayName, `Star*(paren)\back`},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if a.GUID.IsZero() || a.SID.IsZero() || a.USNChanged == 0 || time.Since(a.WhenChanged) > 24*time.Hour || a.CriticalSystemObject || a.Disabled() {
		t.Errorf("GUID %v SID %v USN %d whenChanged %v critical %v disabled %v", a.GUID, a.SID, a.USNChanged, a.WhenChanged, a.CriticalSystemObject, a.Disabled())
	}
	if !got["erin"].Disabled() || got["jmuller"].UserAccountControl != UACNormalAccount|UACDontExpirePassword {
		t.Errorf("erin UAC %d, jmuller UAC %d", got["erin"].UserAccountControl, got["jmuller"].UserAccountControl)
	}
	if got["dave"].UserPrincipalName != "" {
		t.Errorf("dave's UPN = %q, want none", got["dave"].UserPrincipalName)
	}
	if !dnEqual(got["jsmith"].DN, adtest.SmithDN) || !dnEqual(got["fan1"].DN, adtest.FanDN) {
		t.Errorf("special DNs: %q, %q", got["jsmith"].DN, got["fan1"].DN)
	}
	groups := []struct {
		sam      string
		security bool
		members  []string
	}{
		{"Sales", true, []string{adtest.AliceDN, adtest.BobDN}},
		{"Staff", true, []string{adtest.SalesDN, adtest.CarolDN, adtest.JoseDN}},
		{"AllCompany", true, []string{adtest.StaffDN}},
		{"Newsletter", false, []string{adtest.AliceDN, adtest.PatDN}},
		{"Empty", true, nil},
	}
	for _, g := range groups {
		o := got[g.sam]
		if o.Kind != KindGroup || o.SecurityGroup() != g.security || !sameDNs(o.Members, g.members) {
			t.Errorf("%s: kind %v security %v members %q; want security %v members %q", g.sam, o.Kind, o.SecurityGroup(), o.Members, g.security, g.members)
		}
	}
	if got["Newsletter"].Mail != "newsletter@"+adtest.AltSuffix {
		t.Errorf("distribution group mail = %q", got["Newsletter"].Mail)
	}
	// References carry the objectGUID they point to (extended-DN control),
	// in the order of the DNs; the objects' own DNs are plain.
	if a.ManagerGUID != got["bob"].GUID {
		t.Errorf("Alice's ManagerGUID = %v, want Bob's %v", a.ManagerGUID, got["bob"].GUID)
	}
	byDN := map[string]GUID{}
	for _, o := range got {
		byDN[strings.ToLower(o.DN)] = o.GUID
		if strings.HasPrefix(o.DN, "<") {
			t.Errorf("object DN %q is in the extended form", o.DN)
		}
	}
	for _, sam := range []string{"Sales", "Staff", "AllCompany"} {
		g := got[sam]
		if len(g.MemberGUIDs) != len(g.Members) {
			t.Fatalf("%s: %d member GUIDs for %d members", sam, len(g.MemberGUIDs), len(g.Members))
		}
		for i, m := range g.Members {
			if want := byDN[strings.ToLower(m)]; g.MemberGUIDs[i] != want || want.IsZero() {
				t.Errorf("%s: member %s has GUID %v, want %v", sam, m, g.MemberGUIDs[i], want)
			}
		}
	}
}

// TestEnumerateDescription reads description, which groups sync to Entra.
func TestEnumerateDescription(t *testing.T) {
	dc, c := admin(t)
	ou := dc.NewOU(t, "descriptions")
	dc.Add(t, "CN=Described,"+ou, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {"described-group"}, "description": {"What the group is for"}})
	dc.Add(t, "CN=Plain,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"plain-user"}, "description": {"A user's description"}})
	dc.Add(t, "CN=Bare,"+ou, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {"bare-group"}})
	got, _ := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{ou}}})
	for sam, want := range map[string]string{"described-group": "What the group is for", "plain-user": "A user's description", "bare-group": ""} {
		if d := got[sam].Description; d != want {
			t.Errorf("%s: Description = %q, want %q", sam, d, want)
		}
	}
}

func TestEnumerateLargeGroupUsesRangedRetrieval(t *testing.T) {
	_, c := admin(t)
	var ranges []string
	c.trace = func(r *ldap.SearchRequest) {
		for _, a := range r.Attributes {
			if strings.HasPrefix(a, "member;range=") {
				ranges = append(ranges, a)
			}
		}
	}
	got, _ := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{adtest.LargeOU}}, Kinds: []Kind{KindGroup}})
	lg := got["LargeGroup"]
	if len(lg.Members) != adtest.LargeGroupSize {
		t.Fatalf("large group has %d members, want %d", len(lg.Members), adtest.LargeGroupSize)
	}
	seen := map[string]bool{}
	for i, m := range lg.Members {
		if seen[strings.ToLower(m)] {
			t.Fatalf("member %s read twice", m)
		}
		seen[strings.ToLower(m)] = true
		if strings.HasPrefix(m, "<") || lg.MemberGUIDs[i].IsZero() {
			t.Fatalf("member %d: DN %q, GUID %v; want a plain DN and its GUID (the later ranges too)", i, m, lg.MemberGUIDs[i])
		}
	}
	if want := []string{"member;range=0-1499", "member;range=1500-2999"}; !slices.Equal(ranges, want) {
		t.Errorf("requested ranges %q, want %q", ranges, want)
	}
}

// TestEnumeratePagesForReal checks the paging loop against Samba, which
// would return everything unpaged: every request carries the paging
// control with the page size, a cookie goes back after the first page,
// and no page is larger than asked.
func TestEnumeratePagesForReal(t *testing.T) {
	_, c := admin(t)
	var controls []*ldap.ControlPaging
	c.trace = func(r *ldap.SearchRequest) {
		if p, ok := ldap.FindControl(r.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
			controls = append(controls, p)
		} else if r.Scope == ldap.ScopeWholeSubtree {
			t.Errorf("subtree search of %s without the paging control", r.BaseDN)
		}
	}
	var perPage []int // entries received after each request
	st, err := c.Enumerate(context.Background(), EnumerateOptions{Scope: Scope{Include: []string{adtest.PeopleOU}}, Kinds: []Kind{KindUser}, PageSize: 2},
		func(Object) error {
			for len(perPage) < len(controls) {
				perPage = append(perPage, 0)
			}
			perPage[len(perPage)-1]++
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if st.Users != 10 {
		t.Fatalf("%d users, want 10 (9 + harry)", st.Users)
	}
	// Samba may end with an empty page after the last full one.
	if st.Pages < 5 || st.Pages != len(controls) {
		t.Fatalf("%d pages and %d paging controls for 10 users at 2 a page, want 5 or more", st.Pages, len(controls))
	}
	for i, n := range perPage {
		if n > 2 {
			t.Errorf("page %d held %d entries, want at most 2", i, n)
		}
	}
	for i, p := range controls {
		if p.PagingSize != 2 {
			t.Errorf("page %d asked for %d entries, want 2", i, p.PagingSize)
		}
		if (i == 0) != (len(p.Cookie) == 0) {
			t.Errorf("page %d cookie %x: want empty only on the first page", i, p.Cookie)
		}
	}
}

// TestEnumerateConnectionLostBetweenPages closes the connection while a
// page is read, as a DC restart does: go-ldap then ends the next page with
// no entry and no error, which must not pass for the end of the directory.
func TestEnumerateConnectionLostBetweenPages(t *testing.T) {
	_, c := admin(t)
	seen := 0
	_, err := c.Enumerate(context.Background(), EnumerateOptions{Scope: Scope{Include: []string{adtest.PeopleOU}}, Kinds: []Kind{KindUser}, PageSize: 2},
		func(Object) error {
			if seen++; seen == 3 {
				c.conn.Close()
			}
			return nil
		})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Enumerate after the connection closed at entry 3 of 10: err = %v, want ErrUnreachable", err)
	}
	if seen >= 10 {
		t.Errorf("%d entries seen after the connection closed, want fewer than 10", seen)
	}
}

func TestEnumerateCriticalSystemObjects(t *testing.T) {
	dc, c := admin(t)
	got, _ := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{"CN=Users," + dc.BaseDN}}})
	for _, n := range []string{"Administrator", "krbtgt", "Domain Admins", "Domain Users"} {
		if o, ok := got[n]; !ok || !o.CriticalSystemObject {
			t.Errorf("%s: found %v, critical %v; want a critical system object", n, ok, o.CriticalSystemObject)
		}
	}
	if rid := got["Domain Admins"].SID.RID(); rid != RIDDomainAdmins {
		t.Errorf("Domain Admins RID %d", rid)
	}
}

func TestEnumerateKindsAndStop(t *testing.T) {
	_, c := admin(t)
	got, st := collect(t, c, EnumerateOptions{Scope: Scope{Include: []string{adtest.FixturesOU}}, Kinds: []Kind{KindContact}})
	if len(got) != 1 || st.Contacts != 1 || st.Users+st.Groups != 0 {
		t.Errorf("contacts only: %d objects, stats %+v", len(got), st)
	}
	stop := errors.New("enough")
	n := 0
	_, err := c.Enumerate(context.Background(), EnumerateOptions{Scope: Scope{Include: []string{adtest.FixturesOU}}, PageSize: 5}, func(Object) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("callback error: %v after %d objects, want %v after 3", err, n, stop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = c.Enumerate(ctx, EnumerateOptions{Scope: Scope{Include: []string{adtest.LargeOU}}, PageSize: 10}, func(Object) error {
		if n++; n == 15 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 30 {
		t.Errorf("cancel: %v after %d objects, want context.Canceled within two pages", err, n)
	}
	if _, err := c.Enumerate(context.Background(), EnumerateOptions{Kinds: []Kind{KindUnknown}}, func(Object) error { return nil }); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("unknown kind: %v", err)
	}
	// The client still works after an abandoned search.
	if _, err := c.RootDSE(context.Background()); err != nil {
		t.Errorf("RootDSE after an abandoned search: %v", err)
	}
}

func TestEnumerateMissingScope(t *testing.T) {
	dc, c := admin(t)
	_, err := c.Enumerate(context.Background(), EnumerateOptions{Scope: Scope{Include: []string{"OU=Nowhere," + dc.BaseDN}}}, func(Object) error { return nil })
	if !errors.Is(err, ErrNoSuchObject) || !strings.Contains(err.Error(), "OU=Nowhere") {
		t.Errorf("missing OU: %v, want ErrNoSuchObject naming it", err)
	}
}

func dnEqual(a, b string) bool {
	x, err1 := ldap.ParseDN(a)
	y, err2 := ldap.ParseDN(b)
	return err1 == nil && err2 == nil && x.EqualFold(y)
}

func sameDNs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return dnEqual(g, w) }) {
			return false
		}
	}
	return true
}
