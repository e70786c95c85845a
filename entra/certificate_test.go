package entra

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewCertificate(t *testing.T) {
	certPEM, keyPEM, err := NewCertificate("entrasync-host1", 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "entrasync-host1" {
		t.Errorf("subject CN = %q, want entrasync-host1", cert.Subject.CommonName)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		t.Errorf("public key = %T, want RSA 2048", cert.PublicKey)
	}
	if d := time.Until(cert.NotAfter); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("NotAfter in %v, want about a year", d)
	}
	if bytes.Contains(certPEM, []byte("PRIVATE KEY")) {
		t.Error("certificate PEM holds the private key")
	}
	cred, err := CertificateCredential(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("CertificateCredential: %v", err)
	}
	if got, want := Thumbprint(cred.Certificate()), Thumbprint(cert); got != want || len(got) != 40 {
		t.Errorf("thumbprint %q, want %q (40 hex digits)", got, want)
	}

	for _, tc := range []struct {
		subject  string
		validity time.Duration
	}{{"", time.Hour}, {"x", 0}} {
		if _, _, err := NewCertificate(tc.subject, tc.validity); err == nil {
			t.Errorf("NewCertificate(%q, %v): no error, want one", tc.subject, tc.validity)
		}
	}
}

func TestCertificateCredentialMismatch(t *testing.T) {
	certPEM, _, err := NewCertificate("a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := NewCertificate("b", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = CertificateCredential(certPEM, otherKey)
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("got %v, want a key mismatch error", err)
	}
}

func TestWriteKeyFile(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, err := NewCertificate("entrasync-test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "app.key")
	certPath := filepath.Join(dir, "app.pem")
	if err := WriteKeyFile(keyPath, keyPEM); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := LoadCertificateCredential(certPath, keyPath); err != nil {
		t.Errorf("LoadCertificateCredential: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".key-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCertificateCredential(certPath, keyPath)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: got %v, want an error telling to chmod 600", err)
	}
	if _, err := LoadCertificateCredential(certPath, filepath.Join(dir, "missing.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing key: got %v, want fs.ErrNotExist", err)
	}
}

// TestCredentialNeverShowsSecrets formats credentials every way a log or
// an error might and checks that neither the key nor the secret appears.
func TestCredentialNeverShowsSecrets(t *testing.T) {
	certPEM, keyPEM, err := NewCertificate("entrasync-test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := CertificateCredential(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	secret := "s3cr3t-" + GeneratePassword()
	keyBody := strings.Split(string(keyPEM), "\n")[1]
	for name, cred := range map[string]Credential{"certificate": cert, "secret": SecretCredential(secret)} {
		t.Run(name, func(t *testing.T) {
			var logged bytes.Buffer
			slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "cred", cred)
			for _, out := range []string{
				cred.String(), logged.String(),
				fmt.Sprintf("%v", cred), fmt.Sprintf("%+v", cred), fmt.Sprintf("%#v", cred),
			} {
				if strings.Contains(out, secret) || strings.Contains(out, keyBody) {
					t.Errorf("credential leaked in %q", out)
				}
			}
		})
	}
}
