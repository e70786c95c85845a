package wizard

import (
	"fmt"
	"slices"
	"strings"
)

// The directory roles setup looks for, by display name.
const (
	roleGlobalAdmin     = "Global Administrator"
	roleHybridIdentity  = "Hybrid Identity Administrator"
	rolePrivilegedRoles = "Privileged Role Administrator"
)

// roleVerdict says whether the signed-in account may run setup: create the
// sync application and grant it Microsoft Graph application permissions.
// A Global Administrator may; so may a Hybrid Identity Administrator who
// also holds Privileged Role Administrator, the role that grants
// application permissions of Microsoft Graph
// (https://learn.microsoft.com/graph/permissions-grant-via-msgraph). When
// the account may not, msg says why and what to do.
func roleVerdict(t Tenant) (ok bool, msg string) {
	has := func(role string) bool {
		return slices.ContainsFunc(t.Roles, func(r string) bool { return strings.EqualFold(r, role) })
	}
	switch {
	case has(roleGlobalAdmin):
		return true, fmt.Sprintf("%s is a %s.", t.Account, roleGlobalAdmin)
	case has(roleHybridIdentity) && has(rolePrivilegedRoles):
		return true, fmt.Sprintf("%s is a %s and a %s.", t.Account, roleHybridIdentity, rolePrivilegedRoles)
	case has(roleHybridIdentity):
		return false, fmt.Sprintf("%s is a %s, which may create the sync application but not grant it "+
			"Microsoft Graph application permissions. Sign in as a %s, or activate %s for this "+
			"account too (in Privileged Identity Management) and sign in again.",
			t.Account, roleHybridIdentity, roleGlobalAdmin, rolePrivilegedRoles)
	case len(t.Roles) == 0:
		return false, fmt.Sprintf("%s holds no active directory role. Sign in as a %s, or as a %s who "+
			"also holds %s. Eligible roles must be activated first (Privileged Identity Management).",
			t.Account, roleGlobalAdmin, roleHybridIdentity, rolePrivilegedRoles)
	default:
		return false, fmt.Sprintf("%s holds %s, not the roles setup needs. Sign in as a %s, or as a %s who "+
			"also holds %s.", t.Account, strings.Join(t.Roles, ", "), roleGlobalAdmin, roleHybridIdentity, rolePrivilegedRoles)
	}
}
