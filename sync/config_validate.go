package sync

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// FieldError is one problem with one configuration field.
type FieldError struct {
	// Field is the field's path in the YAML file, e.g. "sync.interval".
	Field string
	// Message says what is wrong and what to write instead.
	Message string
}

// Error returns the message.
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every problem [Config.Validate] found, so a user
// fixes them all in one edit.
type ValidationError struct {
	Problems []FieldError
}

// Error returns the message.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid configuration: " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problems):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Has reports whether a problem concerns field.
func (e *ValidationError) Has(field string) bool {
	return slices.ContainsFunc(e.Problems, func(p FieldError) bool { return p.Field == field })
}

type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Validate checks every field and returns a [*ValidationError] listing all
// problems, or nil. It is the one place both the wizard and the config file
// are checked. It does no I/O: whether files exist and the network answers
// is checked when they are used.
func (c Config) Validate() error {
	var p problems
	c.AD.validate(&p)
	c.Entra.validate(&p)
	c.Sync.validate(&p)
	c.Metrics.validate(&p)
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

var (
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dnsNameRE  = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	downLevel  = regexp.MustCompile(`^[^\\/:*?"<>|]{1,15}\\[^\\/\[\]:;|=,+*?<>"@]{1,104}$`)
	hostNameRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
)

func (a ADConfig) validate(p *problems) {
	switch h := strings.TrimSpace(a.Host); {
	case h == "":
		p.add("ad.host", "required: the DNS name or IP address of a domain controller, e.g. dc1.corp.example.com")
	case strings.Contains(h, "://"):
		p.add("ad.host", "%q is a URL: give the host name only (e.g. dc1.corp.example.com) and set ad.transport to ldaps or starttls", h)
	case strings.Contains(h, ":") && net.ParseIP(h) == nil:
		p.add("ad.host", "%q includes a port: put the host name in ad.host and the port in ad.port", h)
	case net.ParseIP(h) == nil && !hostNameRE.MatchString(h):
		p.add("ad.host", "%q is not a host name or IP address", h)
	}
	if a.Port < 0 || a.Port > 65535 {
		p.add("ad.port", "%d is not a TCP port: use 1-65535, or leave it out for 636 (ldaps) / 389 (starttls)", a.Port)
	}
	switch strings.ToLower(a.Transport) {
	case "ldaps", "starttls":
	case "ldap", "plain", "none":
		p.add("ad.transport", "%q is not offered: passwords would cross the network in clear text; use ldaps or starttls", a.Transport)
	default:
		p.add("ad.transport", "%q is not a transport: use ldaps (the default) or starttls", a.Transport)
	}
	if a.Timeout < 0 {
		p.add("ad.timeout", "%s is negative: use a duration such as 30s", a.Timeout)
	}
	switch u := strings.TrimSpace(a.BindUser); {
	case u == "":
		p.add("ad.bindUser", `required: the connector account as DOMAIN\user, user@domain or a DN (setup fills it in)`)
	case strings.Contains(u, `\`):
		if !downLevel.MatchString(u) {
			p.add("ad.bindUser", `%q is not a valid DOMAIN\user name`, u)
		}
	case strings.Contains(u, "@"):
		if i := strings.LastIndexByte(u, '@'); i == 0 || i == len(u)-1 {
			p.add("ad.bindUser", "%q is not a valid user@domain name", u)
		}
	case strings.Contains(u, "="):
		if _, err := parseDN(u); err != nil {
			p.add("ad.bindUser", "%q is not a valid DN: %v", u, err)
		}
	default:
		p.add("ad.bindUser", `%q: write the account as DOMAIN\user, user@domain or a DN`, u)
	}
	if strings.TrimSpace(a.PasswordFile) == "" {
		p.add("ad.passwordFile", "required: the file (mode 0600) holding the connector account's password, relative to the state directory")
	}
	for i, dn := range a.Scope.Include {
		if _, err := parseDN(dn); err != nil {
			p.add(fmt.Sprintf("ad.scope.include[%d]", i), "%q is not a valid DN: %v", dn, err)
		}
	}
	for i, dn := range a.Scope.Exclude {
		if _, err := parseDN(dn); err != nil {
			p.add(fmt.Sprintf("ad.scope.exclude[%d]", i), "%q is not a valid DN: %v", dn, err)
		}
	}
	if len(a.ObjectTypes) == 0 {
		p.add("ad.objectTypes", "empty: list users, groups or both")
	}
	for i, t := range a.ObjectTypes {
		if t != "users" && t != "groups" {
			p.add(fmt.Sprintf("ad.objectTypes[%d]", i), "%q is not an object type: use users or groups (contacts and distribution groups cannot be created through Graph)", t)
		}
	}
}

func (e EntraConfig) validate(p *problems) {
	if !guidRE.MatchString(e.TenantID) {
		if e.TenantID == "" {
			p.add("entra.tenantId", "required: the directory (tenant) ID, a GUID such as 8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77")
		} else {
			p.add("entra.tenantId", "%q is not a GUID: use the directory (tenant) ID, e.g. 8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77", e.TenantID)
		}
	}
	switch d := e.InitialDomain; {
	case d == "":
		p.add("entra.initialDomain", "required: the tenant's initial domain, e.g. contoso.onmicrosoft.com")
	case !dnsNameRE.MatchString(d):
		p.add("entra.initialDomain", "%q is not a domain name: use the tenant's initial domain, e.g. contoso.onmicrosoft.com", d)
	}
	if !guidRE.MatchString(e.ClientID) {
		if e.ClientID == "" {
			p.add("entra.clientId", "required: the sync application's application (client) ID (setup fills it in)")
		} else {
			p.add("entra.clientId", "%q is not a GUID: use the sync application's application (client) ID", e.ClientID)
		}
	}
	switch {
	case e.CertificateFile == "" && e.ClientSecretFile == "":
		p.add("entra.certificateFile", "required: the file (mode 0600) with the sync application's certificate and key, or set entra.clientSecretFile")
	case e.CertificateFile != "" && e.ClientSecretFile != "":
		p.add("entra.clientSecretFile", "set only one credential: entra.certificateFile (preferred) or entra.clientSecretFile")
	}
	validateHTTPS(p, "entra.authorityHost", e.AuthorityHost)
	validateHTTPS(p, "entra.graphEndpoint", e.GraphEndpoint)
}

func validateHTTPS(p *problems, field, v string) {
	u, err := url.Parse(v)
	switch {
	case v == "":
		p.add(field, "required: an https URL")
	case err != nil || u.Host == "":
		p.add(field, "%q is not a URL: write it like https://graph.microsoft.com", v)
	case u.Scheme != "https":
		p.add(field, "%q must use https", v)
	}
}

func (s SyncConfig) validate(p *problems) {
	switch s.SourceAnchor {
	case AnchorConsistencyGUID, AnchorObjectGUID:
	default:
		p.add("sync.sourceAnchor", "%q is not a source anchor: use %s or %s (spelt exactly so)", s.SourceAnchor, AnchorConsistencyGUID, AnchorObjectGUID)
	}
	if time.Duration(s.Interval) < MinInterval {
		p.add("sync.interval", "%s is below the minimum of %s: use 30s or more (default 5m)", s.Interval, MinInterval)
	}
	if s.FullInterval < s.Interval {
		p.add("sync.fullInterval", "%s is shorter than sync.interval (%s): use at least the interval (default 24h)", s.FullInterval, s.Interval)
	}
	if s.DeletionThreshold < 0 {
		p.add("sync.deletionThreshold", "%d is negative: use 0 (refuse every delete) or more (default %d)", s.DeletionThreshold, DefaultDeletionThreshold)
	}
	if s.DeletionThresholdPercent < 0 || s.DeletionThresholdPercent > 100 {
		p.add("sync.deletionThresholdPercent", "%d is not a percentage: use 1-100, or 0 to turn it off (default %d)", s.DeletionThresholdPercent, DefaultDeletionPercent)
	}
	if s.MemberRemovalThreshold < 0 {
		p.add("sync.memberRemovalThreshold", "%d is negative: use 0 (refuse every removal) or more (default %d)", s.MemberRemovalThreshold, DefaultMemberRemovals)
	}
	for i, a := range s.OptionalAttributes {
		if !slices.Contains(optionalUserAttributes, a) {
			p.add(fmt.Sprintf("sync.optionalAttributes[%d]", i), "%q is not an optional attribute: use any of %s", a, strings.Join(optionalUserAttributes, ", "))
		}
	}
	for i, a := range s.SoftMatch {
		if a != AttrUserPrincipalName && a != AttrMail {
			p.add(fmt.Sprintf("sync.softMatch[%d]", i), "%q is not a soft-match attribute: use userPrincipalName or mail", a)
		}
	}
}

func (m MetricsConfig) validate(p *problems) {
	if m.Listen == "" {
		return
	}
	if _, port, err := net.SplitHostPort(m.Listen); err != nil || port == "" {
		p.add("metrics.listen", "%q is not host:port: write it like 127.0.0.1:9464, or leave it empty to turn metrics off", m.Listen)
	}
}
