package ad

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Transport says how the connection to the DC is protected.
type Transport int

// Transports. LDAPS is the default.
const (
	// LDAPS is LDAP over TLS from the first byte, port 636.
	LDAPS Transport = iota
	// StartTLS is plain LDAP on port 389 upgraded to TLS before the bind.
	StartTLS
	// Plain is LDAP without encryption: the password crosses the network in
	// clear. For labs only; DCs that require signing refuse the bind with
	// [ErrStrongAuthRequired].
	Plain
)

// String returns "ldaps", "starttls" or "plain".
func (t Transport) String() string {
	switch t {
	case LDAPS:
		return "ldaps"
	case StartTLS:
		return "starttls"
	case Plain:
		return "plain"
	}
	return fmt.Sprintf("Transport(%d)", int(t))
}

// ParseTransport parses "ldaps", "starttls" or "plain", in any case.
func ParseTransport(s string) (Transport, error) {
	for _, t := range []Transport{LDAPS, StartTLS, Plain} {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("ad: transport %q: want ldaps, starttls or plain: %w", s, ErrInvalidInput)
}

// DefaultTimeout bounds the connection and each LDAP operation when
// Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options say how to reach and authenticate to a DC. Only Host is required;
// without Username the connection is anonymous, which reads the rootDSE
// and little else.
type Options struct {
	// Host is the DC's DNS name or IP address.
	Host string
	// Port defaults to 636 for LDAPS and 389 otherwise.
	Port int
	// Transport defaults to LDAPS.
	Transport Transport
	// CAFile is a PEM file of the CA certificates to trust, added to
	// RootCAs (or replacing the system pool when RootCAs is nil).
	CAFile string
	// RootCAs are the CAs to trust; nil means the system's.
	RootCAs *x509.CertPool
	// ServerName is the name the certificate must hold; default Host.
	ServerName string
	// InsecureSkipVerify turns certificate verification off: anyone on the
	// path can read the password. Dial logs a warning when it is set.
	InsecureSkipVerify bool
	// Timeout bounds the connection and each operation; default
	// DefaultTimeout.
	Timeout time.Duration
	// Username is DOMAIN\user, user@upn.suffix or a DN.
	Username string
	// Password of Username. It is used for the bind and not kept.
	Password string
	// Logger receives warnings (insecure TLS, plain LDAP, odd data); nil
	// means slog.Default().
	Logger *slog.Logger
}

func (o Options) port() int {
	if o.Port != 0 {
		return o.Port
	}
	if o.Transport == LDAPS {
		return 636
	}
	return 389
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// validate checks the options before anything is sent.
func (o Options) validate() error {
	if strings.TrimSpace(o.Host) == "" {
		return fmt.Errorf("ad: no DC host given: set the host name or address of a domain controller: %w", ErrInvalidInput)
	}
	if o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("ad: port %d is out of range (1-65535): %w", o.Port, ErrInvalidInput)
	}
	if o.Transport < LDAPS || o.Transport > Plain {
		return fmt.Errorf("ad: unknown transport %d: %w", o.Transport, ErrInvalidInput)
	}
	if o.Username != "" && o.Password == "" {
		// AD takes a name with an empty password as an unauthenticated
		// bind and says "success": refuse it here.
		return fmt.Errorf("ad: empty password for %s: AD would treat it as an anonymous bind; give the password: %w", o.Username, ErrInvalidInput)
	}
	if o.Username == "" && o.Password != "" {
		return fmt.Errorf("ad: a password without a user name: give the user as DOMAIN\\user, a UPN or a DN: %w", ErrInvalidInput)
	}
	return nil
}

// tlsConfig builds the client TLS configuration from the options.
func (o Options) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         o.ServerName,
		RootCAs:            o.RootCAs,
		InsecureSkipVerify: o.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
	if cfg.ServerName == "" {
		cfg.ServerName = o.Host
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ad: read the CA file: %w", err)
		}
		pool := o.RootCAs
		if pool == nil {
			pool = x509.NewCertPool()
		} else {
			pool = pool.Clone()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ad: the CA file %s holds no PEM certificate (want -----BEGIN CERTIFICATE-----): %w", o.CAFile, ErrInvalidInput)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
