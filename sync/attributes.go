package sync

import (
	"maps"
	"slices"
)

// Attributes are an Entra object's synced properties, by Microsoft Graph
// property name (the Attr constants), as text. An empty value means the
// property is cleared (null in Graph). accountEnabled is "true" or "false";
// manager holds the manager's anchor in a plan and the manager's Entra
// object id in a [Write]. onPremisesImmutableId is never among them: it is
// the object's anchor and is written only on create.
type Attributes map[string]string

// Graph property names of the synced attributes. The AD attribute each comes
// from is in the mapping (map_user.go); the list follows DESIGN.md and
// Entra Connect's synchronized-attributes reference
// (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized).
const (
	AttrAccountEnabled    = "accountEnabled"
	AttrDisplayName       = "displayName"
	AttrMailNickname      = "mailNickname"
	AttrUserPrincipalName = "userPrincipalName"
	AttrGivenName         = "givenName"
	AttrSurname           = "surname"
	AttrMail              = "mail"
	AttrJobTitle          = "jobTitle"
	AttrDepartment        = "department"
	AttrCompanyName       = "companyName"
	AttrOfficeLocation    = "officeLocation"
	AttrStreetAddress     = "streetAddress"
	AttrCity              = "city"
	AttrState             = "state"
	AttrPostalCode        = "postalCode"
	AttrCountry           = "country"
	AttrUsageLocation     = "usageLocation"
	AttrBusinessPhones    = "businessPhones"
	AttrMobilePhone       = "mobilePhone"
	AttrEmployeeID        = "employeeId"
	AttrManager           = "manager"
	AttrDescription       = "description"
)

// requiredUserAttributes are always synced: Graph needs them to create a
// user (https://learn.microsoft.com/graph/api/user-post-users).
var requiredUserAttributes = []string{AttrAccountEnabled, AttrDisplayName, AttrMailNickname, AttrUserPrincipalName}

// optionalUserAttributes are synced unless the configuration leaves them out.
var optionalUserAttributes = []string{
	AttrGivenName, AttrSurname, AttrMail, AttrJobTitle, AttrDepartment, AttrCompanyName,
	AttrOfficeLocation, AttrStreetAddress, AttrCity, AttrState, AttrPostalCode, AttrCountry,
	AttrUsageLocation, AttrBusinessPhones, AttrMobilePhone, AttrEmployeeID, AttrManager,
}

// AllOptionalAttributes returns the names SyncConfig.OptionalAttributes
// accepts, in a stable order.
func AllOptionalAttributes() []string { return slices.Clone(optionalUserAttributes) }

// maxLen is Graph's documented maximum length, in characters, of each
// property (https://learn.microsoft.com/graph/api/resources/user and
// https://learn.microsoft.com/graph/api/resources/group). Longer values are
// truncated with a warning rather than refused by Graph.
var maxLen = map[string]int{
	AttrDisplayName:    256,
	AttrGivenName:      64,
	AttrSurname:        64,
	AttrMailNickname:   64,
	AttrJobTitle:       128,
	AttrDepartment:     64,
	AttrCompanyName:    64,
	AttrOfficeLocation: 128,
	AttrStreetAddress:  1024,
	AttrCity:           128,
	AttrState:          128,
	AttrPostalCode:     40,
	AttrCountry:        128,
	AttrBusinessPhones: 64,
	AttrMobilePhone:    64,
	AttrEmployeeID:     16,
	AttrMail:           256,
	AttrDescription:    1024,
}

// Clone returns a copy of a.
func (a Attributes) Clone() Attributes {
	if a == nil {
		return nil
	}
	return maps.Clone(a)
}

// Names returns the attribute names in sorted order.
func (a Attributes) Names() []string {
	return slices.Sorted(maps.Keys(a))
}
