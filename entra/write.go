package entra

import (
	"context"
	"errors"
	"fmt"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// WriteKind is what a Write does.
type WriteKind uint8

// The writes ApplyWrites sends. The comment of each says which fields of
// Write it reads.
const (
	// OpCreateUser creates User (all its non-empty fields) with Password as
	// the initial password, to be changed at first sign-in. Result.ID is the
	// new user's id.
	OpCreateUser WriteKind = iota + 1
	// OpUpdateUser sets UserFields of User on the user ID; an empty value
	// clears the property.
	OpUpdateUser
	// OpDeleteUser deletes the user ID (it goes to deleted items for 30
	// days). Already gone is success with NoOp.
	OpDeleteUser
	// OpSetManager makes ManagerID the manager of the user ID.
	OpSetManager
	// OpRemoveManager removes the manager of the user ID. No manager is
	// success with NoOp.
	OpRemoveManager
	// OpCreateGroup creates Group as a security group. Result.ID is the new
	// group's id.
	OpCreateGroup
	// OpUpdateGroup sets GroupFields of Group on the group ID.
	OpUpdateGroup
	// OpDeleteGroup deletes the group ID. Already gone is success with NoOp.
	OpDeleteGroup
	// OpAddMembers adds Members (user or group ids) to the group ID, 20 per
	// request (members@odata.bind). Members already there are success.
	OpAddMembers
	// OpRemoveMembers removes Members from the group ID, one request each.
	// Members already gone are success.
	OpRemoveMembers
	// OpRestore restores the user ID (or a Microsoft 365 group) from
	// deleted items.
	OpRestore
)

var kindNames = map[WriteKind]string{
	OpCreateUser: "create user", OpUpdateUser: "update user", OpDeleteUser: "delete user",
	OpSetManager: "set manager", OpRemoveManager: "remove manager", OpCreateGroup: "create group",
	OpUpdateGroup: "update group", OpDeleteGroup: "delete group", OpAddMembers: "add members",
	OpRemoveMembers: "remove members", OpRestore: "restore deleted object",
}

// String names the kind as error messages do: "create user".
func (k WriteKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("write kind %d", k)
}

// Write is one change to send to Graph. Kind says which fields are read.
type Write struct {
	Kind        WriteKind
	ID          string // the object written to (all kinds but creates)
	User        User
	UserFields  []UserField // OpUpdateUser: the fields that changed
	Password    string      // OpCreateUser: initial password (GeneratePassword)
	Group       Group
	GroupFields []GroupField // OpUpdateGroup: the fields that changed
	ManagerID   string       // OpSetManager
	Members     []string     // OpAddMembers, OpRemoveMembers: directory object ids
}

// WriteResult is the outcome of one Write.
type WriteResult struct {
	// ID is the object's id: the new one for creates, Write.ID otherwise.
	ID string
	// Err is nil on success. Otherwise it matches one of the package's
	// sentinels (ErrConflict, ErrUPNDomainNotVerified, ErrNotFound,
	// ErrForbidden, ErrThrottled, ErrInvalidRequest…) and holds the typed
	// error with the details.
	Err error
	// NoOp reports that Graph already was in the requested state: a delete
	// of an object already gone, a member already added or removed.
	NoOp bool
	// Requests is how many HTTP requests (or $batch items) the write took:
	// more than one after throttling, or for more than 20 members.
	Requests int
}

// op is one Graph request of a Write: most writes are one op; OpAddMembers
// is one op per 20 members and OpRemoveMembers one per member.
type op struct {
	write     int // index of the Write
	kind      WriteKind
	ci        callInfo
	build     func(context.Context) (*abs.RequestInformation, error)
	returnsID bool     // the response body is the created object
	group     string   // OpAddMembers, OpRemoveMembers: the group
	members   []string // OpAddMembers, OpRemoveMembers: this op's members
	attempts  int
	notBefore time.Time
}

// memberChunk is how many members one members@odata.bind request adds
// (https://learn.microsoft.com/graph/api/group-post-members, example 2).
const memberChunk = 20

// ops turns writes[i] into its requests.
func (c *Client) ops(i int, w Write) ([]*op, error) {
	sdk := c.g.sdk
	one := func(perm string, build func(context.Context) (*abs.RequestInformation, error)) []*op {
		ci := c.call(w.Kind.String(), perm)
		ci.what = w.Kind.objectName() + " " + w.ID
		return []*op{{write: i, kind: w.Kind, ci: ci, build: build}}
	}
	if w.Kind != OpCreateUser && w.Kind != OpCreateGroup {
		if err := checkID(w.Kind.String(), w.ID); err != nil {
			return nil, err
		}
	}
	switch w.Kind {
	case OpCreateUser:
		if w.Password == "" {
			return nil, errors.New("entra: create user: no initial password (use GeneratePassword)")
		}
		body, values, err := userBody(w.User, nil, true)
		if err != nil {
			return nil, err
		}
		pp := models.NewPasswordProfile()
		pp.SetPassword(ptr(w.Password))
		pp.SetForceChangePasswordNextSignIn(ptr(true))
		body.SetPasswordProfile(pp)
		o := one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Users().ToPostRequestInformation(ctx, body, nil)
		})
		o[0].ci.values, o[0].returnsID = values, true
		return o, nil
	case OpUpdateUser:
		if len(w.UserFields) == 0 {
			return nil, errors.New("entra: update user: no fields to change")
		}
		body, values, err := userBody(w.User, w.UserFields, false)
		if err != nil {
			return nil, err
		}
		o := one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Users().ByUserId(w.ID).ToPatchRequestInformation(ctx, body, nil)
		})
		o[0].ci.values = values
		return o, nil
	case OpDeleteUser:
		return one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Users().ByUserId(w.ID).ToDeleteRequestInformation(ctx, nil)
		}), nil
	case OpSetManager:
		if err := checkID("set manager", w.ManagerID); err != nil {
			return nil, err
		}
		ref := models.NewReferenceUpdate()
		ref.SetOdataId(ptr(c.directoryObjectURL(w.ManagerID)))
		return one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Users().ByUserId(w.ID).Manager().Ref().ToPutRequestInformation(ctx, ref, nil)
		}), nil
	case OpRemoveManager:
		return one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Users().ByUserId(w.ID).Manager().Ref().ToDeleteRequestInformation(ctx, nil)
		}), nil
	case OpCreateGroup:
		body, err := groupBody(w.Group, nil, true)
		if err != nil {
			return nil, err
		}
		o := one(permGroupReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Groups().ToPostRequestInformation(ctx, body, nil)
		})
		o[0].returnsID = true
		return o, nil
	case OpUpdateGroup:
		if len(w.GroupFields) == 0 {
			return nil, errors.New("entra: update group: no fields to change")
		}
		body, err := groupBody(w.Group, w.GroupFields, false)
		if err != nil {
			return nil, err
		}
		return one(permGroupReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Groups().ByGroupId(w.ID).ToPatchRequestInformation(ctx, body, nil)
		}), nil
	case OpDeleteGroup:
		return one(permGroupReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Groups().ByGroupId(w.ID).ToDeleteRequestInformation(ctx, nil)
		}), nil
	case OpAddMembers, OpRemoveMembers:
		if len(w.Members) == 0 {
			return nil, fmt.Errorf("entra: %s: no members given", w.Kind)
		}
		for _, m := range w.Members {
			if err := checkID(w.Kind.String(), m); err != nil {
				return nil, err
			}
		}
		var out []*op
		if w.Kind == OpRemoveMembers {
			for _, m := range w.Members {
				out = append(out, c.removeMemberOp(i, w.ID, m))
			}
			return out, nil
		}
		for start := 0; start < len(w.Members); start += memberChunk {
			out = append(out, c.addMembersOp(i, w.ID, w.Members[start:min(start+memberChunk, len(w.Members))]))
		}
		return out, nil
	case OpRestore:
		return one(permUserReadWriteAll, func(ctx context.Context) (*abs.RequestInformation, error) {
			return sdk.Directory().DeletedItems().ByDirectoryObjectId(w.ID).Restore().ToPostRequestInformation(ctx, nil)
		}), nil
	}
	return nil, fmt.Errorf("entra: unknown write kind %d", w.Kind)
}

// objectName is what the write's ID names, for "not found" messages.
func (k WriteKind) objectName() string {
	switch k {
	case OpCreateGroup, OpUpdateGroup, OpDeleteGroup, OpAddMembers, OpRemoveMembers:
		return "group"
	case OpRestore:
		return "deleted object"
	}
	return "user"
}

// addMembersOp adds up to 20 members in one PATCH with members@odata.bind.
func (c *Client) addMembersOp(i int, groupID string, members []string) *op {
	refs := make([]string, len(members))
	for j, m := range members {
		refs[j] = c.directoryObjectURL(m)
	}
	body := models.NewGroup()
	body.SetAdditionalData(map[string]any{"members@odata.bind": refs})
	ci := c.call(OpAddMembers.String(), permGroupReadWriteAll)
	ci.what = "group " + groupID + " or one of its new members"
	if len(members) == 1 {
		ci.values = map[string]string{"members": members[0]}
	}
	return &op{write: i, kind: OpAddMembers, ci: ci, group: groupID, members: members,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.g.sdk.Groups().ByGroupId(groupID).ToPatchRequestInformation(ctx, body, nil)
		}}
}

// removeMemberOp removes one member: DELETE /groups/{id}/members/{id}/$ref.
func (c *Client) removeMemberOp(i int, groupID, member string) *op {
	ci := c.call(OpRemoveMembers.String(), permGroupReadWriteAll)
	ci.what = "member " + member + " of group " + groupID
	return &op{write: i, kind: OpRemoveMembers, ci: ci, group: groupID, members: []string{member},
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.g.sdk.Groups().ByGroupId(groupID).Members().ByDirectoryObjectId(member).Ref().ToDeleteRequestInformation(ctx, nil)
		}}
}

// settle decides what a failed op's error means: success already in place
// (noop), a split into one op per member to isolate a bad one, or a
// failure.
func (c *Client) settle(o *op, err error) (noop bool, split []*op, fail error) {
	switch {
	case errors.Is(err, ErrNotFound) && (o.kind == OpDeleteUser || o.kind == OpDeleteGroup || o.kind == OpRemoveManager || o.kind == OpRemoveMembers):
		return true, nil, nil
	case o.kind == OpAddMembers && len(o.members) > 1 && (errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidRequest)):
		// One bad or existing member fails all 20: retry them one by one.
		for _, m := range o.members {
			split = append(split, c.addMembersOp(o.write, o.group, []string{m}))
		}
		return false, split, nil
	case o.kind == OpAddMembers && errors.Is(err, ErrConflict):
		return true, nil, nil
	}
	return false, nil, err
}
