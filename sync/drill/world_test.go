package drill

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// world is one drill's setting: an OU of the shared Samba DC (the scope),
// a Graph emulator of its own, and a state directory holding config.yaml,
// the two secrets and the state store, as `entrasync setup` leaves them.
type world struct {
	t   testing.TB
	ctx context.Context
	dc  *adtest.DC
	ou  string
	srv *entratest.Server
	dir string // configuration and state directory (--dir)
	cfg sync.Config
	// baseline are the ids of the users the tenant held before any sync.
	baseline map[string]bool
}

// worldOption adjusts a world before it is written.
type worldOption func(*worldSetup)

type worldSetup struct {
	dc         *adtest.DC
	ou         string
	serverOpts []entratest.Option
	timeout    time.Duration
}

// withServer passes options to the emulator.
func withServer(opts ...entratest.Option) worldOption {
	return func(s *worldSetup) { s.serverOpts = append(s.serverOpts, opts...) }
}

// withOU scopes the world to an existing OU instead of a new one.
func withOU(ou string) worldOption { return func(s *worldSetup) { s.ou = ou } }

// withDC uses dc instead of the test binary's shared DC.
func withDC(dc *adtest.DC) worldOption { return func(s *worldSetup) { s.dc = dc } }

// withTimeout bounds the world's context (default 10 minutes).
func withTimeout(d time.Duration) worldOption { return func(s *worldSetup) { s.timeout = d } }

// drillTenant is the emulator's default tenant with the forest's DNS
// domain verified, so the seeded users keep their UPNs.
func drillTenant() entratest.Tenant {
	t := entratest.DefaultTenant()
	t.Domains = append(t.Domains, entratest.Domain{Name: adtest.DNSDomain, Verified: true})
	return t
}

// newWorld starts (or reuses) the DC and an emulator, makes an OU and
// writes the state directory.
func newWorld(t testing.TB, opts ...worldOption) *world {
	t.Helper()
	s := worldSetup{timeout: 10 * time.Minute}
	for _, o := range opts {
		o(&s)
	}
	if s.dc == nil {
		s.dc = adtest.Start(t)
	}
	if s.ou == "" {
		s.ou = s.dc.NewOU(t, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	t.Cleanup(cancel)
	w := &world{t: t, ctx: ctx, dc: s.dc, ou: s.ou, dir: filepath.Join(t.TempDir(), "state")}
	w.srv = entratest.NewServer(t, append([]entratest.Option{entratest.WithTenant(drillTenant())}, s.serverOpts...)...)
	w.baseline = map[string]bool{}
	for _, u := range w.srv.Users() {
		w.baseline[u.ID] = true
	}
	app, ok := w.srv.App(entratest.DefaultSyncApp)
	if !ok {
		t.Fatal("the emulator has no sync application")
	}
	cfg := sync.DefaultConfig()
	cfg.AD.Host, cfg.AD.Port, cfg.AD.Transport, cfg.AD.CAFile = w.dc.Host, w.dc.LDAPSPort, "ldaps", w.dc.CAFile
	cfg.AD.BindUser, cfg.AD.PasswordFile = w.dc.AdminUPN, "ad-connector.secret"
	cfg.AD.Scope.Include = []string{w.ou}
	cfg.Entra.TenantID, cfg.Entra.ClientID, cfg.Entra.InitialDomain = w.srv.TenantID, app.AppID, w.srv.InitialDomain
	cfg.Entra.CertificateFile = "entra-app.pem"
	cfg.Entra.AuthorityHost, cfg.Entra.GraphEndpoint, cfg.Entra.CAFile = w.srv.AuthorityHost(), w.srv.URL, w.srv.CAFile()
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	w.writeSecret(cfg.AD.PasswordFile, []byte(w.dc.AdminPassword))
	if cfg.Entra.CertificateFile != "" {
		w.writeSecret(cfg.Entra.CertificateFile, app.PEM())
	}
	if cfg.Entra.ClientSecretFile != "" {
		w.writeSecret(cfg.Entra.ClientSecretFile, []byte(app.ClientSecret))
	}
	w.saveConfig(cfg)
	return w
}

// writeSecret writes a secret file (mode 0600) into the state directory.
func (w *world) writeSecret(name string, data []byte) {
	w.t.Helper()
	if err := sync.WriteSecret(sync.SecretPath(w.dir, name), data); err != nil {
		w.t.Fatal(err)
	}
}

// saveConfig writes cfg as the world's config.yaml.
func (w *world) saveConfig(cfg sync.Config) {
	w.t.Helper()
	if err := sync.SaveConfig(w.dirs().ConfigFile(), cfg); err != nil {
		w.t.Fatalf("save the configuration: %v", err)
	}
	w.cfg = cfg
}

// dirs are the world's directories.
func (w *world) dirs() sync.Dirs { return sync.DirsAt(w.dir) }

// logger is the engine's logger: silent, or debug on standard error with
// ENTRASYNC_DRILL_LOG=1.
func logger() *slog.Logger {
	if os.Getenv(envDrillLog) == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// unlimited is a client write budget that never holds a write back: the
// unthrottled figures measure entrasync, not its pacing.
var unlimited = entra.Throughput{Writes: 1 << 30, Window: time.Second}

// appClient is a client of the sync application with the write budget tp,
// signed in with the certificate in the state directory.
func (w *world) appClient(tp entra.Throughput) *entra.Client {
	w.t.Helper()
	return appClientFor(w.t, w.cfg, w.dir, tp)
}

// appClientFor builds the sync application's client of cfg (whose
// secrets are in stateDir) with the write budget tp.
func appClientFor(tb testing.TB, cfg sync.Config, stateDir string, tp entra.Throughput) *entra.Client {
	tb.Helper()
	c, err := newAppClient(cfg, stateDir, tp)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// newAppClient builds the client as NewEntraTargetFromConfig does, with
// the write budget tp (the configuration has no field for it).
func newAppClient(cfg sync.Config, stateDir string, tp entra.Throughput) (*entra.Client, error) {
	var cred entra.Credential
	if cfg.Entra.CertificateFile != "" {
		pem, err := sync.ReadSecret(sync.SecretPath(stateDir, cfg.Entra.CertificateFile))
		if err != nil {
			return nil, err
		}
		if cred, err = entra.CertificateCredential(pem, nil); err != nil {
			return nil, err
		}
	} else {
		secret, err := sync.ReadSecret(sync.SecretPath(stateDir, cfg.Entra.ClientSecretFile))
		if err != nil {
			return nil, err
		}
		cred = entra.SecretCredential(string(secret))
	}
	cloud := entra.Cloud{AuthorityHost: cfg.Entra.AuthorityHost, GraphURL: cfg.Entra.GraphEndpoint}
	if cfg.Entra.CAFile != "" {
		pool, err := entra.LoadCAFile(cfg.Entra.CAFile)
		if err != nil {
			return nil, err
		}
		cloud.RootCAs = pool
	}
	return entra.NewAppClient(entra.Options{Cloud: cloud, Throughput: tp, Logger: logger()}, cfg.Entra.TenantID, cfg.Entra.ClientID, cred)
}

// source is the AD source of the world's configuration.
func (w *world) source() sync.Source {
	w.t.Helper()
	src, err := sync.NewADSourceFromConfig(w.cfg, w.dir, logger())
	if err != nil {
		w.t.Fatal(err)
	}
	return src
}

// runner is a FileRunner over the world's state directory, as the service
// builds it, with src (nil: the configured AD source) and a client budget.
func (w *world) runner(src sync.Source, tp entra.Throughput) *sync.FileRunner {
	w.t.Helper()
	if src == nil {
		src = w.source()
	}
	tgt := sync.NewEntraTarget(w.appClient(tp), sync.EntraTargetOptions{Logger: logger()})
	return &sync.FileRunner{Config: w.cfg, Dirs: w.dirs(), Source: src, Target: tgt, Options: []sync.Option{sync.WithLogger(logger())}}
}

// run runs the engine in this process and fails the test on a run error
// or a per-object error.
func (w *world) run(kind sync.RunKind) sync.RunSummary {
	w.t.Helper()
	s, err := w.runner(nil, unlimited).Run(w.ctx, sync.RunOptions{Kind: kind, Trigger: "drill"})
	if err != nil {
		w.t.Fatalf("%s run: %v", kind, err)
	}
	if s.ErrorCount > 0 {
		w.t.Fatalf("%s run: %d objects failed: %+v", kind, s.ErrorCount, s.Errors)
	}
	return s
}

// mark is the position in the emulator's request log.
func (w *world) mark() int { return len(w.srv.Requests()) }

// writesSince returns the Graph writes logged since mark, batch items
// included ($batch envelopes and token requests are not writes).
func (w *world) writesSince(mark int) []entratest.Request {
	return writes(w.srv.Requests()[mark:])
}

// writes keeps the requests that change something.
func writes(log []entratest.Request) []entratest.Request {
	var out []entratest.Request
	for _, r := range log {
		if r.Method != "GET" && !strings.HasSuffix(r.Path, "/$batch") && !strings.HasSuffix(r.Path, "/token") {
			out = append(out, r)
		}
	}
	return out
}

// deletesSince counts the DELETE requests on users and groups since mark.
func (w *world) deletesSince(mark int) int {
	n := 0
	for _, r := range w.writesSince(mark) {
		if r.Method == "DELETE" && !strings.Contains(r.Path, "/$ref") {
			n++
		}
	}
	return n
}

// storeRecords counts the records of the state store and those with an
// Entra id.
func (w *world) storeRecords() (all, synced int) {
	w.t.Helper()
	return storeRecordsAt(w.t, w.dirs().StoreFile())
}

// storeRecordsAt counts the records of the store at path.
func storeRecordsAt(tb testing.TB, path string) (all, synced int) {
	tb.Helper()
	st, err := sync.OpenBoltStore(path, 5*time.Second)
	if err != nil {
		tb.Fatalf("open the state store: %v", err)
	}
	defer st.Close()
	err = st.ForEach(func(r *sync.Record) error {
		all++
		if r.EntraID != "" {
			synced++
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return all, synced
}

// lastRun returns the newest run of the world's history.
func (w *world) lastRun() sync.RunSummary {
	w.t.Helper()
	st, err := sync.OpenBoltStore(w.dirs().StoreFile(), 5*time.Second)
	if err != nil {
		w.t.Fatalf("open the state store: %v", err)
	}
	defer st.Close()
	runs, err := st.Runs(1)
	if err != nil || len(runs) == 0 {
		w.t.Fatalf("read the run history: %d runs, %v", len(runs), err)
	}
	return runs[0]
}

// describe names a summary for messages.
func describe(s sync.RunSummary) string {
	c := s.Counts
	return fmt.Sprintf("%s run %s: imported %d, created %d, updated %d, deleted %d, members +%d -%d, errors %d",
		s.Kind, s.Status, c.Imported, c.Created, c.Updated, c.Deleted, c.MembersAdded, c.MembersRemoved, s.ErrorCount)
}
