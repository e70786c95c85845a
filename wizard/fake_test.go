package wizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// fakeBackend is a scripted Backend: it answers from its fields and
// records every call, so tests can assert what was called, in which
// order, and that nothing was written before Install.
type fakeBackend struct {
	mu    stdsync.Mutex
	calls []string

	perms      []string
	device     DeviceCode
	tenants    []Tenant // SignInEntra returns them in turn (the last one repeats)
	signInWait bool     // SignInEntra waits for ctx after the prompt
	signInErrs []error  // consumed before the tenants
	forest     Forest
	adErrs     []error // CheckAD fails with these in turn, then succeeds
	reports    []SuffixReport
	addErr     error
	moves      []UPNChange
	ous        []OU
	matches    []SoftMatch
	plan       []Action
	setup      Setup
	// configureErr fails Configure after its first action.
	configureErr error
	// blockAt makes Configure stop at that action until ctx ends; it
	// closes blocked when it gets there.
	blockAt string
	blocked chan struct{}

	progress  []Progress
	summary   RunSummary
	syncErr   error
	syncBlock bool // Sync waits for ctx after its progress

	saved     *sync.Config
	pending   Plan
	changed   Plan // PlanChange's answer
	history   []RunSummary
	runErrors map[string][]ObjectError

	// Filled in by calls.
	configured *sync.Config
	savedCfgs  []sync.Config
	// entraAdmin and adAdmin are the administrator sessions, opened by
	// SignInEntra and CheckAD; the calls that need them fail without,
	// as the real backend's do.
	entraAdmin, adAdmin bool
}

// errNoAdmin is what the calls that need both administrator sessions
// return without them.
var errNoAdmin = WithFix(errors.New("fake: no administrator session"), "sign in to Entra ID and connect to AD DS first")

// writeCalls are the methods that write to AD, Entra or this machine.
var writeCalls = []string{"AddSuffix", "ApplyUPNMove", "Configure", "Sync", "SaveConfig", "RotateCredentials", "Uninstall"}

// record notes a call.
func (f *fakeBackend) record(call string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(args) > 0 {
		call += fmt.Sprint(args)
	}
	f.calls = append(f.calls, call)
}

// called returns the calls so far.
func (f *fakeBackend) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// writesBefore returns the write calls made before the first call named
// stop (all of them when stop was not called).
func (f *fakeBackend) writesBefore(stop string) []string {
	var out []string
	for _, c := range f.called() {
		name, _, _ := strings.Cut(c, "[")
		if name == stop {
			break
		}
		if slices.Contains(writeCalls, name) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeBackend) GraphPermissions() []string {
	return f.perms
}

func (f *fakeBackend) SignInEntra(ctx context.Context, prompt func(DeviceCode)) (Tenant, error) {
	f.record("SignInEntra")
	prompt(f.device)
	if f.signInWait {
		<-ctx.Done()
		return Tenant{}, fmt.Errorf("fake: sign-in: %w", ctx.Err())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.signInErrs) > 0 {
		err := f.signInErrs[0]
		f.signInErrs = f.signInErrs[1:]
		return Tenant{}, err
	}
	if len(f.tenants) == 0 {
		return Tenant{}, errors.New("fake: no tenant scripted")
	}
	t := f.tenants[0]
	if len(f.tenants) > 1 {
		f.tenants = f.tenants[1:]
	}
	f.entraAdmin = ctx.Err() == nil
	return t, ctx.Err()
}

func (f *fakeBackend) CheckAD(_ context.Context, conn ADConnection, admin Credentials) (Forest, error) {
	f.record("CheckAD", conn.Host, conn.Port, conn.Transport, admin.User)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.adErrs) > 0 {
		err := f.adErrs[0]
		f.adErrs = f.adErrs[1:]
		return Forest{}, err
	}
	f.adAdmin = true
	return f.forest, nil
}

// admins says whether both administrator sessions are open.
func (f *fakeBackend) admins() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.entraAdmin && f.adAdmin
}

func (f *fakeBackend) Suffixes(context.Context) (SuffixReport, error) {
	f.record("Suffixes")
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reports[0]
	if len(f.reports) > 1 {
		f.reports = f.reports[1:]
	}
	return r, nil
}

func (f *fakeBackend) AddSuffix(_ context.Context, suffix string) error {
	f.record("AddSuffix", suffix)
	return f.addErr
}

func (f *fakeBackend) PlanUPNMove(_ context.Context, from, to string) ([]UPNChange, error) {
	f.record("PlanUPNMove", from, to)
	return f.moves, nil
}

func (f *fakeBackend) ApplyUPNMove(_ context.Context, changes []UPNChange) (int, error) {
	f.record("ApplyUPNMove", len(changes))
	for i, c := range changes {
		if c.Conflict != "" {
			return i, fmt.Errorf("fake: %s cannot move: %s", c.From, c.Conflict)
		}
	}
	return len(changes), nil
}

func (f *fakeBackend) OUTree(context.Context) ([]OU, error) {
	f.record("OUTree")
	return f.ous, nil
}

func (f *fakeBackend) SoftMatches(context.Context, sync.Config) ([]SoftMatch, error) {
	f.record("SoftMatches")
	return f.matches, nil
}

func (f *fakeBackend) SetupPlan(context.Context, sync.Config) ([]Action, error) {
	f.record("SetupPlan")
	return f.plan, nil
}

func (f *fakeBackend) Configure(ctx context.Context, cfg *sync.Config, events func(ActionEvent)) (Setup, error) {
	f.record("Configure")
	var done Setup
	for i, a := range f.plan {
		events(ActionEvent{ID: a.ID, State: ActionRunning})
		if a.ID == f.blockAt {
			close(f.blocked)
			<-ctx.Done()
			events(ActionEvent{ID: a.ID, State: ActionFailed, Err: ctx.Err()})
			return done, fmt.Errorf("fake: %s: %w", a.Title, ctx.Err())
		}
		if i == 1 && f.configureErr != nil {
			events(ActionEvent{ID: a.ID, State: ActionFailed, Err: f.configureErr})
			return done, f.configureErr
		}
		if i < len(f.setup.Created) {
			done.Created = append(done.Created, f.setup.Created[i])
		}
		events(ActionEvent{ID: a.ID, State: ActionDone})
	}
	cfg.AD.BindUser = `CORP\MSOL_fake`
	cfg.Entra.ClientID = "00000000-0000-0000-0000-00000000c11e"
	c := *cfg
	f.mu.Lock()
	f.configured = &c
	f.mu.Unlock()
	return f.setup, nil
}

func (f *fakeBackend) SavedConfig(context.Context) (sync.Config, error) {
	f.record("SavedConfig")
	if f.saved == nil {
		return sync.Config{}, fmt.Errorf("fake: %w", ErrNotConfigured)
	}
	return *f.saved, nil
}

func (f *fakeBackend) Sync(ctx context.Context, kind SyncKind, progress func(Progress)) (RunSummary, error) {
	f.record("Sync", kind)
	for _, p := range f.progress {
		progress(p)
	}
	if f.syncBlock {
		<-ctx.Done()
		s := f.summary
		s.Status = "stopped"
		return s, fmt.Errorf("fake: sync: %w", ctx.Err())
	}
	s := f.summary
	s.Kind = kind
	return s, f.syncErr
}

func (f *fakeBackend) Plan(context.Context) (Plan, error) {
	f.record("Plan")
	return f.pending, nil
}

func (f *fakeBackend) PlanChange(_ context.Context, cfg sync.Config) (Plan, error) {
	f.record("PlanChange")
	return f.changed, nil
}

func (f *fakeBackend) SaveConfig(_ context.Context, cfg sync.Config) error {
	f.record("SaveConfig")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.savedCfgs = append(f.savedCfgs, cfg)
	f.saved = &cfg
	return nil
}

func (f *fakeBackend) History(_ context.Context, limit int) ([]RunSummary, error) {
	f.record("History", limit)
	return f.history[:min(limit, len(f.history))], nil
}

func (f *fakeBackend) RunErrors(_ context.Context, runID string) ([]ObjectError, error) {
	f.record("RunErrors", runID)
	return f.runErrors[runID], nil
}

func (f *fakeBackend) RotateCredentials(_ context.Context, events func(ActionEvent)) error {
	f.record("RotateCredentials")
	if !f.admins() {
		return errNoAdmin
	}
	acts := []ActionEvent{
		{ID: "ad-password", Title: "Replace the AD connector password"},
		{ID: "entra-cert", Title: "Replace the application certificate"},
	}
	for _, a := range acts {
		events(a)
	}
	for _, a := range acts {
		a.State = ActionDone
		events(a)
	}
	return nil
}

func (f *fakeBackend) Uninstall(_ context.Context, events func(ActionEvent)) error {
	f.record("Uninstall")
	if !f.admins() {
		return errNoAdmin
	}
	events(ActionEvent{ID: "app", Title: "Delete the Entra application", State: ActionDone})
	events(ActionEvent{ID: "account", Title: "Delete the AD connector account", State: ActionDone})
	f.mu.Lock()
	f.saved = nil
	f.mu.Unlock()
	return nil
}

// newFake returns a fake with a plausible forest and tenant: one verified
// suffix, one not added.
func newFake() *fakeBackend {
	return &fakeBackend{
		perms:  []string{"User.ReadWrite.All", "Group.ReadWrite.All"},
		device: DeviceCode{URL: "https://microsoft.com/devicelogin", Code: "FAKE-CODE"},
		tenants: []Tenant{{
			ID: "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77", Name: "Contoso", InitialDomain: "contoso.onmicrosoft.com",
			Account: "admin@contoso.com", Roles: []string{roleGlobalAdmin},
		}},
		forest: Forest{RootDomain: "corp.example.com", NetBIOS: "CORP", Domains: []string{"corp.example.com"},
			DC: "dc1.corp.example.com", Admin: `CORP\admin`},
		reports: []SuffixReport{{
			Suffixes: []Suffix{
				{Name: "contoso.com", Users: 40, State: Verified, ExampleUser: "ann@contoso.com", ExampleEntra: "ann@contoso.com"},
				{Name: "corp.example.com", Users: 2, State: NotAdded, ExampleUser: "bob@corp.example.com", ExampleEntra: "bob@contoso.onmicrosoft.com"},
			},
			VerifiedDomains: []string{"contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"},
		}},
		moves: []UPNChange{
			{DN: "CN=Bob,OU=Sales,DC=corp,DC=example,DC=com", User: "bob", From: "bob@corp.example.com", To: "bob@contoso.com"},
			{DN: "CN=Eve,OU=Sales,DC=corp,DC=example,DC=com", User: "eve", From: "eve@corp.example.com", To: "eve@contoso.com"},
		},
		ous: []OU{
			{DN: "DC=corp,DC=example,DC=com", Name: "corp.example.com", Users: 42},
			{DN: "OU=Sales,DC=corp,DC=example,DC=com", Name: "Sales", Parent: "DC=corp,DC=example,DC=com", Users: 30},
			{DN: "OU=Service,DC=corp,DC=example,DC=com", Name: "Service", Parent: "DC=corp,DC=example,DC=com", Users: 5},
		},
		plan: []Action{
			{ID: "ad-account", Title: "Create the AD connector account", Detail: `CORP\MSOL_1a2b3c in CN=Users`},
			{ID: "entra-app", Title: "Create the Entra application and certificate", Detail: "entrasync-dc1"},
			{ID: "grant", Title: "Grant its Microsoft Graph permissions"},
			{ID: "verify", Title: "Verify both identities"},
			{ID: "save", Title: "Save the configuration"},
		},
		setup: Setup{
			Created: []Resource{
				{Kind: "AD account", Name: `CORP\MSOL_1a2b3c`},
				{Kind: "Entra application", Name: "entrasync-dc1", Detail: "appId 0b7f1e2d"},
			},
			ConfigPath: "/etc/entrasync/config.yaml",
			Service:    "entrasync.service",
		},
		progress: []Progress{
			{Phase: PhaseImport, Imported: 42, ImportTotal: 42},
			{Phase: PhasePlan, Imported: 42, Planned: 45},
			{Phase: PhaseApply, Imported: 42, Planned: 45, Exported: 45},
		},
		summary: RunSummary{ID: "run-1", Status: "success", Started: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC),
			Duration: 75 * time.Second, Imported: 42, Created: 42, Updated: 0, Errors: 0,
			Warnings: []Warning{
				{Message: "UPN suffix corp.example.com is not a verified domain: users get <mailNickname>@contoso.onmicrosoft.com (2 objects)",
					Count: 2, Objects: []string{"bob@corp.example.com", "eve@corp.example.com"}, UPNSuffix: "corp.example.com"},
				{Message: "1 contact cannot be created through Graph", Objects: []string{"CN=Vendor,OU=Sales"}},
			}},
		blocked: make(chan struct{}),
	}
}
