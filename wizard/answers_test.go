package wizard

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// testTenant is the tenant of the mapping tests.
var testTenant = Tenant{ID: "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77", InitialDomain: "contoso.onmicrosoft.com"}

func TestAnswersConfig(t *testing.T) {
	tests := map[string]struct {
		edit func(*Answers)
		want func(*sync.Config)
	}{
		"express settings": {
			edit: func(*Answers) {},
			want: func(*sync.Config) {},
		},
		"starttls with a port and a CA file": {
			edit: func(a *Answers) {
				a.AD = ADConnection{Host: " dc2.corp.example.com ", Port: 3389, Transport: TransportStartTLS, CAFile: "/etc/ssl/corp-ca.pem "}
			},
			want: func(c *sync.Config) {
				c.AD.Host, c.AD.Port, c.AD.Transport, c.AD.CAFile = "dc2.corp.example.com", 3389, "starttls", "/etc/ssl/corp-ca.pem"
			},
		},
		"scope, types and attributes": {
			edit: func(a *Answers) {
				a.Scope = sync.ScopeConfig{Include: []string{"OU=Sales,DC=corp"}, Exclude: []string{"OU=Temp,OU=Sales,DC=corp"}}
				a.ObjectTypes = []string{ObjectUsers}
				a.OptionalAttributes = []string{"manager"}
			},
			want: func(c *sync.Config) {
				c.AD.Scope = sync.ScopeConfig{Include: []string{"OU=Sales,DC=corp"}, Exclude: []string{"OU=Temp,OU=Sales,DC=corp"}}
				c.AD.ObjectTypes = []string{"users"}
				c.Sync.OptionalAttributes = []string{"manager"}
			},
		},
		"no initial sync: scheduler off": {
			edit: func(a *Answers) { a.StartSync = false },
			want: func(c *sync.Config) { c.Sync.SchedulerEnabled = false },
		},
		"staging, anchor, schedule and thresholds": {
			edit: func(a *Answers) {
				a.StagingMode = true
				a.SourceAnchor = AnchorObjectGUID
				a.Interval, a.FullInterval = 90*time.Second, 12*time.Hour
				a.DeletionThreshold, a.DeletionThresholdPercent, a.MemberRemovalThreshold = 50, 0, 100
			},
			want: func(c *sync.Config) {
				c.Sync.StagingMode = true
				c.Sync.SourceAnchor = "objectGUID"
				c.Sync.Interval, c.Sync.FullInterval = sync.Duration(90*time.Second), sync.Duration(12*time.Hour)
				c.Sync.DeletionThreshold, c.Sync.DeletionThresholdPercent, c.Sync.MemberRemovalThreshold = 50, 0, 100
			},
		},
		"setup-only answers stay out": {
			edit: func(a *Answers) {
				a.Admin = Credentials{User: `CORP\admin`, Password: "not-a-real-password"}
				a.AllowUnverifiedSuffixes = true
				a.Customize = true
			},
			want: func(*sync.Config) {},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := DefaultAnswers()
			a.AD.Host = "dc1.corp.example.com"
			tc.edit(&a)
			want := sync.DefaultConfig()
			want.AD.Host = "dc1.corp.example.com"
			want.Entra.TenantID = "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77"
			want.Entra.InitialDomain = "contoso.onmicrosoft.com"
			tc.want(&want)
			if got := a.Config(testTenant); !reflect.DeepEqual(got, want) {
				t.Errorf("Config:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestAnswersFromConfigRoundTrip(t *testing.T) {
	tests := map[string]func(*Answers){
		"express": func(*Answers) {},
		"customized": func(a *Answers) {
			a.AD.Port, a.AD.Transport, a.AD.CAFile = 3389, TransportStartTLS, "/etc/ssl/ca.pem"
			a.Scope = sync.ScopeConfig{Exclude: []string{"OU=Service,DC=corp"}}
			a.ObjectTypes = []string{ObjectGroups}
			a.OptionalAttributes = nil
			a.SourceAnchor = AnchorObjectGUID
			a.Interval, a.FullInterval = time.Minute, 6*time.Hour
			a.DeletionThreshold, a.DeletionThresholdPercent, a.MemberRemovalThreshold = 20, 0, 30
			a.StagingMode, a.StartSync = true, false
		},
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			a := DefaultAnswers()
			a.AD.Host = "dc1.corp.example.com"
			a.Customize = true
			edit(&a)
			got := AnswersFromConfig(a.Config(testTenant))
			if !reflect.DeepEqual(got, a) {
				t.Errorf("AnswersFromConfig(Config(a)):\n got %+v\nwant %+v", got, a)
			}
		})
	}
}

func TestAnswersFromConfigDefaults(t *testing.T) {
	got := AnswersFromConfig(sync.Config{AD: sync.ADConfig{Host: "dc1"}})
	d := DefaultAnswers()
	if got.AD.Transport != TransportLDAPS || got.SourceAnchor != d.SourceAnchor || got.Interval != d.Interval ||
		got.FullInterval != d.FullInterval {
		t.Errorf("empty fields without a meaning of their own did not take their defaults: %+v", got)
	}
	// A zero threshold refuses every delete: it is kept, not defaulted.
	if got.DeletionThreshold != 0 || got.MemberRemovalThreshold != 0 {
		t.Errorf("zero thresholds were replaced: %+v", got)
	}
}

func TestApplyToKeepsIdentities(t *testing.T) {
	cfg := sync.Config{
		AD:    sync.ADConfig{Host: "dc1", BindUser: `CORP\MSOL_1`, PasswordFile: "ad.secret"},
		Entra: sync.EntraConfig{TenantID: "t", ClientID: "c", CertificateFile: "app.pem"},
		Sync:  sync.SyncConfig{SchedulerEnabled: true, SourceAnchor: AnchorConsistencyGUID},
	}
	a := AnswersFromConfig(cfg)
	a.StagingMode = true
	a.ObjectTypes = []string{ObjectUsers}
	a.SourceAnchor = AnchorObjectGUID // not a menu setting: must not change
	got := a.ApplyTo(cfg)
	if got.AD.BindUser != cfg.AD.BindUser || got.AD.PasswordFile != cfg.AD.PasswordFile ||
		got.Entra != cfg.Entra || got.AD.Host != cfg.AD.Host {
		t.Errorf("identities changed: %+v", got)
	}
	if got.Sync.SourceAnchor != AnchorConsistencyGUID {
		t.Errorf("source anchor changed to %q", got.Sync.SourceAnchor)
	}
	if !got.Sync.StagingMode || !reflect.DeepEqual(got.AD.ObjectTypes, []string{"users"}) {
		t.Errorf("settings not applied: %+v", got)
	}
}

func TestAnswersValidate(t *testing.T) {
	tests := map[string]struct {
		edit func(*Answers)
		want []string // substrings of the error; none: valid
	}{
		"valid":           {edit: func(*Answers) {}},
		"no host":         {edit: func(a *Answers) { a.AD.Host = "" }, want: []string{"ad.host: required"}},
		"scheme in host":  {edit: func(a *Answers) { a.AD.Host = "ldaps://dc1" }, want: []string{`ad.host: "ldaps://dc1" is a URL`}},
		"plain ldap":      {edit: func(a *Answers) { a.AD.Transport = "ldap" }, want: []string{`ad.transport: "ldap" is not offered`}},
		"bare admin name": {edit: func(a *Answers) { a.Admin.User = "admin" }, want: []string{`write DOMAIN\admin or admin@<domain>`}},
		"no password":     {edit: func(a *Answers) { a.Admin.Password = "" }, want: []string{"password is empty"}},
		"several at once": {
			edit: func(a *Answers) { a.ObjectTypes = nil; a.Interval = 10 * time.Second; a.DeletionThresholdPercent = 101 },
			want: []string{"ad.objectTypes: empty", "sync.interval: 10s is below the minimum", "sync.deletionThresholdPercent: 101 is not a percentage"},
		},
		"unknown attribute":           {edit: func(a *Answers) { a.OptionalAttributes = []string{"pager"} }, want: []string{`sync.optionalAttributes[0]: "pager" is not an optional attribute`}},
		"unknown soft match":          {edit: func(a *Answers) { a.SoftMatch = []string{"employeeId"} }, want: []string{`sync.softMatch[0]: "employeeId" is not a soft-match attribute`}},
		"zero thresholds are allowed": {edit: func(a *Answers) { a.DeletionThreshold, a.MemberRemovalThreshold = 0, 0 }},
		"negative threshold":          {edit: func(a *Answers) { a.DeletionThreshold = -1 }, want: []string{"sync.deletionThreshold: -1 is negative"}},
		"full before delta":           {edit: func(a *Answers) { a.FullInterval = time.Minute }, want: []string{"sync.fullInterval: 1m0s is shorter"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := DefaultAnswers()
			a.AD.Host = "dc1.corp.example.com"
			a.Admin = Credentials{User: `CORP\admin`, Password: "not-a-real-password"}
			tc.edit(&a)
			err := a.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "not-a-real-password") {
				t.Error("the error holds the password")
			}
		})
	}
}

func TestCredentialsNeverPrintPassword(t *testing.T) {
	c := Credentials{User: `CORP\admin`, Password: "not-a-real-password"}
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String()} {
		if strings.Contains(s, c.Password) || !strings.Contains(s, "admin") {
			t.Errorf("got %q, want the user without the password", s)
		}
	}
}
