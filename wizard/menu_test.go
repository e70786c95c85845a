package wizard

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// savedConfig is the configuration of the menu tests, as setup saved it.
func savedConfig() sync.Config {
	a := DefaultAnswers()
	a.AD.Host = "dc1.corp.example.com"
	c := a.Config(Tenant{ID: "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77", InitialDomain: "contoso.onmicrosoft.com"})
	c.AD.BindUser, c.AD.PasswordFile = `CORP\MSOL_1a2b3c`, "ad-connector.secret"
	c.Entra.ClientID, c.Entra.CertificateFile = "0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f", "entra-app.pem"
	return c
}

// newMenuFake returns a fake with a saved configuration, pending changes
// and a run history.
func newMenuFake() *fakeBackend {
	b := newFake()
	c := savedConfig()
	b.saved = &c
	b.pending = Plan{Changes: []Change{
		{Op: OpCreate, Kind: "user", Object: "carol@contoso.com", Detail: "new in OU=Sales"},
		{Op: OpUpdate, Kind: "user", Object: "ann@contoso.com", Detail: "department: Sales → Marketing"},
		{Op: OpAddMember, Kind: "group", Object: "Sales", Detail: "carol@contoso.com"},
	}}
	b.changed = Plan{Changes: []Change{{Op: OpCreate, Kind: "user", Object: "svc-backup@contoso.com"}}}
	b.history = []RunSummary{
		{ID: "run-2", Kind: SyncDelta, Status: "completed with errors", Started: time.Date(2026, 5, 4, 10, 5, 0, 0, time.UTC), Created: 1, Errors: 1},
		{ID: "run-1", Kind: SyncInitial, Status: "success", Started: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC), Created: 42},
	}
	b.runErrors = map[string][]ObjectError{
		"run-2": {{Object: "dave@contoso.com", Op: OpCreate, Code: "Request_BadRequest", Message: "Another object with the same value for property proxyAddresses already exists."}},
	}
	return b
}

// runMenuLines runs the menu in accessible mode with the given input.
func runMenuLines(t *testing.T, b Backend, input ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := RunMenu(ctx, b, Options{
		In:         strings.NewReader(strings.Join(input, "\n") + "\n"),
		Out:        &out,
		Accessible: true,
		Now:        fixedNow,
		Interrupts: make(chan os.Signal),
	})
	return out.String(), err
}

// menuExit chooses Exit in the menu.
var menuExit = []string{"11", ""}

func TestMenuNotConfigured(t *testing.T) {
	_, err := runMenuLines(t, newFake())
	if !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("got %v, want ErrNotConfigured", err)
	}
}

func TestMenuTasks(t *testing.T) {
	tests := map[string]struct {
		input     []string
		edit      func(*fakeBackend)
		wantCalls []string // in order, among the calls
		wantOut   []string
		notOut    []string
		check     func(*testing.T, *fakeBackend)
	}{
		"sync now": {
			input:     []string{"1", ""},
			wantCalls: []string{"Sync[delta]"},
			wantOut: []string{"Sync: importing", "Sync: exporting", "success, delta sync, 1m15s", "1 contact cannot be created through Graph",
				"• 2 users on corp.example.com (bob@corp.example.com, eve@corp.example.com) got\n  a UPN on contoso.onmicrosoft.com"},
			notOut: []string{"<mailNickname>"},
		},
		"full sync fails": {
			input: []string{"2", ""},
			edit: func(b *fakeBackend) {
				b.syncErr = WithFix(errors.New("sync: another run holds the lock"), "wait for the running sync to end")
			},
			wantCalls: []string{"Sync[full]"},
			wantOut:   []string{"Error: sync: another run holds the lock", "Fix: wait for the running sync to end"},
		},
		"preview": {
			input:     []string{"3", ""},
			edit:      func(b *fakeBackend) { b.pending.Blocked = "4 deletes exceed the threshold of 3" },
			wantCalls: []string{"Plan"},
			wantOut: []string{"3 changes pending: create 1, update 1, add member 1.",
				"The engine would refuse this plan: 4 deletes exceed the threshold of 3",
				"update      user   ann@contoso.com    department: Sales → Marketing"},
		},
		"view configuration": {
			input: []string{"4", ""},
			wantOut: []string{`Connector account:  CORP\MSOL_1a2b3c`, "Its password:       ad-connector.secret",
				"Sync application:   0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f", "Certificate:        entra-app.pem"},
		},
		"customize the schedule only": {
			input: []string{"5", "",
				"4", "0", "", // tick Schedule; done; Continue
				"10m", "", "", // the schedule page
				"y", ""}, // save
			wantCalls: []string{"PlanChange", "SaveConfig"},
			wantOut:   []string{"== Schedule ==", "The next sync will make these changes:", "svc-backup@contoso.com"},
			notOut:    []string{"== Organizational units =="},
			check: func(t *testing.T, b *fakeBackend) {
				got := b.savedCfgs[0]
				want := savedConfig()
				want.Sync.Interval = sync.Duration(10 * time.Minute)
				if !reflect.DeepEqual(got.Sync, want.Sync) || got.AD.BindUser != want.AD.BindUser || got.Entra != want.Entra {
					t.Errorf("saved:\n got %+v\nwant %+v", got, want)
				}
			},
		},
		"customize, then do not save": {
			input:     []string{"5", "", "5", "0", "", "", "", "", "", "n", ""},
			wantCalls: []string{"PlanChange"},
			check: func(t *testing.T, b *fakeBackend) {
				if len(b.savedCfgs) != 0 {
					t.Errorf("saved %d configurations, want none", len(b.savedCfgs))
				}
			},
		},
		"staging mode off": {
			input:     []string{"6", "", "y", "", "y", ""},
			edit:      func(b *fakeBackend) { b.saved.Sync.StagingMode = true },
			wantCalls: []string{"PlanChange", "SaveConfig"},
			wantOut:   []string{"Staging mode is on: runs import and plan", "Turn staging mode off?"},
			check: func(t *testing.T, b *fakeBackend) {
				if b.savedCfgs[0].Sync.StagingMode {
					t.Error("staging mode still on")
				}
			},
		},
		"UPN suffixes": {
			input: []string{"7", "",
				"", "", "", `CORP\admin`, "not-a-real-password", "", // connect to AD
				"", ""}, // Done
			wantCalls: []string{`CheckAD[dc1.corp.example.com 0 ldaps CORP\admin]`, "Suffixes"},
			wantOut:   []string{"1. Done"},
			notOut:    []string{"Continue without matching"},
		},
		// Rotation needs both administrators, as Uninstall does: the
		// connector may not reset its own password, nor the application
		// change its own certificates.
		"rotate credentials": {
			input: []string{"8", "", "y", "",
				"", "", "", // Entra: sign in; continue as the admin
				"", "", "", `CORP\admin`, "not-a-real-password", ""}, // AD
			wantCalls: []string{"SignInEntra", `CheckAD[dc1.corp.example.com 0 ldaps CORP\admin]`, "RotateCredentials"},
			wantOut: []string{"== Rotate credentials: connect to Entra ID ==", "== Rotate credentials: connect to AD DS ==",
				"Replace the AD connector password: done", "Replace the application certificate: done"},
			notOut: []string{"Error:"},
		},
		"rotate credentials declined": {
			input:  []string{"8", "", "n", ""},
			notOut: []string{"connect to Entra ID", "RotateCredentials"},
			check: func(t *testing.T, b *fakeBackend) {
				if w := b.writesBefore(""); len(w) != 0 {
					t.Errorf("writes: %q", w)
				}
			},
		},
		"history and a run's errors": {
			input:     []string{"9", "", "2", "1"}, // open run-2; then Back
			wantCalls: []string{"History[50]", "RunErrors[run-2]"},
			wantOut:   []string{"2026-05-04 10:05  delta", "dave@contoso.com", "Request_BadRequest"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := newMenuFake()
			if tc.edit != nil {
				tc.edit(b)
			}
			out, err := runMenuLines(t, b, slices.Concat(tc.input, menuExit)...)
			if err != nil {
				t.Fatalf("RunMenu: %v\noutput:\n%s", err, out)
			}
			calls := b.called()
			i := 0
			for _, c := range calls {
				if i < len(tc.wantCalls) && c == tc.wantCalls[i] {
					i++
				}
			}
			if i < len(tc.wantCalls) {
				t.Errorf("calls %q lack %q in order", calls, tc.wantCalls)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tc.notOut {
				if strings.Contains(out, w) {
					t.Errorf("output holds %q", w)
				}
			}
			if strings.Count(out, "== Task menu ==") < 2 {
				t.Errorf("the task did not return to the menu")
			}
			if tc.check != nil {
				tc.check(t, b)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

func TestMenuUninstall(t *testing.T) {
	b := newMenuFake()
	out, err := runMenuLines(t, b,
		"10", "", "y", "", // Uninstall; confirm
		"", "", "", // Entra: sign in; continue as the admin
		"", "", "", `CORP\admin`, "not-a-real-password", "", // AD
	)
	if err != nil {
		t.Fatalf("RunMenu: %v\noutput:\n%s", err, out)
	}
	want := []string{"SignInEntra", `CheckAD[dc1.corp.example.com 0 ldaps CORP\admin]`, "Uninstall"}
	if got := b.called(); !slices.Equal(got[len(got)-3:], want) {
		t.Errorf("calls: got %q, want them to end with %q", got, want)
	}
	if !strings.Contains(out, "Delete the Entra application: done") {
		t.Errorf("output lacks the uninstall actions:\n%s", out)
	}
}

// TestMenuAdminFromAnswers: the administrator given in Options.Answers
// (the demo's) fills in the Connect to AD DS page of the menu's tasks.
func TestMenuAdminFromAnswers(t *testing.T) {
	b := newMenuFake()
	a := DefaultAnswers()
	a.Admin = Credentials{User: `CORP\demo-admin`, Password: "not-a-real-password"}
	input := slices.Concat([]string{"8", "", "y", "", // Rotate credentials; confirm
		"", "", "", // Entra: sign in; continue as the admin
		"", "", "", "", "", ""}, // AD: every value as given
		menuExit)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := RunMenu(ctx, b, Options{In: strings.NewReader(strings.Join(input, "\n") + "\n"), Out: &out,
		Accessible: true, Now: fixedNow, Interrupts: make(chan os.Signal), Answers: &a})
	if err != nil {
		t.Fatalf("RunMenu: %v\noutput:\n%s", err, out.String())
	}
	if !slices.Contains(b.called(), `CheckAD[dc1.corp.example.com 0 ldaps CORP\demo-admin]`) || !slices.Contains(b.called(), "RotateCredentials") {
		t.Errorf("calls: got %q, want CheckAD as CORP\\demo-admin, then RotateCredentials", b.called())
	}
	if strings.Contains(out.String(), "Error:") {
		t.Errorf("output holds an error:\n%s", out.String())
	}
}

func TestMenuUninstallDeclined(t *testing.T) {
	b := newMenuFake()
	out, err := runMenuLines(t, b, slices.Concat([]string{"10", "", "n", ""}, menuExit)...)
	if err != nil {
		t.Fatalf("RunMenu: %v\noutput:\n%s", err, out)
	}
	if w := b.writesBefore(""); len(w) != 0 {
		t.Errorf("writes: %q", w)
	}
}
