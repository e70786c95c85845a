package entra

import (
	"context"
	"fmt"
	"iter"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// Group returns the group with object id id, or an error matching
// ErrNotFound.
func (c *Client) Group(ctx context.Context, id string) (Group, error) {
	if err := checkID("get group", id); err != nil {
		return Group{}, err
	}
	m, err := c.g.sdk.Groups().ByGroupId(id).Get(ctx, &groups.GroupItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupItemRequestBuilderGetQueryParameters{Select: groupSelect},
	})
	if err != nil {
		ci := c.call("get group", permGroupReadWriteAll)
		ci.what = "group " + id
		return Group{}, translate(err, ci)
	}
	return groupFromModel(m), nil
}

// GroupsByMailNickname returns the groups whose mailNickname is nick (Graph
// does not keep it unique for security groups, and compares without regard
// to case). FindGroupsByMailNickname looks many up at once.
func (c *Client) GroupsByMailNickname(ctx context.Context, nick string) ([]Group, error) {
	if nick == "" {
		return nil, fmt.Errorf("entra: find group by mailNickname: empty mailNickname")
	}
	return c.FindGroupsByMailNickname(ctx, []string{nick})
}

// Groups returns every group of the tenant, page by page.
func (c *Client) Groups(ctx context.Context) iter.Seq2[Group, error] {
	return func(yield func(Group, error) bool) {
		var stopped bool
		err := paged(c, c.call("list groups", permGroupReadWriteAll),
			func() (models.GroupCollectionResponseable, error) {
				return c.g.sdk.Groups().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
					QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Select: groupSelect, Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.GroupCollectionResponseable, error) {
				return c.g.sdk.Groups().WithUrl(link).Get(ctx, nil)
			},
			func(m models.Groupable) bool { stopped = !yield(groupFromModel(m), nil); return !stopped })
		if err != nil && !stopped {
			yield(Group{}, err)
		}
	}
}

// Members returns the ids of the direct members of the group id (users
// and groups), page by page.
func (c *Client) Members(ctx context.Context, id string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := checkID("list members", id); err != nil {
			yield("", err)
			return
		}
		ci := c.call("list members", permGroupReadWriteAll)
		ci.what = "group " + id
		var stopped bool
		err := paged(c, ci,
			func() (models.DirectoryObjectCollectionResponseable, error) {
				return c.g.sdk.Groups().ByGroupId(id).Members().Get(ctx, &groups.ItemMembersRequestBuilderGetRequestConfiguration{
					QueryParameters: &groups.ItemMembersRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: ptr(int32(pageSize))},
				})
			},
			func(link string) (models.DirectoryObjectCollectionResponseable, error) {
				return c.g.sdk.Groups().ByGroupId(id).Members().WithUrl(link).Get(ctx, nil)
			},
			func(m models.DirectoryObjectable) bool { stopped = !yield(deref(m.GetId()), nil); return !stopped })
		if err != nil && !stopped {
			yield("", err)
		}
	}
}

// CreateGroup creates g as a security group and returns its id.
func (c *Client) CreateGroup(ctx context.Context, g Group) (string, error) {
	r := c.applyDirect(ctx, Write{Kind: OpCreateGroup, Group: g})
	return r.ID, r.Err
}

// UpdateGroup sets fields of g on the group id and nothing else.
func (c *Client) UpdateGroup(ctx context.Context, id string, g Group, fields []GroupField) error {
	return c.applyDirect(ctx, Write{Kind: OpUpdateGroup, ID: id, Group: g, GroupFields: fields}).Err
}

// DeleteGroup deletes the group id; a group already gone is not an error.
// A security group is deleted permanently: unlike users, it cannot be
// restored.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.applyDirect(ctx, Write{Kind: OpDeleteGroup, ID: id}).Err
}

// AddMembers adds members (user or group ids) to the group id, 20 per
// request; members already there are not an error.
func (c *Client) AddMembers(ctx context.Context, id string, members []string) error {
	return c.applyDirect(ctx, Write{Kind: OpAddMembers, ID: id, Members: members}).Err
}

// RemoveMembers removes members from the group id; members already gone
// are not an error.
func (c *Client) RemoveMembers(ctx context.Context, id string, members []string) error {
	return c.applyDirect(ctx, Write{Kind: OpRemoveMembers, ID: id, Members: members}).Err
}
