package entra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestSyncAppLifecycle runs setup's part, rotation and uninstall: create
// the application with a certificate generated here, grant its
// permissions, wait for the grant (the emulator delays consent as Entra
// does), prove it by signing in as the app, rotate the certificate, delete.
func TestSyncAppLifecycle(t *testing.T) {
	s, opts := emulator(t, entratest.WithConsentDelay(time.Second))
	ctx := testContext(t)
	admin := signIn(t, s, opts, entratest.DefaultGlobalAdmin)
	name := entra.SyncAppName("host1")
	cred := newCert(t, name)

	app, err := admin.CreateSyncApp(ctx, name, cred.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if app.AppID == "" || app.ObjectID == "" || app.ServicePrincipalID == "" || app.TenantID != s.TenantID || app.DisplayName != name {
		t.Fatalf("app = %+v, want every id filled", app)
	}
	again, err := admin.CreateSyncApp(ctx, name, cred.Certificate())
	if err != nil || again != app {
		t.Fatalf("second CreateSyncApp = %+v, %v; want the same app %+v", again, err, app)
	}
	if n := countApps(s, name); n != 1 {
		t.Errorf("%d applications named %s, want 1", n, name)
	}
	reg, _ := s.Object(app.ObjectID)
	if aud := reg.String("signInAudience"); aud != "AzureADMyOrg" {
		t.Errorf("signInAudience %q, want AzureADMyOrg (single tenant)", aud)
	}
	found, err := admin.FindSyncApp(ctx, name)
	if err != nil || found != app {
		t.Errorf("FindSyncApp = %+v, %v; want %+v", found, err, app)
	}

	// Before the grant, the application signs in but may not read users.
	early, err := entra.NewAppClient(opts, s.TenantID, app.AppID, cred)
	if err != nil {
		t.Fatal(err)
	}
	var fe *entra.ForbiddenError
	if err := early.Verify(ctx); !errors.As(err, &fe) || fe.Reason != entra.ConsentMissing || fe.Permission == "" {
		t.Fatalf("before the grant: got %v, want a ForbiddenError naming the missing permission", err)
	}

	if err := admin.GrantSyncAppPermissions(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := admin.GrantSyncAppPermissions(ctx, app); err != nil {
		t.Fatalf("granting again: %v", err)
	}
	granted := map[string]int{}
	for _, a := range s.AppRoleAssignments() {
		if a.PrincipalID == app.ServicePrincipalID {
			granted[a.Permission]++
		}
	}
	if len(granted) != len(entra.SyncAppPermissions) {
		t.Errorf("granted %v, want exactly the %d SyncAppPermissions", granted, len(entra.SyncAppPermissions))
	}
	for _, p := range entra.SyncAppPermissions {
		if granted[p.Name] != 1 {
			t.Errorf("%s granted %d times, want once", p.Name, granted[p.Name])
		}
	}

	ac, err := admin.WaitForSyncApp(ctx, app, cred, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ac.CreateUser(ctx, entra.User{UserPrincipalName: "first.sync@" + entratest.DefaultDomain, DisplayName: "First Sync", MailNickname: "first.sync", AccountEnabled: true}, entra.GeneratePassword())
	if err != nil || id == "" {
		t.Fatalf("create a user as the new app: %q, %v", id, err)
	}

	// Rotation: the new certificate works, the old one no longer does.
	newCred := newCert(t, name)
	if err := admin.RotateSyncAppCertificate(ctx, app, newCred, time.Minute); err != nil {
		t.Fatal(err)
	}
	certs, err := admin.SyncAppCertificates(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || certs[0].Thumbprint != entra.Thumbprint(newCred.Certificate()) {
		t.Errorf("certificates after rotation %+v, want only %s", certs, entra.Thumbprint(newCred.Certificate()))
	}
	old, _ := entra.NewAppClient(opts, s.TenantID, app.AppID, cred)
	var ue *entra.UnauthorizedError
	if err := old.Verify(ctx); !errors.As(err, &ue) || ue.AADSTS != "AADSTS700027" {
		t.Errorf("old certificate after rotation: got %v, want AADSTS700027", err)
	}

	// Uninstall, twice.
	for i := range 2 {
		if err := admin.DeleteSyncApp(ctx, app); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
	}
	if _, err := admin.FindSyncApp(ctx, name); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("FindSyncApp after delete: got %v, want ErrNotFound", err)
	}
	gone, _ := entra.NewAppClient(opts, s.TenantID, app.AppID, newCred)
	if err := gone.Verify(ctx); !errors.As(err, &ue) || ue.AADSTS != "AADSTS700016" {
		t.Errorf("sign-in after delete: got %v, want AADSTS700016", err)
	}
}

// TestSyncAppHybridAdmin: a Hybrid Identity Administrator creates the
// application but cannot grant Graph permissions; the error says which
// role is missing.
func TestSyncAppHybridAdmin(t *testing.T) {
	s, opts := emulator(t, consented())
	ctx := testContext(t)
	admin := signIn(t, s, opts, entratest.DefaultHybridAdmin)
	app, err := admin.CreateSyncApp(ctx, entra.SyncAppName("host2"), newCert(t, "host2").Certificate())
	if err != nil {
		t.Fatal(err)
	}
	err = admin.GrantSyncAppPermissions(ctx, app)
	var fe *entra.ForbiddenError
	if !errors.As(err, &fe) || fe.Reason != entra.RoleMissing || !strings.Contains(err.Error(), "Privileged Role Administrator") {
		t.Fatalf("got %v, want a ForbiddenError naming Privileged Role Administrator", err)
	}
}

// TestWaitForSyncAppTimeout: a grant that never comes ends with a message
// saying what to check.
func TestWaitForSyncAppTimeout(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	admin := signIn(t, s, opts, entratest.DefaultGlobalAdmin)
	cred := newCert(t, "host3")
	app, err := admin.CreateSyncApp(ctx, entra.SyncAppName("host3"), cred.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.WaitForSyncApp(ctx, app, cred, time.Second)
	if !errors.Is(err, entra.ErrForbidden) || !strings.Contains(err.Error(), "admin consent") {
		t.Fatalf("got %v, want a forbidden error telling to check admin consent", err)
	}
}

func countApps(s *entratest.Server, name string) int {
	n := 0
	for _, a := range s.Applications() {
		if a.String("displayName") == name {
			n++
		}
	}
	return n
}
