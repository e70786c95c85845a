package entratest

import (
	"fmt"
	"strings"
)

// Tenant describes the directory an emulator starts with.
type Tenant struct {
	// ID is the tenant id; empty means a random GUID.
	ID string
	// DisplayName is the organization's name.
	DisplayName string
	// Domains are the tenant's domains. Exactly one must be Initial (an
	// .onmicrosoft.com name) and at most one Default (the initial domain is
	// the default when none is).
	Domains []Domain
	// Users are existing cloud users.
	Users []User
	// Groups are existing cloud security groups.
	Groups []Group
	// Apps are applications registered in the tenant, each with a service
	// principal, a client secret and a certificate.
	Apps []App
	// Consented are delegated Microsoft Graph permissions (such as
	// "Directory.Read.All") already admin-consented tenant-wide for the
	// public clients, so that any user can sign in with them.
	Consented []string
}

// Domain is a domain of the tenant
// (https://learn.microsoft.com/graph/api/resources/domain).
type Domain struct {
	Name      string
	Verified  bool
	Default   bool
	Initial   bool
	Federated bool // authenticationType Federated: user creation needs onPremisesImmutableId
}

// User is a seeded cloud user.
type User struct {
	UserPrincipalName     string
	DisplayName           string
	MailNickname          string // empty: the UPN's local part
	GivenName             string
	Surname               string
	Mail                  string // also becomes an SMTP proxy address
	OnPremisesImmutableID string
	Disabled              bool
	// Roles are directory role template ids (RoleGlobalAdministrator...).
	Roles []string
}

// Group is a seeded security group.
type Group struct {
	DisplayName  string
	MailNickname string // empty: derived from DisplayName
	Description  string
	Members      []string // userPrincipalNames of seeded users
}

// App is a seeded application registration with its service principal.
type App struct {
	DisplayName string
	// Permissions are Microsoft Graph application permissions
	// ("User.ReadWrite.All") granted to it through app role assignments.
	Permissions []string
}

// Names in DefaultTenant.
const (
	DefaultInitialDomain    = "contoso.onmicrosoft.com"
	DefaultDomain           = "contoso.com"
	DefaultVerifiedDomain   = "sales.contoso.com"
	DefaultFederatedDomain  = "fed.contoso.com"
	DefaultUnverifiedDomain = "fabrikam.com"
	// DefaultGlobalAdmin holds Global Administrator.
	DefaultGlobalAdmin = "admin@" + DefaultInitialDomain
	// DefaultHybridAdmin holds Hybrid Identity Administrator only: it can
	// register applications but cannot grant Microsoft Graph permissions.
	DefaultHybridAdmin = "hybrid.admin@" + DefaultDomain
	// DefaultHybridConsentAdmin holds Hybrid Identity Administrator and
	// Privileged Role Administrator: enough for the whole setup.
	DefaultHybridConsentAdmin = "hybrid.consent@" + DefaultDomain
	// DefaultUser holds no directory role.
	DefaultUser = "alex.wilber@" + DefaultDomain
	// DefaultSyncApp is granted SyncAppPermissions.
	DefaultSyncApp = "entrasync emulator sync app"
	// DefaultUnprivilegedApp is granted no permission.
	DefaultUnprivilegedApp = "entrasync emulator app without permissions"
)

// SyncAppPermissions are the Microsoft Graph application permissions
// granted to DefaultSyncApp: what a directory sync engine writing users
// and groups needs.
var SyncAppPermissions = []string{
	PermUserReadWriteAll, PermGroupReadWriteAll, PermGroupMemberReadWriteAll,
	PermDomainReadAll, PermOrganizationReadAll,
}

// DefaultTenant returns the tenant an emulator starts with unless told
// otherwise: Contoso with a verified default domain, a second verified
// domain, a federated one, an unverified one and the initial
// contoso.onmicrosoft.com; a Global Administrator, a Hybrid Identity
// Administrator with and without Privileged Role Administrator and a user
// without roles; cloud users an on-premises sync would soft-match (same
// UPN or mail) or hard-match (onPremisesImmutableId set); a security
// group; and two applications (DefaultSyncApp, DefaultUnprivilegedApp).
func DefaultTenant() Tenant {
	return Tenant{
		DisplayName: "Contoso",
		Domains: []Domain{
			{Name: DefaultInitialDomain, Verified: true, Initial: true},
			{Name: DefaultDomain, Verified: true, Default: true},
			{Name: DefaultVerifiedDomain, Verified: true},
			{Name: DefaultFederatedDomain, Verified: true, Federated: true},
			{Name: DefaultUnverifiedDomain},
		},
		Users: []User{
			{UserPrincipalName: DefaultGlobalAdmin, DisplayName: "Contoso Admin", GivenName: "Contoso", Surname: "Admin", Roles: []string{RoleGlobalAdministrator}},
			{UserPrincipalName: DefaultHybridAdmin, DisplayName: "Hybrid Admin", Roles: []string{RoleHybridIdentityAdministrator}},
			{UserPrincipalName: DefaultHybridConsentAdmin, DisplayName: "Hybrid Consent Admin", Roles: []string{RoleHybridIdentityAdministrator, RolePrivilegedRoleAdministrator}},
			{UserPrincipalName: DefaultUser, DisplayName: "Alex Wilber", GivenName: "Alex", Surname: "Wilber", Mail: DefaultUser},
			// Soft-match candidates: an on-premises user with this UPN or
			// mail would be adopted by Entra Connect.
			{UserPrincipalName: "adele.vance@" + DefaultDomain, DisplayName: "Adele Vance", GivenName: "Adele", Surname: "Vance", Mail: "adele.vance@" + DefaultDomain},
			{UserPrincipalName: "lee.gu@" + DefaultDomain, DisplayName: "Lee Gu", GivenName: "Lee", Surname: "Gu", Mail: "lee.gu@" + DefaultDomain},
			{UserPrincipalName: "megan.bowen@" + DefaultInitialDomain, DisplayName: "Megan Bowen", GivenName: "Megan", Surname: "Bowen", Mail: "megan.bowen@" + DefaultDomain},
			// A hard-match candidate: onPremisesImmutableId is the base64
			// objectGUID of an on-premises user.
			{UserPrincipalName: "pradeep.gupta@" + DefaultDomain, DisplayName: "Pradeep Gupta", OnPremisesImmutableID: "2Xb+GL13N0a4KhbGr3W9Ag=="},
			{UserPrincipalName: "former.employee@" + DefaultDomain, DisplayName: "Former Employee", Disabled: true},
		},
		Groups: []Group{
			{DisplayName: "Cloud Admins", Description: "Administrators created in the cloud", Members: []string{DefaultGlobalAdmin, DefaultHybridAdmin}},
		},
		Apps: []App{
			{DisplayName: DefaultSyncApp, Permissions: SyncAppPermissions},
			{DisplayName: DefaultUnprivilegedApp},
		},
	}
}

// validate checks the seed, naming the first problem.
func (t *Tenant) validate() error {
	var initial, defaults int
	for _, d := range t.Domains {
		if d.Name == "" || strings.ContainsAny(d.Name, " @/") {
			return fmt.Errorf("entratest: tenant domain %q: not a domain name", d.Name)
		}
		if d.Initial {
			initial++
			if !d.Verified || !strings.HasSuffix(strings.ToLower(d.Name), ".onmicrosoft.com") {
				return fmt.Errorf("entratest: initial domain %q: must be a verified .onmicrosoft.com domain", d.Name)
			}
		}
		if d.Default {
			defaults++
			if !d.Verified {
				return fmt.Errorf("entratest: default domain %q: must be verified", d.Name)
			}
		}
	}
	if initial != 1 {
		return fmt.Errorf("entratest: tenant has %d initial domains, want exactly 1 (an .onmicrosoft.com domain with Initial: true)", initial)
	}
	if defaults > 1 {
		return fmt.Errorf("entratest: tenant has %d default domains, want at most 1", defaults)
	}
	if t.ID != "" && !isGUID(t.ID) {
		return fmt.Errorf("entratest: tenant id %q: not a GUID", t.ID)
	}
	for _, u := range t.Users {
		for _, r := range u.Roles {
			if roleTemplateByID(r) == nil {
				return fmt.Errorf("entratest: user %s: unknown directory role template %q (use the Role* constants)", u.UserPrincipalName, r)
			}
		}
	}
	for _, a := range t.Apps {
		for _, p := range a.Permissions {
			if GraphAppRoleID(p) == "" {
				return fmt.Errorf("entratest: app %q: unknown Microsoft Graph application permission %q", a.DisplayName, p)
			}
		}
	}
	return nil
}
