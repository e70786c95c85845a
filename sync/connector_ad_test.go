package sync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
)

func TestADSourceObject(t *testing.T) {
	guid := ad.MustParseGUID("6d6f2f2a-0001-0002-0304-05060708090a")
	cguid := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	bguid := ad.MustParseGUID("0000000b-0001-0002-0304-05060708090a")
	user := ad.Object{
		Kind: ad.KindUser, DN: "CN=A,OU=X,DC=corp,DC=example,DC=com", GUID: guid, ConsistencyGUID: cguid,
		SAMAccountName: "a", UserPrincipalName: "a@corp.example.com", UserAccountControl: 514, DisplayName: "A",
		Country: "FR", CountryName: "France", City: "Paris", Office: "HQ", Manager: "CN=B,OU=X,DC=corp,DC=example,DC=com",
		ManagerGUID: bguid, ProxyAddresses: []string{"SMTP:a@x"}, CriticalSystemObject: true, Description: "a user",
	}
	group := ad.Object{Kind: ad.KindGroup, DN: "CN=G,OU=X,DC=corp,DC=example,DC=com", GUID: guid, MailNickname: "exchange-alias",
		GroupType: -2147483646, Members: []string{"CN=A,OU=X,DC=corp,DC=example,DC=com", "CN=B,OU=X,DC=corp,DC=example,DC=com"},
		MemberGUIDs: []ad.GUID{guid, bguid}, Description: "the G team"}

	for _, c := range []struct {
		name   string
		mode   string
		in     ad.Object
		check  func(*SourceObject) bool
		expect string
	}{
		{"user attributes", AnchorConsistencyGUID, user, func(o *SourceObject) bool {
			return o.Kind == KindUser && o.GUID == GUID(guid) && o.CountryCode == "FR" && o.Country == "France" && o.City == "Paris" &&
				o.Office == "HQ" && o.UserAccountControl == 514 && o.CriticalSystemObject && slices.Equal(o.ConsistencyGUID, cguid) &&
				o.Manager == Ref{DN: user.Manager, GUID: GUID(bguid)} && o.MailNickname == "" && slices.Equal(o.ProxyAddresses, user.ProxyAddresses) &&
				o.Description == "a user"
		}, "c → CountryCode, co → Country, manager by GUID and DN, mailNickname untouched, description"},
		{"group members and type", AnchorObjectGUID, group, func(o *SourceObject) bool {
			return o.Kind == KindGroup && o.GroupType == 0x80000002 && len(o.Members) == 2 && o.Members[1] == Ref{DN: group.Members[1], GUID: GUID(bguid)} &&
				!o.MembersIncremental && o.Description == "the G team"
		}, "groupType as uint32, complete members by GUID and DN, description"},
		{"group mailNickname as read", AnchorConsistencyGUID, func() ad.Object { g := group; g.ConsistencyGUID = cguid; return g }(),
			func(o *SourceObject) bool {
				return o.MailNickname == "exchange-alias" && slices.Equal(o.ConsistencyGUID, cguid)
			},
			"Exchange's alias untouched (the Target owns a group's mailNickname)"},
		{"contact", AnchorConsistencyGUID, ad.Object{Kind: ad.KindContact, DN: "CN=P,DC=x", GUID: guid, Mail: "p@x"},
			func(o *SourceObject) bool { return o.Kind == KindContact && o.Mail == "p@x" }, "a contact"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewADSource(nil, ADSourceOptions{SourceAnchor: c.mode})
			if got := s.object(c.in); !c.check(got) {
				t.Errorf("object(%+v) = %+v, want %s", c.in, got, c.expect)
			}
		})
	}
}

func TestADCursor(t *testing.T) {
	cur := ad.Cursor{Mode: ad.ModeDirSync, DC: "dc1.corp.example.com", InvocationID: ad.MustParseGUID("11111111-2222-3333-4444-555555555555"),
		USN: 4711, Cookies: map[string][]byte{"DC=corp,DC=example,DC=com": {1, 2, 3}}, Scope: "abc"}
	data, err := encodeADCursor(cur)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeADCursor(data)
	if err != nil || back.DC != cur.DC || back.USN != cur.USN || back.InvocationID != cur.InvocationID || string(back.Cookies["DC=corp,DC=example,DC=com"]) != "\x01\x02\x03" {
		t.Errorf("decode(encode(%+v)) = %+v, %v", cur, back, err)
	}
	for _, c := range []struct{ name, data string }{
		{"garbage", "not json"},
		{"empty", ""},
		{"another version", `{"v":2,"ad":{"mode":"dirsync"}}`},
		{"no version", `{"ad":{"mode":"usn"}}`},
		{"unknown mode", `{"v":1,"ad":{"mode":"replication"}}`},
	} {
		if _, err := decodeADCursor([]byte(c.data)); !errors.Is(err, ErrFullImportRequired) {
			t.Errorf("%s: decode(%q) = %v, want an error matching ErrFullImportRequired", c.name, c.data, err)
		}
	}
}

func TestSearchBases(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"OU=A,DC=x", "OU=B,DC=x"}, []string{"OU=A,DC=x", "OU=B,DC=x"}},
		{[]string{"OU=Sub,OU=A,DC=x", "OU=A,DC=x"}, []string{"OU=A,DC=x"}},
		{[]string{"ou=a,dc=X", "OU=A,DC=x"}, []string{"ou=a,dc=X"}},
		{[]string{"DC=x", "OU=A,DC=x", "OU=B,DC=y"}, []string{"DC=x", "OU=B,DC=y"}},
	} {
		if got := searchBases(c.in); !slices.Equal(got, c.want) {
			t.Errorf("searchBases(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// adSourceFor returns a source bound to dc as Administrator, and how it
// binds.
func adSourceFor(dc *adtest.DC, opts ADSourceOptions) (*ADSource, ad.Options) {
	bind := ad.Options{Host: dc.Host, CAFile: dc.CAFile, Username: dc.AdminUPN, Password: dc.AdminPassword, Logger: quiet}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	return NewADSource(func(ctx context.Context) (*ad.Client, error) { return ad.Dial(ctx, bind) }, opts), bind
}

// importAll runs an import and returns what it emitted, by DN.
func importAll(t *testing.T, s *ADSource, req ImportRequest) (map[string]*SourceObject, ImportResult) {
	t.Helper()
	got := map[string]*SourceObject{}
	res, err := s.Import(context.Background(), req, func(o *SourceObject) error {
		key := strings.ToLower(o.DN)
		if o.Deleted {
			key = "deleted:" + o.GUID.String()
		}
		if got[key] != nil {
			t.Errorf("%s emitted twice", key)
		}
		got[key] = o
		return nil
	})
	if err != nil {
		t.Fatalf("Import(%+v): %v", req, err)
	}
	return got, res
}

// TestADSourceFullImport reads the fixture tree of the real DC, with an
// include listed twice and one nested in another.
func TestADSourceFullImport(t *testing.T) {
	dc := adtest.Start(t)
	s, _ := adSourceFor(dc, ADSourceOptions{})
	got, res := importAll(t, s, ImportRequest{Full: true, Include: []string{adtest.PeopleOU, adtest.GroupsOU, adtest.ContactsOU, adtest.ExcludedOU, adtest.PeopleOU}})

	if !res.Complete {
		t.Error("Complete = false for a search that ran to its end")
	}
	if !strings.EqualFold(res.Server.DC, adtest.HostName) || res.Server.InvocationID == "" || res.Server.BindAccount != adtest.NetBIOS+`\Administrator` {
		t.Errorf("Server = %+v, want DC %s, an invocationId, bind account %s\\Administrator", res.Server, adtest.HostName, adtest.NetBIOS)
	}
	if cur, err := decodeADCursor(res.Cursor); err != nil || cur.Mode != ad.ModeDirSync {
		t.Errorf("cursor = %+v, %v; want a DirSync cursor (Administrator has the right)", cur, err)
	}

	alice := got[strings.ToLower(adtest.AliceDN)]
	if alice == nil {
		t.Fatalf("Alice not imported; got %d objects", len(got))
	}
	cg, _ := ParseGUID(adtest.AliceConsistencyGUID)
	want := SourceObject{GUID: alice.GUID, DN: adtest.AliceDN, Kind: KindUser, SAMAccountName: "alice",
		UserPrincipalName: "alice@" + adtest.AltSuffix, Mail: "alice@" + adtest.AltSuffix, DisplayName: "Alice Adams", GivenName: "Alice", Surname: "Adams",
		Title: "Account Executive", Department: "Sales", Company: "Example Corp", Office: "Building 1", StreetAddress: "1 Main Street",
		City: "Springfield", State: "IL", PostalCode: "62701", Country: "United States", CountryCode: "US", TelephoneNumber: "+1 217 555 0100",
		Mobile: "+1 217 555 0101", EmployeeID: "E0001", UserAccountControl: 512}
	if bob := got[strings.ToLower(adtest.BobDN)]; bob != nil {
		want.Manager = Ref{GUID: bob.GUID, DN: adtest.BobDN} // by GUID too: the extended-DN control
	}
	if alice.hash() == "" || !sameSourceObject(alice, &want) || !slices.Equal(alice.ConsistencyGUID, cg[:]) ||
		!slices.Equal(alice.ProxyAddresses, []string{"SMTP:alice@" + adtest.AltSuffix, "smtp:alice@" + adtest.DNSDomain}) {
		t.Errorf("Alice = %+v\nwant %+v with consistency GUID %s and two proxy addresses", alice, want, adtest.AliceConsistencyGUID)
	}
	if got[strings.ToLower(adtest.HarryDN)] == nil {
		t.Error("Hidden Harry (in a nested include) not imported: the source leaves exclusions to the engine")
	}
	if got[strings.ToLower(adtest.WS01DN)] != nil {
		t.Error("the computer WS01 was imported")
	}
	if p := got[strings.ToLower(adtest.PatDN)]; p == nil || p.Kind != KindContact {
		t.Errorf("Pat Partner = %+v, want a contact", p)
	}
	if e := got[strings.ToLower(adtest.ErinDN)]; e == nil || e.UserAccountControl&0x2 == 0 {
		t.Errorf("Erin = %+v, want disabled", e)
	}
	staff := got[strings.ToLower(adtest.StaffDN)]
	sales := got[strings.ToLower(adtest.SalesDN)]
	if staff == nil || sales == nil || !slices.Contains(staff.Members, Ref{GUID: sales.GUID, DN: adtest.SalesDN}) || len(staff.Members) != 3 {
		t.Errorf("Staff = %+v, want 3 members by GUID and DN, the Sales group among them", staff)
	}
	if n := got[strings.ToLower(adtest.NewsDN)]; n == nil || n.GroupType&0x80000000 != 0 || n.Mail == "" {
		t.Errorf("Newsletter = %+v, want a distribution group with mail", n)
	}
}

// sameSourceObject compares the scalar attributes of two source objects.
func sameSourceObject(a, b *SourceObject) bool {
	x, y := *a, *b
	x.ConsistencyGUID, y.ConsistencyGUID = nil, nil
	x.ProxyAddresses, y.ProxyAddresses = nil, nil
	x.Members, y.Members = nil, nil
	return x.hash() == y.hash()
}

// TestADSourceDelta imports the changes since a full import, in both
// cursor modes: a create, an edit, a move out of the scope (with its new
// DN) and a delete (a tombstone, which Samba shows Administrator).
func TestADSourceDelta(t *testing.T) {
	dc := adtest.Start(t)
	for _, usn := range []bool{false, true} {
		name := "dirsync"
		if usn {
			name = "usn"
		}
		t.Run(name, func(t *testing.T) {
			ou, outside := dc.NewOU(t, ""), dc.NewOU(t, "outside")
			s, _ := adSourceFor(dc, ADSourceOptions{ForceUSN: usn})
			p := "d" + name[:1] + ou[3:8]
			add := func(cn string) string {
				dn := "CN=" + cn + "," + ou
				dc.Add(t, dn, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {strings.ReplaceAll(p+cn, " ", "")[:min(20, len(p+cn))]}, "userAccountControl": {"544"}})
				return dn
			}
			keep, edit, move, del := add("keep"), add("edit"), add("move"), add("del")
			delGUID := dc.Attr(t, del, "objectGUID")[0]
			_, full := importAll(t, s, ImportRequest{Full: true, Include: []string{ou}})

			created := add("new")
			dc.Replace(t, edit, "title", "Edited")
			h := &harness{t: t, dc: dc}
			moved := h.moveDN(move, "CN=move", outside)
			dc.Delete(t, del)

			got, res := importAll(t, s, ImportRequest{Cursor: full.Cursor, Include: []string{ou}})
			if cur, _ := decodeADCursor(res.Cursor); (cur.Mode == ad.ModeUSN) != usn {
				t.Errorf("cursor mode %s, want usn=%v", cur.Mode, usn)
			}
			if got[strings.ToLower(created)] == nil {
				t.Error("the new user was not in the delta")
			}
			if o := got[strings.ToLower(edit)]; o == nil || o.Title != "Edited" {
				t.Errorf("edited user = %+v, want title Edited", o)
			}
			if got[strings.ToLower(moved)] == nil {
				t.Errorf("the user moved out of the scope was not in the delta with its new DN %s", moved)
			}
			var g GUID
			copy(g[:], delGUID)
			if o := got["deleted:"+g.String()]; o == nil {
				t.Errorf("the deleted user %s was not in the delta; got %v", g, keysOf(got))
			}
			if got[strings.ToLower(keep)] != nil {
				t.Error("an unchanged user was in the delta")
			}
		})
	}
}

func keysOf(m map[string]*SourceObject) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestADSourceCursorRefused checks that a cursor the DC cannot continue
// (another DC, another database incarnation, unreadable) asks for a full
// import rather than failing the run.
func TestADSourceCursorRefused(t *testing.T) {
	dc := adtest.Start(t)
	ou := dc.NewOU(t, "")
	s, _ := adSourceFor(dc, ADSourceOptions{})
	_, full := importAll(t, s, ImportRequest{Full: true, Include: []string{ou}})
	cur, err := decodeADCursor(full.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(f func(*ad.Cursor)) []byte {
		c := cur
		f(&c)
		b, _ := encodeADCursor(c)
		return b
	}
	for _, c := range []struct {
		name   string
		cursor []byte
	}{
		{"another DC", tamper(func(c *ad.Cursor) { c.DC = "dc2.corp.example.com" })},
		{"restored DC", tamper(func(c *ad.Cursor) { c.InvocationID = ad.MustParseGUID("99999999-2222-3333-4444-555555555555") })},
		{"another scope", tamper(func(c *ad.Cursor) { c.Scope = "something else" })},
		{"unreadable", []byte("{")},
	} {
		_, err := s.Import(context.Background(), ImportRequest{Cursor: c.cursor, Include: []string{ou}}, func(*SourceObject) error { return nil })
		if !errors.Is(err, ErrFullImportRequired) {
			t.Errorf("%s: Import = %v, want an error matching ErrFullImportRequired", c.name, err)
		}
	}
}

// TestADSourcePartial reads a scope whose second container does not
// exist: the first is read, and the import says it is incomplete.
func TestADSourcePartial(t *testing.T) {
	dc := adtest.Start(t)
	ou := dc.NewOU(t, "")
	dc.Add(t, "CN=here,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"p" + ou[3:10]}, "userAccountControl": {"544"}})
	s, _ := adSourceFor(dc, ADSourceOptions{})
	gone := "OU=Gone " + ou[3:strings.IndexByte(ou, ',')] + "," + adtest.BaseDN
	got, res := importAll(t, s, ImportRequest{Full: true, Include: []string{gone, ou}})
	if res.Complete || len(got) != 1 {
		t.Errorf("Complete = %v with %d objects, want false and the 1 object of the existing OU", res.Complete, len(got))
	}
}

// TestADSourceBindAccount checks that the bind account is named the same
// whatever form it was given in, so that the engine's changed-account
// guard trips only for another account.
func TestADSourceBindAccount(t *testing.T) {
	dc := adtest.Start(t)
	ou := dc.NewOU(t, "")
	var names []string
	for _, user := range []string{dc.AdminUPN, dc.AdminDownLevel, dc.AdminDN} {
		bind := ad.Options{Host: dc.Host, CAFile: dc.CAFile, Username: user, Password: dc.AdminPassword, Logger: quiet}
		s := NewADSource(func(ctx context.Context) (*ad.Client, error) { return ad.Dial(ctx, bind) }, ADSourceOptions{Logger: quiet})
		_, res := importAll(t, s, ImportRequest{Full: true, Include: []string{ou}})
		names = append(names, res.Server.BindAccount)
	}
	if names[0] != names[1] || names[1] != names[2] {
		t.Errorf("bind accounts %q for the same account in three forms, want one name", names)
	}
}

// TestADSourceFromConfig builds the source from a configuration: the
// password file must be private, and a refused dial fails the import with
// the reason.
func TestADSourceFromConfig(t *testing.T) {
	dc := adtest.Start(t)
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.AD.Host, cfg.AD.Port, cfg.AD.CAFile, cfg.AD.BindUser, cfg.AD.PasswordFile = dc.Host, 636, dc.CAFile, dc.AdminUPN, "ad.secret"
	cfg.AD.Timeout = Duration(10 * time.Second)
	path := filepath.Join(dir, "ad.secret")
	if err := os.WriteFile(path, []byte(dc.AdminPassword+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewADSourceFromConfig(cfg, dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ou := dc.NewOU(t, "")
	run := func() error {
		_, err := s.Import(context.Background(), ImportRequest{Full: true, Include: []string{ou}}, func(*SourceObject) error { return nil })
		return err
	}
	if err := run(); !errors.Is(err, ErrInsecureSecret) {
		t.Errorf("Import with a world-readable password file = %v, want ErrInsecureSecret", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(); err != nil {
		t.Errorf("Import with a private password file: %v", err)
	}
	const wrong = "Not-The-Password-42"
	if err := os.WriteFile(path, []byte(wrong), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run()
	if !errors.Is(err, ad.ErrInvalidCredentials) || !strings.Contains(err.Error(), "connect to Active Directory") {
		t.Errorf("Import with a wrong password = %v, want ad.ErrInvalidCredentials, saying the connection failed", err)
	}
	if err != nil && strings.Contains(err.Error(), wrong) {
		t.Errorf("the error shows the password: %v", err)
	}
}
