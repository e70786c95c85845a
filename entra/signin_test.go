package entra_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestSignInAdmin follows the device code flow
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code):
// the prompt gets the code, the URL and the message; the admin approves;
// the client then calls Graph as the admin.
func TestSignInAdmin(t *testing.T) {
	s, opts := emulator(t)
	var got entra.DeviceCode
	prompts := 0
	c, err := entra.SignInAdmin(testContext(t), opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			got = dc
			prompts++
			return s.ApproveDeviceCode(dc.UserCode, entratest.DefaultGlobalAdmin)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.UserCode == "" || !strings.HasPrefix(got.VerificationURL, "https://") || !strings.Contains(got.Message, got.UserCode) {
		t.Errorf("device code %+v: want a user code, an https URL and a message naming the code", got)
	}
	if d := time.Until(got.ExpiresAt); d <= 0 || d > time.Hour {
		t.Errorf("device code expires in %v, want a time in the next hour", d)
	}
	acct := c.Account()
	if !strings.EqualFold(acct.Username, entratest.DefaultGlobalAdmin) || acct.TenantID != s.TenantID || acct.ObjectID == "" {
		t.Errorf("account = %+v, want %s in tenant %s with an object id", acct, entratest.DefaultGlobalAdmin, s.TenantID)
	}
	org, err := c.Organization(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != s.TenantID {
		t.Errorf("organization id %q, want %q", org.ID, s.TenantID)
	}
	if _, err := c.CheckAdmin(testContext(t)); err != nil {
		t.Fatal(err)
	}
	// Graph calls reuse the sign-in's token: the admin is asked once.
	codes := 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/oauth2/v2.0/devicecode") {
			codes++
		}
	}
	if prompts != 1 || codes != 1 {
		t.Errorf("%d prompts, %d device codes; want 1", prompts, codes)
	}
	// Graph saw the admin's token (kiota's allowed hosts include the
	// emulator's host, or the request would have gone out without it).
	var seen bool
	for _, r := range s.Requests() {
		if r.Path == "/v1.0/organization" {
			seen = true
			if !strings.EqualFold(r.User, entratest.DefaultGlobalAdmin) || r.Status != 200 {
				t.Errorf("GET /organization as %q answered %d, want as %s, 200", r.User, r.Status, entratest.DefaultGlobalAdmin)
			}
		}
	}
	if !seen {
		t.Error("no GET /v1.0/organization in the emulator's log")
	}
	// The admin consented to the AdminScopes and to nothing else (User.Read
	// needs no admin consent).
	want := map[string]bool{}
	for _, p := range entra.AdminScopes {
		want[strings.ToLower(p.Name)] = true
	}
	consented := s.ConsentedScopes()
	for _, sc := range consented {
		if !want[strings.ToLower(sc)] {
			t.Errorf("scope %s was consented; entra asks only for AdminScopes", sc)
		}
		delete(want, strings.ToLower(sc))
	}
	if delete(want, "user.read"); len(want) > 0 {
		t.Errorf("scopes %v not consented (consented: %v)", want, consented)
	}
}

// TestSignInAdminDeclined: an admin who declines in the browser gets an
// UnauthorizedError saying so.
func TestSignInAdminDeclined(t *testing.T) {
	s, opts := emulator(t)
	_, err := entra.SignInAdmin(testContext(t), opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error { return s.DenyDeviceCode(dc.UserCode) },
	})
	var ue *entra.UnauthorizedError
	if !errors.As(err, &ue) || !errors.Is(err, entra.ErrUnauthorized) {
		t.Fatalf("got %v, want an UnauthorizedError", err)
	}
	if !strings.Contains(err.Error(), "declined") {
		t.Errorf("message %q does not say the sign-in was declined", err)
	}
}

// TestSignInAdminCancelled: cancelling the context stops the polling.
func TestSignInAdminCancelled(t *testing.T) {
	_, opts := emulator(t)
	ctx, cancel := context.WithCancel(testContext(t))
	_, err := entra.SignInAdmin(ctx, opts, entra.AdminSignIn{
		Prompt: func(context.Context, entra.DeviceCode) error { cancel(); return nil },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestAppSignInErrors: a credential the identity platform refuses is an
// UnauthorizedError with the AADSTS code and what to do.
func TestAppSignInErrors(t *testing.T) {
	s, opts := emulator(t)
	app, _ := s.App(entratest.DefaultSyncApp)
	unknownCert, unknownKey, err := entra.NewCertificate("not registered", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := entra.CertificateCredential(unknownCert, unknownKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		appID  string
		cred   entra.Credential
		aadsts string
		hint   string
	}{
		{"wrong secret", app.AppID, entra.SecretCredential("not-the-secret"), "AADSTS7000215", "client secret is wrong"},
		{"unregistered certificate", app.AppID, unknown, "AADSTS700027", "rotate the credentials"},
		{"unknown application", "11111111-2222-3333-4444-555555555555", entra.SecretCredential("x"), "AADSTS700016", "application was not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := entra.NewAppClient(opts, s.TenantID, tt.appID, tt.cred)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verify(testContext(t))
			var ue *entra.UnauthorizedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v (%T), want an UnauthorizedError", err, err)
			}
			if ue.AADSTS != tt.aadsts || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("got %s / %q, want %s and a hint %q", ue.AADSTS, err, tt.aadsts, tt.hint)
			}
		})
	}
	t.Run("secret never in the error", func(t *testing.T) {
		secret := "secret-" + entra.GeneratePassword()
		c, _ := entra.NewAppClient(opts, s.TenantID, app.AppID, entra.SecretCredential(secret))
		if err := c.Verify(testContext(t)); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("got %v, want an error without the secret", err)
		}
	})
}

// TestAdminLooksUpUsers: the admin's session may read users by
// userPrincipalName and list them with the properties soft matching needs
// (the soft-match preview before Install). Graph's user-get and user-list
// take User.ReadBasic.All at least, which omits onPremisesImmutableId and
// onPremisesSyncEnabled; AdminScopes ask for User.Read.All
// (https://learn.microsoft.com/graph/api/user-list,
// https://learn.microsoft.com/graph/permissions-reference#userreadall).
func TestAdminLooksUpUsers(t *testing.T) {
	s, opts := emulator(t)
	c := signIn(t, s, opts, entratest.DefaultGlobalAdmin)
	defer c.Close()
	ctx := testContext(t)
	upn := "adele.vance@" + entratest.DefaultDomain
	u, err := c.User(ctx, upn)
	if err != nil {
		t.Fatalf("User(%s) as the admin: %v", upn, err)
	}
	if !strings.EqualFold(u.UserPrincipalName, upn) || u.Mail == "" {
		t.Errorf("User(%s): got UPN %q, mail %q; want the UPN and a mail", upn, u.UserPrincipalName, u.Mail)
	}
	found := false
	for u, err := range c.Users(ctx) {
		if err != nil {
			t.Fatalf("Users as the admin: %v", err)
		}
		found = found || strings.EqualFold(u.UserPrincipalName, upn)
	}
	if !found {
		t.Errorf("Users as the admin: %s not listed", upn)
	}
}
