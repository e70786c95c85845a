package live

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/wizard"
)

// TestInterruptedConfigure stops Configure at each point where something
// exists, then checks that a new process's Uninstall removes all of it,
// and that a new setup after the interruption cleans up first and works.
func TestInterruptedConfigure(t *testing.T) {
	tests := []struct {
		name string
		// stopAfter cancels Configure once this action is done.
		stopAfter string
		// fault makes the emulator fail a request instead.
		fault   *entratest.Fault
		wantErr string
		// what the record must hold after the interruption
		wantAccount, wantApp bool
	}{
		{name: "stopped after the account", stopAfter: ActionAccount, wantErr: "setup stopped", wantAccount: true},
		{name: "stopped after the application", stopAfter: ActionApp, wantErr: "setup stopped", wantAccount: true, wantApp: true},
		{name: "grant refused", fault: &entratest.Fault{Method: http.MethodPost, Path: "/v1.0/servicePrincipals/*/appRoleAssignedTo", Status: http.StatusInternalServerError},
			wantErr: "grant", wantAccount: true, wantApp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.admins(w.b)
			ou := w.dc.NewOU(t, "")
			cfg := w.config(w.b.tenant, ou)
			if tt.fault != nil {
				remove := w.srv.InjectFault(*tt.fault)
				t.Cleanup(remove)
			}
			ctx, cancel := context.WithCancel(w.ctx)
			defer cancel()
			var ev events
			setup, err := w.b.Configure(ctx, &cfg, func(e wizard.ActionEvent) {
				ev.add(e)
				if e.ID == tt.stopAfter && e.State == wizard.ActionDone {
					cancel()
				}
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Configure: got %v, want an error about %q (events %v)", err, tt.wantErr, ev.states())
			}
			if tt.stopAfter != "" && !errors.Is(err, context.Canceled) {
				t.Errorf("Configure: got %v, want the cancellation", err)
			}
			rec, ok, err := w.b.loadRecord()
			if err != nil || !ok {
				t.Fatalf("record after the interruption: %v, %v", ok, err)
			}
			if (rec.Account != nil && rec.Account.Created) != tt.wantAccount || (rec.App != nil && rec.App.Created) != tt.wantApp {
				t.Fatalf("record: got account %+v app %+v, want account %v app %v", rec.Account, rec.App, tt.wantAccount, tt.wantApp)
			}
			var kinds []string
			for _, r := range setup.Created {
				kinds = append(kinds, r.Kind)
			}
			if slices.Contains(kinds, "AD account") != tt.wantAccount || slices.Contains(kinds, "Entra application") != tt.wantApp {
				t.Errorf("Setup.Created: got %v", kinds)
			}
			if _, err := w.b.SavedConfig(w.ctx); !errors.Is(err, wizard.ErrNotConfigured) {
				t.Errorf("SavedConfig after the interruption: got %v, want ErrNotConfigured", err)
			}

			// A new process uninstalls what the record lists.
			b := w.backend(w.b.opts.Host)
			w.admins(b)
			if err := b.Uninstall(w.ctx, func(wizard.ActionEvent) {}); err != nil {
				t.Fatalf("Uninstall: %v", err)
			}
			checkNothingLeft(t, w, rec)
		})
	}
}

// TestConfigureCleansUpAnInterruptedSetup runs Configure again after an
// interrupted one: it removes the leftovers first, then sets up anew.
func TestConfigureCleansUpAnInterruptedSetup(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	cfg := w.config(w.b.tenant, ou)
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	_, err := w.b.Configure(ctx, &cfg, func(e wizard.ActionEvent) {
		if e.ID == ActionGrant && e.State == wizard.ActionDone {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Configure: got %v, want the cancellation", err)
	}
	old, _, err := w.b.loadRecord()
	if err != nil {
		t.Fatal(err)
	}

	b := w.backend(w.b.opts.Host)
	w.admins(b)
	cfg = w.config(b.tenant, ou)
	plan, err := b.SetupPlan(w.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if plan[0].ID != ActionCleanup || !strings.Contains(plan[0].Detail, old.Account.DN) {
		t.Errorf("plan: got %+v first, want the cleanup of %s", plan[0], old.Account.DN)
	}
	var ev events
	if _, err := b.Configure(w.ctx, &cfg, ev.add); err != nil {
		t.Fatalf("Configure again: %v (events %v)", err, ev.states())
	}
	if got := ev.states()[:2]; !slices.Equal(got, []string{"cleanup:running", "cleanup:done"}) {
		t.Errorf("events: got %v first, want the cleanup", got)
	}
	if got := w.dc.Attr(t, old.Account.DN, "objectSid"); got != nil {
		t.Errorf("the interrupted setup's account %s is still there", old.Account.DN)
	}
	apps := w.appsNamed(b.AppName())
	if len(apps) != 1 || apps[0].String("appId") == old.App.AppID || apps[0].String("appId") != cfg.Entra.ClientID {
		t.Errorf("applications named %s: got %d, want only the new one", b.AppName(), len(apps))
	}
	if sps := w.spsOf(old.App.AppID); len(sps) != 0 {
		t.Errorf("the interrupted setup's service principal is still there")
	}
	if _, err := b.Sync(w.ctx, wizard.SyncInitial, nil); err != nil {
		t.Errorf("the initial sync after the new setup: %v", err)
	}
	rec, _, _ := b.loadRecord()
	if err := b.Uninstall(w.ctx, func(wizard.ActionEvent) {}); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t, w, rec)
}
