package wizard

import (
	"errors"
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
	// sync.AllOptionalAttributes).
	OptionalAttributes []string
	// SoftMatch lists the attributes by which existing cloud users are
	// adopted instead of created ([SoftMatchUPN], [SoftMatchMail]); empty
	// adopts none.
	SoftMatch []string
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
	AnchorObjectGUID      = sync.AnchorObjectGUID
	AnchorConsistencyGUID = sync.AnchorConsistencyGUID
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

// The attributes [Answers.SoftMatch] accepts.
const (
	SoftMatchUPN  = sync.AttrUserPrincipalName
	SoftMatchMail = sync.AttrMail
)

// DefaultAnswers returns the express settings, which are sync's defaults
// (sync.DefaultConfig): LDAPS, every OU, users and groups, every optional
// attribute, ms-DS-ConsistencyGuid as source anchor (its value when set,
// else objectGUID, as Entra Connect does), no soft match, a delta run
// every 5 minutes and a full one daily, a deletion threshold of 500 (or
// 10 %), and the initial sync started at the end.
func DefaultAnswers() Answers {
	a := AnswersFromConfig(sync.DefaultConfig())
	a.Customize = false
	a.StartSync = true
	return a
}

// Config maps the answers and the signed-in tenant to a configuration,
// starting from sync.DefaultConfig. The fields only Configure knows (the
// connector account, the application, the secret files) stay empty.
func (a Answers) Config(t Tenant) sync.Config {
	c := sync.DefaultConfig()
	c.AD.Host = strings.TrimSpace(a.AD.Host)
	c.AD.Port = a.AD.Port
	c.AD.Transport = a.AD.Transport
	c.AD.CAFile = strings.TrimSpace(a.AD.CAFile)
	c.Entra.TenantID = t.ID
	c.Entra.InitialDomain = t.InitialDomain
	c.Sync.SourceAnchor = a.SourceAnchor
	c.Sync.SchedulerEnabled = a.StartSync
	return a.ApplyTo(c)
}

// AnswersFromConfig returns the answers that produce cfg, for changing a
// saved configuration. Empty transport, source anchor and intervals take
// their defaults; the thresholds are taken as they are (0 means something
// there). The setup-only answers (Admin, AllowUnverifiedSuffixes) stay
// empty.
func AnswersFromConfig(cfg sync.Config) Answers {
	return Answers{
		Customize: true,
		AD: ADConnection{
			Host:      cfg.AD.Host,
			Port:      cfg.AD.Port,
			Transport: or(cfg.AD.Transport, TransportLDAPS),
			CAFile:    cfg.AD.CAFile,
		},
		Scope:                    sync.ScopeConfig{Include: slices.Clone(cfg.AD.Scope.Include), Exclude: slices.Clone(cfg.AD.Scope.Exclude)},
		ObjectTypes:              slices.Clone(cfg.AD.ObjectTypes),
		OptionalAttributes:       slices.Clone(cfg.Sync.OptionalAttributes),
		SoftMatch:                slices.Clone(cfg.Sync.SoftMatch),
		SourceAnchor:             or(cfg.Sync.SourceAnchor, AnchorConsistencyGUID),
		Interval:                 or(time.Duration(cfg.Sync.Interval), sync.DefaultInterval),
		FullInterval:             or(time.Duration(cfg.Sync.FullInterval), sync.DefaultFullInterval),
		DeletionThreshold:        cfg.Sync.DeletionThreshold,
		DeletionThresholdPercent: cfg.Sync.DeletionThresholdPercent,
		MemberRemovalThreshold:   cfg.Sync.MemberRemovalThreshold,
		StagingMode:              cfg.Sync.StagingMode,
		StartSync:                cfg.Sync.SchedulerEnabled,
	}
}

// ApplyTo copies the settings the task menu may change (scope, object
// types, attributes, soft match, schedule, thresholds, staging mode) into
// cfg and leaves every other field, the identities and the source anchor
// above all, as it is.
func (a Answers) ApplyTo(cfg sync.Config) sync.Config {
	cfg.AD.Scope = sync.ScopeConfig{Include: slices.Clone(a.Scope.Include), Exclude: slices.Clone(a.Scope.Exclude)}
	cfg.AD.ObjectTypes = slices.Clone(a.ObjectTypes)
	cfg.Sync.OptionalAttributes = slices.Clone(a.OptionalAttributes)
	cfg.Sync.SoftMatch = slices.Clone(a.SoftMatch)
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
// all the problems found, each naming the answer and how to fix it. The
// settings are checked by sync's own Config.Validate, the one check the
// wizard and the configuration file share.
func (a Answers) Validate() error {
	return errors.Join(a.validateAdmin(), a.configProblems(""))
}

// generatedFields are the configuration fields Configure fills in; the
// answers cannot hold them yet.
var generatedFields = []string{
	"entra.tenantId", "entra.initialDomain", "entra.clientId", "entra.certificateFile",
	"ad.bindUser", "ad.passwordFile",
}

// configProblems validates the configuration the answers give and returns
// the problems with the fields under prefix ("ad.", "sync."; "" for all),
// leaving out the fields Configure fills in.
func (a Answers) configProblems(prefix string) error {
	err := a.Config(Tenant{}).Validate()
	var ve *sync.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var errs []error
	for _, p := range ve.Problems {
		if strings.HasPrefix(p.Field, prefix) && !slices.Contains(generatedFields, p.Field) {
			errs = append(errs, p)
		}
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
