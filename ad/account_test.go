package ad

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/go-ldap/ldap/v3"
)

// TestConnectorAccountLifecycle creates the connector account, checks its
// rights are exactly the planned ones and that DirSync works with them,
// rotates its password and removes it and its ACEs, twice.
func TestConnectorAccountLifecycle(t *testing.T) {
	dc, c := admin(t)
	ctx := context.Background()
	acct, err := c.CreateConnectorAccount(ctx, ConnectorAccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ESYNC_[0-9A-F]{12}$`).MatchString(acct.SAMAccountName) || acct.DN != "CN="+acct.SAMAccountName+",CN=Users,"+dc.BaseDN ||
		acct.DownLevelName != dc.NetBIOS+`\`+acct.SAMAccountName || acct.UserPrincipalName != acct.SAMAccountName+"@"+dc.DNSDomain {
		t.Errorf("account %+v", acct)
	}
	if len(acct.Password) < 32 || acct.SID.IsZero() || len(acct.Domains) != 1 || acct.Domains[0] != dc.BaseDN {
		t.Errorf("password of %d characters, SID %v, domains %q", len(acct.Password), acct.SID, acct.Domains)
	}
	if got := dc.Attr(t, acct.DN, "userAccountControl"); len(got) != 1 || got[0] != "66048" {
		t.Errorf("userAccountControl = %q, want 66048 (enabled, password never expires)", got)
	}

	// Exactly the planned ACEs, once, even after granting again.
	if _, err := c.GrantConnectorRights(ctx, acct.SID, false); err != nil {
		t.Fatal(err)
	}
	mine := acesOf(t, c, dc.BaseDN, acct.SID)
	if want := connectorACEs(acct.SID, false); len(mine) != len(want) {
		t.Errorf("ACEs of the account on the domain root:\n got %s\nwant %s", describeACEs(mine), describeACEs(want))
	}
	for _, a := range mine {
		if a.ObjectType == RightGetChangesAll || a.Mask&^(RightGenericRead|RightDSControl) != 0 {
			t.Errorf("ACE %s grants more than planned", a)
		}
	}
	if missing, err := c.MissingConnectorRights(ctx, acct.SID, false); err != nil || len(missing) != 0 {
		t.Errorf("MissingConnectorRights = %v, %v; want none", missing, err)
	}
	if missing, _ := c.MissingConnectorRights(ctx, acct.SID, true); len(missing[dc.BaseDN]) != 2 {
		t.Errorf("without the write grant, %d ACEs missing, want the 2 consistency-GUID ones", len(missing[dc.BaseDN]))
	}

	// As the connector: not an admin, DirSync works, admin operations fail.
	sync := dial(t, Options{Host: dc.Host, CAFile: dc.CAFile, Username: acct.DownLevelName, Password: acct.Password})
	id, err := sync.WhoAmI(ctx)
	if err != nil || id.EnterpriseAdmin || id.DomainAdmin || id.DN != acct.DN {
		t.Errorf("WhoAmI as the connector: %+v, %v", id, err)
	}
	ou := dc.NewOU(t, "connector")
	opts := DeltaOptions{Scope: Scope{Include: []string{ou}}}
	cur, err := sync.BeginDelta(ctx, opts)
	if err != nil || cur.Mode != ModeDirSync {
		t.Fatalf("BeginDelta as the connector: mode %q, %v; want DirSync", cur.Mode, err)
	}
	dc.Add(t, "CN=Newbie,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"newbie"}, "displayName": {"Newbie"}})
	cur = wantOneChange(t, sync, cur, opts, "Newbie", ModeDirSync)
	if err := sync.AddUPNSuffix(ctx, freshSuffix("by-connector")); !errors.Is(err, ErrInsufficientRights) {
		t.Errorf("AddUPNSuffix as the connector: %v, want ErrInsufficientRights", err)
	}
	if _, err := sync.CreateConnectorAccount(ctx, ConnectorAccountOptions{}); !errors.Is(err, ErrInsufficientRights) {
		t.Errorf("CreateConnectorAccount as the connector: %v, want ErrInsufficientRights", err)
	}
	if err := sync.RemoveConnectorAccount(ctx, ConnectorAccount{SID: acct.SID}); !errors.Is(err, ErrInsufficientRights) {
		t.Errorf("RemoveConnectorAccount as the connector: %v, want ErrInsufficientRights", err)
	}
	// The connector may not write mS-DS-ConsistencyGuid without that grant.
	if err := writeConsistencyGUID(ctx, sync, "CN=Newbie,"+ou); !errors.Is(err, ErrInsufficientRights) {
		t.Errorf("writing mS-DS-ConsistencyGuid without the grant: %v, want ErrInsufficientRights", err)
	}

	// Losing the replication right: the DirSync cursor falls back to uSNChanged.
	sd, err := c.readDACL(ctx, dc.BaseDN)
	if err != nil {
		t.Fatal(err)
	}
	getChanges := connectorACEs(acct.SID, false)[0]
	kept := sd.DACL.ACEs[:0]
	for _, a := range sd.DACL.ACEs {
		if !a.Equal(getChanges) {
			kept = append(kept, a)
		}
	}
	sd.DACL.ACEs = kept
	if err := c.writeDACL(ctx, dc.BaseDN, sd); err != nil {
		t.Fatal(err)
	}
	dc.Replace(t, "CN=Newbie,"+ou, "displayName", "Newbie 2")
	wantOneChange(t, sync, cur, opts, "Newbie 2", ModeUSN)
	if _, err := c.GrantConnectorRights(ctx, acct.SID, false); err != nil {
		t.Fatal(err)
	}

	// Rotation: the new password binds, the old one no longer does.
	old := acct.Password
	if acct.Password, err = c.RotateConnectorPassword(ctx, acct.DN); err != nil {
		t.Fatal(err)
	}
	if acct.Password == old || len(acct.Password) < 32 {
		t.Errorf("rotated password is the same or short")
	}
	dial(t, Options{Host: dc.Host, CAFile: dc.CAFile, Username: acct.UserPrincipalName, Password: acct.Password})
	if _, err := Dial(ctx, Options{Host: dc.Host, CAFile: dc.CAFile, Username: acct.UserPrincipalName, Password: old}); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("bind with the old password: %v, want ErrInvalidCredentials", err)
	}

	// Removal, then again: idempotent, also from the SID alone.
	if err := c.RemoveConnectorAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if got := acesOf(t, c, dc.BaseDN, acct.SID); len(got) != 0 {
		t.Errorf("after removal the domain root still has %s", describeACEs(got))
	}
	if got := dc.Attr(t, acct.DN, "sAMAccountName"); got != nil {
		t.Errorf("the account still exists: %q", got)
	}
	if err := c.RemoveConnectorAccount(ctx, ConnectorAccount{SID: acct.SID}); err != nil {
		t.Errorf("removing again: %v", err)
	}
	if err := c.RemoveConnectorAccount(ctx, ConnectorAccount{DN: acct.DN}); !errors.Is(err, ErrNoSuchObject) {
		t.Errorf("removing a vanished account by DN alone: %v, want ErrNoSuchObject (no SID to clean up with)", err)
	}
}

func TestConnectorAccountWithConsistencyGUIDWrite(t *testing.T) {
	dc, c := admin(t)
	ctx := context.Background()
	acct, err := c.CreateConnectorAccount(ctx, ConnectorAccountOptions{Name: "esync-test-wr", WriteConsistencyGUID: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.RemoveConnectorAccount(ctx, acct) })
	if got := len(acesOf(t, c, dc.BaseDN, acct.SID)); got != len(connectorACEs(acct.SID, true)) {
		t.Errorf("%d ACEs, want %d", got, len(connectorACEs(acct.SID, true)))
	}
	ou := dc.NewOU(t, "anchor write")
	dc.Add(t, "CN=Anchored,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"anchored"}})
	sync := dial(t, Options{Host: dc.Host, CAFile: dc.CAFile, Username: acct.DownLevelName, Password: acct.Password})
	if err := writeConsistencyGUID(ctx, sync, "CN=Anchored,"+ou); err != nil {
		t.Errorf("writing mS-DS-ConsistencyGuid with the grant: %v", err)
	}
	if err := writeDisplayName(ctx, sync, "CN=Anchored,"+ou); !errors.Is(err, ErrInsufficientRights) {
		t.Errorf("writing displayName: %v, want ErrInsufficientRights (only the anchor is writable)", err)
	}
}

func TestConnectorAccountBadInput(t *testing.T) {
	_, c := admin(t)
	ctx := context.Background()
	for _, name := range []string{"waytoolongforanaccount21", "bad,name", "a*b", "trailing.", " lead", "at@sign"} {
		if _, err := c.CreateConnectorAccount(ctx, ConnectorAccountOptions{Name: name}); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("name %q: %v, want ErrInvalidInput", name, err)
		}
	}
	if err := c.RemoveConnectorAccount(ctx, ConnectorAccount{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("removing nothing: %v", err)
	}
	if err := c.RemoveConnectorAccount(ctx, ConnectorAccount{DN: "CN=Administrator,CN=Users," + adtest.BaseDN}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("removing the Administrator: %v, want ErrInvalidInput", err)
	}
	dc := adtest.Start(t)
	dc.Add(t, "CN=esync-dup,CN=Users,"+dc.BaseDN, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"esync-dup"}})
	if _, err := c.CreateConnectorAccount(ctx, ConnectorAccountOptions{Name: "esync-dup"}); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("creating it twice: %v, want ErrAlreadyExists", err)
	}
	plain := &Client{tls: false, user: "x"}
	if _, err := plain.CreateConnectorAccount(ctx, ConnectorAccountOptions{}); !errors.Is(err, ErrStrongAuthRequired) {
		t.Errorf("over plain LDAP: %v, want ErrStrongAuthRequired before anything is sent", err)
	}
	if _, err := plain.RotateConnectorPassword(ctx, "CN=x"); !errors.Is(err, ErrStrongAuthRequired) {
		t.Errorf("rotate over plain LDAP: %v", err)
	}
}

// TestSchemaGUIDs checks the GUID constants against the DC's schema and
// extended rights.
func TestSchemaGUIDs(t *testing.T) {
	dc := adtest.Start(t)
	schema := "CN=Schema,CN=Configuration," + dc.BaseDN
	for cn, want := range map[string]GUID{"User": ClassUser, "Group": ClassGroup, "Contact": ClassContact,
		"inetOrgPerson": ClassInetOrgPerson, "ms-DS-Consistency-Guid": AttrConsistencyGUID} {
		got := dc.Attr(t, "CN="+cn+","+schema, "schemaIDGUID")
		if len(got) != 1 || GUID([]byte(got[0])) != want {
			t.Errorf("schemaIDGUID of %s = %x, want %v", cn, got, want)
		}
	}
	for cn, want := range map[string]GUID{"DS-Replication-Get-Changes": RightGetChanges, "DS-Replication-Get-Changes-All": RightGetChangesAll} {
		got := dc.Attr(t, "CN="+cn+",CN=Extended-Rights,CN=Configuration,"+dc.BaseDN, "rightsGuid")
		if len(got) != 1 || !strings.EqualFold(got[0], want.String()) {
			t.Errorf("rightsGuid of %s = %q, want %v", cn, got, want)
		}
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := newPassword()
		if len(p) != 40 || !strings.ContainsAny(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.ContainsAny(p, "abcdefghijklmnopqrstuvwxyz") || !strings.ContainsAny(p, "0123456789") || seen[p] {
			t.Fatalf("password %q: want 40 characters with upper, lower and digit, never repeated", p)
		}
		seen[p] = true
	}
	if got := unicodePassword("ab"); got != "\"\x00a\x00b\x00\"\x00" {
		t.Errorf("unicodePassword(ab) = %q", got)
	}
}

// wantOneChange expects exactly one change, of the user named name, and
// returns the next cursor.
func wantOneChange(t *testing.T, c *Client, cur Cursor, opts DeltaOptions, name string, mode DeltaMode) Cursor {
	t.Helper()
	var got []Change
	next, st, err := c.Changes(context.Background(), cur, opts, func(ch Change) error {
		if ch.InScope {
			got = append(got, ch)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	if st.Mode != mode || (mode == ModeUSN) != st.FellBack {
		t.Errorf("mode %q (fell back %v), want %q", st.Mode, st.FellBack, mode)
	}
	if len(got) != 1 || got[0].Object.DisplayName != name {
		t.Errorf("%d changes in scope (%+v), want %s", len(got), got, name)
	}
	return next
}

func acesOf(t *testing.T, c *Client, dn string, sid SID) []ACE {
	t.Helper()
	sd, err := c.readDACL(context.Background(), dn)
	if err != nil {
		t.Fatal(err)
	}
	var out []ACE
	for _, a := range sd.DACL.ACEs {
		if a.SID.Equal(sid) {
			out = append(out, a)
		}
	}
	return out
}

func writeConsistencyGUID(ctx context.Context, c *Client, dn string) error {
	e, err := c.readEntry(ctx, dn, []string{"objectGUID"})
	if err != nil {
		return err
	}
	guid := GUID(e.GetRawAttributeValue("objectGUID"))
	return c.InitConsistencyGUID(ctx, guid, guid[:]) // the sync's write-back

}

func writeDisplayName(ctx context.Context, c *Client, dn string) error {
	m := ldap.NewModifyRequest(dn, nil)
	m.Replace("displayName", []string{"changed by the connector"})
	return c.modify(ctx, "change displayName of", m)
}
