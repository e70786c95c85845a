package entra

// Permission is a Microsoft Graph permission entrasync asks for, and why.
type Permission struct {
	Name   string // e.g. "User.ReadWrite.All"
	Reason string // one line for the README and the wizard
}

// MicrosoftGraphAppID is the appId of Microsoft Graph's service principal,
// the resource of every permission below.
const MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"

// GraphCommandLineToolsClientID is the public client "Microsoft Graph
// Command Line Tools" that admin tools use for device code sign-in; the
// default of AdminSignIn.ClientID.
const GraphCommandLineToolsClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// AdminScopes are the delegated permissions the admin sign-in asks for:
// only what setup, rotation and uninstall do. Each needs admin consent for
// the sign-in client once per tenant; the admin's token is never stored.
// Least-privileged permissions per operation follow each API page on
// https://learn.microsoft.com/graph/api/.
var AdminScopes = []Permission{
	{"User.Read", "sign in; read the signed-in admin's own account and the organization (tenant id, name, initial domain)"},
	{"Domain.Read.All", "list the tenant's domains and whether each is verified, to check the forest's UPN suffixes"},
	{"RoleManagement.Read.Directory", "read which directory roles the signed-in admin holds, to say what setup can and cannot do"},
	{"User.Read.All", "look existing cloud users up by userPrincipalName and mail for the soft-match preview before Install; " +
		"User.ReadBasic.All reads those two but not onPremisesImmutableId and onPremisesSyncEnabled, which tell the users another sync already manages"},
	{"Application.ReadWrite.All", "create the sync application and its service principal, upload and rotate its certificate, delete it on uninstall; read Microsoft Graph's permission ids"},
	{"AppRoleAssignment.ReadWrite.All", "grant the sync application its Microsoft Graph application permissions (admin consent)"},
}

// Graph permissions named in errors and grants.
const (
	permUserReadWriteAll  = "User.ReadWrite.All"
	permGroupReadWriteAll = "Group.ReadWrite.All"
	permDomainReadAll     = "Domain.Read.All"
)

// SyncAppPermissions are the Microsoft Graph application permissions the
// sync application is granted: what the engine needs and no more.
// Organization.Read.All is not among them: the tenant id is known from
// setup and the initial domain is in /domains (isInitial). Directory.*
// and GroupMember.* are not needed either: the two ReadWrite permissions
// cover users, groups, memberships, delta and deleted items of those types.
var SyncAppPermissions = []Permission{
	{permUserReadWriteAll, "create, update, delete and restore the users it syncs; find them by onPremisesImmutableId; set their manager; read users/delta to see edits made in the cloud"},
	{permGroupReadWriteAll, "create, update, delete and restore the security groups it syncs; add and remove their members; read groups/delta"},
	{permDomainReadAll, "read the tenant's verified domains at each run: a user keeps its UPN suffix only when that domain is verified (Graph refuses the others)"},
}
