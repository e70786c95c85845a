package entratest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// The credentials of an application registration: client secrets
// (passwordCredentials) and certificates (keyCredentials)
// (https://learn.microsoft.com/graph/api/resources/passwordcredential,
// https://learn.microsoft.com/graph/api/resources/keycredential).

// appData holds an application's credentials; its other properties live
// in the object's property bag.
type appData struct {
	secrets []*secretCred
	keys    []*keyCred
}

// secretCred is a client secret. Only its hash is kept.
type secretCred struct {
	keyID       string
	displayName string
	hint        string // first three characters, as Graph returns them
	hash        [32]byte
	start, end  time.Time
}

// keyCred is an uploaded certificate.
type keyCred struct {
	keyID       string
	displayName string
	typ         string // AsymmetricX509Cert
	usage       string // Verify
	der         []byte
	pub         *rsa.PublicKey
	sha1        [20]byte
	sha256      [32]byte
	start, end  time.Time
}

// certByThumbprint finds a Verify certificate by its SHA-256 (x5t#S256)
// or SHA-1 (x5t) thumbprint. RFC 7515 says base64url; MSAL for Go sends
// standard base64 with padding, which the identity platform accepts too.
func (a *appData) certByThumbprint(x5tS256, x5t string) *keyCred {
	for _, k := range a.keys {
		if k.usage != "Verify" {
			continue
		}
		if x5tS256 != "" && thumbprintIs(x5tS256, k.sha256[:]) {
			return k
		}
		if x5t != "" && thumbprintIs(x5t, k.sha1[:]) {
			return k
		}
	}
	return nil
}

func thumbprintIs(got string, sum []byte) bool {
	return got == b64.EncodeToString(sum) || got == base64.StdEncoding.EncodeToString(sum) ||
		got == base64.RawStdEncoding.EncodeToString(sum) || got == base64.URLEncoding.EncodeToString(sum)
}

// newKeyCred parses a DER certificate into a key credential.
func newKeyCred(der []byte) (*keyCred, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the certificate's key is %T, want RSA", cert.PublicKey)
	}
	return &keyCred{
		der: der, pub: pub, sha1: sha1.Sum(der), sha256: sha256.Sum256(der),
		typ: "AsymmetricX509Cert", usage: "Verify", start: cert.NotBefore, end: cert.NotAfter,
	}, nil
}

// render returns the keyCredential resource. key is returned only when
// withKey: Graph returns it on GET of a single object with
// $select=keyCredentials, and null otherwise.
func (k *keyCred) render(withKey bool) map[string]any {
	m := map[string]any{
		"customKeyIdentifier": base64.StdEncoding.EncodeToString(k.sha1[:]),
		"displayName":         nilIfEmpty(k.displayName),
		"endDateTime":         graphTime(k.end),
		"key":                 nil,
		"keyId":               k.keyID,
		"startDateTime":       graphTime(k.start),
		"type":                k.typ,
		"usage":               k.usage,
	}
	if withKey {
		m["key"] = base64.StdEncoding.EncodeToString(k.der)
	}
	return m
}

func (c *secretCred) render(secretText string) map[string]any {
	return map[string]any{
		"customKeyIdentifier": nil,
		"displayName":         nilIfEmpty(c.displayName),
		"endDateTime":         graphTime(c.end),
		"hint":                c.hint,
		"keyId":               c.keyID,
		"secretText":          nilIfEmpty(secretText),
		"startDateTime":       graphTime(c.start),
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newSecret returns a client secret in the identity platform's format:
// 40 characters, the fourth and fifth being "8Q~" style version markers.
func newSecret() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	b[3], b[4], b[5] = '8', 'Q', '~'
	return string(b)
}

// AppCredentials are the credentials of an application seeded in the
// tenant (Tenant.Apps), for a client to sign in as it.
type AppCredentials struct {
	DisplayName string
	// AppID is the application (client) id.
	AppID string
	// ObjectID is the id of the application object (/applications/{id}).
	ObjectID string
	// ServicePrincipalID is the id of its service principal.
	ServicePrincipalID string
	// ClientSecret is a valid client secret (a passwordCredential).
	ClientSecret string
	// Certificate is a self-signed certificate registered as a
	// keyCredential; PrivateKey is its key.
	Certificate *x509.Certificate
	PrivateKey  *rsa.PrivateKey
	// Permissions are the Microsoft Graph application permissions granted.
	Permissions []string
}

// PEM returns the certificate and its PKCS #8 private key in PEM form, as
// azidentity.ParseCertificates reads them.
func (a AppCredentials) PEM() []byte {
	key, err := x509.MarshalPKCS8PrivateKey(a.PrivateKey)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Certificate.Raw})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})...)
}

// keyPool hands out RSA keys generated once per process: generating a
// 2048-bit key costs tens of milliseconds, and every emulator needs a
// token signing key and one key per seeded application.
var keyPool struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

func pooledKey(i int) (*rsa.PrivateKey, error) {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("entratest: generate RSA key: %w", err)
		}
		keyPool.keys = append(keyPool.keys, k)
	}
	return keyPool.keys[i], nil
}

// selfSignedCert makes a certificate for key valid for a year from now.
func selfSignedCert(key *rsa.PrivateKey, cn string, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("entratest: certificate for %q: %w", cn, err)
	}
	return x509.ParseCertificate(der)
}
