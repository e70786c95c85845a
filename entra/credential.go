package entra

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Credential is how the sync application proves who it is: a certificate
// and its private key (preferred: the key never leaves this machine), or a
// client secret as a fallback. Its String and LogValue never show the
// secret or the key.
type Credential struct {
	certs  []*x509.Certificate
	key    crypto.PrivateKey
	secret string
}

// CertificateCredential reads a PEM certificate (chain) and its PEM private
// key (PKCS#8, PKCS#1 or EC). Either may hold both.
func CertificateCredential(certPEM, keyPEM []byte) (Credential, error) {
	data := append(append(append([]byte{}, certPEM...), '\n'), keyPEM...)
	certs, key, err := azidentity.ParseCertificates(data, nil)
	if err != nil {
		return Credential{}, fmt.Errorf("entra: read certificate and key: %w", err)
	}
	if err := checkKeyMatches(certs[0], key); err != nil {
		return Credential{}, err
	}
	return Credential{certs: certs, key: key}, nil
}

// SecretCredential is a client secret credential.
func SecretCredential(secret string) Credential { return Credential{secret: secret} }

// IsZero reports whether c holds no credential.
func (c Credential) IsZero() bool { return len(c.certs) == 0 && c.secret == "" }

// Certificate returns the certificate of a certificate credential, or nil.
func (c Credential) Certificate() *x509.Certificate {
	if len(c.certs) == 0 {
		return nil
	}
	return c.certs[0]
}

// String describes the credential without revealing it.
func (c Credential) String() string {
	switch {
	case len(c.certs) > 0:
		return fmt.Sprintf("certificate %q (SHA-1 thumbprint %s, expires %s)", c.certs[0].Subject.String(),
			Thumbprint(c.certs[0]), c.certs[0].NotAfter.UTC().Format("2006-01-02"))
	case c.secret != "":
		return "client secret (redacted)"
	}
	return "no credential"
}

// GoString keeps %#v from printing the key or the secret.
func (c Credential) GoString() string { return "entra.Credential{" + c.String() + "}" }

// LogValue keeps slog from logging the key or the secret.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Thumbprint is the certificate's SHA-1 thumbprint in upper-case hex, as
// the Entra admin center shows it.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// tokenCredential builds the azidentity credential for the application.
func (c Credential) tokenCredential(cl Cloud, rt http.RoundTripper, tenantID, clientID string) (azcore.TokenCredential, error) {
	opts := cl.clientOptions(rt)
	switch {
	case len(c.certs) > 0:
		cred, err := azidentity.NewClientCertificateCredential(tenantID, clientID, c.certs, c.key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cl.disableInstanceDiscovery()})
		if err != nil {
			return nil, fmt.Errorf("entra: certificate credential: %w", err)
		}
		return cred, nil
	case c.secret != "":
		cred, err := azidentity.NewClientSecretCredential(tenantID, clientID, c.secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cl.disableInstanceDiscovery()})
		if err != nil {
			return nil, fmt.Errorf("entra: client secret credential: %w", err)
		}
		return cred, nil
	}
	return nil, errors.New("entra: no credential: give a certificate or a client secret")
}

// aadstsHints says what to do about the identity platform errors an admin
// can meet with entrasync. Codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
var aadstsHints = map[string]string{
	"AADSTS7000215": "the client secret is wrong; create a new one or re-run setup",
	"AADSTS7000222": "the client secret has expired; rotate the credentials (entrasync menu: Rotate credentials)",
	"AADSTS700016":  "the application was not found in this tenant: check the tenant id and the application (client) id, or whether the app was deleted; re-run setup",
	"AADSTS700027":  "the certificate is not (or no longer) registered on the application, or it has expired; rotate the credentials or re-run setup",
	"AADSTS700024":  "the client assertion is outside its validity window: check this machine's clock",
	"AADSTS90002":   "the tenant was not found: check the tenant id or domain",
	"AADSTS900023":  "the tenant id is malformed: use the tenant GUID or a verified domain",
	"AADSTS7000112": "the application is disabled in this tenant; enable it in the Entra admin center (Enterprise applications)",
	"AADSTS50020":   "the account is not from this tenant: sign in with an account of the target tenant, or pass its tenant id",
	"AADSTS50076":   "multi-factor authentication is required: complete it in the browser",
	"AADSTS50079":   "multi-factor authentication registration is required: complete it in the browser",
	"AADSTS53003":   "a Conditional Access policy blocked the sign-in; ask an administrator to allow it for this device or location",
	"AADSTS65001":   "consent is missing for the sign-in client; an administrator must consent, or use --client-id with an app registered in the tenant",
	"AADSTS50105":   "the account is not assigned to the sign-in client; assign it, or use --client-id with an app registered in the tenant",
	"AADSTS70043":   "the sign-in expired; sign in again",
	"AADSTS700082":  "the sign-in expired; sign in again",
	"AADSTS70020":   "the device code expired before sign-in completed; start again",
	"AADSTS70019":   "the device code expired before sign-in completed; start again",
	"AADSTS70000":   "the sign-in grant is invalid or expired; sign in again",
}

// oauthHints covers device code outcomes that carry no useful AADSTS code.
var oauthHints = map[string]string{
	"expired_token":          "the device code expired before sign-in completed; start again",
	"access_denied":          "the sign-in was declined in the browser",
	"authorization_declined": "the sign-in was declined in the browser",
	"bad_verification_code":  "the device code was not recognised; start again",
	"invalid_client":         "the application's credentials were refused",
}

var aadstsRE = regexp.MustCompile(`AADSTS\d+`)

// tokenErrorBody is the identity platform's error response.
type tokenErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// authError finds an azidentity failure in err and turns it into an
// UnauthorizedError with the AADSTS code decoded. It returns nil when err
// is not a credential failure.
func authError(err error) *UnauthorizedError {
	var afe *azidentity.AuthenticationFailedError
	var ue *UnauthorizedError
	switch {
	case errors.As(err, &ue):
		return ue
	case errors.As(err, &afe):
		out := &UnauthorizedError{cause: err}
		if afe.RawResponse != nil {
			if body, rerr := runtime.Payload(afe.RawResponse); rerr == nil {
				fillFromTokenError(out, body)
			}
		}
		if out.AADSTS == "" {
			out.AADSTS = aadstsRE.FindString(err.Error())
		}
		out.Hint = hintFor(out)
		return out
	}
	var cue interface{ NonRetriable() }
	if errors.As(err, &cue) && strings.Contains(err.Error(), "Credential") {
		out := &UnauthorizedError{cause: err, AADSTS: aadstsRE.FindString(err.Error())}
		out.Hint = hintFor(out)
		return out
	}
	return nil
}

func fillFromTokenError(out *UnauthorizedError, body []byte) {
	var tb tokenErrorBody
	if json.Unmarshal(body, &tb) != nil {
		return
	}
	out.OAuthError = tb.Error
	out.Description = firstLine(tb.Description)
	if m := aadstsRE.FindString(tb.Description); m != "" {
		out.AADSTS = m
		// The description starts with "AADSTS…: "; keep the text only.
		out.Description = strings.TrimSpace(strings.TrimPrefix(out.Description, m+":"))
	} else if len(tb.Codes) > 0 {
		out.AADSTS = fmt.Sprintf("AADSTS%d", tb.Codes[0])
	}
	// The description ends with "Trace ID: … Correlation ID: … Timestamp: …";
	// keep those for the logs only through the cause.
	if i := strings.Index(out.Description, " Trace ID:"); i >= 0 {
		out.Description = strings.TrimSpace(out.Description[:i])
	}
}

func hintFor(e *UnauthorizedError) string {
	if h, ok := aadstsHints[e.AADSTS]; ok {
		return h
	}
	if h, ok := oauthHints[e.OAuthError]; ok {
		return h
	}
	return ""
}

// checkKeyMatches refuses a key that is not the certificate's.
func checkKeyMatches(cert *x509.Certificate, key crypto.PrivateKey) error {
	type publicKeyer interface{ Public() crypto.PublicKey }
	pk, ok := key.(publicKeyer)
	if !ok {
		return errors.New("entra: unsupported private key type")
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	eq, ok := pk.Public().(equaler)
	if !ok || !eq.Equal(cert.PublicKey) {
		return errors.New("entra: the private key does not match the certificate")
	}
	return nil
}
