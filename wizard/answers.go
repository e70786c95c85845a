package wizard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// Answers are the administrator's answers to the setup pages. Each one is
// also a configuration field or a flag, so the same setup runs unattended:
// cmd fills an Answers from flags and the config file, checks it with
// [Answers.Validate] and maps it with [Answers.Config].
type Answers struct {
	// Customize is false for express settings, true to walk the
	// customize pages.
	Customize bool

	// AD says how to reach a domain controller of the forest root domain.
	AD ADConnection
	// Admin is the Enterprise Admin that setup signs in as; never saved.
	Admin Credentials

	// Scope selects the OUs to sync; empty Include means every domain.
	Scope sync.ScopeConfig
	// ObjectTypes lists "users" and/or "groups".
	ObjectTypes []string
	// OptionalAttributes lists the optional attributes to sync (see
	// [OptionalAttributes]).
	OptionalAttributes []string
	// SourceAnchor is [AnchorObjectGUID] or [AnchorConsistencyGUID].
	SourceAnchor string

	// Interval is the time between delta runs, FullInterval the longest
	// time between full runs.
	Interval     time.Duration
	FullInterval time.Duration

	// DeletionThreshold, DeletionThresholdPercent and
	// MemberRemovalThreshold are the engine's guards (see sync.SyncConfig).
	DeletionThreshold        int
	DeletionThresholdPercent int
	MemberRemovalThreshold   int

	// StagingMode imports and plans but never writes to Entra.
	StagingMode bool

	// AllowUnverifiedSuffixes is the tick "Continue without matching all
	// UPN suffixes to verified domains".
	AllowUnverifiedSuffixes bool

	// StartSync is the tick "Start the synchronization process when
	// configuration completes": run the initial sync and enable the
	// scheduler.
	StartSync bool
}

// The source anchors [Answers.SourceAnchor] accepts: ms-DS-ConsistencyGuid
// when an object has it, else objectGUID; or always objectGUID.
const (
	AnchorObjectGUID      = "objectGUID"
	AnchorConsistencyGUID = "ms-DS-ConsistencyGuid"
)

// The object types [Answers.ObjectTypes] accepts.
const (
	ObjectUsers  = "users"
	ObjectGroups = "groups"
)

// The AD transports [ADConnection.Transport] accepts.
const (
	TransportLDAPS    = "ldaps"
	TransportStartTLS = "starttls"
)

// OptionalAttributes are the attributes beyond the always-synced ones
// (identity, names, UPN, accountEnabled, group membership) that an
// administrator may leave out. Express settings sync all of them.
var OptionalAttributes = []string{
	"jobTitle", "department", "companyName", "officeLocation",
	"streetAddress", "city", "state", "postalCode", "country",
	"usageLocation", "businessPhones", "mobilePhone", "employeeId", "manager",
}

// The engine's defaults, which express settings use.
const (
	defaultInterval          = 5 * time.Minute
	minInterval              = 30 * time.Second
	defaultFullInterval      = 24 * time.Hour
	defaultDeletionThreshold = 500
	defaultDeletionPercent   = 10
	defaultMemberRemovals    = 500
)

// DefaultAnswers returns the express settings: LDAPS, every OU, users and
// groups, every optional attribute, ms-DS-ConsistencyGuid as source anchor
// (its value when set, else objectGUID, as Entra Connect does), a delta
// run every 5 minutes and a full one daily, a deletion threshold of 500
// (or 10 %), and the initial sync started at the end.
func DefaultAnswers() Answers {
	return Answers{
		AD:                       ADConnection{Transport: TransportLDAPS},
		ObjectTypes:              []string{ObjectUsers, ObjectGroups},
		OptionalAttributes:       slices.Clone(OptionalAttributes),
		SourceAnchor:             AnchorConsistencyGUID,
		Interval:                 defaultInterval,
		FullInterval:             defaultFullInterval,
		DeletionThreshold:        defaultDeletionThreshold,
		DeletionThresholdPercent: defaultDeletionPercent,
		MemberRemovalThreshold:   defaultMemberRemovals,
		StartSync:                true,
	}
}

// Config maps the answers and the signed-in tenant to a configuration.
// The fields only Configure knows (the connector account, the application,
// the secret files) stay empty.
func (a Answers) Config(t Tenant) sync.Config {
	return sync.Config{
		AD: sync.ADConfig{
			Host:        strings.TrimSpace(a.AD.Host),
			Port:        a.AD.Port,
			Transport:   a.AD.Transport,
			CAFile:      strings.TrimSpace(a.AD.CAFile),
			Scope:       sync.ScopeConfig{Include: slices.Clone(a.Scope.Include), Exclude: slices.Clone(a.Scope.Exclude)},
			ObjectTypes: slices.Clone(a.ObjectTypes),
		},
		Entra: sync.EntraConfig{
			TenantID:      t.ID,
			InitialDomain: t.InitialDomain,
		},
		Sync: sync.SyncConfig{
			SourceAnchor:             a.SourceAnchor,
			Interval:                 sync.Duration(a.Interval),
			FullInterval:             sync.Duration(a.FullInterval),
			SchedulerEnabled:         a.StartSync,
			StagingMode:              a.StagingMode,
			DeletionThreshold:        a.DeletionThreshold,
			DeletionThresholdPercent: a.DeletionThresholdPercent,
			MemberRemovalThreshold:   a.MemberRemovalThreshold,
			OptionalAttributes:       slices.Clone(a.OptionalAttributes),
		},
	}
}

// AnswersFromConfig returns the answers that produce cfg, for changing a
// saved configuration; fields cfg leaves empty take their defaults. The
// setup-only answers (Admin, AllowUnverifiedSuffixes) stay empty.
func AnswersFromConfig(cfg sync.Config) Answers {
	d := DefaultAnswers()
	a := Answers{
		Customize: true,
		AD: ADConnection{
			Host:      cfg.AD.Host,
			Port:      cfg.AD.Port,
			Transport: or(cfg.AD.Transport, d.AD.Transport),
			CAFile:    cfg.AD.CAFile,
		},
		Scope:                    sync.ScopeConfig{Include: slices.Clone(cfg.AD.Scope.Include), Exclude: slices.Clone(cfg.AD.Scope.Exclude)},
		ObjectTypes:              slices.Clone(cfg.AD.ObjectTypes),
		OptionalAttributes:       slices.Clone(cfg.Sync.OptionalAttributes),
		SourceAnchor:             or(cfg.Sync.SourceAnchor, d.SourceAnchor),
		Interval:                 or(time.Duration(cfg.Sync.Interval), d.Interval),
		FullInterval:             or(time.Duration(cfg.Sync.FullInterval), d.FullInterval),
		DeletionThreshold:        or(cfg.Sync.DeletionThreshold, d.DeletionThreshold),
		DeletionThresholdPercent: cfg.Sync.DeletionThresholdPercent,
		MemberRemovalThreshold:   or(cfg.Sync.MemberRemovalThreshold, d.MemberRemovalThreshold),
		StagingMode:              cfg.Sync.StagingMode,
		StartSync:                cfg.Sync.SchedulerEnabled,
	}
	if len(a.ObjectTypes) == 0 {
		a.ObjectTypes = d.ObjectTypes
	}
	return a
}

// ApplyTo copies the settings the task menu may change (scope, object
// types, attributes, schedule, thresholds, staging mode) into cfg and
// leaves every other field, the identities above all, as it is.
func (a Answers) ApplyTo(cfg sync.Config) sync.Config {
	cfg.AD.Scope = sync.ScopeConfig{Include: slices.Clone(a.Scope.Include), Exclude: slices.Clone(a.Scope.Exclude)}
	cfg.AD.ObjectTypes = slices.Clone(a.ObjectTypes)
	cfg.Sync.OptionalAttributes = slices.Clone(a.OptionalAttributes)
	cfg.Sync.Interval = sync.Duration(a.Interval)
	cfg.Sync.FullInterval = sync.Duration(a.FullInterval)
	cfg.Sync.DeletionThreshold = a.DeletionThreshold
	cfg.Sync.DeletionThresholdPercent = a.DeletionThresholdPercent
	cfg.Sync.MemberRemovalThreshold = a.MemberRemovalThreshold
	cfg.Sync.StagingMode = a.StagingMode
	return cfg
}

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Validate checks every answer without touching the network and returns
// all the problems found, each naming the answer and how to fix it.
func (a Answers) Validate() error {
	return errors.Join(
		a.validateConnection(),
		a.validateAdmin(),
		a.validateSync(),
	)
}

// validateConnection checks the AD connection answers.
func (a Answers) validateConnection() error {
	var errs []error
	if err := validateHost(a.AD.Host); err != nil {
		errs = append(errs, err)
	}
	switch a.AD.Transport {
	case TransportLDAPS, TransportStartTLS:
	default:
		errs = append(errs, fmt.Errorf("AD transport %q is not supported: use %q or %q", a.AD.Transport, TransportLDAPS, TransportStartTLS))
	}
	if a.AD.Port < 0 || a.AD.Port > 65535 {
		errs = append(errs, fmt.Errorf("AD port %d is out of range: use 1-65535, or 0 for the transport's default", a.AD.Port))
	}
	return errors.Join(errs...)
}

// validateAdmin checks the Enterprise Admin's credentials' form.
func (a Answers) validateAdmin() error {
	var errs []error
	if err := validateAccount(a.Admin.User); err != nil {
		errs = append(errs, err)
	}
	if a.Admin.Password == "" {
		errs = append(errs, errors.New("the administrator's password is empty: enter the password of the Enterprise Admin account"))
	}
	return errors.Join(errs...)
}

// validateSync checks the sync settings.
func (a Answers) validateSync() error {
	var errs []error
	if len(a.ObjectTypes) == 0 {
		errs = append(errs, errors.New("no object types selected: select users, groups or both"))
	}
	for _, t := range a.ObjectTypes {
		if t != ObjectUsers && t != ObjectGroups {
			errs = append(errs, fmt.Errorf("object type %q is not supported: use %q or %q", t, ObjectUsers, ObjectGroups))
		}
	}
	for _, at := range a.OptionalAttributes {
		if !slices.Contains(OptionalAttributes, at) {
			errs = append(errs, fmt.Errorf("optional attribute %q is unknown: use one of %s", at, strings.Join(OptionalAttributes, ", ")))
		}
	}
	if a.SourceAnchor != AnchorObjectGUID && a.SourceAnchor != AnchorConsistencyGUID {
		errs = append(errs, fmt.Errorf("source anchor %q is not supported: use %s or %s", a.SourceAnchor, AnchorObjectGUID, AnchorConsistencyGUID))
	}
	if a.Interval < minInterval {
		errs = append(errs, fmt.Errorf("sync interval %s is too short: use at least %s", a.Interval, minInterval))
	}
	if a.FullInterval < a.Interval {
		errs = append(errs, fmt.Errorf("full sync interval %s is shorter than the sync interval %s: make it at least as long", a.FullInterval, a.Interval))
	}
	if a.DeletionThreshold < 1 {
		errs = append(errs, fmt.Errorf("deletion threshold %d is too small: use at least 1 (the default is %d)", a.DeletionThreshold, defaultDeletionThreshold))
	}
	if a.DeletionThresholdPercent < 0 || a.DeletionThresholdPercent > 100 {
		errs = append(errs, fmt.Errorf("deletion threshold %d %% is out of range: use 0-100 (0 turns it off)", a.DeletionThresholdPercent))
	}
	if a.MemberRemovalThreshold < 1 {
		errs = append(errs, fmt.Errorf("member removal threshold %d is too small: use at least 1 (the default is %d)", a.MemberRemovalThreshold, defaultMemberRemovals))
	}
	return errors.Join(errs...)
}
