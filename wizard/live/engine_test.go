package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// TestMenuCalls runs the task menu's calls on a configured installation,
// each with a new Backend without administrator sessions, as the menu
// does: they use the saved identities only.
func TestMenuCalls(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	w.addUser(ou, "Mia Menu", "mia"+w.b.opts.Host, "mia."+w.b.opts.Host+"@"+adtest.AltSuffix, map[string][]string{"department": {"Sales"}})
	leaving := "OU=Leaving," + ou
	w.dc.Add(t, leaving, map[string][]string{"objectClass": {"organizationalUnit"}})
	w.addUser(leaving, "Max Menu", "max"+w.b.opts.Host, "max."+w.b.opts.Host+"@"+adtest.AltSuffix, nil)
	cfg, _ := w.configure(w.b, w.b.tenant, ou)
	m := w.backend(w.b.opts.Host)

	hist, err := m.History(w.ctx, 5)
	if err != nil || len(hist) != 0 {
		t.Errorf("history before any run: got %v, %v, want none", hist, err)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "state.db")); !os.IsNotExist(err) {
		t.Errorf("reading the history created the store: %v", err)
	}

	// One of the two creates fails in Entra: the run completes with an
	// error that RunErrors lists.
	remove := w.srv.InjectFault(entratest.Fault{Method: http.MethodPost, Path: "/v1.0/users", Status: http.StatusBadRequest,
		Code: "Request_BadRequest", Message: "Invalid value specified for property 'department' of resource 'User'.", Times: 1})
	sum, err := m.Sync(w.ctx, wizard.SyncFull, nil)
	remove()
	if err != nil || sum.Status != "completed with errors" || sum.Errors != 1 || sum.Created != 1 || sum.Kind != wizard.SyncFull {
		t.Fatalf("sync: got %+v, %v, want one create and one error", sum, err)
	}
	errs, err := m.RunErrors(w.ctx, sum.ID)
	if err != nil || len(errs) != 1 || errs[0].Op != wizard.OpCreate || !strings.Contains(errs[0].Message, "department") || errs[0].Code == "" {
		t.Errorf("run errors: got %+v, %v, want the failed create", errs, err)
	}
	if _, err := m.RunErrors(w.ctx, "no-such-run"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("errors of an unknown run: got %v, want ErrNotFound", err)
	}

	// The failed object is retried by the next sync.
	p, err := m.Plan(w.ctx)
	if err != nil || len(p.Changes) != 1 || p.Changes[0].Op != wizard.OpCreate {
		t.Errorf("pending: got %+v, %v, want the failed create again", p, err)
	}
	if sum, err := m.Sync(w.ctx, wizard.SyncDelta, nil); err != nil || sum.Created != 1 || sum.Errors != 0 {
		t.Errorf("retry: got %+v, %v, want it created", sum, err)
	}

	// A change of settings is planned without being saved, then saved.
	change := cfg
	change.AD.Scope.Exclude = []string{leaving}
	p, err = m.PlanChange(w.ctx, change)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Op != wizard.OpDelete || !strings.HasPrefix(p.Changes[0].Object, "max.") {
		t.Errorf("plan of the change: got %+v, want Max deleted", p)
	}
	if saved, _ := m.SavedConfig(w.ctx); len(saved.AD.Scope.Exclude) != 0 {
		t.Error("PlanChange saved the configuration")
	}
	bad := change
	bad.Sync.SourceAnchor = "mail"
	if _, err := m.PlanChange(w.ctx, bad); err == nil {
		t.Error("PlanChange of an invalid configuration: got success")
	} else {
		asProblem(t, err)
	}
	if err := m.SaveConfig(w.ctx, bad); err == nil {
		t.Error("SaveConfig of an invalid configuration: got success")
	}
	if err := m.SaveConfig(w.ctx, change); err != nil {
		t.Fatal(err)
	}
	if saved, _ := m.SavedConfig(w.ctx); len(saved.AD.Scope.Exclude) != 1 || saved.AD.BindUser != cfg.AD.BindUser {
		t.Errorf("saved: got exclude %v as %s", saved.AD.Scope.Exclude, saved.AD.BindUser)
	}

	// The menu reads the suffixes with the saved identities.
	r, err := m.Suffixes(w.ctx)
	if err != nil {
		t.Fatalf("Suffixes with the saved identities: %v", err)
	}
	if s := suffix(t, r, adtest.AltSuffix); s.State != wizard.Verified {
		t.Errorf("%s: got %s, want verified", s.Name, s.State)
	}
	if _, err := m.OUTree(w.ctx); err != nil {
		t.Errorf("OUTree with the saved identities: %v", err)
	}
	// The writes that need an administrator say so.
	if p := asProblem(t, m.AddSuffix(w.ctx, "new.example")); !strings.Contains(p.Fix, "connect to AD DS") {
		t.Errorf("AddSuffix without an admin: got fix %q", p.Fix)
	}
	if p := asProblem(t, m.Uninstall(w.ctx, func(wizard.ActionEvent) {})); !strings.Contains(p.Fix, "sign in to Entra ID") {
		t.Errorf("Uninstall without an admin: got fix %q", p.Fix)
	}
	if _, err := m.SavedConfig(w.ctx); err != nil {
		t.Errorf("a refused uninstall removed the configuration: %v", err)
	}
}

// TestSyncRefusals checks the runs that must not happen or must stop: a
// second run while one holds the lock, a secret others can read, and a
// run cancelled half way.
func TestSyncRefusals(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	for i := range 3 {
		w.addUser(ou, fmt.Sprint("Ray Refusal ", i), fmt.Sprint("ray", i, w.b.opts.Host), fmt.Sprint("ray", i, ".", w.b.opts.Host, "@", adtest.AltSuffix), nil)
	}
	w.configure(w.b, w.b.tenant, ou)

	t.Run("busy", func(t *testing.T) {
		lock, err := sync.AcquireRunLock(filepath.Join(w.dir, "run.lock"))
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Release()
		_, err = w.b.Sync(w.ctx, wizard.SyncDelta, nil)
		var busy *sync.BusyError
		if !errors.As(err, &busy) || busy.PID != os.Getpid() {
			t.Fatalf("got %v, want a BusyError naming this process", err)
		}
		if p := asProblem(t, err); !strings.Contains(p.Fix, "wait for the other run") {
			t.Errorf("fix: got %q", p.Fix)
		}
		if err := w.b.RotateCredentials(w.ctx, func(wizard.ActionEvent) {}); !errors.As(err, &busy) {
			t.Errorf("rotation during a run: got %v, want a BusyError", err)
		}
	})
	t.Run("loose secret", func(t *testing.T) {
		path := filepath.Join(w.dir, PasswordFile)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(path, 0o600)
		_, err := w.b.Sync(w.ctx, wizard.SyncDelta, nil)
		if p := asProblem(t, err); !errors.Is(err, sync.ErrInsecureSecret) || !strings.Contains(p.Fix, "chmod 600 "+path) {
			t.Errorf("got %q (fix %q), want the insecure secret and chmod 600", p.Error(), p.Fix)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(w.ctx)
		defer cancel()
		sum, err := w.b.Sync(ctx, wizard.SyncInitial, func(p wizard.Progress) {
			if p.Phase == wizard.PhaseApply {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) || sum.Status != string(sync.StatusCancelled) {
			t.Errorf("got %+v, %v, want a cancelled run", sum, err)
		}
		// What the cancelled run did not apply, the next one does.
		sum, err = w.b.Sync(w.ctx, wizard.SyncDelta, nil)
		if err != nil || sum.Errors != 0 {
			t.Errorf("after the cancel: got %+v, %v", sum, err)
		}
		for i := range 3 {
			if upn := fmt.Sprint("ray", i, ".", w.b.opts.Host, "@", adtest.AltSuffix); !hasUser(w, upn) {
				t.Errorf("%s is not in Entra", upn)
			}
		}
	})
}

func TestSavedConfigProblems(t *testing.T) {
	dir := t.TempDir()
	b, err := New(Options{Dirs: sync.DirsAt(dir), Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SavedConfig(t.Context()); !errors.Is(err, wizard.ErrNotConfigured) {
		t.Errorf("no file: got %v, want ErrNotConfigured", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("ad:\n  host: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = b.SavedConfig(t.Context())
	if errors.Is(err, wizard.ErrNotConfigured) || !strings.Contains(err.Error(), "config.yaml") {
		t.Errorf("malformed file: got %v, want an error naming the file", err)
	}
	asProblem(t, err)
	if _, err := New(Options{Host: "h"}); err == nil {
		t.Error("New without Dirs: got success")
	}
}

func hasUser(w *world, upn string) bool {
	_, ok := w.srv.UserByUPN(upn)
	return ok
}
