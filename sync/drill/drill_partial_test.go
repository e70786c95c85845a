package drill

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/sync"
)

// TestDrillPartialReads makes the directory read go wrong in each way that
// would turn into mass deletion if believed (zero objects, a search ended
// early, a mistyped OU, another bind account, another DC or a restored
// one), while two users really left AD. Every run must refuse all deletes
// with a reason that names what happened, write nothing, and the first
// sound run must then delete exactly the two.
func TestDrillPartialReads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	n := pick(40, 2_000)
	users := w.dc.SeedUsers(t, w.ou, n)
	w.run(sync.RunFull)
	for _, dn := range users[:2] {
		w.dc.Delete(t, dn)
	}
	inTenant := len(w.srv.Users())
	acct := connectorAccount(t, w)
	w.writeSecret("other-account.secret", []byte(acct.Password))

	typo := strings.Replace(w.ou, "OU=", "OU=X", 1) // a DN that does not exist
	type drillCase struct {
		name    string
		kind    sync.RunKind
		source  func(log *slog.Logger) sync.Source // nil: the configured source
		edit    func(*sync.Config)
		want    string // in the guard's detail
		log     string // in the engine's log, when the detail cannot say it
		noOverr bool   // no override may be offered
	}
	real := func(log *slog.Logger) sync.Source { return w.sourceFor(w.cfg, log) }
	cases := []drillCase{
		{name: "zero objects", kind: sync.RunFull, want: "returned no objects",
			source: func(log *slog.Logger) sync.Source {
				return &mangled{inner: real(log), keep: func(int) bool { return false }}
			}},
		{name: "search ended early", kind: sync.RunFull, want: "ended early", noOverr: true,
			source: func(log *slog.Logger) sync.Source {
				return &mangled{inner: real(log), keep: func(i int) bool { return i < n/2 }, incomplete: true}
			}},
		{name: "OU filter typo", kind: sync.RunDelta, want: "ended early", log: typo, noOverr: true,
			edit: func(c *sync.Config) { c.AD.Scope.Include = []string{typo} }},
		{name: "other bind account", kind: sync.RunFull, want: "bind account",
			edit: func(c *sync.Config) { c.AD.BindUser, c.AD.PasswordFile = acct.DownLevelName, "other-account.secret" }},
		{name: "other DC", kind: sync.RunDelta, want: "domain controller (",
			source: func(log *slog.Logger) sync.Source {
				return &mangled{inner: real(log), server: func(s *sync.ServerIdentity) { s.DC = "dc2." + s.DC }}
			}},
		{name: "other DC, full", kind: sync.RunFull, want: "domain controller (",
			source: func(log *slog.Logger) sync.Source {
				return &mangled{inner: real(log), server: func(s *sync.ServerIdentity) { s.DC = "dc2." + s.DC }}
			}},
		{name: "DC restored (invocationId)", kind: sync.RunDelta, want: "invocationId",
			source: func(log *slog.Logger) sync.Source {
				return &mangled{inner: real(log), server: func(s *sync.ServerIdentity) { s.InvocationID = "0f0f0f0f-0000-4000-8000-000000000000" }}
			}},
	}
	refused := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := w.cfg
			if c.edit != nil {
				cfg.AD.Scope.Include = append([]string(nil), cfg.AD.Scope.Include...)
				c.edit(&cfg)
			}
			var logBuf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var src sync.Source
			if c.source != nil {
				src = c.source(log)
			} else {
				src = w.sourceFor(cfg, log)
			}
			r := w.runner(src, unlimited)
			r.Config = cfg
			mark := w.mark()
			s, err := r.Run(w.ctx, sync.RunOptions{Kind: c.kind, Trigger: "drill"})
			if !errors.Is(err, sync.ErrGuardTripped) {
				t.Fatalf("run = %v (%s), want a tripped guard", err, describe(s))
			}
			var guard *sync.GuardError
			for i := range s.Guards {
				if s.Guards[i].Guard == sync.GuardPartialImport {
					guard = &s.Guards[i]
				}
			}
			if guard == nil {
				t.Fatalf("guards %+v, want %q among them", s.Guards, sync.GuardPartialImport)
			}
			if !strings.Contains(guard.Detail, c.want) {
				t.Errorf("guard detail %q, want it to say %q", guard.Detail, c.want)
			}
			if !strings.Contains(err.Error(), "nothing was written") {
				t.Errorf("error %q does not say that nothing was written", err)
			}
			if c.noOverr && guard.Override != "" {
				t.Errorf("guard offers the override %q for a read that ended early", guard.Override)
			}
			if !c.noOverr && !strings.Contains(guard.Override, "--allow-deletes=") {
				t.Errorf("guard override %q, want the --allow-deletes command", guard.Override)
			}
			if c.log != "" && !strings.Contains(logBuf.String(), c.log) {
				t.Errorf("the log does not name %q:\n%s", c.log, logBuf.String())
			}
			if wr := w.writesSince(mark); len(wr) != 0 {
				t.Errorf("the refused run wrote %d times: %+v", len(wr), wr[0])
			}
			if got := len(w.srv.Users()); got != inTenant {
				t.Errorf("the tenant holds %d users after the refused run, want %d", got, inTenant)
			}
			refused++
			verdict(t, "drill partial read %q: %d of %d managed objects would have been deleted; refused: %s", c.name, guard.Actual, n, guard.Detail)
		})
	}
	mark := w.mark()
	s := w.run(sync.RunDelta)
	if s.Counts.Deleted != 2 || w.deletesSince(mark) != 2 {
		t.Fatalf("the sound run after the drills: %s, %d DELETE requests; want the 2 users that left AD deleted", describe(s), w.deletesSince(mark))
	}
	verdict(t, "drill partial reads: %d of %d bad reads refused every delete and wrote nothing; the sound run then deleted exactly the 2 users removed from AD", refused, len(cases))
}

// sourceFor is the AD source of cfg, logging to log.
func (w *world) sourceFor(cfg sync.Config, log *slog.Logger) sync.Source {
	w.t.Helper()
	src, err := sync.NewADSourceFromConfig(cfg, w.dir, log)
	if err != nil {
		w.t.Fatal(err)
	}
	return src
}

// connectorAccount creates a non-admin connector account as setup does
// and removes it when the test ends.
func connectorAccount(t *testing.T, w *world) ad.ConnectorAccount {
	t.Helper()
	dial := func(ctx context.Context) *ad.Client {
		c, err := ad.Dial(ctx, ad.Options{Host: w.dc.Host, CAFile: w.dc.CAFile, Username: w.dc.AdminUPN, Password: w.dc.AdminPassword, Logger: logger()})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := dial(w.ctx)
	defer c.Close()
	acct, err := c.CreateConnectorAccount(w.ctx, ad.ConnectorAccountOptions{})
	if err != nil {
		t.Fatalf("create a connector account: %v", err)
	}
	t.Cleanup(func() {
		c := dial(context.Background())
		defer c.Close()
		if err := c.RemoveConnectorAccount(context.Background(), acct); err != nil {
			t.Errorf("remove the connector account: %v", err)
		}
	})
	return acct
}
