package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// certificateKeyBits is the RSA key size of the application certificate:
// what Entra Connect's bring-your-own-certificate option asks for (RSA 2048,
// SHA-256), and quick to generate.
const certificateKeyBits = 2048

// NewCertificate generates the sync application's credential on this
// machine: an RSA 2048 key and a self-signed certificate (SHA-256) with the
// given subject common name, valid from a few minutes ago for validity. It
// returns the certificate and the PKCS#8 private key, both PEM. Only the
// certificate is ever sent to Entra; write the key with WriteKeyFile.
func NewCertificate(subject string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	if subject == "" {
		return nil, nil, errors.New("entra: new certificate: empty subject")
	}
	if validity <= 0 {
		return nil, nil, fmt.Errorf("entra: new certificate: validity %s must be positive", validity)
	}
	key, err := rsa.GenerateKey(rand.Reader, certificateKeyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("entra: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("entra: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: subject},
		NotBefore:             now.Add(-5 * time.Minute), // tolerate a little clock skew
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("entra: create certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("entra: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// ParseCertificatePEM returns the first certificate in PEM data.
func ParseCertificatePEM(certPEM []byte) (*x509.Certificate, error) {
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("entra: no PEM certificate found")
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("entra: parse certificate: %w", err)
			}
			return c, nil
		}
	}
}

// WriteKeyFile writes a private key (or any secret) to path with mode 0600,
// atomically: a temporary file in the same directory, synced, then renamed
// over path. It then checks the mode, so a umask or a file system that
// ignores modes cannot leave the key readable by others unnoticed.
func WriteKeyFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("entra: write key %s: %w", path, err)
	}
	return CheckKeyFile(path)
}

// CheckKeyFile refuses a key file that others can read or write (as ssh
// does): its mode must grant nothing to group or others.
func CheckKeyFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("entra: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("entra: key file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("entra: key file %s: permissions %04o are too open; it must be readable by its owner only (chmod 600 %s)", path, perm, path)
	}
	return nil
}

// LoadCertificateCredential reads a PEM certificate file and a PEM key
// file (checked with CheckKeyFile) into a Credential.
func LoadCertificateCredential(certPath, keyPath string) (Credential, error) {
	if err := CheckKeyFile(keyPath); err != nil {
		return Credential{}, err
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return Credential{}, fmt.Errorf("entra: read certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return Credential{}, fmt.Errorf("entra: read key %s: %w (run as the user that owns it)", keyPath, err)
		}
		return Credential{}, fmt.Errorf("entra: read key: %w", err)
	}
	return CertificateCredential(certPEM, keyPEM)
}
