package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// answerFlags are the flags of the setup wizard's answers: every answer
// has one, so that setup runs unattended, and in the wizard they fill the
// pages in advance.
type answerFlags struct {
	ADHost       string
	ADPort       int
	ADTransport  string
	ADCAFile     string
	ADAdmin      string
	PasswordFile string

	IncludeOU    []string
	ExcludeOU    []string
	ObjectTypes  []string
	Attributes   []string
	SoftMatch    []string
	SourceAnchor string

	Interval        time.Duration
	FullInterval    time.Duration
	DeletionLimit   int
	DeletionPercent int
	RemovalLimit    int

	Staging         bool
	AllowUnverified bool
	StartSync       bool
	Customize       bool
}

// Flag names that messages refer to.
const (
	flagADHost       = "ad-host"
	flagADAdmin      = "ad-admin"
	flagPasswordFile = "ad-admin-password-file"
	flagAllowSuffix  = "allow-unverified-suffixes"
)

// registerAD adds the flags that say how to reach a domain controller and
// as whom (setup and uninstall).
func (f *answerFlags) registerAD(fs *pflag.FlagSet) {
	fs.StringVar(&f.ADHost, flagADHost, "", "domain controller `HOST` of the forest root domain")
	fs.IntVar(&f.ADPort, "ad-port", 0, "domain controller `PORT` (default 636 for ldaps, 389 for starttls)")
	fs.StringVar(&f.ADTransport, "ad-transport", wizard.TransportLDAPS, "`TRANSPORT` to the domain controller: ldaps or starttls")
	fs.StringVar(&f.ADCAFile, "ad-ca-file", "", "PEM `FILE` of the CA that signed the domain controller's certificate (default: the system's CAs)")
	fs.StringVar(&f.ADAdmin, flagADAdmin, "", `Enterprise Admin `+"`ACCOUNT`"+` (DOMAIN\user or user@domain); never saved`)
	fs.StringVar(&f.PasswordFile, flagPasswordFile, "", "read the Enterprise Admin's password from `FILE` (mode 0600), or from standard input with -")
}

// register adds every answer's flag.
func (f *answerFlags) register(fs *pflag.FlagSet) {
	d := wizard.DefaultAnswers()
	f.registerAD(fs)
	fs.StringArrayVar(&f.IncludeOU, "include-ou", nil, "sync only below this `DN` (repeat for several; default every domain)")
	fs.StringArrayVar(&f.ExcludeOU, "exclude-ou", nil, "never sync below this `DN` (repeat for several)")
	fs.StringSliceVar(&f.ObjectTypes, "object-types", d.ObjectTypes, "`TYPES` to sync: users, groups")
	fs.StringSliceVar(&f.Attributes, "attributes", nil, "optional `ATTRIBUTES` to sync, such as employeeId,manager (default all; --attributes= for none)")
	fs.StringSliceVar(&f.SoftMatch, "soft-match", nil, "adopt existing cloud users by `ATTRIBUTES`: userPrincipalName, mail (default: never)")
	fs.StringVar(&f.SourceAnchor, "source-anchor", d.SourceAnchor, "`ATTRIBUTE` whose value becomes onPremisesImmutableId: ms-DS-ConsistencyGuid or objectGUID")
	fs.DurationVar(&f.Interval, "interval", d.Interval, "`TIME` between delta syncs (at least 30s)")
	fs.DurationVar(&f.FullInterval, "full-interval", d.FullInterval, "longest `TIME` between full syncs")
	fs.IntVar(&f.DeletionLimit, "deletion-threshold", d.DeletionThreshold, "refuse a run that deletes more than `N` objects")
	fs.IntVar(&f.DeletionPercent, "deletion-threshold-percent", d.DeletionThresholdPercent, "refuse a run that deletes more than `PCT` % of the managed objects (0: off)")
	fs.IntVar(&f.RemovalLimit, "member-removal-threshold", d.MemberRemovalThreshold, "refuse a run that removes more than `N` group members")
	fs.BoolVar(&f.Staging, "staging", false, "staging mode: import and plan, never write to Entra ID")
	fs.BoolVar(&f.AllowUnverified, flagAllowSuffix, false, "continue when users' UPN suffixes are not verified domains (they get a UPN on the tenant's initial domain)")
	fs.BoolVar(&f.StartSync, "start-sync", true, "run the initial sync when configuration completes, and let the service sync on schedule")
	fs.BoolVar(&f.Customize, "customize", false, "walk the wizard's Customize pages")
}

// apply copies the flags the user gave (and only those) into a, reading
// the password file. in is standard input, for --ad-admin-password-file=-.
func (f *answerFlags) apply(fs *pflag.FlagSet, a *wizard.Answers, in io.Reader) error {
	set := func(name string, fn func()) {
		if fs.Changed(name) {
			fn()
		}
	}
	set(flagADHost, func() { a.AD.Host = f.ADHost })
	set("ad-port", func() { a.AD.Port = f.ADPort })
	set("ad-transport", func() { a.AD.Transport = f.ADTransport })
	set("ad-ca-file", func() { a.AD.CAFile = f.ADCAFile })
	set(flagADAdmin, func() { a.Admin.User = f.ADAdmin })
	set("include-ou", func() { a.Scope.Include = f.IncludeOU })
	set("exclude-ou", func() { a.Scope.Exclude = f.ExcludeOU })
	set("object-types", func() { a.ObjectTypes = f.ObjectTypes })
	set("attributes", func() { a.OptionalAttributes = f.Attributes })
	set("soft-match", func() { a.SoftMatch = f.SoftMatch })
	set("source-anchor", func() { a.SourceAnchor = f.SourceAnchor })
	set("interval", func() { a.Interval = f.Interval })
	set("full-interval", func() { a.FullInterval = f.FullInterval })
	set("deletion-threshold", func() { a.DeletionThreshold = f.DeletionLimit })
	set("deletion-threshold-percent", func() { a.DeletionThresholdPercent = f.DeletionPercent })
	set("member-removal-threshold", func() { a.MemberRemovalThreshold = f.RemovalLimit })
	set("staging", func() { a.StagingMode = f.Staging })
	set(flagAllowSuffix, func() { a.AllowUnverifiedSuffixes = f.AllowUnverified })
	set("start-sync", func() { a.StartSync = f.StartSync })
	set("customize", func() { a.Customize = f.Customize })
	if fs.Changed(flagPasswordFile) {
		pw, err := readPassword(f.PasswordFile, in)
		if err != nil {
			return err
		}
		a.Admin.Password = pw
	}
	return nil
}

// readPassword reads the Enterprise Admin's password from a private file,
// or its first line from in for "-". The password is never in an error.
func readPassword(path string, in io.Reader) (string, error) {
	if path == "-" {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the administrator's password from standard input: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", usagef("--%s=-: standard input held no password", flagPasswordFile)
		}
		return pw, nil
	}
	pw, err := sync.ReadSecret(path)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flagPasswordFile, err)
	}
	return string(pw), nil
}

// fieldFlags name the flag of each configuration field, for messages.
var fieldFlags = map[string]string{
	"ad.host":                       flagADHost,
	"ad.port":                       "ad-port",
	"ad.transport":                  "ad-transport",
	"ad.caFile":                     "ad-ca-file",
	"ad.scope.include":              "include-ou",
	"ad.scope.exclude":              "exclude-ou",
	"ad.objectTypes":                "object-types",
	"sync.optionalAttributes":       "attributes",
	"sync.softMatch":                "soft-match",
	"sync.sourceAnchor":             "source-anchor",
	"sync.interval":                 "interval",
	"sync.fullInterval":             "full-interval",
	"sync.deletionThreshold":        "deletion-threshold",
	"sync.deletionThresholdPercent": "deletion-threshold-percent",
	"sync.memberRemovalThreshold":   "member-removal-threshold",
}

// flagOf returns the flag of a configuration field ("sync.interval",
// "ad.scope.include[2]"), or "".
func flagOf(field string) string {
	for f, flag := range fieldFlags {
		if field == f || strings.HasPrefix(field, f+"[") || strings.HasPrefix(field, f+".") {
			return flag
		}
	}
	return ""
}

// checkUnattended checks answers for an unattended setup: the answers
// nothing can default are required, and every problem names its flag.
func checkUnattended(a wizard.Answers) error {
	var missing []string
	if strings.TrimSpace(a.AD.Host) == "" {
		missing = append(missing, "--"+flagADHost+" (a domain controller of the forest root domain)")
	}
	if strings.TrimSpace(a.Admin.User) == "" {
		missing = append(missing, "--"+flagADAdmin+` (an Enterprise Admin, DOMAIN\user or user@domain)`)
	}
	if a.Admin.Password == "" {
		missing = append(missing, "--"+flagPasswordFile+" (a mode 0600 file holding the Enterprise Admin's password, or - for standard input)")
	}
	if len(missing) > 0 {
		return usagef("setup --non-interactive needs %s", strings.Join(missing, ", "))
	}
	var problems []string
	for _, err := range leaves(a.Validate()) {
		var fe sync.FieldError
		if errors.As(err, &fe) {
			if flag := flagOf(fe.Field); flag != "" {
				problems = append(problems, fmt.Sprintf("--%s (%s): %s", flag, fe.Field, fe.Message))
				continue
			}
		}
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return usagef("setup: %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// leaves flattens joined errors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// loadAnswersFile reads the answers of `setup --config FILE`: a file in
// config.yaml's format whose generated fields (the connector account, the
// application, the tenant) may be missing. YAML mistakes name their line,
// as for config.yaml itself.
func loadAnswersFile(path string) (wizard.Answers, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return wizard.Answers{}, fmt.Errorf("--config: %w", err)
	}
	// sync's parser explains YAML and unknown-field mistakes with their
	// line; a validation failure only means the generated fields are
	// missing, which Configure fills.
	var ve *sync.ValidationError
	if _, err := sync.ParseConfig(data); err != nil && !errors.As(err, &ve) {
		return wizard.Answers{}, fmt.Errorf("--config %s: %w", path, err)
	}
	cfg := sync.DefaultConfig()
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return wizard.Answers{}, fmt.Errorf("--config %s: %w", path, err)
	}
	cfg.SetDefaults()
	a := wizard.AnswersFromConfig(cfg)
	a.Customize = false
	a.StartSync = cfg.Sync.SchedulerEnabled
	return a, nil
}

// unmatched returns the UPN suffixes whose users would not keep their UPN
// in Entra: they have users and are not verified there.
func unmatched(r wizard.SuffixReport) []wizard.Suffix {
	return slices.DeleteFunc(slices.Clone(r.Suffixes), func(s wizard.Suffix) bool {
		return s.Users == 0 || s.State == wizard.Verified
	})
}
