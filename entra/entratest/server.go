package entratest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is an emulator of the Microsoft identity platform and of the
// Microsoft Graph subset entrasync uses, listening over TLS on a loopback
// address with a certificate from a CA it generated.
type Server struct {
	// URL is the base URL of the emulator, https://127.0.0.1:port with no
	// trailing slash. The authority host for azidentity is URL + "/" and
	// the Graph base URL is URL + "/v1.0".
	URL string
	// TenantID is the GUID of the emulated tenant.
	TenantID string
	// InitialDomain is the tenant's initial domain, such as
	// contoso.onmicrosoft.com.
	InitialDomain string

	tls      *serverTLS
	caDir    string // holds ca.pem; removed by Close
	ownCADir bool
	ln       net.Listener
	srv      *http.Server
	signKey  *rsa.PrivateKey
	keyID    string
	cfg      config
	closing  chan struct{}
	wg       sync.WaitGroup

	mu       sync.Mutex
	offset   time.Duration // Advance
	dir      *directory
	log      []Request
	faults   []*faultRule
	faultSeq int
	rng      *rand.Rand // Fault.Rate draws
	throttle *throttleState
	devices  []*deviceCode
	refresh  map[string]*refreshGrant
	appCreds []AppCredentials
}

// config collects the options.
type config struct {
	addr         string
	tenant       *Tenant
	autoApprove  time.Duration
	autoApproveA string
	autoApproveS bool
	throttle     *ThrottleModel
	consentDelay time.Duration
	caDir        string
	hosts        []string
	errorLog     *log.Logger
	seed         uint64
}

// Option configures a Server.
type Option func(*config)

// WithAddr sets the listen address (default 127.0.0.1:0, a free port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithTenant seeds the emulator with t instead of DefaultTenant.
func WithTenant(t Tenant) Option { return func(c *config) { c.tenant = &t } }

// WithAutoApprove approves every device code after delay, signed in as the
// user whose userPrincipalName is upn ("" means the first seeded Global
// Administrator). The demo and the standalone emulator use it.
func WithAutoApprove(delay time.Duration, upn string) Option {
	return func(c *config) { c.autoApprove, c.autoApproveA, c.autoApproveS = delay, upn, true }
}

// WithThrottle turns the throttle model on from the start (see Throttle).
func WithThrottle(m ThrottleModel) Option { return func(c *config) { c.throttle = &m } }

// WithConsentDelay makes an application permission granted through an app
// role assignment take effect only in tokens issued d after the grant, as
// consent propagates in Entra ID.
func WithConsentDelay(d time.Duration) Option { return func(c *config) { c.consentDelay = d } }

// WithCADir writes the CA certificate to dir/ca.pem instead of a
// temporary directory.
func WithCADir(dir string) Option { return func(c *config) { c.caDir = dir } }

// WithHosts adds host names or IP addresses to the server certificate, for
// an emulator listening on something other than loopback.
func WithHosts(hosts ...string) Option {
	return func(c *config) { c.hosts = append(c.hosts, hosts...) }
}

// WithSeed seeds the generator that decides which requests a Fault with a
// Rate hits (default 1), so a run is repeatable.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithErrorLog sets the logger for the HTTP server's own errors (TLS
// handshake failures and the like); they are discarded by default.
func WithErrorLog(l *log.Logger) Option { return func(c *config) { c.errorLog = l } }

// NewServer starts an emulator for the test tb and stops it when the test
// ends. It seeds DefaultTenant unless WithTenant says otherwise.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	opts = append([]Option{WithCADir(tb.TempDir())}, opts...)
	s, err := Start(opts...)
	if err != nil {
		tb.Fatalf("entratest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts an emulator outside tests. Close stops it.
func Start(opts ...Option) (*Server, error) {
	cfg := config{addr: "127.0.0.1:0", seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	st, err := newServerTLS(cfg.hosts)
	if err != nil {
		return nil, err
	}
	key, err := pooledKey(0)
	if err != nil {
		return nil, err
	}
	s := &Server{
		tls:     st,
		signKey: key,
		keyID:   newGUID(),
		cfg:     cfg,
		closing: make(chan struct{}),
		refresh: map[string]*refreshGrant{},
		rng:     rand.New(rand.NewPCG(cfg.seed, 0x656e747261)),
	}
	if cfg.caDir == "" {
		dir, err := os.MkdirTemp("", "entratest-")
		if err != nil {
			return nil, fmt.Errorf("entratest: %w", err)
		}
		s.caDir, s.ownCADir = dir, true
	} else {
		s.caDir = cfg.caDir
	}
	if err := os.WriteFile(s.CAFile(), st.caPEM, 0o644); err != nil {
		s.removeCADir()
		return nil, fmt.Errorf("entratest: write CA file: %w", err)
	}
	tenant := DefaultTenant()
	if cfg.tenant != nil {
		tenant = *cfg.tenant
	}
	if err := s.init(tenant); err != nil {
		s.removeCADir()
		return nil, err
	}
	if cfg.throttle != nil {
		s.throttle = newThrottleState(*cfg.throttle)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		s.removeCADir()
		return nil, fmt.Errorf("entratest: listen on %s: %w", cfg.addr, err)
	}
	s.ln = ln
	host := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	s.URL = "https://" + host
	errorLog := cfg.errorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          errorLog,
		// HTTP/1.1 only, so that a dropped connection (Fault.Drop) can
		// hijack and close the socket.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{st.leaf}, MinVersion: tls.VersionTLS12},
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.ServeTLS(ln, "", "")
	}()
	if cfg.autoApproveS {
		s.wg.Add(1)
		go s.autoApprover()
	}
	return s, nil
}

// Close stops the emulator, waiting for requests under way, and removes the
// CA file it wrote. It is safe to call more than once.
func (s *Server) Close() {
	select {
	case <-s.closing:
		return
	default:
		close(s.closing)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	s.wg.Wait()
	s.removeCADir()
}

func (s *Server) removeCADir() {
	if s.ownCADir {
		_ = os.RemoveAll(s.caDir)
	}
}

// CAPool returns a pool holding the emulator's CA certificate.
func (s *Server) CAPool() *x509.CertPool { return s.tls.pool.Clone() }

// CAPEM returns the emulator's CA certificate in PEM form.
func (s *Server) CAPEM() []byte { return bytes.Clone(s.tls.caPEM) }

// CAFile returns the path of a file holding CAPEM.
func (s *Server) CAFile() string { return filepath.Join(s.caDir, "ca.pem") }

// Client returns an HTTP client that trusts the emulator's CA.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 2 * time.Minute}
}

// Transport returns an HTTP transport that trusts the emulator's CA.
func (s *Server) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: s.CAPool(), MinVersion: tls.VersionTLS12}
	return t
}

// AuthorityHost returns the value for azcore's
// cloud.Configuration.ActiveDirectoryAuthorityHost: URL + "/".
func (s *Server) AuthorityHost() string { return s.URL + "/" }

// GraphURL returns the Graph base URL, URL + "/v1.0".
func (s *Server) GraphURL() string { return s.URL + "/v1.0" }

// Advance moves the emulator's clock forward by d: tokens, device codes,
// throttle windows and consent delays see the later time.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// now returns the emulator's time; callers hold s.mu.
func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		// An encoding Graph does not take gets 415, on which
		// msgraph-sdk-go resends the body uncompressed (go-deps.md §4).
		status := http.StatusBadRequest
		if errors.Is(err, errUnsupportedEncoding) {
			status = http.StatusUnsupportedMediaType
		}
		writeJSON(w, reply{status: status, body: ordered{{"error", ordered{
			{"code", "BadRequest"}, {"message", "The request body could not be read: " + err.Error()}}}}})
		return
	}
	p := r.URL.Path
	switch {
	case p == "/v1.0" || strings.HasPrefix(p, "/v1.0/"):
		s.serveGraph(w, r, body)
	case p == "/devicelogin":
		s.serveDeviceLogin(w, r, body)
	default:
		s.serveIdentity(w, r, body)
	}
}

var errUnsupportedEncoding = errors.New("unsupported Content-Encoding")

// readBody reads the request body, un-gzipping it when the client sent
// Content-Encoding: gzip (msgraph-sdk-go's CompressionHandler does so by
// default).
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return decodeBody(r.Header.Get("Content-Encoding"), raw)
}

func decodeBody(encoding string, raw []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, 256<<20))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w %q", errUnsupportedEncoding, encoding)
	}
}
