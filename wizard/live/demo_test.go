package live

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// TestDemoForest runs the whole life of an installation against the demo
// forest (memdc, trusted through Options.ADRootCAs as the demo does) and
// the emulator: the path `entrasync demo` takes. It needs no Samba.
func TestDemoForest(t *testing.T) {
	const realm = "corp.example.com"
	dc, err := memdc.Start(memdc.Options{Realm: realm, Seed: memdc.SampleCompany(realm), RandomSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	srv := entratest.NewServer(t, entratest.WithTenant(testTenant()))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	dir := t.TempDir()
	b, err := New(Options{
		Dirs: sync.DirsAt(dir), Host: "demo",
		AuthorityHost: srv.AuthorityHost(), GraphEndpoint: srv.URL, EntraRootCAs: srv.CAPool(),
		ADRootCAs: dc.CAPool(), Logger: quiet, AppReadyTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := b.SignInEntra(ctx, func(d wizard.DeviceCode) {
		if err := srv.ApproveDeviceCode(d.Code, entratest.DefaultGlobalAdmin); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := wizard.ADConnection{Host: dc.Host(), Port: dc.LDAPSPort(), Transport: wizard.TransportLDAPS}
	if _, err := b.CheckAD(ctx, conn, wizard.Credentials{User: dc.AdminUser(), Password: dc.AdminPassword()}); err != nil {
		t.Fatal(err)
	}
	r, err := b.Suffixes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := suffix(t, r, "example.com"); s.State != wizard.Verified || s.Users == 0 || s.ExampleEntra != s.ExampleUser {
		t.Errorf("example.com: got %+v, want verified users keeping their UPN", s)
	}
	if s := suffix(t, r, "corp.local"); s.State != wizard.NotAdded || s.Users == 0 || s.ExampleEntra == "" || s.ExampleEntra == s.ExampleUser {
		t.Errorf("corp.local: got %+v, want users renamed on %s", s, srv.InitialDomain)
	}
	ous, err := b.OUTree(ctx)
	if err != nil || len(ous) < 3 || ous[0].Parent != "" || ous[0].Users <= 0 {
		t.Errorf("OUTree: got %d OUs (%v), want the domain first with its users", len(ous), err)
	}
	// OUs that hold no user are listed too; the advanced view is not.
	base := "DC=corp,DC=example,DC=com"
	for _, o := range ous {
		if strings.HasSuffix(strings.ToLower(o.DN), strings.ToLower("CN=System,"+base)) {
			t.Errorf("OUTree lists %s, which AD shows in its advanced view only", o.DN)
		}
	}
	if !slices.ContainsFunc(ous, func(o wizard.OU) bool { return strings.EqualFold(o.DN, "OU=Domain Controllers,"+base) && o.Users == 0 }) {
		t.Errorf("OUTree lacks OU=Domain Controllers, which holds no user: %+v", ous)
	}

	a := wizard.DefaultAnswers()
	a.AD = conn
	a.DeletionThresholdPercent = 0
	cfg := a.Config(tenant)
	if _, err := b.Configure(ctx, &cfg, func(wizard.ActionEvent) {}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	sum, err := b.Sync(ctx, wizard.SyncInitial, nil)
	if err != nil {
		t.Fatalf("initial sync: %v", err)
	}
	if sum.Created < 150 || sum.Status == "failed" || len(sum.Warnings) == 0 {
		t.Errorf("initial sync: got %+v, want the sample company created, with warnings", sum)
	}
	if _, err := dc.Mutate(5); err != nil {
		t.Fatal(err)
	}
	sum, err = b.Sync(ctx, wizard.SyncDelta, nil)
	if err != nil || sum.Created+sum.Updated+sum.Deleted == 0 {
		t.Errorf("delta sync after changes: got %+v, %v, want some changes applied", sum, err)
	}
	rec, _, _ := b.loadRecord()
	if err := b.Uninstall(ctx, func(wizard.ActionEvent) {}); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if _, err := dc.Get(rec.Account.DN); !errors.Is(err, memdc.ErrNoSuchObject) {
		t.Errorf("the connector account %s: got %v, want it deleted", rec.Account.DN, err)
	}
	for _, app := range srv.Applications() {
		if app.String("displayName") == entra.SyncAppName("demo") {
			t.Errorf("application %s is left", entra.SyncAppName("demo"))
		}
	}
	if files := leftFiles(t, dir); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}
