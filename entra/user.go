package entra

import (
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// User is the part of a Microsoft Graph user entrasync reads and writes
// (https://learn.microsoft.com/graph/api/resources/user). An empty string
// means "no value".
type User struct {
	ID                    string // object id, set by Graph
	UserPrincipalName     string
	OnPremisesImmutableID string // the source anchor
	AccountEnabled        bool   // false creates a disabled account
	DisplayName           string
	GivenName             string
	Surname               string
	Mail                  string
	MailNickname          string
	JobTitle              string
	Department            string
	CompanyName           string
	OfficeLocation        string
	StreetAddress         string
	City                  string
	State                 string
	PostalCode            string
	Country               string
	UsageLocation         string // two-letter country code, needed for licences
	BusinessPhones        []string
	MobilePhone           string
	EmployeeID            string
	// DirSynced is true when Entra Connect synchronizes the user
	// (onPremisesSyncEnabled): Graph refuses most writes to it. Read-only.
	DirSynced bool
	// ManagerID is the object id of the user's manager, "" for none. Only
	// reads with UserQuery.Manager fill it; writes ignore it (SetManager
	// and RemoveManager change the manager).
	ManagerID string
}

// UserField names a writable property of User, as Graph spells it.
type UserField string

// The writable user properties.
const (
	UserPrincipalName     UserField = "userPrincipalName"
	OnPremisesImmutableID UserField = "onPremisesImmutableId"
	AccountEnabled        UserField = "accountEnabled"
	DisplayName           UserField = "displayName"
	GivenName             UserField = "givenName"
	Surname               UserField = "surname"
	Mail                  UserField = "mail"
	MailNickname          UserField = "mailNickname"
	JobTitle              UserField = "jobTitle"
	Department            UserField = "department"
	CompanyName           UserField = "companyName"
	OfficeLocation        UserField = "officeLocation"
	StreetAddress         UserField = "streetAddress"
	City                  UserField = "city"
	State                 UserField = "state"
	PostalCode            UserField = "postalCode"
	Country               UserField = "country"
	UsageLocation         UserField = "usageLocation"
	BusinessPhones        UserField = "businessPhones"
	MobilePhone           UserField = "mobilePhone"
	EmployeeID            UserField = "employeeId"
)

// userStrings maps each string field to its value in a User.
var userStrings = map[UserField]func(*User) *string{
	UserPrincipalName:     func(u *User) *string { return &u.UserPrincipalName },
	OnPremisesImmutableID: func(u *User) *string { return &u.OnPremisesImmutableID },
	DisplayName:           func(u *User) *string { return &u.DisplayName },
	GivenName:             func(u *User) *string { return &u.GivenName },
	Surname:               func(u *User) *string { return &u.Surname },
	Mail:                  func(u *User) *string { return &u.Mail },
	MailNickname:          func(u *User) *string { return &u.MailNickname },
	JobTitle:              func(u *User) *string { return &u.JobTitle },
	Department:            func(u *User) *string { return &u.Department },
	CompanyName:           func(u *User) *string { return &u.CompanyName },
	OfficeLocation:        func(u *User) *string { return &u.OfficeLocation },
	StreetAddress:         func(u *User) *string { return &u.StreetAddress },
	City:                  func(u *User) *string { return &u.City },
	State:                 func(u *User) *string { return &u.State },
	PostalCode:            func(u *User) *string { return &u.PostalCode },
	Country:               func(u *User) *string { return &u.Country },
	UsageLocation:         func(u *User) *string { return &u.UsageLocation },
	MobilePhone:           func(u *User) *string { return &u.MobilePhone },
	EmployeeID:            func(u *User) *string { return &u.EmployeeID },
}

// userRequired cannot be cleared: Graph requires them.
var userRequired = map[UserField]bool{UserPrincipalName: true, DisplayName: true, MailNickname: true}

// userSelect is the $select of every user read.
var userSelect = []string{
	"id", "userPrincipalName", "onPremisesImmutableId", "accountEnabled", "displayName", "givenName", "surname",
	"mail", "mailNickname", "jobTitle", "department", "companyName", "officeLocation", "streetAddress", "city",
	"state", "postalCode", "country", "usageLocation", "businessPhones", "mobilePhone", "employeeId",
	"onPremisesSyncEnabled",
}

// AllUserFields lists every writable field, for a create or a full update.
func AllUserFields() []UserField {
	return []UserField{UserPrincipalName, OnPremisesImmutableID, AccountEnabled, DisplayName, GivenName, Surname,
		Mail, MailNickname, JobTitle, Department, CompanyName, OfficeLocation, StreetAddress, City, State,
		PostalCode, Country, UsageLocation, BusinessPhones, MobilePhone, EmployeeID}
}

// userBody builds the JSON body of a create (all non-empty fields) or of an
// update (exactly fields; an empty value clears the property: it is sent as
// null). values collects the unique values sent, to name a conflict.
func userBody(u User, fields []UserField, create bool) (models.Userable, map[string]string, error) {
	m := models.NewUser()
	extra := map[string]any{}
	values := map[string]string{}
	if create {
		fields = AllUserFields()
	}
	for _, f := range fields {
		switch f {
		case AccountEnabled:
			m.SetAccountEnabled(ptr(u.AccountEnabled))
		case BusinessPhones:
			if u.BusinessPhones == nil && create {
				continue
			}
			m.SetBusinessPhones(append([]string{}, u.BusinessPhones...))
		default:
			get, ok := userStrings[f]
			if !ok {
				return nil, nil, fmt.Errorf("entra: user field %q is not one entrasync writes", f)
			}
			v := *get(&u)
			switch {
			case v != "":
				extra[string(f)] = v
			case create:
			case userRequired[f]:
				return nil, nil, fmt.Errorf("entra: user field %s cannot be cleared: Graph requires it", f)
			default:
				extra[string(f)] = nil // JSON null clears the property
			}
			if v != "" && (f == UserPrincipalName || f == OnPremisesImmutableID || f == MailNickname || f == Mail) {
				values[string(f)] = v
			}
		}
	}
	m.SetAdditionalData(extra)
	return m, values, nil
}

// userFromModel copies a Graph user into a User.
func userFromModel(m models.Userable) User {
	return User{
		ID:                    deref(m.GetId()),
		UserPrincipalName:     deref(m.GetUserPrincipalName()),
		OnPremisesImmutableID: deref(m.GetOnPremisesImmutableId()),
		AccountEnabled:        deref(m.GetAccountEnabled()),
		DisplayName:           deref(m.GetDisplayName()),
		GivenName:             deref(m.GetGivenName()),
		Surname:               deref(m.GetSurname()),
		Mail:                  deref(m.GetMail()),
		MailNickname:          deref(m.GetMailNickname()),
		JobTitle:              deref(m.GetJobTitle()),
		Department:            deref(m.GetDepartment()),
		CompanyName:           deref(m.GetCompanyName()),
		OfficeLocation:        deref(m.GetOfficeLocation()),
		StreetAddress:         deref(m.GetStreetAddress()),
		City:                  deref(m.GetCity()),
		State:                 deref(m.GetState()),
		PostalCode:            deref(m.GetPostalCode()),
		Country:               deref(m.GetCountry()),
		UsageLocation:         deref(m.GetUsageLocation()),
		BusinessPhones:        m.GetBusinessPhones(),
		MobilePhone:           deref(m.GetMobilePhone()),
		EmployeeID:            deref(m.GetEmployeeId()),
		DirSynced:             deref(m.GetOnPremisesSyncEnabled()),
		ManagerID:             managerID(m),
	}
}

// managerID returns the id of the expanded manager of m, "" when the read
// did not expand it or the user has none.
func managerID(m models.Userable) string {
	if mgr := m.GetManager(); mgr != nil {
		return deref(mgr.GetId())
	}
	return ""
}
