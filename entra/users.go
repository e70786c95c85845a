package entra

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// pageSize is $top for lists: the most Graph returns per page of users
// and groups (https://learn.microsoft.com/graph/paging).
const pageSize = 999

// User returns the user with object id id, or an error matching
// ErrNotFound.
func (c *Client) User(ctx context.Context, id string) (User, error) {
	if err := checkID("get user", id); err != nil {
		return User{}, err
	}
	m, err := c.g.sdk.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
	})
	if err != nil {
		ci := c.call("get user", permUserReadWriteAll)
		ci.what = "user " + id
		return User{}, translate(err, ci)
	}
	return userFromModel(m), nil
}

// UserByImmutableID returns the user whose onPremisesImmutableId is
// immutableID (the source anchor, compared case-sensitively), or an error
// matching ErrNotFound. FindUsers looks many up at once.
func (c *Client) UserByImmutableID(ctx context.Context, immutableID string) (User, error) {
	const op = "find user by onPremisesImmutableId"
	if immutableID == "" {
		return User{}, fmt.Errorf("entra: %s: empty anchor", op)
	}
	found, err := c.FindUsers(ctx, OnPremisesImmutableID, []string{immutableID}, UserQuery{})
	if err != nil {
		return User{}, err
	}
	found = slices.DeleteFunc(found, func(u User) bool { return u.OnPremisesImmutableID != immutableID })
	switch len(found) {
	case 0:
		return User{}, fmt.Errorf("entra: %s: %w", op, &NotFoundError{What: "user with onPremisesImmutableId " + immutableID})
	case 1:
		return found[0], nil
	default:
		return User{}, fmt.Errorf("entra: %s: %d users have onPremisesImmutableId %q, which Graph keeps unique", op, len(found), immutableID)
	}
}

// Users returns every user of the tenant, page by page ($top=999,
// $select of the User fields): ListUsers without a manager. Stop early by
// breaking out of the loop; an error ends the sequence.
func (c *Client) Users(ctx context.Context) iter.Seq2[User, error] {
	return c.ListUsers(ctx, UserQuery{})
}

// DeletedUsers returns the users in deleted items (restorable for 30 days
// after deletion; https://learn.microsoft.com/graph/api/directory-deleteditems-list).
func (c *Client) DeletedUsers(ctx context.Context) iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		var stopped bool
		err := paged(c, c.call("list deleted users", permUserReadWriteAll),
			func() (models.UserCollectionResponseable, error) {
				return c.g.sdk.Directory().DeletedItems().GraphUser().Get(ctx, &directory.DeletedItemsGraphUserRequestBuilderGetRequestConfiguration{
					QueryParameters: &directory.DeletedItemsGraphUserRequestBuilderGetQueryParameters{Select: userSelect, Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.UserCollectionResponseable, error) {
				return c.g.sdk.Directory().DeletedItems().GraphUser().WithUrl(link).Get(ctx, nil)
			},
			func(m models.Userable) bool { stopped = !yield(userFromModel(m), nil); return !stopped })
		if err != nil && !stopped {
			yield(User{}, err)
		}
	}
}

// CreateUser creates u with password as its initial password (to be
// changed at first sign-in) and returns the new user's id. A taken
// userPrincipalName or onPremisesImmutableId is a *ConflictError; a UPN on a
// domain the tenant has not verified is a *UPNDomainError.
func (c *Client) CreateUser(ctx context.Context, u User, password string) (string, error) {
	r := c.applyDirect(ctx, Write{Kind: OpCreateUser, User: u, Password: password})
	return r.ID, r.Err
}

// UpdateUser sets fields of u on the user id and nothing else; an empty
// value clears the property.
func (c *Client) UpdateUser(ctx context.Context, id string, u User, fields []UserField) error {
	return c.applyDirect(ctx, Write{Kind: OpUpdateUser, ID: id, User: u, UserFields: fields}).Err
}

// DeleteUser deletes the user id; it stays in deleted items for 30 days
// (Restore). A user already gone is not an error.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.applyDirect(ctx, Write{Kind: OpDeleteUser, ID: id}).Err
}

// Restore brings the user id back from deleted items (security groups
// are deleted permanently)
// (https://learn.microsoft.com/graph/api/directory-deleteditems-restore).
func (c *Client) Restore(ctx context.Context, id string) error {
	return c.applyDirect(ctx, Write{Kind: OpRestore, ID: id}).Err
}

// SetManager makes managerID the manager of the user id.
func (c *Client) SetManager(ctx context.Context, id, managerID string) error {
	return c.applyDirect(ctx, Write{Kind: OpSetManager, ID: id, ManagerID: managerID}).Err
}

// Manager returns the id of the manager of the user id, or "" when it has
// none (https://learn.microsoft.com/graph/api/user-list-manager, read with
// $expand=manager so that "no manager" and "no user" differ).
func (c *Client) Manager(ctx context.Context, id string) (string, error) {
	if err := checkID("get manager", id); err != nil {
		return "", err
	}
	m, err := c.g.sdk.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id"}, Expand: []string{"manager($select=id)"}},
	})
	if err != nil {
		ci := c.call("get manager", permUserReadWriteAll)
		ci.what = "user " + id
		return "", translate(err, ci)
	}
	return managerID(m), nil
}

// RemoveManager removes the manager of the user id; none is not an error.
func (c *Client) RemoveManager(ctx context.Context, id string) error {
	return c.applyDirect(ctx, Write{Kind: OpRemoveManager, ID: id}).Err
}

// odataString quotes s as an OData string literal: single quotes, with a
// quote inside doubled (https://learn.microsoft.com/graph/query-parameters).
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
