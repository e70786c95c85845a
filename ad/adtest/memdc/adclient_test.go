package memdc_test

// The ad package's client against the demo forest: what `entrasync demo`
// runs. The ad package's own tests run against a real Samba DC; these
// check that memdc answers what ad sends.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// adOptions are options for the ad client bound as the demo administrator.
func adOptions(s *memdc.Server, transport ad.Transport) ad.Options {
	p := s.LDAPSPort()
	if transport != ad.LDAPS {
		p = s.LDAPPort()
	}
	return ad.Options{Host: s.Host(), Port: p, Transport: transport, CAFile: s.CAFile(),
		Username: s.AdminUser(), Password: s.AdminPassword(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func adDial(t *testing.T, opts ad.Options) *ad.Client {
	t.Helper()
	c, err := ad.Dial(context.Background(), opts)
	if err != nil {
		t.Fatalf("ad.Dial as %s: %v", opts.Username, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestADClientConnects(t *testing.T) {
	s := startSample(t)
	for _, tr := range []ad.Transport{ad.LDAPS, ad.StartTLS} {
		t.Run(tr.String(), func(t *testing.T) {
			c := adDial(t, adOptions(s, tr))
			id, err := c.WhoAmI(context.Background())
			if err != nil {
				t.Fatalf("WhoAmI: %v", err)
			}
			if !id.EnterpriseAdmin || !id.DomainAdmin || id.SAMAccountName != "Administrator" {
				t.Fatalf("WhoAmI: got %+v, want the Administrator as Enterprise and Domain Admin", id)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		edit  func(o *ad.Options)
		check func(error) bool
	}{
		{"wrong password", func(o *ad.Options) { o.Password = "Wrong-Passw0rd" }, func(err error) bool {
			var be *ad.BindError
			return errors.Is(err, ad.ErrInvalidCredentials) && errors.As(err, &be) && be.SubCode == 0x52e
		}},
		{"plain LDAP", func(o *ad.Options) { o.Transport = ad.Plain; o.Port = s.LDAPPort() }, func(err error) bool {
			return errors.Is(err, ad.ErrStrongAuthRequired)
		}},
		{"untrusted certificate", func(o *ad.Options) { o.CAFile = "" }, func(err error) bool { return errors.Is(err, ad.ErrTLS) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := adOptions(s, ad.LDAPS)
			tc.edit(&o)
			c, err := ad.Dial(context.Background(), o)
			if err == nil {
				c.Close()
				t.Fatalf("Dial succeeded, want an error")
			}
			if !tc.check(err) {
				t.Fatalf("got %v (%T)", err, err)
			}
		})
	}
}

func TestADClientForestAndSuffixes(t *testing.T) {
	s := startSample(t)
	c := adDial(t, adOptions(s, ad.LDAPS))
	ctx := context.Background()
	f, err := c.Forest(ctx)
	if err != nil {
		t.Fatalf("Forest: %v", err)
	}
	if f.Root.DN != s.BaseDN() || f.Root.DNSName != s.Realm() || f.Root.NetBIOS != s.NetBIOS() || f.Root.SID.IsZero() {
		t.Fatalf("forest root: got %+v", f.Root)
	}
	if f.DC.DNSHostName != s.FQDN() || f.DC.InvocationID.IsZero() {
		t.Fatalf("DC: got %+v", f.DC)
	}
	rep, err := c.UPNSuffixes(ctx)
	if err != nil {
		t.Fatalf("UPNSuffixes: %v", err)
	}
	got := map[string]ad.UPNSuffix{}
	for _, sfx := range rep.Suffixes {
		got[sfx.Name] = sfx
	}
	if got["corp.local"].Users < 40 || got["example.com"].Users < 100 || got["corp.example.com"].Source != ad.SuffixDomain {
		t.Fatalf("suffixes: got %+v", rep)
	}
	if rep.WithoutUPN < 1 {
		t.Fatalf("users without a UPN: got %d, want the sample's", rep.WithoutUPN)
	}
	if err := c.AddUPNSuffix(ctx, "contoso.example"); err != nil {
		t.Fatalf("AddUPNSuffix: %v", err)
	}
	if !strings.Contains(strings.Join(s.UPNSuffixes(), ","), "contoso.example") {
		t.Fatalf("the added suffix is not on CN=Partitions: %v", s.UPNSuffixes())
	}
	if err := c.RemoveUPNSuffix(ctx, "contoso.example"); err != nil {
		t.Fatalf("RemoveUPNSuffix: %v", err)
	}
	// Someone already holds li.na@example.com: moving Li Na conflicts.
	if err := s.Add(memdc.Object{DN: "CN=Li Na (Sales),OU=Sales,OU=Users,OU=Corp," + s.BaseDN(), Attributes: map[string][]string{
		"objectClass": {"user"}, "userPrincipalName": {"li.na@example.com"}}}); err != nil {
		t.Fatalf("add: %v", err)
	}
	plan, err := c.PlanSuffixMove(ctx, "corp.local", "example.com", ad.Scope{Include: []string{"OU=Corp," + s.BaseDN()}})
	if err != nil {
		t.Fatalf("PlanSuffixMove: %v", err)
	}
	if len(plan.Changes) < 40 || len(plan.Conflicts()) != 1 {
		t.Fatalf("suffix move plan: got %d changes, %d conflicts; want every corp.local user in OU=Corp and one conflict", len(plan.Changes), len(plan.Conflicts()))
	}
	res, err := c.ApplySuffixMove(ctx, plan.Changes, false)
	if err != nil || len(res.Applied) != len(plan.Changes)-1 || len(res.Skipped) != 1 {
		t.Fatalf("ApplySuffixMove: %d applied, %d failed, %d skipped, %v", len(res.Applied), len(res.Failed), len(res.Skipped), err)
	}
	rep, err = c.UPNSuffixes(ctx)
	if err != nil {
		t.Fatalf("UPNSuffixes: %v", err)
	}
	for _, sfx := range rep.Suffixes {
		if sfx.Name == "corp.local" && sfx.Users != 2 {
			t.Fatalf("users left on corp.local: got %d, want Li Na (conflict) and the lab account outside OU=Corp", sfx.Users)
		}
	}
}

func TestADClientEnumerates(t *testing.T) {
	s := startSample(t)
	_, group := bulk(t, s, "Partners", 2600)
	c := adDial(t, adOptions(s, ad.LDAPS))
	var users, groups, contacts, critical int
	members := map[string]int{}
	st, err := c.Enumerate(context.Background(), ad.EnumerateOptions{PageSize: 1000}, func(o ad.Object) error {
		switch o.Kind {
		case ad.KindUser:
			users++
		case ad.KindGroup:
			groups++
			members[o.DN] = len(o.Members)
		case ad.KindContact:
			contacts++
		}
		if o.CriticalSystemObject {
			critical++
		}
		if o.GUID.IsZero() {
			t.Errorf("%s has no objectGUID", o.DN)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Enumerate: %v", err)
	}
	if users < 190 || contacts != 2602 || groups < 40 || critical < 20 {
		t.Fatalf("enumerated %d users, %d groups, %d contacts, %d critical; stats %+v", users, groups, contacts, critical, st)
	}
	if st.Pages < 3 {
		t.Fatalf("Enumerate read %d pages, want at least 3 (MaxPageSize 1000)", st.Pages)
	}
	if members[group] != 2600 {
		t.Fatalf("members of the big group: got %d, want 2600 through ranged retrieval", members[group])
	}
}

// TestADClientConnectorAndDelta is the demo's setup and engine in
// miniature: create the connector account with its rights, follow changes
// with DirSync as the connector while the company changes, then remove it.
func TestADClientConnectorAndDelta(t *testing.T) {
	s := startSample(t)
	ctx := context.Background()
	adm := adDial(t, adOptions(s, ad.LDAPS))
	acct, err := adm.CreateConnectorAccount(ctx, ad.ConnectorAccountOptions{WriteConsistencyGUID: true})
	if err != nil {
		t.Fatalf("CreateConnectorAccount: %v", err)
	}
	if missing, err := adm.MissingConnectorRights(ctx, acct.SID, true); err != nil || len(missing) != 0 {
		t.Fatalf("MissingConnectorRights after the grant: %v, %v", missing, err)
	}
	o := adOptions(s, ad.LDAPS)
	o.Username, o.Password = acct.DownLevelName, acct.Password
	conn := adDial(t, o)
	id, err := conn.WhoAmI(ctx)
	if err != nil || id.EnterpriseAdmin || id.DomainAdmin {
		t.Fatalf("the connector's identity: %+v, %v; want a plain account", id, err)
	}

	t.Run("writes only mS-DS-ConsistencyGuid", func(t *testing.T) {
		l := bindAs(t, s, acct.DownLevelName, acct.Password)
		zoe := "CN=Zoë Müller,OU=Marketing,OU=Users,OU=Corp," + s.BaseDN()
		m := ldap.NewModifyRequest(zoe, nil)
		m.Replace("mS-DS-ConsistencyGuid", []string{"0123456789abcdef"})
		if err := l.Modify(m); err != nil {
			t.Fatalf("write mS-DS-ConsistencyGuid as the connector: %v", err)
		}
		m = ldap.NewModifyRequest(zoe, nil)
		m.Replace("title", []string{"Intern"})
		if got := resultCode(t, l.Modify(m)); got != ldap.LDAPResultInsufficientAccessRights {
			t.Fatalf("write title as the connector: got %d, want insufficientAccessRights", got)
		}
	})

	cur, err := conn.BeginDelta(ctx, ad.DeltaOptions{})
	if err != nil {
		t.Fatalf("BeginDelta: %v", err)
	}
	if cur.Mode != ad.ModeDirSync {
		t.Fatalf("cursor mode: got %s, want DirSync (the connector has Replicating Directory Changes)", cur.Mode)
	}
	changes, err := s.Mutate(12)
	if err != nil {
		t.Fatalf("Mutate: %v", err)
	}
	seen := map[string]ad.Change{}
	next, st, err := conn.Changes(ctx, cur, ad.DeltaOptions{}, func(ch ad.Change) error {
		seen[ch.Object.DN] = ch
		return nil
	})
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	for _, c := range changes {
		if _, err := s.Get(c.DN); err != nil {
			continue // changed again later (renamed, moved or deleted)
		}
		ch, ok := seen[c.DN]
		switch {
		case !ok:
			t.Errorf("Changes missed %q (%s); stats %+v", c.DN, c, st)
		case c.Kind == "leave" && !ch.Deleted:
			t.Errorf("%s: the deletion came as a change", c)
		case c.Kind == "join" && len(ch.MembersAdded) == 0, c.Kind == "part" && len(ch.MembersRemoved) == 0:
			t.Errorf("%s: no incremental member values (%+v)", c, ch)
		}
	}
	if _, st, err := conn.Changes(ctx, next, ad.DeltaOptions{}, func(ad.Change) error { return nil }); err != nil || st.Changes != 0 {
		t.Fatalf("Changes again without changes: %+v, %v; want none", st, err)
	}

	t.Run("a restored DC asks for a full import", func(t *testing.T) {
		s.ResetInvocationID()
		_, _, err := conn.Changes(ctx, next, ad.DeltaOptions{}, func(ad.Change) error { return nil })
		if !errors.Is(err, ad.ErrFullImportRequired) {
			t.Fatalf("Changes after a restore: got %v, want ErrFullImportRequired", err)
		}
	})

	t.Run("rotate and remove", func(t *testing.T) {
		pw, err := adm.RotateConnectorPassword(ctx, acct.DN)
		if err != nil {
			t.Fatalf("RotateConnectorPassword: %v", err)
		}
		o.Password = pw
		adDial(t, o)
		if err := adm.RemoveConnectorAccount(ctx, acct); err != nil {
			t.Fatalf("RemoveConnectorAccount: %v", err)
		}
		if _, err := s.Get(acct.DN); !errors.Is(err, memdc.ErrNoSuchObject) {
			t.Fatalf("the connector account after removal: %v", err)
		}
		missing, err := adm.MissingConnectorRights(ctx, acct.SID, false)
		if err != nil || len(missing) == 0 {
			t.Fatalf("the connector's ACEs after removal: missing %v, %v; want them all gone", missing, err)
		}
	})
}
