package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Client is a connection to one DC, bound as one account. It is safe for
// concurrent use. Operations are bounded by Options.Timeout; long searches
// also stop when their context ends. DCs close idle connections (AD after
// MaxConnIdleTime, 15 minutes by default) and a Client does not reconnect:
// dial for each run of work rather than keeping one for days.
type Client struct {
	conn    *ldap.Conn
	addr    string // host:port
	user    string // the bind name, for messages; "anonymous" when none
	timeout time.Duration
	log     *slog.Logger
	tls     bool // the connection is encrypted: passwords may be sent

	// trace, when set by tests, sees every search request before it is sent.
	trace func(*ldap.SearchRequest)
}

// Dial connects to the DC, protects the connection as opts.Transport says,
// verifies the certificate and binds. Errors are a [ConnError]
// ([ErrUnreachable]), a [TLSError] ([ErrTLS]), a [BindError]
// ([ErrInvalidCredentials], [ErrStrongAuthRequired]) or [ErrInvalidInput].
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	tlsCfg, err := opts.tlsConfig()
	if err != nil {
		return nil, err
	}
	c := &Client{
		addr:    net.JoinHostPort(opts.Host, strconv.Itoa(opts.port())),
		user:    opts.Username,
		timeout: opts.timeout(),
		log:     opts.logger(),
		tls:     opts.Transport != Plain,
	}
	if c.user == "" {
		c.user = "anonymous"
	}
	if opts.InsecureSkipVerify && opts.Transport != Plain {
		c.log.Warn("ad: TLS certificate verification is off: anyone on the network path can impersonate the DC and read the password; give the CA file instead", "addr", c.addr)
	}
	if opts.Transport == Plain && opts.Username != "" {
		c.log.Warn("ad: plain LDAP: the password crosses the network unencrypted; use LDAPS or StartTLS", "addr", c.addr)
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{Timeout: c.timeout}
	raw, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, c.dialError(opts, err)
	}
	switch opts.Transport {
	case LDAPS:
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, c.tlsError(tlsCfg.ServerName, opts, err)
		}
		c.conn = ldap.NewConn(tc, true)
		c.conn.Start()
		c.conn.SetTimeout(c.timeout)
	case StartTLS:
		tc, err := c.startTLS(ctx, raw, tlsCfg, opts)
		if err != nil {
			raw.Close()
			return nil, err
		}
		c.conn = ldap.NewConn(tc, true)
		c.conn.Start()
		c.conn.SetTimeout(c.timeout)
	case Plain:
		c.conn = ldap.NewConn(raw, false)
		c.conn.Start()
		c.conn.SetTimeout(c.timeout)
	}
	if opts.Username != "" {
		if err := c.bind(opts.Username, opts.Password); err != nil {
			c.conn.Close()
			return nil, err
		}
	}
	return c, nil
}

// bind does a simple bind, which AD accepts with DOMAIN\user, a UPN or a DN.
func (c *Client) bind(user, password string) error {
	_, err := c.conn.SimpleBind(&ldap.SimpleBindRequest{Username: user, Password: password})
	if err == nil {
		return nil
	}
	var le *ldap.Error
	if !errors.As(err, &le) || le.ResultCode >= ldap.ErrorNetwork {
		return c.opError("bind as "+user+" to", c.addr, err)
	}
	diag := diagnostic(le)
	return &BindError{User: user, Addr: c.addr, ResultCode: le.ResultCode, SubCode: parseSubCode(diag), Diagnostic: diag}
}

// Close ends the connection. It is safe to call more than once.
func (c *Client) Close() error {
	if c == nil || c.conn == nil {
		return nil
	}
	if c.conn.IsClosing() {
		return nil
	}
	return c.conn.Close()
}

// Addr returns the DC's host:port.
func (c *Client) Addr() string { return c.addr }

// User returns the bind name as given, or "anonymous".
func (c *Client) User() string { return c.user }

// dialError explains a failed TCP connection.
func (c *Client) dialError(opts Options, err error) error {
	e := &ConnError{Addr: c.addr, Err: err}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		e.Reason = fmt.Sprintf("cannot resolve the host name %q (%v): check the spelling, or give the DC's IP address", opts.Host, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason = fmt.Sprintf("connection refused: nothing listens on port %d; LDAPS uses 636 and StartTLS 389: check the port, the transport and that the DC runs", opts.port())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Reason = fmt.Sprintf("no answer within %v: check the address and that a firewall lets port %d through", c.timeout, opts.port())
	case errors.Is(err, context.Canceled):
		e.Reason = "canceled"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		e.Reason = "no route to the host: check the address and the network"
	default:
		e.Reason = err.Error()
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// tlsError explains a failed TLS handshake: the certificate problem and
// its fix.
func (c *Client) tlsError(serverName string, opts Options, err error) error {
	e := &TLSError{Addr: c.addr, ServerName: serverName, Err: err}
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		e.Problem = TLSUnknownAuthority
		issuer := "an unknown CA"
		if unknown.Cert != nil {
			issuer = fmt.Sprintf("%q", unknown.Cert.Issuer.String())
		}
		e.Detail = fmt.Sprintf("the DC's certificate is signed by %s, which is not trusted: give the CA file (the PEM of the CA that issued the DC's certificate)", issuer)
	case errors.As(err, &hostname):
		e.Problem = TLSNameMismatch
		e.Detail = fmt.Sprintf("the DC's certificate is not valid for %q (%v): connect by a name the certificate holds, or set the TLS server name", serverName, certNames(hostname.Certificate))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		e.Problem = TLSExpired
		e.Detail = fmt.Sprintf("the DC's certificate is expired or not yet valid (valid %s to %s, now %s): renew it on the DC, or check this machine's clock",
			invalid.Cert.NotBefore.UTC().Format(time.DateOnly), invalid.Cert.NotAfter.UTC().Format(time.DateOnly), time.Now().UTC().Format(time.DateOnly))
	case errors.As(err, &record):
		e.Problem = TLSNotTLS
		e.Detail = fmt.Sprintf("the server on port %d does not speak TLS: for port 389 choose StartTLS, for LDAPS use port 636", opts.port())
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF):
		e.Problem = TLSNotTLS
		e.Detail = fmt.Sprintf("the server on port %d closed the connection during the TLS handshake: for port 389 choose StartTLS, for LDAPS use port 636", opts.port())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Problem = TLSNotTLS
		e.Detail = fmt.Sprintf("no TLS answer within %v: is this an LDAPS port? For port 389 choose StartTLS", c.timeout)
	default:
		e.Problem = TLSOther
		e.Detail = "handshake failed: " + err.Error()
	}
	return e
}

// startTLS runs the StartTLS extended operation (RFC 4511 §4.14) on the
// raw connection and then the handshake. go-ldap's own StartTLS formats
// the handshake error with %v, which would lose the certificate problem.
func (c *Client) startTLS(ctx context.Context, raw net.Conn, cfg *tls.Config, opts Options) (*tls.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 1, "MessageID"))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, "1.3.6.1.4.1.1466.20037", "TLS Extended Command"))
	msg.AppendChild(op)
	if _, err := raw.Write(msg.Bytes()); err != nil {
		return nil, c.dialError(opts, err)
	}
	resp, err := ber.ReadPacket(raw)
	if err != nil {
		if isTimeout(err) {
			return nil, c.dialError(opts, err)
		}
		return nil, &TLSError{Addr: c.addr, ServerName: cfg.ServerName, Problem: TLSNotTLS, Err: err,
			Detail: fmt.Sprintf("no LDAP answer to StartTLS on port %d (%v): for port 636 choose LDAPS", opts.port(), err)}
	}
	if len(resp.Children) < 2 || len(resp.Children[1].Children) < 1 {
		return nil, &TLSError{Addr: c.addr, ServerName: cfg.ServerName, Problem: TLSNotTLS, Err: errors.New("malformed response"),
			Detail: "malformed answer to StartTLS: is this an LDAP server?"}
	}
	if err := ldap.GetLDAPError(resp); err != nil {
		var le *ldap.Error
		code := "an error"
		if errors.As(err, &le) {
			code = ldapCodeText(le.ResultCode)
		}
		return nil, &TLSError{Addr: c.addr, ServerName: cfg.ServerName, Problem: TLSOther, Err: err,
			Detail: fmt.Sprintf("the DC refused StartTLS (%s): it may have no certificate; install one on the DC, or use LDAPS", code)}
	}
	raw.SetDeadline(time.Time{})
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, c.tlsError(cfg.ServerName, opts, err)
	}
	return tc, nil
}

func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no certificate"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "it names only CN=" + cert.Subject.CommonName + " and no subjectAltName, which Go does not accept"
	}
	return fmt.Sprintf("it is valid for %v", names)
}
