package live

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/wizard"
)

// keyThumbprints returns the thumbprints (customKeyIdentifier) of the
// certificates registered on the application appID.
func (w *world) keyThumbprints(appID string) []string {
	w.t.Helper()
	var out []string
	for _, a := range w.srv.Applications() {
		if a.String("appId") != appID {
			continue
		}
		keys, _ := a.Properties["keyCredentials"].([]any)
		for _, k := range keys {
			if m, ok := k.(map[string]any); ok {
				id, _ := m["customKeyIdentifier"].(string)
				raw, err := base64.StdEncoding.DecodeString(id)
				if err != nil {
					w.t.Fatalf("customKeyIdentifier %q: %v", id, err)
				}
				out = append(out, strings.ToUpper(hex.EncodeToString(raw)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// fileThumbprint is the thumbprint of the certificate in the PEM file.
func fileThumbprint(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := entra.ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return entra.Thumbprint(cert)
}

// Certificate credentials follow
// https://learn.microsoft.com/graph/api/resources/keycredential.
func TestRotateCredentials(t *testing.T) {
	w := newWorld(t)
	ou := w.dc.NewOU(t, "")
	w.addUser(ou, "Rita Rotate", "rita"+w.b.opts.Host, "rita."+w.b.opts.Host+"@example.com", nil)

	// Without a configuration there is nothing to rotate.
	fresh := w.backend("rotate-none")
	if err := fresh.RotateCredentials(w.ctx, func(wizard.ActionEvent) {}); !errors.Is(err, wizard.ErrNotConfigured) {
		t.Errorf("unconfigured: got %v, want ErrNotConfigured", err)
	}

	w.admins(w.b)
	cfg, _ := w.configure(w.b, w.b.tenant, ou)
	pwPath, certPath := filepath.Join(w.dir, PasswordFile), filepath.Join(w.dir, CertificateFile)
	oldPW, _ := os.ReadFile(pwPath)
	oldThumb := fileThumbprint(t, certPath)
	if got := w.keyThumbprints(cfg.Entra.ClientID); !slices.Equal(got, []string{oldThumb}) {
		t.Fatalf("certificates before: got %v, want %v", got, oldThumb)
	}
	if _, err := w.b.Sync(w.ctx, wizard.SyncInitial, nil); err != nil {
		t.Fatal(err)
	}

	nosession := w.backend(w.b.opts.Host)
	if p := asProblem(t, nosession.RotateCredentials(w.ctx, func(wizard.ActionEvent) {})); !strings.Contains(p.Fix, "sign in to Entra ID") {
		t.Errorf("without sessions: got %q (fix %q), want a fix asking to sign in", p.Error(), p.Fix)
	}

	var ev events
	if err := w.b.RotateCredentials(w.ctx, ev.add); err != nil {
		t.Fatalf("RotateCredentials: %v (events %v)", err, ev.states())
	}
	want := []string{"ad-password:pending", "entra-cert:pending", "ad-password:running", "ad-password:done", "entra-cert:running", "entra-cert:done"}
	if !slices.Equal(ev.states(), want) {
		t.Errorf("events: got %v, want %v", ev.states(), want)
	}
	newPW, _ := os.ReadFile(pwPath)
	if len(newPW) < 32 || bytes.Equal(newPW, oldPW) {
		t.Error("the password file was not replaced by a new password")
	}
	if m := fileMode(t, pwPath); m != 0o600 {
		t.Errorf("password file mode %o, want 600", m)
	}
	if m := fileMode(t, certPath); m != 0o600 {
		t.Errorf("certificate file mode %o, want 600", m)
	}
	newThumb := fileThumbprint(t, certPath)
	if newThumb == oldThumb {
		t.Fatal("the certificate file was not replaced")
	}
	if got := w.keyThumbprints(cfg.Entra.ClientID); !slices.Equal(got, []string{newThumb}) {
		t.Errorf("certificates after: got %v, want only the new %s", got, newThumb)
	}
	if _, err := os.Stat(certPath + newSuffix); !os.IsNotExist(err) {
		t.Errorf("the new key's temporary file is left: %v", err)
	}
	// The old password no longer binds; the service goes on with the new
	// credentials.
	_, err := ad.Dial(w.ctx, ad.Options{Host: w.dc.Host, CAFile: w.dc.CAFile, Username: cfg.AD.BindUser, Password: string(oldPW), Logger: quiet})
	if err == nil {
		t.Error("the old password still binds")
	}
	w.addUser(ou, "Rob Rotate", "rob"+w.b.opts.Host, "rob."+w.b.opts.Host+"@example.com", nil)
	if sum, err := w.b.Sync(w.ctx, wizard.SyncDelta, nil); err != nil || sum.Created != 1 {
		t.Errorf("sync with the rotated credentials: got %+v, %v, want Rob created", sum, err)
	}
}

// TestRotateFailureKeepsTheOldCertificate makes Entra refuse the new
// certificate's sign-in: the old certificate stays registered and in its
// file, and syncing goes on with it.
func TestRotateFailureKeepsTheOldCertificate(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	cfg, _ := w.configure(w.b, w.b.tenant, ou)
	certPath := filepath.Join(w.dir, CertificateFile)
	oldThumb := fileThumbprint(t, certPath)
	w.b.opts.AppReadyTimeout = 2 * time.Second // the new certificate never works here
	remove := w.srv.InjectFault(faultNewTokens())
	err := w.b.RotateCredentials(w.ctx, func(wizard.ActionEvent) {})
	remove()
	if err == nil {
		t.Fatal("RotateCredentials: got success, want the sign-in failure")
	}
	if got := fileThumbprint(t, certPath); got != oldThumb {
		t.Errorf("certificate file: got %s, want the old %s kept", got, oldThumb)
	}
	if got := w.keyThumbprints(cfg.Entra.ClientID); !slices.Contains(got, oldThumb) {
		t.Errorf("certificates: got %v, want the old %s still registered", got, oldThumb)
	}
	if _, err := w.b.Sync(w.ctx, wizard.SyncInitial, nil); err != nil {
		t.Errorf("sync with the old certificate after a failed rotation: %v", err)
	}
}

// faultNewTokens refuses every token request, as the identity platform
// refuses a certificate it does not know: the administrator's token is
// already issued, the application's new one is not.
func faultNewTokens() entratest.Fault {
	return entratest.Fault{Method: "POST", Path: "/*/oauth2/v2.0/token", Status: 401, Code: "invalid_client",
		Message: "AADSTS700027: Client assertion failed signature validation."}
}

// TestRotateFromTheMenu drives the task menu's Rotate credentials over the
// real backend, as a new process would: the menu must open both
// administrator sessions (Connect to Entra ID, Connect to AD DS) before it
// rotates, or the rotation is refused.
func TestRotateFromTheMenu(t *testing.T) {
	w := newWorld(t, entratest.WithAutoApprove(0, entratest.DefaultGlobalAdmin))
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	w.configure(w.b, w.b.tenant, ou)
	certPath := filepath.Join(w.dir, CertificateFile)
	oldThumb := fileThumbprint(t, certPath)

	b := w.backend(w.b.opts.Host) // a new process: no session yet
	input := []string{
		"8", "", "y", "", // Rotate credentials; confirm
		"", "", "", // Entra: sign in (approved by the emulator); continue as the admin
		"", "", "", w.dc.AdminDownLevel, w.dc.AdminPassword, "", // AD: the saved DC, the Enterprise Admin
		"11", "", // Exit
	}
	var out strings.Builder
	err := wizard.RunMenu(w.ctx, b, wizard.Options{
		In: strings.NewReader(strings.Join(input, "\n") + "\n"), Out: &out,
		Accessible: true, Interrupts: make(chan os.Signal),
	})
	if err != nil {
		t.Fatalf("RunMenu: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{"Replace the AD connector password: done", "Replace the application certificate: done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if got := fileThumbprint(t, certPath); got == oldThumb {
		t.Errorf("the certificate file still holds the old certificate %s", oldThumb)
	}
}
