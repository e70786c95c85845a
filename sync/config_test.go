package sync

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigParses(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("testdata", "config.example.yaml"))
	if err != nil {
		t.Fatalf("LoadConfig(example): %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ad.host", cfg.AD.Host, "dc1.corp.example.com"},
		{"ad.bindUser", cfg.AD.BindUser, `CORP\MSOL_0f3a9c1e2b7d`},
		{"ad.scope.exclude", cfg.AD.Scope.Exclude, []string{"OU=Service Accounts,OU=Staff,DC=corp,DC=example,DC=com"}},
		{"sync.interval", time.Duration(cfg.Sync.Interval), 5 * time.Minute},
		{"sync.optionalAttributes", cfg.Sync.OptionalAttributes, AllOptionalAttributes()},
		{"sync.softMatch", len(cfg.Sync.SoftMatch), 0},
		{"entra.initialDomain", cfg.Entra.InitialDomain, "contoso.onmicrosoft.com"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// minimalYAML is the smallest valid configuration: every other field takes
// its default.
const minimalYAML = `
ad:
  host: dc1.corp.example.com
  bindUser: CORP\svc
  passwordFile: ad.secret
entra:
  tenantId: 8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77
  initialDomain: contoso.onmicrosoft.com
  clientId: 0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f
  certificateFile: app.pem
`

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(minimalYAML))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ad.port", cfg.AD.Port, 636},
		{"ad.transport", cfg.AD.Transport, "ldaps"},
		{"ad.timeout", time.Duration(cfg.AD.Timeout), 30 * time.Second},
		{"ad.objectTypes", cfg.AD.ObjectTypes, []string{"users", "groups"}},
		{"entra.graphEndpoint", cfg.Entra.GraphEndpoint, DefaultGraphEndpoint},
		{"sync.sourceAnchor", cfg.Sync.SourceAnchor, AnchorConsistencyGUID},
		{"sync.interval", time.Duration(cfg.Sync.Interval), 5 * time.Minute},
		{"sync.fullInterval", time.Duration(cfg.Sync.FullInterval), 24 * time.Hour},
		{"sync.schedulerEnabled", cfg.Sync.SchedulerEnabled, true},
		{"sync.deletionThreshold", cfg.Sync.DeletionThreshold, 500},
		{"sync.deletionThresholdPercent", cfg.Sync.DeletionThresholdPercent, 10},
		{"sync.memberRemovalThreshold", cfg.Sync.MemberRemovalThreshold, 500},
		{"sync.optionalAttributes", cfg.Sync.OptionalAttributes, AllOptionalAttributes()},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestConfigExplicitZeros checks that a zero written in the file is kept,
// not replaced by the default.
func TestConfigExplicitZeros(t *testing.T) {
	cfg, err := ParseConfig([]byte(minimalYAML + `
sync:
  schedulerEnabled: false
  deletionThreshold: 0
  deletionThresholdPercent: 0
  memberRemovalThreshold: 0
  optionalAttributes: []
`))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.Sync.SchedulerEnabled || cfg.Sync.DeletionThreshold != 0 || cfg.Sync.DeletionThresholdPercent != 0 || cfg.Sync.MemberRemovalThreshold != 0 {
		t.Errorf("got %+v, want the explicit zeros kept", cfg.Sync)
	}
	if cfg.Sync.OptionalAttributes == nil || len(cfg.Sync.OptionalAttributes) != 0 {
		t.Errorf("optionalAttributes = %#v, want an empty list", cfg.Sync.OptionalAttributes)
	}
	if cfg.AD.Port != 636 {
		t.Errorf("ad.port = %d, want 636", cfg.AD.Port)
	}
}

func TestConfigStartTLSPort(t *testing.T) {
	cfg, err := ParseConfig([]byte(strings.Replace(minimalYAML, "  host: dc1", "  transport: starttls\n  host: dc1", 1)))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.AD.Port != 389 {
		t.Errorf("ad.port = %d, want 389 for starttls", cfg.AD.Port)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		field   string
		message string
	}{
		{"no host", func(c *Config) { c.AD.Host = "" }, "ad.host", "required"},
		{"host is a URL", func(c *Config) { c.AD.Host = "ldaps://dc1" }, "ad.host", "is a URL"},
		{"host with port", func(c *Config) { c.AD.Host = "dc1:636" }, "ad.host", "includes a port"},
		{"bad port", func(c *Config) { c.AD.Port = 70000 }, "ad.port", "not a TCP port"},
		{"plain ldap", func(c *Config) { c.AD.Transport = "ldap" }, "ad.transport", "clear text"},
		{"unknown transport", func(c *Config) { c.AD.Transport = "tls" }, "ad.transport", "use ldaps"},
		{"no bind user", func(c *Config) { c.AD.BindUser = "" }, "ad.bindUser", "required"},
		{"bad bind user", func(c *Config) { c.AD.BindUser = "justaname" }, "ad.bindUser", `DOMAIN\user`},
		{"bad bind DN", func(c *Config) { c.AD.BindUser = "CN=x,=y" }, "ad.bindUser", "not a valid DN"},
		{"no password file", func(c *Config) { c.AD.PasswordFile = "" }, "ad.passwordFile", "mode 0600"},
		{"bad include DN", func(c *Config) { c.AD.Scope.Include = []string{"Staff"} }, "ad.scope.include[0]", "not a valid DN"},
		{"bad exclude DN", func(c *Config) { c.AD.Scope.Exclude = []string{"OU=a,"} }, "ad.scope.exclude[0]", "not a valid DN"},
		{"contacts", func(c *Config) { c.AD.ObjectTypes = []string{"users", "contacts"} }, "ad.objectTypes[1]", "cannot be created through Graph"},
		{"no object types", func(c *Config) { c.AD.ObjectTypes = []string{} }, "ad.objectTypes", "empty"},
		{"tenant not a GUID", func(c *Config) { c.Entra.TenantID = "contoso" }, "entra.tenantId", "not a GUID"},
		{"no initial domain", func(c *Config) { c.Entra.InitialDomain = "" }, "entra.initialDomain", "required"},
		{"bad initial domain", func(c *Config) { c.Entra.InitialDomain = "contoso" }, "entra.initialDomain", "not a domain name"},
		{"no client id", func(c *Config) { c.Entra.ClientID = "" }, "entra.clientId", "required"},
		{"no credential", func(c *Config) { c.Entra.CertificateFile = "" }, "entra.certificateFile", "clientSecretFile"},
		{"two credentials", func(c *Config) { c.Entra.ClientSecretFile = "x" }, "entra.clientSecretFile", "only one"},
		{"http graph", func(c *Config) { c.Entra.GraphEndpoint = "http://graph" }, "entra.graphEndpoint", "https"},
		{"bad anchor", func(c *Config) { c.Sync.SourceAnchor = "objectSid" }, "sync.sourceAnchor", "not a source anchor"},
		{"short interval", func(c *Config) { c.Sync.Interval = Duration(10 * time.Second) }, "sync.interval", "minimum of 30s"},
		{"full shorter than delta", func(c *Config) { c.Sync.FullInterval = Duration(time.Minute) }, "sync.fullInterval", "shorter than sync.interval"},
		{"negative threshold", func(c *Config) { c.Sync.DeletionThreshold = -1 }, "sync.deletionThreshold", "negative"},
		{"percent over 100", func(c *Config) { c.Sync.DeletionThresholdPercent = 150 }, "sync.deletionThresholdPercent", "not a percentage"},
		{"negative member removals", func(c *Config) { c.Sync.MemberRemovalThreshold = -5 }, "sync.memberRemovalThreshold", "negative"},
		{"unknown optional attribute", func(c *Config) { c.Sync.OptionalAttributes = []string{"pager"} }, "sync.optionalAttributes[0]", "not an optional attribute"},
		{"unknown soft match", func(c *Config) { c.Sync.SoftMatch = []string{"displayName"} }, "sync.softMatch[0]", "userPrincipalName or mail"},
		{"metrics not host:port", func(c *Config) { c.Metrics.Listen = "9464" }, "metrics.listen", "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig(t)
			tt.edit(&cfg)
			err := cfg.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if !ve.Has(tt.field) {
				t.Fatalf("Validate() = %v, want a problem with %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestConfigListsEveryProblem(t *testing.T) {
	err := Config{}.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	for _, f := range []string{"ad.host", "ad.bindUser", "entra.tenantId", "entra.clientId", "sync.interval"} {
		if !ve.Has(f) {
			t.Errorf("Validate(zero Config) does not mention %s: %v", f, err)
		}
	}
}

func TestConfigYAMLErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"misspelt field", minimalYAML + "sync:\n  intervall: 5m\n", []string{`unknown field "intervall" in sync`, "line 12"}},
		{"bad duration", minimalYAML + "sync:\n  interval: 5\n", []string{`"5" is not a duration`, "line 12"}},
		{"two bad fields", minimalYAML + "sync:\n  interval: soon\n  fullInterval: later\n", []string{`"soon"`, `"later"`}},
		{"not yaml", "ad: [", []string{"not valid YAML"}},
		{"word for a bool", minimalYAML + "sync:\n  stagingMode: sometimes\n", []string{`line 12: sync.stagingMode: "sometimes" is not true or false`}},
		{"text for a number", minimalYAML + "sync:\n  deletionThreshold: many\n", []string{`line 12: sync.deletionThreshold: "many" is not a whole number`}},
		{"mapping for a list", minimalYAML + "sync:\n  optionalAttributes:\n    title: yes\n", []string{"line 13", "sync.optionalAttributes", "is not a list"}},
		{"list for a section", minimalYAML + "metrics:\n  - listen\n", []string{"line 12: metrics must be a mapping of fields, not a list"}},
		{"list at the top", "- ad\n- entra\n", []string{"line 1: the configuration must be a mapping of sections", "not a list"}},
		{"broken UTF-8", minimalYAML + "sync:\n  sourceAnchor: caf\xe9\n", []string{"line 12, column 20: byte 0xe9 is not UTF-8"}},
		{"validation after parse", "ad:\n  host: dc1\n", []string{"ad.bindUser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				t.Fatal("ParseConfig succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseConfig error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "config.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "entrasync setup") {
		t.Errorf("LoadConfig(missing) = %v, want ErrNotExist and a hint to run setup", err)
	}
}

func TestSaveConfigRoundTrip(t *testing.T) {
	cfg := validConfig(t)
	cfg.Sync.OptionalAttributes = []string{}
	cfg.Sync.DeletionThresholdPercent = 0
	cfg.Sync.SoftMatch = []string{AttrUserPrincipalName}
	path := filepath.Join(t.TempDir(), "etc", "config.yaml")
	if err := SaveConfig(path, cfg); err != nil {
		t.Fatalf("SaveConfig: %v", err)
	}
	got, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig after SaveConfig: %v", err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, cfg)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("config mode = %04o, want 0644", fi.Mode().Perm())
	}
}

func TestSaveConfigRefusesInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	err := SaveConfig(path, Config{})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("SaveConfig(invalid) = %v, want a *ValidationError", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SaveConfig(invalid) wrote the file (stat: %v)", err)
	}
}

// validConfig returns the minimal valid configuration.
func validConfig(t *testing.T) Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(minimalYAML))
	if err != nil {
		t.Fatalf("ParseConfig(minimal): %v", err)
	}
	return cfg
}

// TestConfigDocExampleParses keeps the YAML example in Config's doc comment
// valid.
func TestConfigDocExampleParses(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	var yaml []string
	in := false
	for line := range strings.Lines(string(src)) {
		switch {
		case strings.HasPrefix(line, "// A complete example:"):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			yaml = append(yaml, strings.TrimPrefix(line, "//\t"))
		case in && strings.HasPrefix(line, "type Config struct"):
			in = false
		}
	}
	if len(yaml) < 20 {
		t.Fatalf("found %d lines of example in config.go, want the whole example", len(yaml))
	}
	cfg, err := ParseConfig([]byte(strings.Join(yaml, "")))
	if err != nil {
		t.Fatalf("the example in Config's doc comment does not parse: %v", err)
	}
	if cfg.AD.Host != "dc1.corp.example.com" || cfg.Sync.SourceAnchor != AnchorConsistencyGUID {
		t.Errorf("example parsed to %+v", cfg)
	}
}
