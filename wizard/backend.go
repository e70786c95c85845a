package wizard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"charm.land/huh/v2"
	"github.com/entrasync/entrasync/sync"
)

// Backend is everything the wizard and the task menu need from the outside
// world: Entra ID, Active Directory and the sync engine. It is declared here,
// in the wizard's own terms, so the screens are tested against a scripted
// fake; the real implementation adapts packages ad, entra and sync.
//
// Setup calls methods in page order and never writes before Configure,
// except for the two actions the administrator explicitly confirms on the
// UPN suffix page (AddSuffix, ApplyUPNMove). A Backend is stateful: the
// administrator sessions opened by SignInEntra and CheckAD serve the calls
// that follow (Suffixes, AddSuffix, PlanUPNMove, ApplyUPNMove, OUTree,
// SoftMatches, SetupPlan, Configure, RotateCredentials, Uninstall). The
// task menu calls SignInEntra and CheckAD again before the calls that need
// an administrator (UPN suffix actions, RotateCredentials, Uninstall); its
// other calls (SavedConfig, Sync, Plan, PlanChange, SaveConfig, History,
// RunErrors, OUTree, Suffixes) run with the saved configuration's own
// identities.
//
// The wizard calls one method at a time, from one goroutine. Errors are
// shown to the administrator as they are; wrap them with [WithFix] to add
// the likely fix. Every method must return promptly once ctx is done. A
// Backend must never write to the terminal (stdout, stderr): the wizard owns
// it; log to a file.
type Backend interface {
	// GraphPermissions lists the Microsoft Graph application permissions
	// the sync application will be granted, for the Welcome page.
	GraphPermissions() []string

	// SignInEntra signs the administrator in with the device-code flow. It
	// calls prompt once, from any goroutine, with the code to show, then
	// blocks until the sign-in completes, fails or ctx ends. The admin
	// token is kept in memory for setup only.
	SignInEntra(ctx context.Context, prompt func(DeviceCode)) (Tenant, error)

	// CheckAD binds to the domain controller as the administrator and
	// checks that the account is an Enterprise Admin (RID 519 of the
	// forest root in tokenGroups). The connection is kept for the calls
	// that follow.
	CheckAD(ctx context.Context, conn ADConnection, admin Credentials) (Forest, error)

	// Suffixes lists the forest's UPN suffixes with their user counts and
	// Entra state, and the tenant's verified domains.
	Suffixes(ctx context.Context) (SuffixReport, error)
	// AddSuffix adds a UPN suffix to the forest (uPNSuffixes of
	// CN=Partitions), the "Domains and Trusts" step. It writes to AD now.
	AddSuffix(ctx context.Context, suffix string) error
	// PlanUPNMove lists the users whose UPN suffix is from and what their
	// UPN would become on suffix to, with a Conflict for each change that
	// cannot be made (the new UPN is taken). It changes nothing.
	PlanUPNMove(ctx context.Context, from, to string) ([]UPNChange, error)
	// ApplyUPNMove writes the given UPN changes to AD now, never one with
	// a Conflict. It stops at the first failure and reports how many were
	// applied.
	ApplyUPNMove(ctx context.Context, changes []UPNChange) (applied int, err error)

	// OUTree lists the forest's domains and organizational units, parents
	// before children.
	OUTree(ctx context.Context) ([]OU, error)
	// SoftMatches lists the existing cloud users and groups that the first
	// sync with cfg would adopt (soft match on UPN or primary SMTP address)
	// instead of creating new objects.
	SoftMatches(ctx context.Context, cfg sync.Config) ([]SoftMatch, error)

	// SetupPlan describes, in order, the actions Configure will take with
	// cfg, for the Ready to configure page. It changes nothing.
	SetupPlan(ctx context.Context, cfg sync.Config) ([]Action, error)
	// Configure runs the setup actions: it creates the AD connector
	// account and the Entra application, grants its permissions, verifies
	// both identities, fills the generated fields of cfg (BindUser,
	// PasswordFile, ClientID, CertificateFile, and the Entra endpoints and
	// CA file it was built with when they are not the defaults) and saves
	// the configuration and the secrets. It reports each action through events, from the
	// calling goroutine, in order. Everything it creates is recorded as it
	// is created, so Uninstall removes it even when Configure stopped half
	// way; the returned Setup lists what exists, also with an error.
	Configure(ctx context.Context, cfg *sync.Config, events func(ActionEvent)) (Setup, error)

	// SavedConfig returns the saved configuration, or an error wrapping
	// [ErrNotConfigured] when there is none.
	SavedConfig(ctx context.Context) (sync.Config, error)

	// Sync runs one sync now under the saved configuration and reports
	// progress (from the calling goroutine, at most a few times a second).
	// Cancelling ctx stops it cleanly between batches; the summary then
	// counts what was applied, and the error wraps ctx's error.
	Sync(ctx context.Context, kind SyncKind, progress func(Progress)) (RunSummary, error)
	// Plan computes the pending changes under the saved configuration
	// without applying them.
	Plan(ctx context.Context) (Plan, error)
	// PlanChange computes the changes the next sync would make if cfg
	// replaced the saved configuration. It changes nothing.
	PlanChange(ctx context.Context, cfg sync.Config) (Plan, error)
	// SaveConfig validates cfg and replaces the saved configuration.
	SaveConfig(ctx context.Context, cfg sync.Config) error
	// History lists the most recent runs, newest first.
	History(ctx context.Context, limit int) ([]RunSummary, error)
	// RunErrors lists the per-object errors of one run.
	RunErrors(ctx context.Context, runID string) ([]ObjectError, error)
	// RotateCredentials replaces the AD connector password and the Entra
	// application certificate, reporting each action through events (all
	// of them pending first, then as they run). It needs both
	// administrator sessions: the connector may not reset its own
	// password, nor the application change its own certificates.
	RotateCredentials(ctx context.Context, events func(ActionEvent)) error
	// Uninstall removes what setup created (the Entra application, the AD
	// connector account, the saved configuration and secrets), reporting
	// each action through events. Synced users and groups stay in Entra.
	Uninstall(ctx context.Context, events func(ActionEvent)) error
}

// A Problem is an error with its likely fix, which the wizard shows under
// the error ("LDAP 49/52e: wrong password for CORP\admin" / "check the
// password; the account may also be locked").
type Problem struct {
	Err error
	Fix string // one sentence, lowercase, no trailing period
}

// Error returns the underlying error's message.
func (p *Problem) Error() string { return p.Err.Error() }

// Unwrap returns the underlying error.
func (p *Problem) Unwrap() error { return p.Err }

// WithFix wraps err in a [*Problem] with the given fix; it returns nil
// when err is nil.
func WithFix(err error, fix string) error {
	if err == nil {
		return nil
	}
	return &Problem{Err: err, Fix: fix}
}

// ErrAborted is returned when the administrator cancels. It is
// huh.ErrUserAborted, so errors.Is works with either.
var ErrAborted = huh.ErrUserAborted

// ErrNotConfigured is wrapped by [Backend.SavedConfig] when no
// configuration exists, and returned by [RunMenu] then.
var ErrNotConfigured = errors.New("wizard: no configuration: run setup first")

// DeviceCode is what the administrator needs to sign in on another device.
type DeviceCode struct {
	// URL is the verification page, e.g. https://microsoft.com/devicelogin.
	URL string
	// Code is the user code to type there.
	Code string
	// ExpiresAt is when the code stops working.
	ExpiresAt time.Time
}

// Tenant describes the signed-in administrator's tenant.
type Tenant struct {
	ID            string
	Name          string // display name of the organization
	InitialDomain string // the .onmicrosoft.com domain
	Account       string // the administrator's UPN
	// Roles are the directory roles active for the account (assigned
	// directly or activated through PIM), by display name.
	Roles []string
}

// ADConnection says how to reach a domain controller.
type ADConnection struct {
	Host      string
	Port      int
	Transport string // "ldaps" or "starttls"
	CAFile    string // empty: the system roots
}

// Credentials are the Enterprise Admin's, used during setup only and never
// stored. Printing them (fmt, slog) never shows the password.
type Credentials struct {
	User     string // DOMAIN\user, a UPN or a DN
	Password string
}

// String returns the user name only.
func (c Credentials) String() string { return c.User }

// GoString returns the user name only, for %#v.
func (c Credentials) GoString() string {
	return fmt.Sprintf("wizard.Credentials{User: %q, Password: <hidden>}", c.User)
}

// LogValue logs the user name only.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.User) }

// Forest describes the AD forest the administrator signed in to.
type Forest struct {
	RootDomain string   // DNS name of the forest root domain, e.g. corp.example.com
	NetBIOS    string   // NetBIOS name of the root domain, e.g. CORP
	Domains    []string // DNS names of every domain
	DC         string   // the domain controller answering
	Admin      string   // the administrator as the DC resolved it
}

// DomainState is a UPN suffix's state in Entra ID.
type DomainState int

// The states of [Suffix.State], as Entra Connect names them.
const (
	NotAdded DomainState = iota
	NotVerified
	Verified
)

// String returns the state as Entra Connect's sign-in page shows it.
func (s DomainState) String() string {
	switch s {
	case Verified:
		return "Verified"
	case NotVerified:
		return "Not verified"
	default:
		return "Not added"
	}
}

// Suffix is one UPN suffix of the forest.
type Suffix struct {
	Name  string
	Users int // users whose UPN has this suffix
	State DomainState
	// ExampleUser is one such user's UPN, and ExampleEntra what that user
	// will be called in Entra: the same UPN on a verified domain, else
	// mailNickname@<initial domain>.
	ExampleUser  string
	ExampleEntra string
}

// SuffixReport is the UPN suffix page's data.
type SuffixReport struct {
	Suffixes []Suffix
	// VerifiedDomains are the tenant's verified domains (custom and
	// initial), the candidates for adding to AD.
	VerifiedDomains []string
}

// UPNChange is one user's UPN change in a move to another suffix.
type UPNChange struct {
	DN   string
	User string // sAMAccountName or display name, for the preview
	From string
	To   string
	// Conflict, when not empty, says why the change cannot be made
	// ("CN=Bob Two,OU=Sales,... already has the UPN bob@contoso.com"):
	// the preview shows it, and it is never applied.
	Conflict string
}

// OU is a domain or organizational unit of the forest.
type OU struct {
	DN     string
	Name   string // display name, e.g. "Sales" or "corp.example.com"
	Parent string // the parent's DN; empty for a domain root
	Users  int    // users directly or indirectly below, when known; -1 unknown
}

// SoftMatch is an existing cloud object the first sync would adopt.
type SoftMatch struct {
	Kind     string // "user" or "group"
	AD       string // the AD object's UPN or name
	Entra    string // the cloud object's UPN or name
	MatchOn  string // "userPrincipalName" or "proxyAddresses"
	Blocked  string // non-empty when the match is refused (e.g. "holds an admin role")
	LastSeen string // the cloud object's last sign-in, when known
}

// Action is one step of the setup, as listed on the Ready to configure page
// and ticked off on the Configuring page.
type Action struct {
	ID     string
	Title  string // "Create the AD connector account"
	Detail string // "CORP\MSOL_3f9a2c in CN=Users,DC=corp,DC=example,DC=com; Replicating Directory Changes"
}

// ActionState is where an action is.
type ActionState int

// The states an [ActionEvent] reports.
const (
	ActionPending ActionState = iota
	ActionRunning
	ActionDone
	ActionFailed
	ActionSkipped
)

// ActionEvent reports progress on one action.
type ActionEvent struct {
	ID     string // the Action.ID; actions unknown to the plan are appended
	Title  string // used when the action was not in the plan
	State  ActionState
	Detail string // what was created, or why it was skipped
	Err    error  // with ActionFailed
}

// Resource is something setup created in AD, Entra or on this machine.
type Resource struct {
	Kind   string // "AD account", "Entra application", "file", ...
	Name   string
	Detail string
}

// Setup is what Configure created and how syncing continues.
type Setup struct {
	Created  []Resource
	Warnings []string
	// ConfigPath is where the configuration was saved.
	ConfigPath string
	// Service names the systemd unit that keeps syncing, when one was
	// installed and enabled; empty when the engine must be started with
	// `entrasync run`.
	Service string
}

// SyncKind is a delta or a full sync.
type SyncKind int

// The kinds of [Backend.Sync].
const (
	SyncDelta SyncKind = iota
	SyncFull
	SyncInitial // the first full sync at the end of setup
)

// String names the kind for screens and history.
func (k SyncKind) String() string {
	switch k {
	case SyncFull:
		return "full"
	case SyncInitial:
		return "initial"
	default:
		return "delta"
	}
}

// Phase is where a run is.
type Phase int

// The phases of a run, in order.
const (
	PhaseImport Phase = iota
	PhasePlan
	PhaseApply
	PhaseDone
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhasePlan:
		return "planning"
	case PhaseApply:
		return "exporting"
	case PhaseDone:
		return "done"
	default:
		return "importing"
	}
}

// Progress is a running sync's counters.
type Progress struct {
	Phase    Phase
	Imported int // AD objects read
	// ImportTotal is how many objects the import expects to read (the
	// previous run's count, or a count query); 0 when unknown.
	ImportTotal int
	Planned     int // changes planned
	Exported    int // changes applied to Entra
	Errors      int // per-object errors so far
}

// RunSummary is one finished (or stopped) run.
type RunSummary struct {
	ID       string
	Kind     SyncKind
	Started  time.Time
	Duration time.Duration
	// Status is "success", "completed with errors", "stopped: deletion
	// threshold", "staging: nothing exported", ...
	Status   string
	Imported int
	Created  int
	Updated  int
	Deleted  int
	Errors   int
	Warnings []Warning
}

// Warning is a finding of a run that needs the administrator's attention
// but did not fail it.
type Warning struct {
	Message string   // "37 users got an .onmicrosoft.com UPN: suffix corp.local is not verified"
	Count   int      // how many objects it concerns; 0 when not counted
	Objects []string // some of the objects concerned
	// UPNSuffix is set when the warning is that users on this UPN suffix
	// got a UPN on the tenant's initial domain, because the suffix is not
	// a verified domain. The screens then word it themselves, with the
	// fix, once per suffix.
	UPNSuffix string
}

// Op is the kind of a planned change.
type Op string

// The ops of a [Change].
const (
	OpCreate       Op = "create"
	OpUpdate       Op = "update"
	OpDelete       Op = "delete"
	OpAddMember    Op = "add member"
	OpRemoveMember Op = "remove member"
)

// Change is one planned change.
type Change struct {
	Op     Op
	Kind   string // "user" or "group"
	Object string // UPN or group name
	Detail string // changed attributes, member name, ...
}

// Plan is a set of pending changes.
type Plan struct {
	Changes []Change
	// Blocked says why the engine would refuse to apply the plan (a
	// deletion threshold, a partial import); empty when it would apply.
	Blocked string
}

// ObjectError is one object's failure in a run.
type ObjectError struct {
	Object  string
	Op      Op
	Code    string // e.g. the Graph error code
	Message string
}
