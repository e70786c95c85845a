package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// The integration tests drive the Backend through its public methods
// against a real Samba AD DC (ad/adtest: one per test binary, an OU per
// test) and the Graph emulator (entra/entratest: one per test), and assert
// on what the directory, the tenant and the state directory hold.

func TestMain(m *testing.M) { adtest.Main(m) }

// quiet discards logs: the tests assert on state, not on log text.
var quiet = slog.New(slog.DiscardHandler)

// testTenant is the emulator's default tenant with two of the forest's
// suffixes: example.com verified and corp.example.com added but not
// verified (corp.local is not in the tenant). Every setup scope is
// consented tenant-wide, so accounts without an admin role can sign in
// and be turned away by setup itself.
func testTenant() entratest.Tenant {
	t := entratest.DefaultTenant()
	t.Domains = append(t.Domains,
		entratest.Domain{Name: adtest.AltSuffix, Verified: true},
		entratest.Domain{Name: adtest.DNSDomain})
	for _, s := range entra.AdminScopes {
		t.Consented = append(t.Consented, s.Name)
	}
	return t
}

// world is one test's surroundings: the DC, an emulator, a state
// directory and a Backend over them.
type world struct {
	t   *testing.T
	ctx context.Context
	dc  *adtest.DC
	srv *entratest.Server
	dir string
	b   *Backend
}

// hostSeq makes each world's host name, and so its application's name,
// unique.
var hostSeq atomic.Int64

// newWorld starts the DC (once per binary) and an emulator, and returns a
// Backend aimed at them with a fresh state directory.
func newWorld(t *testing.T, opts ...entratest.Option) *world {
	t.Helper()
	dc := adtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	w := &world{t: t, ctx: ctx, dc: dc, dir: t.TempDir()}
	w.srv = entratest.NewServer(t, append([]entratest.Option{entratest.WithTenant(testTenant())}, opts...)...)
	w.b = w.backend(fmt.Sprintf("host%d", hostSeq.Add(1)))
	return w
}

// backend returns a new Backend over the world's directories, as a new
// process would make.
func (w *world) backend(host string) *Backend {
	w.t.Helper()
	b, err := New(Options{
		Dirs: sync.DirsAt(w.dir), Host: host,
		AuthorityHost: w.srv.AuthorityHost(), GraphEndpoint: w.srv.URL, EntraCAFile: w.srv.CAFile(),
		Logger: quiet, AppReadyTimeout: 30 * time.Second,
		Throughput: entra.Throughput{Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxAttempts: 3},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// signIn signs b in as upn, approving the device code as the admin would.
func (w *world) signIn(b *Backend, upn string) (wizard.Tenant, error) {
	w.t.Helper()
	prompted := 0
	t, err := b.SignInEntra(w.ctx, func(dc wizard.DeviceCode) {
		prompted++
		if dc.Code == "" || dc.URL == "" {
			w.t.Errorf("device code: got %+v, want a URL and a code", dc)
		}
		if err := w.srv.ApproveDeviceCode(dc.Code, upn); err != nil {
			w.t.Errorf("approve the device code: %v", err)
		}
	})
	if prompted != 1 {
		w.t.Errorf("prompt called %d times, want 1", prompted)
	}
	return t, err
}

// connection is how the tests reach the DC.
func (w *world) connection() wizard.ADConnection {
	return wizard.ADConnection{Host: w.dc.Host, Transport: wizard.TransportLDAPS, CAFile: w.dc.CAFile}
}

// admins opens both administrator sessions of b, failing the test if
// either fails.
func (w *world) admins(b *Backend) {
	w.t.Helper()
	if _, err := w.signIn(b, entratest.DefaultGlobalAdmin); err != nil {
		w.t.Fatalf("SignInEntra as the Global Administrator: %v", err)
	}
	if _, err := b.CheckAD(w.ctx, w.connection(), wizard.Credentials{User: w.dc.AdminDownLevel, Password: w.dc.AdminPassword}); err != nil {
		w.t.Fatalf("CheckAD as the Enterprise Admin: %v", err)
	}
}

// config is the configuration the wizard's express settings make, scoped
// to ou.
func (w *world) config(tenant wizard.Tenant, ou string) sync.Config {
	a := wizard.DefaultAnswers()
	a.AD = w.connection()
	a.Scope.Include = []string{ou}
	a.DeletionThresholdPercent = 0 // the test OUs are small
	return a.Config(tenant)
}

// addUser adds an enabled user with a password under ou.
func (w *world) addUser(ou, cn, sam, upn string, extra map[string][]string) string {
	w.t.Helper()
	dn := "CN=" + cn + "," + ou
	attrs := map[string][]string{"objectClass": {"user"}, "sAMAccountName": {sam}, "userPrincipalName": {upn}, "displayName": {cn}}
	for k, v := range extra {
		attrs[k] = v
	}
	w.dc.Add(w.t, dn, attrs)
	return dn
}

// adminClient is a client of the DC as its Administrator, for checks.
func (w *world) adminClient() *ad.Client {
	w.t.Helper()
	c, err := ad.Dial(w.ctx, ad.Options{Host: w.dc.Host, CAFile: w.dc.CAFile, Username: w.dc.AdminUPN, Password: w.dc.AdminPassword, Logger: quiet})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { c.Close() })
	return c
}

// aceHolders returns the SIDs named by the explicit ACEs of dn's DACL.
func (w *world) aceHolders(dn string) []string {
	w.t.Helper()
	raw := w.dc.Attr(w.t, dn, "nTSecurityDescriptor")
	if len(raw) != 1 {
		w.t.Fatalf("nTSecurityDescriptor of %s: got %d values", dn, len(raw))
	}
	sd, err := ad.ParseSecurityDescriptor([]byte(raw[0]))
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, a := range sd.DACL.ACEs {
		if a.Flags&ad.ACEFlagInherited == 0 {
			out = append(out, a.SID.String())
		}
	}
	return out
}

// appsNamed returns the emulator's live applications named name.
func (w *world) appsNamed(name string) []entratest.Object {
	var out []entratest.Object
	for _, a := range w.srv.Applications() {
		if a.String("displayName") == name {
			out = append(out, a)
		}
	}
	return out
}

// spsOf returns the live service principals of appID.
func (w *world) spsOf(appID string) []entratest.Object {
	var out []entratest.Object
	for _, sp := range w.srv.ServicePrincipals() {
		if strings.EqualFold(sp.String("appId"), appID) {
			out = append(out, sp)
		}
	}
	return out
}

// events records action events.
type events struct {
	mu  stdsync.Mutex
	all []wizard.ActionEvent
}

func (e *events) add(ev wizard.ActionEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// states returns "id:state" for each event, in order.
func (e *events) states() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		out = append(out, ev.ID+":"+stateName(ev.State))
	}
	return out
}

func stateName(s wizard.ActionState) string {
	return [...]string{"pending", "running", "done", "failed", "skipped"}[s]
}

// configure runs SetupPlan and Configure for ou and checks every action
// ran and succeeded.
func (w *world) configure(b *Backend, tenant wizard.Tenant, ou string) (sync.Config, wizard.Setup) {
	w.t.Helper()
	cfg := w.config(tenant, ou)
	if _, err := b.SetupPlan(w.ctx, cfg); err != nil {
		w.t.Fatalf("SetupPlan: %v", err)
	}
	var ev events
	setup, err := b.Configure(w.ctx, &cfg, ev.add)
	if err != nil {
		w.t.Fatalf("Configure: %v (events %v)", err, ev.states())
	}
	return cfg, setup
}

// fileMode returns path's permission bits, or fails the test.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// leftFiles lists what is left in dir.
func leftFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return filepath.SkipAll
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// asProblem returns err's Problem, failing the test when there is none.
func asProblem(t *testing.T, err error) *wizard.Problem {
	t.Helper()
	var p *wizard.Problem
	if !errors.As(err, &p) {
		t.Fatalf("got error %v (%T), want a *wizard.Problem", err, err)
	}
	if p.Fix == "" {
		t.Errorf("problem %q has no fix", p.Error())
	}
	return p
}
