package entra_test

import (
	"context"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// These tests run the real azidentity and msgraph-sdk-go code paths
// against entra/entratest, an emulator of the identity platform and of
// Graph over TLS with its own CA.

// emulator starts an emulator for t with fast pacing options for the
// client: small backoffs so throttling tests stay quick.
func emulator(t testing.TB, opts ...entratest.Option) (*entratest.Server, entra.Options) {
	t.Helper()
	s := entratest.NewServer(t, opts...)
	return s, optionsFor(s)
}

// optionsFor aims a client at s.
func optionsFor(s *entratest.Server) entra.Options {
	return entra.Options{
		Cloud: entra.Cloud{AuthorityHost: s.AuthorityHost(), GraphURL: s.URL, RootCAs: s.CAPool()},
		Throughput: entra.Throughput{
			Backoff:     50 * time.Millisecond,
			MaxBackoff:  200 * time.Millisecond,
			MaxAttempts: 4,
		},
	}
}

// testContext is a context that ends with the test, bounded so a hung
// emulator fails the test instead of the whole run.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// signIn signs in as upn through the device code flow, approving the code
// from the prompt as the admin would in a browser.
func signIn(t *testing.T, s *entratest.Server, opts entra.Options, upn string) *entra.Client {
	t.Helper()
	c, err := entra.SignInAdmin(testContext(t), opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			return s.ApproveDeviceCode(dc.UserCode, upn)
		},
	})
	if err != nil {
		t.Fatalf("sign in as %s: %v", upn, err)
	}
	return c
}

// appClient signs in as a seeded application of the emulator with its
// certificate.
func appClient(t testing.TB, s *entratest.Server, opts entra.Options, name string) *entra.Client {
	t.Helper()
	app, ok := s.App(name)
	if !ok {
		t.Fatalf("emulator has no app %q", name)
	}
	cred, err := entra.CertificateCredential(app.PEM(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := entra.NewAppClient(opts, s.TenantID, app.AppID, cred)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncClient is a client for the emulator's seeded sync application.
func syncClient(t testing.TB, s *entratest.Server, opts entra.Options) *entra.Client {
	t.Helper()
	return appClient(t, s, opts, entratest.DefaultSyncApp)
}

// newCert generates a certificate credential as setup does.
func newCert(t *testing.T, subject string) entra.Credential {
	t.Helper()
	certPEM, keyPEM, err := entra.NewCertificate(subject, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := entra.CertificateCredential(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// consented is the default tenant where a Global Administrator has already
// granted the AdminScopes tenant-wide, so that admins who cannot consent
// themselves (Hybrid Identity Administrator) can sign in.
func consented() entratest.Option {
	t := entratest.DefaultTenant()
	for _, p := range entra.AdminScopes {
		t.Consented = append(t.Consented, p.Name)
	}
	return entratest.WithTenant(t)
}
