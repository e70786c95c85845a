package entra

import (
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// Group is the part of a Microsoft Graph group entrasync reads and writes
// (https://learn.microsoft.com/graph/api/resources/group). entrasync
// creates security groups only: Graph cannot create mail-enabled security
// or distribution groups.
type Group struct {
	ID          string // object id, set by Graph
	DisplayName string
	Description string
	// MailNickname is required and, unlike a user's, not unique; entrasync
	// derives it from the source anchor so that a group can be found again
	// (GroupByMailNickname).
	MailNickname    string
	SecurityEnabled bool
	MailEnabled     bool
	// DirSynced is true when Entra Connect synchronizes the group
	// (onPremisesSyncEnabled): Graph refuses most writes to it. Read-only.
	DirSynced bool
}

// GroupField names a writable property of Group, as Graph spells it.
type GroupField string

// The writable group properties.
const (
	GroupDisplayName  GroupField = "displayName"
	GroupDescription  GroupField = "description"
	GroupMailNickname GroupField = "mailNickname"
)

var groupSelect = []string{"id", "displayName", "description", "mailNickname", "securityEnabled", "mailEnabled", "onPremisesSyncEnabled"}

// groupBody builds the JSON body of a security group create, or of an
// update of exactly fields (an empty description is sent as null).
func groupBody(g Group, fields []GroupField, create bool) (models.Groupable, error) {
	m := models.NewGroup()
	extra := map[string]any{}
	if create {
		if g.DisplayName == "" || g.MailNickname == "" {
			return nil, fmt.Errorf("entra: create group: displayName and mailNickname are required (got %q, %q)", g.DisplayName, g.MailNickname)
		}
		m.SetMailEnabled(ptr(false))
		m.SetSecurityEnabled(ptr(true))
		fields = []GroupField{GroupDisplayName, GroupDescription, GroupMailNickname}
	}
	for _, f := range fields {
		var v string
		switch f {
		case GroupDisplayName:
			v = g.DisplayName
		case GroupDescription:
			v = g.Description
		case GroupMailNickname:
			v = g.MailNickname
		default:
			return nil, fmt.Errorf("entra: group field %q is not one entrasync writes", f)
		}
		switch {
		case v != "":
			extra[string(f)] = v
		case create:
		case f != GroupDescription:
			return nil, fmt.Errorf("entra: group field %s cannot be cleared: Graph requires it", f)
		default:
			extra[string(f)] = nil
		}
	}
	m.SetAdditionalData(extra)
	return m, nil
}

func groupFromModel(m models.Groupable) Group {
	return Group{
		ID:              deref(m.GetId()),
		DisplayName:     deref(m.GetDisplayName()),
		Description:     deref(m.GetDescription()),
		MailNickname:    deref(m.GetMailNickname()),
		SecurityEnabled: deref(m.GetSecurityEnabled()),
		MailEnabled:     deref(m.GetMailEnabled()),
		DirSynced:       deref(m.GetOnPremisesSyncEnabled()),
	}
}
