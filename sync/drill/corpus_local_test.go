package drill

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// localTimeout bounds one run of the binary on a configuration or
// command-line case: they fail before any network call, or at sign-in.
const localTimeout = 60 * time.Second

// runLocalCorpus runs the configuration and command-line cases against one
// world that has synced once: each case must exit with its code (config
// 1, flags 2 unless the file says otherwise), print every "want", write
// nothing to Graph, and leave config.yaml and the state store byte for
// byte as they were. A sound sync at the end proves the world intact.
func runLocalCorpus(t *testing.T, configs, flags []corpusCase, tally func(corpusCase, bool)) {
	w := newWorld(t)
	users := w.dc.SeedUsers(t, w.ou, 5)
	if r := w.exec("sync"); r.Code != 0 {
		t.Fatalf("the first sync: exit %d:\n%s", r.Code, r.Stderr)
	}
	wantRecords, _ := w.storeRecords()
	if wantRecords != len(users) {
		t.Fatalf("the store holds %d records after the first sync, want %d", wantRecords, len(users))
	}
	good, err := os.ReadFile(w.dirs().ConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	vars := map[string]string{
		"HOST": w.cfg.AD.Host, "PORT": strconv.Itoa(w.cfg.AD.Port), "ADCA": w.cfg.AD.CAFile,
		"BIND": w.cfg.AD.BindUser, "OU": w.ou, "TENANT": w.cfg.Entra.TenantID, "CLIENT": w.cfg.Entra.ClientID,
		"INITIAL": w.cfg.Entra.InitialDomain, "AUTHORITY": w.cfg.Entra.AuthorityHost,
		"GRAPH": w.cfg.Entra.GraphEndpoint, "ENTRACA": w.cfg.Entra.CAFile,
		"DIR": w.dir, "SCRATCH": scratch, "FILE": filepath.Join(scratch, "input"),
		"SECRET":    filepath.Join(scratch, "admin.secret"),
		"DNSDOMAIN": w.dc.DNSDomain,
	}
	// A private file with an obviously fake password, for the setup flags.
	if err := os.WriteFile(vars["SECRET"], []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range configs {
		tally(c, t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			skipIfBug(t, c)
			defer restoreFile(t, w.dirs().ConfigFile(), good, 0o644)
			cfg := expand(t, c, c.Body, vars)
			if err := os.WriteFile(w.dirs().ConfigFile(), cfg, 0o644); err != nil {
				t.Fatal(err)
			}
			runLocalCase(t, w, c, 1, []string{"sync"}, vars, cfg)
		}))
	}
	for _, c := range flags {
		tally(c, t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			skipIfBug(t, c)
			if err := os.WriteFile(vars["FILE"], expand(t, c, c.Body, vars), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(vars["FILE"], os.FileMode(c.intHead(t, "file-mode", 0o600))); err != nil {
				t.Fatal(err)
			}
			runLocalCase(t, w, c, 2, nil, vars, good)
		}))
	}
	if r := w.exec("sync", "--full"); r.Code != 0 {
		t.Fatalf("the sound sync after the corpus: exit %d:\n%s", r.Code, r.Stderr)
	}
	if all, synced := w.storeRecords(); all != wantRecords || synced != wantRecords {
		t.Fatalf("after the corpus the store holds %d records (%d synced), want %d", all, synced, wantRecords)
	}
}

// runLocalCase runs one configuration or command-line case: cfg is the
// config.yaml in place, which must be there unchanged afterwards.
func runLocalCase(t *testing.T, w *world, c corpusCase, defExit int, defArgs []string, vars map[string]string, cfg []byte) {
	t.Helper()
	args := defArgs
	if a := c.get("args", ""); a != "" {
		args = strings.Fields(expandString(t, c, a, vars))
	}
	if len(args) == 0 {
		t.Fatalf("%s has no '# args:' line", c.Name)
	}
	if m := c.get("secret-mode", ""); m != "" {
		chmodFor(t, filepath.Join(w.dir, w.cfg.AD.PasswordFile), c.intHead(t, "secret-mode", 0), 0o600)
	}
	if m := c.get("state-mode", ""); m != "" {
		chmodFor(t, w.dir, c.intHead(t, "state-mode", 0), 0o700)
	}
	store := readOr(t, w.dirs().StoreFile())
	mark := w.mark()
	r, hung := w.execTimeout(localTimeout, args...)
	out := r.Stdout + r.Stderr
	t.Logf("entrasync %s: exit %d\n%s", strings.Join(args, " "), r.Code, out)
	switch want := c.intHead(t, "exit", defExit); {
	case hung:
		t.Errorf("entrasync %s hung: killed after %s", strings.Join(args, " "), localTimeout)
	case panicked(out):
		t.Errorf("entrasync %s crashed", strings.Join(args, " "))
	case r.Code != want:
		t.Errorf("exit %d, want %d", r.Code, want)
	}
	if miss := missingWants(c, out, vars, t); len(miss) > 0 {
		t.Errorf("the message does not say %q", miss)
	}
	if !strings.Contains(r.Stderr, "entrasync: ") {
		t.Errorf("no error message on standard error")
	}
	if got := readOr(t, w.dirs().ConfigFile()); !bytes.Equal(got, cfg) {
		t.Errorf("config.yaml changed (%d bytes, was %d)", len(got), len(cfg))
	}
	if got := readOr(t, w.dirs().StoreFile()); !bytes.Equal(got, store) {
		t.Errorf("the state store changed (%d bytes, was %d)", len(got), len(store))
	}
	if wr := w.writesSince(mark); len(wr) > 0 {
		t.Errorf("%d Graph writes, want none (first: %s %s)", len(wr), wr[0].Method, wr[0].Path)
	}
}

// chmodFor sets path's mode for the rest of the test, then back to restore.
func chmodFor(t *testing.T, path string, mode, restore int) {
	t.Helper()
	if err := os.Chmod(path, os.FileMode(mode)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chmod(path, os.FileMode(restore)); err != nil {
			t.Error(err)
		}
	})
}

// readOr reads a file, nil when it does not exist.
func readOr(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return b
}

// restoreFile writes data back to path.
func restoreFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}
