package sync

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra/entratest"
)

// childEnv, when set, makes TestIntegrationHelperProcess run one sync
// from the configuration in the directory it names, as `entrasync sync`
// would, instead of being a test.
const childEnv = "ENTRASYNC_INTEGRATION_CHILD"

// TestIntegrationHelperProcess is the other process of
// TestIntegrationKilledInitialSync (the os/exec tests' helper-process
// pattern): it does nothing unless childEnv is set.
func TestIntegrationHelperProcess(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		return
	}
	s, err := runFromConfig(context.Background(), dir, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child run:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "child run: %s, %+v\n", s.Status, s.Counts)
	os.Exit(0)
}

// runFromConfig runs a full sync the way the service does: the
// configuration file in dir, the secrets and the state store beside it,
// the run lock, and the connectors built from the configuration.
func runFromConfig(ctx context.Context, dir string, log *slog.Logger) (RunSummary, error) {
	dirs := DirsAt(dir)
	cfg, err := LoadConfig(dirs.ConfigFile())
	if err != nil {
		return RunSummary{}, err
	}
	src, err := NewADSourceFromConfig(cfg, dirs.State, log)
	if err != nil {
		return RunSummary{}, err
	}
	tgt, err := NewEntraTargetFromConfig(cfg, dirs.State, log)
	if err != nil {
		return RunSummary{}, err
	}
	defer tgt.Close()
	r := &FileRunner{Config: cfg, Dirs: dirs, Source: src, Target: tgt, Options: []Option{WithLogger(log), WithBatchSize(40)}}
	return r.Run(ctx, RunOptions{Kind: RunFull, Trigger: "test"})
}

// writeChildConfig writes a configuration, the AD password and the sync
// application's certificate (both 0600) into a new state directory for
// the harness's DC, OU and emulator.
func writeChildConfig(t *testing.T, h *harness) string {
	t.Helper()
	dir := t.TempDir()
	cfg := h.cfg
	cfg.AD.Transport, cfg.AD.Port, cfg.AD.CAFile = "ldaps", 636, h.dc.CAFile
	cfg.Entra.CAFile = h.srv.CAFile()
	if err := WriteSecret(filepath.Join(dir, cfg.AD.PasswordFile), []byte(h.dc.AdminPassword)); err != nil {
		t.Fatal(err)
	}
	app, _ := h.srv.App(entratest.DefaultSyncApp)
	if err := WriteSecret(filepath.Join(dir, cfg.Entra.CertificateFile), app.PEM()); err != nil {
		t.Fatal(err)
	}
	if err := SaveConfig(DirsAt(dir).ConfigFile(), cfg); err != nil {
		t.Fatal(err)
	}
	return dir
}

// anchoredUsers counts the tenant's users with an onPremisesImmutableId.
func anchoredUsers(s *entratest.Server) int {
	n := 0
	for _, u := range s.Users() {
		if u.String("onPremisesImmutableId") != "" {
			n++
		}
	}
	return n
}

// storedUsers counts the users the state store in dir knows an Entra id of.
func storedUsers(t *testing.T, dir string) int {
	t.Helper()
	st, err := OpenBoltStore(DirsAt(dir).StoreFile(), 5*time.Second)
	if err != nil {
		t.Fatalf("open the killed process's store: %v", err)
	}
	defer st.Close()
	n := 0
	err = st.ForEach(func(r *Record) error {
		if r.Kind == KindUser && r.EntraID != "" {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIntegrationKilledInitialSync kills (SIGKILL) a process in the middle
// of an initial sync, once the emulator has counted some of its writes,
// and restarts the sync over the same store: the tenant ends with every
// AD object exactly once (the engine looks each anchor up before creating,
// so creates that reached Entra but not the store are linked, not
// repeated), and a further run has nothing to do.
func TestIntegrationKilledInitialSync(t *testing.T) {
	h := newHarness(t)
	users := h.dc.SeedUsers(t, h.ou, 240)
	var groups []string
	for i := range 3 {
		dn := h.dn(fmt.Sprintf("Group %d", i), "")
		h.dc.Add(t, dn, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {fmt.Sprintf("%sg%d", h.prefix, i)},
			"groupType": {"-2147483646"}, "member": users[i*60 : i*60+50]})
		groups = append(groups, dn)
	}
	dir := writeChildConfig(t, h)
	// The first killAfter user creates run at full speed; the next ones
	// each wait a while in the emulator (a $batch runs its items one after
	// the other). Once one of them has run, the process is in the middle
	// of a batch of creates that Entra is carrying out and the store will
	// never hear of: that is when it is killed.
	const killAfter = 100
	h.srv.InjectFault(entratest.Fault{Method: "POST", Path: "/v1.0/users", Times: killAfter})
	slow := h.srv.InjectFault(entratest.Fault{Method: "POST", Path: "/v1.0/users", Delay: 150 * time.Millisecond})

	cmd := exec.Command(os.Args[0], "-test.run=^TestIntegrationHelperProcess$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for killed := false; !killed; {
		select {
		case err := <-done:
			t.Fatalf("the sync process ended (%v) before it was killed, after %d writes; output:\n%s", err, h.srv.WriteCount(), stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the sync process made only %d writes in 2 minutes; output:\n%s", h.srv.WriteCount(), stderr.String())
		case <-time.After(10 * time.Millisecond):
			if anchoredUsers(h.srv) > killAfter+1 { // +1: the tenant's own hard-match candidate
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the sync process ended with %v, want killed", err)
	}
	// The emulator finishes the batches it was given; wait for it.
	slow()
	for last, still := h.srv.WriteCount(), 0; still < 5; {
		time.Sleep(200 * time.Millisecond)
		if n := h.srv.WriteCount(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	partial := h.srv.WriteCount()
	synced := 0
	for _, dn := range users {
		if h.hasUser(h.anchor(dn)) {
			synced++
		}
	}
	t.Logf("killed after %d writes, with %d of %d users in Entra, %d in the store", partial, synced, len(users), storedUsers(t, dir))
	if synced == len(users) {
		t.Fatalf("all %d users were in Entra when the process was killed: the kill came too late to test anything", synced)
	}
	if stored := storedUsers(t, dir); stored >= synced {
		t.Fatalf("the store knows %d users and Entra holds %d: the kill did not land between a create and its record", stored, synced)
	}

	// Restart over the same state directory.
	h.srv.ClearFaults()
	s, err := runFromConfig(h.ctx, dir, quiet)
	if err != nil || s.ErrorCount > 0 {
		t.Fatalf("restarted sync: %v, errors %+v", err, s.Errors)
	}
	for _, dn := range users {
		h.user(h.anchor(dn)) // exactly one each
	}
	// The tenant's own hard-match candidate has an immutable id too.
	if anchored, want := anchoredUsers(h.srv), len(users)+1; anchored != want {
		t.Errorf("the tenant has %d users with an onPremisesImmutableId, want %d (%d synced + the tenant's own)", anchored, want, len(users))
	}
	for i, g := range groups {
		var want []string
		for _, dn := range users[i*60 : i*60+50] {
			want = append(want, h.anchor(dn))
		}
		slices.Sort(want)
		if got := h.memberAnchors(h.group(h.anchor(g))); !slices.Equal(got, want) {
			t.Errorf("group %d has %d members, want %d: %v", i, len(got), len(want), got)
		}
	}
	if n := len(h.srv.Groups()); n != len(groups)+len(entratest.DefaultTenant().Groups) {
		t.Errorf("the tenant has %d groups, want %d", n, len(groups)+len(entratest.DefaultTenant().Groups))
	}

	mark := h.mark()
	if s, err := runFromConfig(h.ctx, dir, quiet); err != nil || s.Counts.Planned != 0 || len(h.writesSince(mark)) != 0 {
		t.Errorf("run after convergence: %v, %d planned, writes %v; want nothing to do", err, s.Counts.Planned, h.writesSince(mark))
	}
}
