package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// DirectoryRole is a Microsoft Entra built-in role the signed-in admin
// holds (active, not merely eligible in PIM).
type DirectoryRole struct {
	TemplateID  string // the same in every tenant, e.g. RoleGlobalAdministrator
	DisplayName string
}

// Role template ids of the built-in roles setup cares about
// (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RoleHybridIdentityAdministrator   = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
)

var roleNames = map[string]string{
	RoleGlobalAdministrator:           "Global Administrator",
	RoleHybridIdentityAdministrator:   "Hybrid Identity Administrator",
	RolePrivilegedRoleAdministrator:   "Privileged Role Administrator",
	RoleCloudApplicationAdministrator: "Cloud Application Administrator",
	RoleApplicationAdministrator:      "Application Administrator",
}

// AdminRoles returns the directory roles the signed-in admin holds,
// directly or through a role-assignable group
// (https://learn.microsoft.com/graph/api/user-list-transitivememberof). It
// needs a Client from SignInAdmin.
func (c *Client) AdminRoles(ctx context.Context) ([]DirectoryRole, error) {
	if !c.delegated {
		return nil, errors.New("entra: list the admin's directory roles: this client is the sync application, not a signed-in admin")
	}
	resp, err := c.g.sdk.Me().TransitiveMemberOf().GraphDirectoryRole().Get(ctx, &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetQueryParameters{Select: []string{"id", "displayName", "roleTemplateId"}},
	})
	if err != nil {
		return nil, translate(err, c.call("list the signed-in admin's directory roles", "RoleManagement.Read.Directory"))
	}
	var out []DirectoryRole
	for _, r := range resp.GetValue() {
		out = append(out, DirectoryRole{TemplateID: strings.ToLower(deref(r.GetRoleTemplateId())), DisplayName: deref(r.GetDisplayName())})
	}
	return out, nil
}

// SetupVerdict says what setup can do with the signed-in admin's roles.
type SetupVerdict struct {
	// CreateApp: the admin can create the sync application and its service
	// principal and upload its certificate (Global Administrator, Hybrid
	// Identity Administrator, Application Administrator or Cloud
	// Application Administrator).
	CreateApp bool
	// GrantPermissions: the admin can grant Microsoft Graph application
	// permissions, i.e. admin consent (Global Administrator or Privileged
	// Role Administrator only).
	GrantPermissions bool
	// Held names the roles considered, for display.
	Held []string
	// Problems are actionable sentences, empty when setup can proceed.
	Problems []string
}

// OK reports whether setup can create and authorize the sync application.
func (v SetupVerdict) OK() bool { return v.CreateApp && v.GrantPermissions }

// String is the verdict in one or two plain sentences.
func (v SetupVerdict) String() string {
	held := "no administrator role"
	if len(v.Held) > 0 {
		held = strings.Join(v.Held, ", ")
	}
	if v.OK() {
		return fmt.Sprintf("signed in with %s: setup can create the sync application and grant its permissions", held)
	}
	return fmt.Sprintf("signed in with %s: %s", held, strings.Join(v.Problems, "; "))
}

// AssessRoles turns directory roles into a SetupVerdict. Creating an
// application takes one of the application-management roles; granting
// Microsoft Graph application permissions (admin consent to app roles)
// takes Global Administrator or Privileged Role Administrator
// (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
func AssessRoles(roles []DirectoryRole) SetupVerdict {
	has := map[string]bool{}
	var v SetupVerdict
	for _, r := range roles {
		id := strings.ToLower(r.TemplateID)
		if name, ok := roleNames[id]; ok && !has[id] {
			v.Held = append(v.Held, name)
		}
		has[id] = true
	}
	ga := has[RoleGlobalAdministrator]
	v.CreateApp = ga || has[RoleHybridIdentityAdministrator] || has[RoleApplicationAdministrator] || has[RoleCloudApplicationAdministrator]
	v.GrantPermissions = ga || has[RolePrivilegedRoleAdministrator]
	switch {
	case v.OK():
	case !v.CreateApp && !v.GrantPermissions:
		v.Problems = append(v.Problems, "setup needs Global Administrator, or Hybrid Identity Administrator together with Privileged Role Administrator; "+
			"sign in with such an account, or have the role assigned (or activated in Privileged Identity Management) and sign in again")
	case !v.GrantPermissions:
		v.Problems = append(v.Problems, "this account can create the sync application but cannot grant it Microsoft Graph application permissions, which takes Global Administrator or Privileged Role Administrator; "+
			"sign in with such an account, or activate Privileged Role Administrator and sign in again")
	case !v.CreateApp:
		v.Problems = append(v.Problems, "this account can grant permissions but cannot create the sync application, which takes Hybrid Identity Administrator, Application Administrator, Cloud Application Administrator or Global Administrator; "+
			"have one of those roles assigned (or activated) and sign in again")
	}
	return v
}

// CheckAdmin reads the signed-in admin's roles and assesses them.
func (c *Client) CheckAdmin(ctx context.Context) (SetupVerdict, error) {
	roles, err := c.AdminRoles(ctx)
	if err != nil {
		return SetupVerdict{}, err
	}
	return AssessRoles(roles), nil
}
