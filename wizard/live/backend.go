package live

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// DefaultAppReadyTimeout is how long setup and rotation wait, by default,
// for a new application, certificate or permission grant to work in Entra
// (propagation usually takes seconds, sometimes minutes).
const DefaultAppReadyTimeout = 5 * time.Minute

// CertificateValidity is how long the sync application's certificate is
// valid; rotate it before (task menu: Rotate credentials).
const CertificateValidity = 2 * 365 * 24 * time.Hour

// Options configure a [Backend]. Only Dirs is required.
type Options struct {
	// Dirs are where the configuration, the secrets, the state store and
	// the setup record live ([sync.DefaultDirs], or [sync.DirsAt] for
	// --dir).
	Dirs sync.Dirs
	// Host names what setup creates: the Entra application
	// "entrasync-<Host>" and its certificate. Empty means os.Hostname.
	Host string

	// ClientID is the public client the administrator signs in through
	// (--client-id); empty means entra.GraphCommandLineToolsClientID.
	ClientID string
	// TenantID limits the administrator's sign-in to one tenant (its GUID
	// or a domain); empty lets the account's own tenant decide. Once a
	// configuration is saved, its tenant is used.
	TenantID string
	// AuthorityHost is the identity platform and GraphEndpoint Microsoft
	// Graph; empty means Microsoft's global cloud. Configure saves them in
	// the configuration when they are not the defaults.
	AuthorityHost string
	GraphEndpoint string
	// EntraCAFile is a PEM file of CAs to trust for both Entra endpoints
	// besides the system's (a TLS-inspecting proxy, the emulator);
	// Configure saves it as entra.caFile.
	EntraCAFile string
	// EntraRootCAs, when set, replaces the CAs trusted for the Entra
	// endpoints (the emulator's pool, in tests and the demo). It is not
	// saved: a service started later needs EntraCAFile.
	EntraRootCAs *x509.CertPool
	// ADRootCAs, when set, replaces the system's CAs for the domain
	// controller's certificate; ad.caFile (the wizard's CA file) is
	// trusted on top (the demo forest's pool).
	ADRootCAs *x509.CertPool

	// Logger receives what the backend does, never a password, key or
	// token; nil discards it (the wizard owns the terminal).
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AppReadyTimeout bounds the wait for a new application, certificate
	// or permission grant to work; 0 means DefaultAppReadyTimeout.
	AppReadyTimeout time.Duration
	// Throughput paces the sync application's writes to Graph; zero
	// fields take entra's defaults (Graph's documented write budget).
	Throughput entra.Throughput
}

// Backend is the real [wizard.Backend]. Like the interface says, it is
// stateful and used from one goroutine at a time: SignInEntra and CheckAD
// open the administrator sessions (kept in memory only) that the setup,
// UPN suffix, rotation and uninstall calls use; the other calls use the
// saved configuration's own identities.
type Backend struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// The Entra administrator's session: nil until SignInEntra succeeds.
	admin  *entra.Client
	tenant wizard.Tenant
	// The AD administrator's session: how to bind (password in memory
	// only), and what CheckAD found. adAdmin is nil until CheckAD
	// succeeds.
	adAdmin  *ad.Options
	forest   ad.Forest
	adminID  ad.Identity
	acctName string // the connector account's name, chosen once per Backend
}

var _ wizard.Backend = (*Backend)(nil)

// New returns a Backend over opts. It connects to nothing yet.
func New(opts Options) (*Backend, error) {
	if opts.Dirs.Config == "" || opts.Dirs.State == "" {
		return nil, errors.New("live: Options.Dirs is required: use sync.DefaultDirs or sync.DirsAt")
	}
	if opts.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("live: no Options.Host and the host name is unknown: %w", err)
		}
		opts.Host = h
	}
	opts.Host = strings.ToLower(strings.TrimSpace(opts.Host))
	if opts.AppReadyTimeout <= 0 {
		opts.AppReadyTimeout = DefaultAppReadyTimeout
	}
	b := &Backend{opts: opts, log: opts.Logger, now: opts.Now}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b, nil
}

// GraphPermissions lists the names of the Microsoft Graph application
// permissions the sync application is granted (entra.SyncAppPermissions
// says why each is needed).
func (b *Backend) GraphPermissions() []string {
	out := make([]string, len(entra.SyncAppPermissions))
	for i, p := range entra.SyncAppPermissions {
		out[i] = p.Name
	}
	return out
}

// AppName is the display name of the Entra application setup creates.
func (b *Backend) AppName() string { return entra.SyncAppName(b.opts.Host) }

// Close ends the administrator sessions. The Backend may be used again
// after signing in anew.
func (b *Backend) Close() {
	if b.admin != nil {
		b.admin.Close()
		b.admin = nil
	}
	b.adAdmin = nil
}
