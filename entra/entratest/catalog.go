package entratest

import "strings"

// The catalogs of well-known identifiers: Microsoft Graph's permissions
// with their real ids (https://learn.microsoft.com/graph/permissions-reference,
// "All permissions and IDs") and the built-in directory role templates
// (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).

// Directory role template ids, as /me/memberOf returns them in
// roleTemplateId.
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RoleHybridIdentityAdministrator   = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	RoleUserAdministrator             = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleGroupsAdministrator           = "fdd7a751-b60b-444a-984c-02652fe8fa1c"
	RoleGlobalReader                  = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
)

// roleTemplate is a built-in directory role.
type roleTemplate struct {
	id          string
	displayName string
	description string
}

var roleTemplates = []roleTemplate{
	{RoleGlobalAdministrator, "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."},
	{RoleHybridIdentityAdministrator, "Hybrid Identity Administrator", "Can manage Active Directory to Microsoft Entra cloud provisioning, Microsoft Entra Connect, pass-through authentication (PTA), password hash synchronization (PHS), seamless single sign-on (seamless SSO), and federation settings."},
	{RolePrivilegedRoleAdministrator, "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."},
	{RoleApplicationAdministrator, "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps."},
	{RoleCloudApplicationAdministrator, "Cloud Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."},
	{RoleUserAdministrator, "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins."},
	{RoleGroupsAdministrator, "Groups Administrator", "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."},
	{RoleGlobalReader, "Global Reader", "Can read everything that a Global Administrator can, but not update anything."},
}

func roleTemplateByID(id string) *roleTemplate {
	for i := range roleTemplates {
		if strings.EqualFold(roleTemplates[i].id, id) {
			return &roleTemplates[i]
		}
	}
	return nil
}

// Microsoft Graph permission values used by the emulator.
const (
	PermUserRead                      = "User.Read"
	PermUserReadBasicAll              = "User.ReadBasic.All"
	PermUserReadAll                   = "User.Read.All"
	PermUserReadWriteAll              = "User.ReadWrite.All"
	PermGroupReadAll                  = "Group.Read.All"
	PermGroupReadWriteAll             = "Group.ReadWrite.All"
	PermGroupCreate                   = "Group.Create"
	PermGroupMemberReadAll            = "GroupMember.Read.All"
	PermGroupMemberReadWriteAll       = "GroupMember.ReadWrite.All"
	PermDomainReadAll                 = "Domain.Read.All"
	PermOrganizationReadAll           = "Organization.Read.All"
	PermDirectoryReadAll              = "Directory.Read.All"
	PermDirectoryReadWriteAll         = "Directory.ReadWrite.All"
	PermDirectoryAccessAsUserAll      = "Directory.AccessAsUser.All"
	PermApplicationReadAll            = "Application.Read.All"
	PermApplicationReadWriteAll       = "Application.ReadWrite.All"
	PermApplicationReadWriteOwnedBy   = "Application.ReadWrite.OwnedBy"
	PermAppRoleAssignmentReadWriteAll = "AppRoleAssignment.ReadWrite.All"
	PermRoleManagementReadDirectory   = "RoleManagement.Read.Directory"
)

// graphPermission is one Microsoft Graph permission: the id of its
// application permission (an app role of the Microsoft Graph service
// principal) and of its delegated permission (an oauth2PermissionScope).
type graphPermission struct {
	value       string
	appRoleID   string // "" when there is no application permission
	scopeID     string // "" when there is no delegated permission
	userConsent bool   // delegated: a user may consent for themselves
	display     string
}

var graphPermissions = []graphPermission{
	{PermUserRead, "", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", true, "Sign in and read user profile"},
	{PermUserReadBasicAll, "97235f07-e226-4f63-ace3-39588e11d3a1", "b340eb25-3456-403f-be2f-af7a0d370277", true, "Read all users' basic profiles"},
	{PermUserReadAll, "df021288-bdef-4463-88db-98f22de89214", "a154be20-db9c-4678-8ab7-66f6cc099a59", false, "Read all users' full profiles"},
	{PermUserReadWriteAll, "741f803b-c850-494e-b5df-cde7c675a1ca", "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4", false, "Read and write all users' full profiles"},
	{PermGroupReadAll, "5b567255-7703-4780-807c-7be8301ae99b", "5f8c59db-677d-491f-a6b8-5f174b11ec1d", false, "Read all groups"},
	{PermGroupReadWriteAll, "62a82d76-70ea-41e2-9197-370581804d09", "4e46008b-f24c-477d-8fff-7bb4ec7aafe0", false, "Read and write all groups"},
	{PermGroupCreate, "bf7b1a76-6e77-406b-b258-bf5c7720e98f", "", false, "Create groups"},
	{PermGroupMemberReadAll, "98830695-27a2-44f7-8c18-0c3ebc9698f6", "bc024368-1153-4739-b217-4326f2e966d0", false, "Read all group memberships"},
	{PermGroupMemberReadWriteAll, "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "f81125ac-d3b7-4573-a3b2-7099cc39df9e", false, "Read and write all group memberships"},
	{PermDomainReadAll, "dbb9058a-0e50-45d7-ae91-66909b5d4664", "2f9ee017-59c1-4f1d-9472-bd5529a7b311", false, "Read domains"},
	{PermOrganizationReadAll, "498476ce-e0fe-48b0-b801-37ba7e2685c6", "4908d5b9-3fb2-4b1e-9336-1888b7937185", false, "Read organization information"},
	{PermDirectoryReadAll, "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "06da0dbc-49e2-44d2-8312-53f166ab848a", false, "Read directory data"},
	{PermDirectoryReadWriteAll, "19dbc75e-c2e2-444c-a770-ec69d8559fc7", "c5366453-9fb0-48a5-a156-24f0c49a4b84", false, "Read and write directory data"},
	{PermDirectoryAccessAsUserAll, "", "0e263e50-5827-48a4-b97c-d940288653c7", false, "Access directory as the signed in user"},
	{PermApplicationReadAll, "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "c79f8feb-a9db-4090-85f9-90d820caa0eb", false, "Read all applications"},
	{PermApplicationReadWriteAll, "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "bdfbf15f-ee85-4955-8675-146e8e5296b5", false, "Read and write all applications"},
	{PermApplicationReadWriteOwnedBy, "18a4783c-866b-4cc7-a460-3d5e5662c884", "", false, "Manage apps that this app creates or owns"},
	{PermAppRoleAssignmentReadWriteAll, "06b708a9-e830-4db3-a914-8e69da51d44f", "84bccea3-f856-4a8a-967b-dbe0a3d53a64", false, "Manage app permission grants and app role assignments"},
	{PermRoleManagementReadDirectory, "483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "741c54c3-0c1e-44a1-818b-3f97ab4e8c83", false, "Read all directory RBAC settings"},
}

// GraphAppRoleID returns the id of the Microsoft Graph application
// permission named value (such as "User.ReadWrite.All"), or "" when the
// emulator does not know it.
func GraphAppRoleID(value string) string {
	if p := permissionByValue(value); p != nil {
		return p.appRoleID
	}
	return ""
}

func permissionByValue(value string) *graphPermission {
	for i := range graphPermissions {
		if strings.EqualFold(graphPermissions[i].value, value) {
			return &graphPermissions[i]
		}
	}
	return nil
}

// graphRoleValue returns the value of the Microsoft Graph app role id, or "".
func graphRoleValue(appRoleID string) string {
	for _, p := range graphPermissions {
		if p.appRoleID != "" && strings.EqualFold(p.appRoleID, appRoleID) {
			return p.value
		}
	}
	return ""
}

// graphAppRoles renders the appRoles of the Microsoft Graph service
// principal (https://learn.microsoft.com/graph/api/resources/approle).
func graphAppRoles() []any {
	var out []any
	for _, p := range graphPermissions {
		if p.appRoleID == "" {
			continue
		}
		out = append(out, map[string]any{
			"allowedMemberTypes": []any{"Application"},
			"description":        "Allows the app to " + strings.ToLower(p.display[:1]) + p.display[1:] + " without a signed-in user.",
			"displayName":        p.display,
			"id":                 p.appRoleID,
			"isEnabled":          true,
			"origin":             "Application",
			"value":              p.value,
		})
	}
	return out
}

// graphScopes renders the oauth2PermissionScopes of the Microsoft Graph
// service principal
// (https://learn.microsoft.com/graph/api/resources/permissionscope).
func graphScopes() []any {
	var out []any
	for _, p := range graphPermissions {
		if p.scopeID == "" {
			continue
		}
		typ := "Admin"
		if p.userConsent {
			typ = "User"
		}
		out = append(out, map[string]any{
			"adminConsentDescription": "Allows the app to " + strings.ToLower(p.display[:1]) + p.display[1:] + " on behalf of the signed-in user.",
			"adminConsentDisplayName": p.display,
			"id":                      p.scopeID,
			"isEnabled":               true,
			"type":                    typ,
			"value":                   p.value,
		})
	}
	return out
}

// access says who may call an operation
// (each API page's "Permissions" table): an app-only token needs one of
// app; a delegated token needs one of scopes and, as Microsoft Entra
// intersects delegated permissions with the signed-in user's own rights,
// a user holding one of roles (nil roles: any member of the tenant).
type access struct {
	app    []string
	scopes []string
	roles  []string
}

var (
	readUsers = access{
		app:    []string{PermUserReadBasicAll, PermUserReadAll, PermUserReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermUserReadBasicAll, PermUserReadAll, PermUserReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/user-post-users and user-update.
	writeUsers = access{
		app:    []string{PermUserReadWriteAll, PermDirectoryReadWriteAll},
		scopes: []string{PermUserReadWriteAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleUserAdministrator},
	}
	// https://learn.microsoft.com/graph/api/user-delete: Directory.ReadWrite.All
	// "does not allow user or group deletion".
	deleteUsers = access{
		app:    []string{PermUserReadWriteAll},
		scopes: []string{PermUserReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleUserAdministrator},
	}
	readGroups = access{
		app:    []string{PermGroupMemberReadAll, PermGroupReadAll, PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermGroupMemberReadAll, PermGroupReadAll, PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/group-post-groups.
	createGroups = access{
		app:    []string{PermGroupCreate, PermGroupReadWriteAll, PermDirectoryReadWriteAll},
		scopes: []string{PermGroupReadWriteAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleGroupsAdministrator, RoleUserAdministrator},
	}
	writeGroups = access{
		app:    []string{PermGroupReadWriteAll, PermDirectoryReadWriteAll},
		scopes: []string{PermGroupReadWriteAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleGroupsAdministrator, RoleUserAdministrator},
	}
	deleteGroups = access{
		app:    []string{PermGroupReadWriteAll},
		scopes: []string{PermGroupReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleGroupsAdministrator, RoleUserAdministrator},
	}
	// https://learn.microsoft.com/graph/api/group-post-members and
	// group-delete-members.
	writeMembers = access{
		app:    []string{PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadWriteAll},
		scopes: []string{PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleGroupsAdministrator, RoleUserAdministrator},
	}
	// https://learn.microsoft.com/graph/api/organization-get.
	readOrganization = access{
		app:    []string{PermOrganizationReadAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermUserRead, PermOrganizationReadAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/domain-list.
	readDomains = access{
		app:    []string{PermDomainReadAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermDomainReadAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/user-get (/me).
	readMe = access{
		scopes: []string{PermUserRead, PermUserReadBasicAll, PermUserReadAll, PermUserReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/user-list-memberof and
	// user-list-transitivememberof.
	readMemberOf = access{
		app:    []string{PermGroupMemberReadAll, PermGroupReadAll, PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermUserRead, PermGroupMemberReadAll, PermGroupReadAll, PermGroupMemberReadWriteAll, PermGroupReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/directoryrole-list.
	readRoles = access{
		app:    []string{PermRoleManagementReadDirectory, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermRoleManagementReadDirectory, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	readApps = access{
		app:    []string{PermApplicationReadAll, PermApplicationReadWriteAll, PermApplicationReadWriteOwnedBy, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		scopes: []string{PermApplicationReadAll, PermApplicationReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll, PermDirectoryAccessAsUserAll},
	}
	// https://learn.microsoft.com/graph/api/application-post-applications and
	// serviceprincipal-post-serviceprincipals; the Hybrid Identity
	// Administrator role manages app registrations.
	writeApps = access{
		app:    []string{PermApplicationReadWriteAll, PermApplicationReadWriteOwnedBy},
		scopes: []string{PermApplicationReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator, RoleHybridIdentityAdministrator},
	}
	// https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto:
	// granting Microsoft Graph app roles needs Privileged Role
	// Administrator (or Global Administrator); other resources also
	// accept the application administrator roles.
	grantGraphRoles = access{
		app:    []string{PermAppRoleAssignmentReadWriteAll},
		scopes: []string{PermAppRoleAssignmentReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator},
	}
	grantAppRoles = access{
		app:    []string{PermAppRoleAssignmentReadWriteAll},
		scopes: []string{PermAppRoleAssignmentReadWriteAll, PermDirectoryAccessAsUserAll},
		roles:  []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator},
	}
)

// adminConsentRoles may grant tenant-wide admin consent to delegated
// Microsoft Graph permissions
// (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
var adminConsentRoles = []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleCloudApplicationAdministrator, RoleApplicationAdministrator}
