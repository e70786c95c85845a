package entratest

import "strings"

// The emulator keeps each directory object as a small bag of properties
// checked against a per-type schema: which properties exist, their JSON
// type, which are returned by default, which are read-only, and which
// $filter operators each supports without advanced query parameters.

type propType uint8

const (
	tString propType = iota + 1
	tBool
	tStrings   // string collection
	tComplex   // JSON object
	tComplexes // collection of JSON objects
	tDateTime  // DateTimeOffset as an RFC 3339 string
)

type propFlag uint16

const (
	fDefault   propFlag = 1 << iota // returned when $select is absent
	fReadOnly                       // cannot be set by POST or PATCH
	fRequired                       // required on create
	fWriteOnly                      // never returned (passwordProfile)
	fEq                             // $filter eq and in without advanced query parameters
	fStarts                         // $filter startswith without advanced query parameters
	fAdvanced                       // ne, not, endswith, eq null, ge, le: with advanced query parameters only
	fNotNull                        // cannot be cleared once set
	fSystem                         // computed from the object (id, createdDateTime, deletedDateTime)
)

type propDef struct {
	name   string
	typ    propType
	flags  propFlag
	maxLen int
}

func (p *propDef) has(f propFlag) bool { return p.flags&f != 0 }

// schema describes one entity type.
type schema struct {
	typeName  string // microsoft.graph.user
	entitySet string // users
	resource  string // User, as error messages name it
	props     []propDef
	byLower   map[string]*propDef
	defaults  []*propDef
}

func newSchema(typeName, entitySet, resource string, props []propDef) *schema {
	s := &schema{typeName: typeName, entitySet: entitySet, resource: resource, props: props, byLower: map[string]*propDef{}}
	for i := range s.props {
		p := &s.props[i]
		s.byLower[strings.ToLower(p.name)] = p
		if p.has(fDefault) {
			s.defaults = append(s.defaults, p)
		}
	}
	return s
}

// prop finds a property by name, case-insensitively as Graph does.
func (s *schema) prop(name string) *propDef { return s.byLower[strings.ToLower(name)] }

const (
	filterStr = fEq | fStarts | fAdvanced
	sysID     = fSystem | fReadOnly | fEq | fAdvanced
)

// userSchema follows the user resource page
// (https://learn.microsoft.com/graph/api/resources/user): the default
// property set is businessPhones, displayName, givenName, jobTitle, mail,
// mobilePhone, officeLocation, preferredLanguage, surname,
// userPrincipalName and id; everything else is returned only on $select.
var userSchema = newSchema("microsoft.graph.user", "users", "User", []propDef{
	{name: "id", typ: tString, flags: sysID | fDefault},
	{name: "deletedDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fAdvanced},
	{name: "accountEnabled", typ: tBool, flags: fRequired | fEq | fAdvanced | fNotNull},
	{name: "ageGroup", typ: tString, flags: fEq | fAdvanced},
	{name: "businessPhones", typ: tStrings, flags: fDefault | fEq},
	{name: "city", typ: tString, flags: filterStr, maxLen: 128},
	{name: "companyName", typ: tString, flags: filterStr, maxLen: 64},
	{name: "country", typ: tString, flags: filterStr, maxLen: 128},
	{name: "createdDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fAdvanced},
	{name: "creationType", typ: tString, flags: fReadOnly | fEq | fAdvanced},
	{name: "department", typ: tString, flags: filterStr, maxLen: 64},
	{name: "displayName", typ: tString, flags: fDefault | fRequired | filterStr | fNotNull, maxLen: 256},
	{name: "employeeHireDate", typ: tDateTime, flags: fAdvanced},
	{name: "employeeId", typ: tString, flags: filterStr, maxLen: 16},
	{name: "employeeOrgData", typ: tComplex, flags: fAdvanced},
	{name: "employeeType", typ: tString, flags: filterStr},
	{name: "faxNumber", typ: tString, flags: filterStr},
	{name: "givenName", typ: tString, flags: fDefault | filterStr, maxLen: 64},
	{name: "identities", typ: tComplexes},
	{name: "jobTitle", typ: tString, flags: fDefault | filterStr, maxLen: 128},
	{name: "mail", typ: tString, flags: fDefault | filterStr},
	{name: "mailNickname", typ: tString, flags: fRequired | filterStr | fNotNull, maxLen: 64},
	{name: "mobilePhone", typ: tString, flags: fDefault | filterStr, maxLen: 64},
	{name: "officeLocation", typ: tString, flags: fDefault | filterStr},
	{name: "onPremisesDistinguishedName", typ: tString, flags: fReadOnly},
	{name: "onPremisesDomainName", typ: tString, flags: fReadOnly},
	{name: "onPremisesExtensionAttributes", typ: tComplex, flags: fAdvanced},
	{name: "onPremisesImmutableId", typ: tString, flags: fEq | fAdvanced},
	{name: "onPremisesLastSyncDateTime", typ: tDateTime, flags: fReadOnly | fEq | fAdvanced},
	{name: "onPremisesSamAccountName", typ: tString, flags: fReadOnly | filterStr},
	{name: "onPremisesSecurityIdentifier", typ: tString, flags: fReadOnly},
	{name: "onPremisesSyncEnabled", typ: tBool, flags: fReadOnly | fEq | fAdvanced},
	{name: "onPremisesUserPrincipalName", typ: tString, flags: fReadOnly | filterStr},
	{name: "otherMails", typ: tStrings, flags: fEq},
	{name: "passwordPolicies", typ: tString, flags: fAdvanced},
	{name: "passwordProfile", typ: tComplex, flags: fRequired | fWriteOnly},
	{name: "postalCode", typ: tString, flags: filterStr, maxLen: 40},
	{name: "preferredLanguage", typ: tString, flags: fDefault | filterStr},
	{name: "proxyAddresses", typ: tStrings, flags: fReadOnly | fEq},
	{name: "showInAddressList", typ: tBool, flags: fEq | fAdvanced},
	{name: "state", typ: tString, flags: filterStr, maxLen: 128},
	{name: "streetAddress", typ: tString, flags: filterStr, maxLen: 1024},
	{name: "surname", typ: tString, flags: fDefault | filterStr, maxLen: 64},
	{name: "usageLocation", typ: tString, flags: filterStr},
	{name: "userPrincipalName", typ: tString, flags: fDefault | fRequired | filterStr | fNotNull, maxLen: 113},
	{name: "userType", typ: tString, flags: fEq | fAdvanced},
})

// groupSchema follows the group resource page
// (https://learn.microsoft.com/graph/api/resources/group).
var groupSchema = newSchema("microsoft.graph.group", "groups", "Group", []propDef{
	{name: "id", typ: tString, flags: sysID | fDefault},
	{name: "deletedDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fDefault | fAdvanced},
	{name: "classification", typ: tString, flags: fDefault | fEq},
	{name: "createdDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fDefault | fAdvanced},
	{name: "description", typ: tString, flags: fDefault | filterStr},
	{name: "displayName", typ: tString, flags: fDefault | fRequired | filterStr | fNotNull, maxLen: 256},
	{name: "groupTypes", typ: tStrings, flags: fDefault | fEq},
	{name: "isAssignableToRole", typ: tBool, flags: fDefault | fEq},
	{name: "mail", typ: tString, flags: fReadOnly | fDefault | filterStr},
	{name: "mailEnabled", typ: tBool, flags: fDefault | fRequired | fEq | fNotNull},
	{name: "mailNickname", typ: tString, flags: fDefault | fRequired | filterStr | fNotNull, maxLen: 64},
	{name: "membershipRule", typ: tString, flags: fDefault},
	{name: "onPremisesDomainName", typ: tString, flags: fReadOnly | fDefault},
	{name: "onPremisesLastSyncDateTime", typ: tDateTime, flags: fReadOnly | fDefault | fEq},
	{name: "onPremisesSamAccountName", typ: tString, flags: fReadOnly | fDefault | filterStr},
	{name: "onPremisesSecurityIdentifier", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "onPremisesSyncEnabled", typ: tBool, flags: fReadOnly | fDefault | fEq},
	{name: "proxyAddresses", typ: tStrings, flags: fReadOnly | fDefault | fEq},
	{name: "renewedDateTime", typ: tDateTime, flags: fReadOnly | fDefault},
	{name: "securityEnabled", typ: tBool, flags: fDefault | fRequired | fEq | fNotNull},
	{name: "securityIdentifier", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "visibility", typ: tString, flags: fDefault},
})

// applicationSchema follows the application resource page
// (https://learn.microsoft.com/graph/api/resources/application); every
// property is returned by default.
var applicationSchema = newSchema("microsoft.graph.application", "applications", "Application", []propDef{
	{name: "id", typ: tString, flags: sysID | fDefault},
	{name: "deletedDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fDefault},
	{name: "api", typ: tComplex, flags: fDefault},
	{name: "appId", typ: tString, flags: fReadOnly | fDefault | fEq | fAdvanced},
	{name: "appRoles", typ: tComplexes, flags: fDefault},
	{name: "createdDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fDefault | fAdvanced},
	{name: "description", typ: tString, flags: fDefault | filterStr},
	{name: "displayName", typ: tString, flags: fDefault | fRequired | filterStr | fNotNull, maxLen: 256},
	{name: "identifierUris", typ: tStrings, flags: fDefault | fEq},
	{name: "info", typ: tComplex, flags: fDefault},
	{name: "isFallbackPublicClient", typ: tBool, flags: fDefault},
	{name: "keyCredentials", typ: tComplexes, flags: fDefault},
	{name: "notes", typ: tString, flags: fDefault},
	{name: "passwordCredentials", typ: tComplexes, flags: fReadOnly | fDefault},
	{name: "publicClient", typ: tComplex, flags: fDefault},
	{name: "publisherDomain", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "requiredResourceAccess", typ: tComplexes, flags: fDefault},
	{name: "signInAudience", typ: tString, flags: fDefault | fEq},
	{name: "tags", typ: tStrings, flags: fDefault | fEq},
	{name: "web", typ: tComplex, flags: fDefault},
})

// servicePrincipalSchema follows the servicePrincipal resource page
// (https://learn.microsoft.com/graph/api/resources/serviceprincipal).
var servicePrincipalSchema = newSchema("microsoft.graph.servicePrincipal", "servicePrincipals", "ServicePrincipal", []propDef{
	{name: "id", typ: tString, flags: sysID | fDefault},
	{name: "deletedDateTime", typ: tDateTime, flags: fSystem | fReadOnly | fDefault},
	{name: "accountEnabled", typ: tBool, flags: fDefault | fEq},
	{name: "appDisplayName", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "appId", typ: tString, flags: fRequired | fDefault | fEq | fAdvanced},
	{name: "appOwnerOrganizationId", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "appRoleAssignmentRequired", typ: tBool, flags: fDefault},
	{name: "appRoles", typ: tComplexes, flags: fReadOnly | fDefault},
	{name: "createdDateTime", typ: tDateTime, flags: fSystem | fReadOnly},
	{name: "description", typ: tString, flags: fDefault | filterStr},
	{name: "displayName", typ: tString, flags: fDefault | filterStr},
	{name: "keyCredentials", typ: tComplexes, flags: fDefault},
	{name: "notes", typ: tString, flags: fDefault},
	{name: "oauth2PermissionScopes", typ: tComplexes, flags: fReadOnly | fDefault},
	{name: "passwordCredentials", typ: tComplexes, flags: fReadOnly | fDefault},
	{name: "servicePrincipalNames", typ: tStrings, flags: fReadOnly | fDefault | fEq},
	{name: "servicePrincipalType", typ: tString, flags: fReadOnly | fDefault | fEq},
	{name: "signInAudience", typ: tString, flags: fReadOnly | fDefault},
	{name: "tags", typ: tStrings, flags: fDefault | fEq},
})
