package entra_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestTenant reads the organization and domains as the admin and as the
// sync application (https://learn.microsoft.com/graph/api/organization-get,
// https://learn.microsoft.com/graph/api/domain-list).
func TestTenant(t *testing.T) {
	s, opts := emulator(t)
	admin := signIn(t, s, opts, entratest.DefaultGlobalAdmin)
	ctx := testContext(t)
	org, err := admin.Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != s.TenantID || org.DisplayName != "Contoso" || org.InitialDomain != entratest.DefaultInitialDomain {
		t.Errorf("organization = %+v, want %s Contoso %s", org, s.TenantID, entratest.DefaultInitialDomain)
	}
	for name, c := range map[string]*entra.Client{"admin": admin, "sync app": syncClient(t, s, opts)} {
		t.Run(name, func(t *testing.T) {
			ds, err := c.Domains(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]entra.Domain{
				entratest.DefaultInitialDomain:    {Name: entratest.DefaultInitialDomain, IsVerified: true, IsInitial: true},
				entratest.DefaultDomain:           {Name: entratest.DefaultDomain, IsVerified: true, IsDefault: true},
				entratest.DefaultUnverifiedDomain: {Name: entratest.DefaultUnverifiedDomain},
			}
			for name, w := range want {
				got, ok := entra.FindDomain(ds, strings.ToUpper(name))
				if !ok || got != w {
					t.Errorf("domain %s = %+v (found %v), want %+v", name, got, ok, w)
				}
			}
			if _, ok := entra.FindDomain(ds, "nowhere.example"); ok {
				t.Error("FindDomain found a domain the tenant does not have")
			}
		})
	}
}

// TestCheckAdmin assesses the seeded admins' roles
// (https://learn.microsoft.com/graph/api/user-list-transitivememberof).
func TestCheckAdmin(t *testing.T) {
	s, opts := emulator(t, consented())
	tests := []struct {
		upn           string
		create, grant bool
	}{
		{entratest.DefaultGlobalAdmin, true, true},
		{entratest.DefaultHybridAdmin, true, false},
		{entratest.DefaultHybridConsentAdmin, true, true},
		{entratest.DefaultUser, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.upn, func(t *testing.T) {
			v, err := signIn(t, s, opts, tt.upn).CheckAdmin(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if v.CreateApp != tt.create || v.GrantPermissions != tt.grant {
				t.Errorf("verdict %q: CreateApp %v, GrantPermissions %v; want %v, %v", v, v.CreateApp, v.GrantPermissions, tt.create, tt.grant)
			}
		})
	}
	t.Run("not for the application", func(t *testing.T) {
		if _, err := syncClient(t, s, opts).CheckAdmin(testContext(t)); err == nil {
			t.Error("CheckAdmin as the sync application: no error, want one")
		}
	})
	t.Run("forbidden names the role", func(t *testing.T) {
		// A user without roles cannot create applications.
		c := signIn(t, s, opts, entratest.DefaultUser)
		cert := newCert(t, "entrasync-test")
		_, err := c.CreateSyncApp(testContext(t), "entrasync-norole", cert.Certificate())
		var fe *entra.ForbiddenError
		if !errors.As(err, &fe) || fe.Reason != entra.RoleMissing {
			t.Fatalf("got %v, want a ForbiddenError for a missing role", err)
		}
	})
}

// TestSignInWithoutConsent: in a tenant where nobody consented to the
// AdminScopes, an admin who may not consent gets AADSTS65001 and a hint
// (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
func TestSignInWithoutConsent(t *testing.T) {
	s, opts := emulator(t)
	_, err := entra.SignInAdmin(testContext(t), opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			return s.ApproveDeviceCode(dc.UserCode, entratest.DefaultHybridAdmin)
		},
	})
	var ue *entra.UnauthorizedError
	if !errors.As(err, &ue) || ue.AADSTS != "AADSTS65001" || !strings.Contains(err.Error(), "administrator must consent") {
		t.Fatalf("got %v, want AADSTS65001 with a hint", err)
	}
}
