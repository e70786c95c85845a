package memdc

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a demo forest. The zero value is a forest named
// corp.example.com (NetBIOS CORP) on 127.0.0.1 with system-chosen ports, no
// objects beyond those a fresh domain holds, and a random administrator
// password.
type Options struct {
	// Realm is the DNS name of the forest root domain (default
	// "corp.example.com"); BaseDN is derived from it.
	Realm string
	// NetBIOS is the domain's NetBIOS name (default: the realm's first label,
	// upper-cased).
	NetBIOS string
	// Host is the DC's host name (default "dc1"); its FQDN is Host.Realm.
	Host string
	// ListenIP is the address both listeners bind to (default 127.0.0.1).
	ListenIP string
	// LDAPPort and LDAPSPort are the listening ports; 0 picks free ones.
	LDAPPort, LDAPSPort int
	// AdminPassword is the built-in Administrator's password; empty
	// generates a random one (see Server.AdminPassword).
	AdminPassword string
	// Seed is added after the domain's built-in objects, for example
	// SampleCompany(realm).
	Seed *Seed
	// CAFile is where the CA certificate is written as PEM. Empty writes it
	// to a temporary directory that Close removes.
	CAFile string
	// MaxPageSize caps the entries of one search response (AD's LDAP policy
	// MaxPageSize, default 1000).
	MaxPageSize int
	// MaxValRange caps the values of one attribute in a search entry (AD's
	// MaxValRange, default 1500).
	MaxValRange int
	// DirSyncBatch caps the objects of one DirSync response; more wait for
	// the next request (default 1000).
	DirSyncBatch int
	// WithoutExchangeSchema leaves out the Exchange attributes (mailNickname,
	// extensionAttribute1-15, msExch*), as in Samba's default schema.
	WithoutExchangeSchema bool
	// AllowPlainBind accepts simple binds over plain LDAP without StartTLS,
	// as a DC without "LDAP server signing requirements" does. By default
	// they fail with strongerAuthRequired, as on Samba and hardened AD.
	AllowPlainBind bool
	// RandomSeed seeds Mutate's choices; 0 picks a random seed.
	RandomSeed uint64
	// Logf, when set, receives one line per operation (never a password).
	Logf func(format string, args ...any)
}

// Server is a running demo forest: one domain controller of a one-domain
// forest, serving LDAP and LDAPS on loopback.
type Server struct {
	opts   Options
	realm  string
	netbio string
	host   string
	baseDN string

	mu         sync.RWMutex // guards dir and everything in it
	dir        *directory
	rng        *mrand.Rand // guarded by mu
	adm        *entry
	pass       string
	changeBase string // Seed.ChangeBase

	certs   *certificates
	tlsConf *tls.Config
	caFile  string
	tmpDir  string

	ldapLn, ldapsLn net.Listener
	wg              sync.WaitGroup
	connMu          sync.Mutex
	conns           map[*conn]struct{}
	closed          bool
}

// Start builds the forest, seeds it and starts serving. Close releases it.
func Start(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Realm == "" {
		opts.Realm = "corp.example.com"
	}
	realm := strings.ToLower(strings.TrimSuffix(opts.Realm, "."))
	if !validRealm(realm) {
		return nil, fmt.Errorf("memdc: realm %q is not a DNS name of two or more labels such as corp.example.com", opts.Realm)
	}
	if opts.NetBIOS == "" {
		opts.NetBIOS = strings.ToUpper(strings.SplitN(realm, ".", 2)[0])
	}
	if len(opts.NetBIOS) > 15 || strings.ContainsAny(opts.NetBIOS, "\\/:*?\"<>|. ") {
		return nil, fmt.Errorf("memdc: NetBIOS name %q must be at most 15 characters without \\/:*?\"<>|. or spaces", opts.NetBIOS)
	}
	if opts.Host == "" {
		opts.Host = "dc1"
	}
	if opts.ListenIP == "" {
		opts.ListenIP = "127.0.0.1"
	}
	ip := net.ParseIP(opts.ListenIP)
	if ip == nil {
		return nil, fmt.Errorf("memdc: listen address %q is not an IP address", opts.ListenIP)
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 1000
	}
	if opts.MaxValRange <= 0 {
		opts.MaxValRange = 1500
	}
	if opts.DirSyncBatch <= 0 {
		opts.DirSyncBatch = 1000
	}
	seed := opts.RandomSeed
	if seed == 0 {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		if err != nil {
			return nil, fmt.Errorf("memdc: random seed: %w", err)
		}
		seed = n.Uint64()
	}
	s := &Server{
		opts:   opts,
		realm:  realm,
		netbio: strings.ToUpper(opts.NetBIOS),
		host:   strings.ToLower(opts.Host),
		baseDN: realmDN(realm),
		dir:    newDirectory(time.Now),
		rng:    mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		conns:  map[*conn]struct{}{},
	}
	s.pass = opts.AdminPassword
	if s.pass == "" {
		s.pass = s.randomPassword(24)
	} else if reason := passwordProblem(s.pass, "Administrator"); reason != "" {
		return nil, fmt.Errorf("memdc: administrator password does not meet the domain's complexity policy: %s", reason)
	}
	certs, err := newCertificates([]string{s.FQDN(), realm, "localhost"}, []net.IP{ip, net.IPv6loopback}, time.Now())
	if err != nil {
		return nil, fmt.Errorf("memdc: %w", err)
	}
	s.certs = certs
	s.tlsConf = &tls.Config{Certificates: []tls.Certificate{certs.leaf}, MinVersion: tls.VersionTLS12}
	s.buildForest()
	if opts.Seed != nil {
		if err := s.applySeed(opts.Seed); err != nil {
			return nil, err
		}
	}
	if err := s.writeCA(); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

func validRealm(r string) bool {
	labels := strings.Split(r, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// realmDN turns corp.example.com into DC=corp,DC=example,DC=com.
func realmDN(realm string) string {
	labels := strings.Split(realm, ".")
	for i, l := range labels {
		labels[i] = "DC=" + l
	}
	return strings.Join(labels, ",")
}

func (s *Server) writeCA() error {
	path := s.opts.CAFile
	if path == "" {
		dir, err := os.MkdirTemp("", "memdc-ca-")
		if err != nil {
			return fmt.Errorf("memdc: create a directory for the CA certificate: %w", err)
		}
		s.tmpDir = dir
		path = filepath.Join(dir, "ca.pem")
	}
	if err := os.WriteFile(path, s.certs.caPEM, 0o644); err != nil {
		return fmt.Errorf("memdc: write the CA certificate to %s: %w", path, err)
	}
	s.caFile = path
	return nil
}

func (s *Server) listen() error {
	var err error
	s.ldapLn, err = net.Listen("tcp", net.JoinHostPort(s.opts.ListenIP, strconv.Itoa(s.opts.LDAPPort)))
	if err != nil {
		return fmt.Errorf("memdc: listen for LDAP on %s port %d: %w", s.opts.ListenIP, s.opts.LDAPPort, err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.ListenIP, strconv.Itoa(s.opts.LDAPSPort)))
	if err != nil {
		return fmt.Errorf("memdc: listen for LDAPS on %s port %d: %w", s.opts.ListenIP, s.opts.LDAPSPort, err)
	}
	s.ldapsLn = ln
	s.wg.Add(2)
	go s.accept(s.ldapLn, false)
	go s.accept(s.ldapsLn, true)
	return nil
}

func (s *Server) accept(ln net.Listener, useTLS bool) {
	defer s.wg.Done()
	for {
		raw, err := ln.Accept()
		if err != nil {
			return // the listener is closed
		}
		nc := raw
		if useTLS {
			nc = tls.Server(raw, s.tlsConf)
		}
		c := newConn(s, raw, nc, useTLS)
		s.connMu.Lock()
		if s.closed {
			s.connMu.Unlock()
			_ = raw.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.connMu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.connMu.Lock()
			delete(s.conns, c)
			s.connMu.Unlock()
		}()
	}
}

// Close stops the listeners, closes every client connection, waits for their
// goroutines to end and removes the temporary CA file. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.connMu.Lock()
	if s.closed {
		s.connMu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		_ = c.raw.Close()
	}
	s.connMu.Unlock()
	var errs []error
	for _, ln := range []net.Listener{s.ldapLn, s.ldapsLn} {
		if ln != nil {
			if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	s.wg.Wait()
	errs = append(errs, s.cleanup())
	return errors.Join(errs...)
}

func (s *Server) cleanup() error {
	if s.tmpDir == "" {
		return nil
	}
	dir := s.tmpDir
	s.tmpDir = ""
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("memdc: remove %s: %w", dir, err)
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// LDAPURL is the plain LDAP URL, "ldap://127.0.0.1:port" (StartTLS required
// before a simple bind unless Options.AllowPlainBind).
func (s *Server) LDAPURL() string { return "ldap://" + s.ldapLn.Addr().String() }

// LDAPSURL is the LDAPS URL, "ldaps://127.0.0.1:port".
func (s *Server) LDAPSURL() string { return "ldaps://" + s.ldapsLn.Addr().String() }

// Host is the address the DC listens on, e.g. "127.0.0.1"; its certificate
// holds it as an IP SAN.
func (s *Server) Host() string { return s.opts.ListenIP }

// LDAPPort is the plain LDAP port (StartTLS).
func (s *Server) LDAPPort() int { return s.ldapLn.Addr().(*net.TCPAddr).Port }

// LDAPSPort is the LDAPS port.
func (s *Server) LDAPSPort() int { return s.ldapsLn.Addr().(*net.TCPAddr).Port }

// LDAPAddr is the plain LDAP listener's host:port.
func (s *Server) LDAPAddr() string { return s.ldapLn.Addr().String() }

// LDAPSAddr is the LDAPS listener's host:port.
func (s *Server) LDAPSAddr() string { return s.ldapsLn.Addr().String() }

// CAPEM returns the PEM of the CA that signed the DC's certificate.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// CAPool returns a pool holding only the CA, for tls.Config.RootCAs.
func (s *Server) CAPool() *x509.CertPool { return s.certs.pool.Clone() }

// CAFile is the path of the CA certificate in PEM.
func (s *Server) CAFile() string { return s.caFile }

// TLSConfig returns a client configuration that verifies the DC's
// certificate against the CA, for the given server name (an IP address or
// the DC's FQDN).
func (s *Server) TLSConfig(serverName string) *tls.Config {
	return &tls.Config{RootCAs: s.CAPool(), ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// Realm is the forest root domain's DNS name, e.g. "corp.example.com".
func (s *Server) Realm() string { return s.realm }

// NetBIOS is the domain's NetBIOS name, e.g. "CORP".
func (s *Server) NetBIOS() string { return s.netbio }

// FQDN is the DC's DNS name, e.g. "dc1.corp.example.com".
func (s *Server) FQDN() string { return s.host + "." + s.realm }

// BaseDN is the domain naming context, e.g. "DC=corp,DC=example,DC=com".
func (s *Server) BaseDN() string { return s.baseDN }

// AdminUser is the built-in administrator in DOMAIN\user form, a member of
// Domain Admins and Enterprise Admins.
func (s *Server) AdminUser() string { return s.netbio + `\Administrator` }

// AdminUPN is the administrator's implicit UPN, Administrator@realm (the
// built-in account has no userPrincipalName value, as in AD).
func (s *Server) AdminUPN() string { return "Administrator@" + s.realm }

// AdminDN is the administrator's distinguished name.
func (s *Server) AdminDN() string { return "CN=Administrator,CN=Users," + s.baseDN }

// AdminPassword is the administrator's password: Options.AdminPassword, or
// the one generated at start.
func (s *Server) AdminPassword() string { return s.pass }

// HighestUSN is the highest committed update sequence number, as the rootDSE
// reports it.
func (s *Server) HighestUSN() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.dir.usn
}

// ResetInvocationID gives the DC a new invocationId, as restoring it from a
// backup does: DirSync cookies issued before carry the old one and start over
// with a full result, and clients polling uSNChanged should notice the change
// and run a full import.
func (s *Server) ResetInvocationID() {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dir
	d.invocationID = newGUID()
	if ntds := s.ntdsSettings(); ntds != nil {
		ntds.attrs["invocationid"] = []string{string(d.invocationID[:])}
		d.touch(ntds, d.nextUSN(), "invocationId")
	}
}

// locked runs f under the write lock; a panic in f releases it.
func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// rlocked runs f under the read lock; a panic in f releases it.
func (s *Server) rlocked(f func()) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f()
}

// randomPassword returns a password that meets AD's default complexity
// policy. The caller holds s.mu or owns s exclusively.
func (s *Server) randomPassword(n int) string {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		symbol = "!#%+-.=@_"
	)
	all := upper + lower + digits + symbol
	b := make([]byte, n)
	for i := range b {
		set := all
		switch i {
		case 0:
			set = upper
		case 1:
			set = lower
		case 2:
			set = digits
		case 3:
			set = symbol
		}
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			panic(err)
		}
		b[i] = set[k.Int64()]
	}
	return string(b)
}
