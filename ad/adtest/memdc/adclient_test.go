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
	plan, err := c.PlanSuffixMove(ctx, "corp.local", "example.com", ad.Scope{})
	if err != nil {
		t.Fatalf("PlanSuffixMove: %v", err)
	}
	if len(plan.Changes) < 40 {
		t.Fatalf("suffix move plan: got %d changes, want every corp.local user", len(plan.Changes))
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
