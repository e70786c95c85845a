package sync

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// ErrInsecureSecret is matched (errors.Is) by every [*InsecureSecretError].
var ErrInsecureSecret = errors.New("sync: secret file is not private")

// InsecureSecretError refuses a secret file that other users could read or
// replace, as ssh refuses a private key with loose permissions. Its message
// names the file, what is wrong and the command that fixes it; it never
// holds the secret.
type InsecureSecretError struct {
	Path   string
	Mode   os.FileMode
	Reason string // "readable by group or others", "owned by uid 1001"
	Fix    string // "chmod 600 /var/lib/entrasync/ad-connector.secret"
}

// Error returns the message, naming what went wrong and how to fix it.
func (e *InsecureSecretError) Error() string {
	return fmt.Sprintf("sync: refusing secret file %s: %s (mode %04o): run `%s`", e.Path, e.Reason, e.Mode.Perm(), e.Fix)
}

// Is reports whether target is ErrInsecureSecret.
func (e *InsecureSecretError) Is(target error) bool { return target == ErrInsecureSecret }

// maxSecretSize bounds what ReadSecret reads: a password, a client secret
// or a PEM certificate with its key are a few kilobytes.
const maxSecretSize = 1 << 20

// ReadSecret reads a secret (password, client secret, certificate and key)
// from path, refusing with an [*InsecureSecretError] when the file is
// readable or writable by group or others, or owned by another user than
// this process's (root may read any owner's private file). A trailing newline is
// removed. The secret is never part of an error.
func ReadSecret(path string) ([]byte, error) {
	if err := CheckSecretFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sync: read secret: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return nil, fmt.Errorf("sync: read secret %s: %w", path, err)
	}
	if len(data) > maxSecretSize {
		return nil, fmt.Errorf("sync: secret file %s is larger than %d bytes: is it the right file?", path, maxSecretSize)
	}
	data = bytes.TrimRight(data, "\r\n")
	if len(data) == 0 {
		return nil, fmt.Errorf("sync: secret file %s is empty: run `entrasync setup` (or Rotate credentials) to write it", path)
	}
	return data, nil
}

// CheckSecretFile checks a secret file's ownership and mode without reading
// it (see [ReadSecret]).
func CheckSecretFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sync: secret file %s does not exist: run `entrasync setup` (or Rotate credentials) to create it: %w", path, err)
		}
		return fmt.Errorf("sync: secret file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("sync: secret file %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &InsecureSecretError{Path: path, Mode: fi.Mode(), Reason: "readable or writable by group or others", Fix: "chmod 600 " + path}
	}
	// Root may use a private file of any owner: under the systemd unit the
	// state directory belongs to the service's own user, and an
	// administrator running entrasync as root must still read it.
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid := os.Geteuid()
		if uid != 0 && int(st.Uid) != uid {
			return &InsecureSecretError{Path: path, Mode: fi.Mode(), Reason: fmt.Sprintf("owned by uid %d, not by this user (uid %d)", st.Uid, uid), Fix: fmt.Sprintf("chown %d %s", uid, path)}
		}
	}
	return nil
}

// WriteSecret writes a secret to path with mode 0600, atomically, creating
// the directory (mode 0700) when needed.
func WriteSecret(path string, secret []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sync: create %s: %w", filepath.Dir(path), err)
	}
	return writeFileAtomic(path, secret, 0o600)
}

// SecretPath resolves a secret file named in the configuration: absolute
// paths stay, relative ones are under the state directory.
func SecretPath(stateDir, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(stateDir, name)
}

// CheckSecrets checks every secret file the configuration names (see
// [CheckSecretFile]), so the engine refuses to start with a readable secret
// before it connects anywhere.
func (c Config) CheckSecrets(stateDir string) error {
	var errs []error
	for _, name := range []string{c.AD.PasswordFile, c.Entra.CertificateFile, c.Entra.ClientSecretFile} {
		if name != "" {
			if err := CheckSecretFile(SecretPath(stateDir, name)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
