package entra

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// MaxFilterValues is the most values one $filter "in" clause may hold:
// Graph limits an "in" (or "or") filter on directory objects to 15
// expressions without the advanced query parameters
// (https://learn.microsoft.com/graph/filter-query-parameter and the
// query-parameter limitations of https://learn.microsoft.com/graph/known-issues).
// FindUsers and FindGroupsByMailNickname send longer lists in chunks of it.
const MaxFilterValues = 15

// UserQuery chooses what a user read returns besides the User fields.
type UserQuery struct {
	// Manager also reads each user's manager into User.ManagerID, in the
	// same request: $expand=manager($select=id)
	// (https://learn.microsoft.com/graph/api/user-list-manager). Graph
	// answers such a list with at most 100 users per page
	// (https://learn.microsoft.com/graph/query-parameters#expand-parameter,
	// "$expand on directory objects": see known-issues), so a list costs a
	// request per 100 users instead of one per 999 plus one per user.
	Manager bool
}

// expand returns the $expand of q, nil for none.
func (q UserQuery) expand() []string {
	if q.Manager {
		return []string{"manager($select=id)"}
	}
	return nil
}

// ListUsers returns every user of the tenant, page by page ($top=999,
// $select of the User fields, and the manager when q asks). Stop early by
// breaking out of the loop; an error ends the sequence.
func (c *Client) ListUsers(ctx context.Context, q UserQuery) iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		var stopped bool
		err := paged(c, c.call("list users", permUserReadWriteAll),
			func() (models.UserCollectionResponseable, error) {
				return c.g.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
					QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Select: userSelect, Expand: q.expand(), Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.UserCollectionResponseable, error) {
				return c.g.sdk.Users().WithUrl(link).Get(ctx, nil)
			},
			func(m models.Userable) bool { stopped = !yield(userFromModel(m), nil); return !stopped })
		if err != nil && !stopped {
			yield(User{}, err)
		}
	}
}

// findableUserFields are the properties FindUsers looks users up by; each
// supports $filter "in" without advanced query parameters
// (https://learn.microsoft.com/graph/api/resources/user).
var findableUserFields = map[UserField]bool{OnPremisesImmutableID: true, UserPrincipalName: true, Mail: true}

// FindUsers returns the users whose property by (OnPremisesImmutableID,
// UserPrincipalName or Mail) equals one of values, with
// $filter=by in ('a','b',…): one request per MaxFilterValues values,
// instead of one per value. Graph compares the values without regard to
// case, so a caller for whom case matters (anchors) compares again.
// Values nothing holds are simply absent; duplicates and empty values are
// ignored.
func (c *Client) FindUsers(ctx context.Context, by UserField, values []string, q UserQuery) ([]User, error) {
	if !findableUserFields[by] {
		return nil, fmt.Errorf("entra: find users by %s: only by onPremisesImmutableId, userPrincipalName or mail: %w", by, ErrInvalidRequest)
	}
	ci := c.call("find users by "+string(by), permUserReadWriteAll)
	var out []User
	for chunk := range filterChunks(values) {
		filter := inFilter(string(by), chunk)
		err := paged(c, ci,
			func() (models.UserCollectionResponseable, error) {
				return c.g.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
					QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: userSelect, Expand: q.expand(), Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.UserCollectionResponseable, error) {
				return c.g.sdk.Users().WithUrl(link).Get(ctx, nil)
			},
			func(m models.Userable) bool { out = append(out, userFromModel(m)); return true })
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindGroupsByMailNickname returns the groups whose mailNickname is one of
// nicks (Graph does not keep it unique for security groups, and compares
// without regard to case), with $filter=mailNickname in (…), one request
// per MaxFilterValues values.
func (c *Client) FindGroupsByMailNickname(ctx context.Context, nicks []string) ([]Group, error) {
	ci := c.call("find groups by mailNickname", permGroupReadWriteAll)
	var out []Group
	for chunk := range filterChunks(nicks) {
		filter := inFilter("mailNickname", chunk)
		err := paged(c, ci,
			func() (models.GroupCollectionResponseable, error) {
				return c.g.sdk.Groups().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
					QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &filter, Select: groupSelect, Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.GroupCollectionResponseable, error) {
				return c.g.sdk.Groups().WithUrl(link).Get(ctx, nil)
			},
			func(m models.Groupable) bool { out = append(out, groupFromModel(m)); return true })
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// filterChunks yields the distinct non-empty values (compared without
// regard to case, as Graph does) in chunks of at most MaxFilterValues.
func filterChunks(values []string) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		seen := make(map[string]bool, len(values))
		chunk := make([]string, 0, MaxFilterValues)
		for _, v := range values {
			k := strings.ToLower(v)
			if v == "" || seen[k] {
				continue
			}
			seen[k] = true
			chunk = append(chunk, v)
			if len(chunk) == MaxFilterValues {
				if !yield(chunk) {
					return
				}
				chunk = make([]string, 0, MaxFilterValues)
			}
		}
		if len(chunk) > 0 {
			yield(chunk)
		}
	}
}

// inFilter returns "prop in ('a','b')" with each value quoted.
func inFilter(prop string, values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = odataString(v)
	}
	return prop + " in (" + strings.Join(quoted, ",") + ")"
}
