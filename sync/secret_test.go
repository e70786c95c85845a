package sync

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	// A fake, generated per run: never a real secret in the repository.
	secret := "fake-" + filepath.Base(dir)
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		wantErr string
		insec   bool
	}{
		{"private", secret + "\n", 0o600, secret, "", false},
		{"owner read-only", secret, 0o400, secret, "", false},
		{"world readable", secret, 0o644, "", "chmod 600", true},
		{"group readable", secret, 0o640, "", "readable or writable by group or others", true},
		{"group writable", secret, 0o620, "", "chmod 600", true},
		{"empty", "\n", 0o600, "", "is empty", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSecret(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ReadSecret: %v", err)
				}
				if string(got) != tt.want {
					t.Errorf("ReadSecret = %q, want %q", got, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadSecret error = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrInsecureSecret) != tt.insec {
				t.Errorf("errors.Is(err, ErrInsecureSecret) = %v, want %v", !tt.insec, tt.insec)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestReadSecretMissing(t *testing.T) {
	_, err := ReadSecret(filepath.Join(t.TempDir(), "nope.secret"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "entrasync setup") {
		t.Errorf("ReadSecret(missing) = %v, want ErrNotExist with a hint", err)
	}
}

func TestWriteSecretThenCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "ad.secret")
	if err := WriteSecret(path, []byte("fake-password")); err != nil {
		t.Fatalf("WriteSecret: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	cfg := Config{AD: ADConfig{PasswordFile: "ad.secret"}, Entra: EntraConfig{CertificateFile: "app.pem"}}
	err = cfg.CheckSecrets(filepath.Join(dir, "state"))
	if err == nil || !strings.Contains(err.Error(), "app.pem does not exist") {
		t.Errorf("CheckSecrets = %v, want only the missing app.pem reported", err)
	}
	if strings.Contains(err.Error(), "ad.secret") {
		t.Errorf("CheckSecrets = %v, reports the private ad.secret", err)
	}
}

func TestSecretPath(t *testing.T) {
	for _, tt := range []struct{ dir, name, want string }{
		{"/var/lib/entrasync", "ad.secret", "/var/lib/entrasync/ad.secret"},
		{"/var/lib/entrasync", "/etc/x.pem", "/etc/x.pem"},
		{"/var/lib/entrasync", "", ""},
	} {
		if got := SecretPath(tt.dir, tt.name); got != tt.want {
			t.Errorf("SecretPath(%q, %q) = %q, want %q", tt.dir, tt.name, got, tt.want)
		}
	}
}
