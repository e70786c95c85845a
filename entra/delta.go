package entra

import (
	"context"
	"errors"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// UserChange is one entry of a users/delta round
// (https://learn.microsoft.com/graph/api/user-delta). Without Removed, User
// holds the user's current state: Graph returns every selected property
// that has a value, changed or not.
type UserChange struct {
	User
	// Removed: the user was deleted (to deleted items, or Permanently).
	Removed     bool
	Permanently bool // @removed reason "deleted": it cannot be restored
}

// GroupChange is one entry of a groups/delta round
// (https://learn.microsoft.com/graph/api/group-delta). Without Removed,
// Group holds the group's current state and MembersAdded/MembersRemoved
// the membership changes since the previous round (members@delta).
type GroupChange struct {
	Group
	Removed        bool
	Permanently    bool
	MembersAdded   []string
	MembersRemoved []string
}

// UsersDelta reads one round of users/delta: from the start when link is
// empty (every user, then a delta link), or the changes since link, a
// delta link it returned before. It calls fn for each entry and returns the
// next delta link, to persist only after every entry was handled. An
// expired link gives an error matching ErrResyncRequired: start again with
// an empty link.
func (c *Client) UsersDelta(ctx context.Context, link string, fn func(UserChange) error) (string, error) {
	ci := c.call("read users/delta", permUserReadWriteAll)
	b := c.g.sdk.Users().Delta()
	var cfg *users.DeltaRequestBuilderGetRequestConfiguration
	if link == "" {
		cfg = &users.DeltaRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.DeltaRequestBuilderGetQueryParameters{Select: userSelect},
		}
	}
	var links pageLinks
	for {
		if link != "" {
			if err := c.checkLink(link); err != nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, err)
			}
			if err := links.add(link); err != nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, err)
			}
			b = b.WithUrl(link)
		}
		resp, err := b.GetAsDeltaGetResponse(ctx, cfg)
		if err != nil {
			return "", translate(err, ci)
		}
		for _, m := range resp.GetValue() {
			if m == nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, errNullItem)
			}
			ch := UserChange{User: userFromModel(m)}
			ch.Removed, ch.Permanently = removed(m.GetAdditionalData())
			if err := fn(ch); err != nil {
				return "", err
			}
		}
		next, delta, err := deltaLinks(resp.GetOdataNextLink(), resp.GetOdataDeltaLink())
		if err != nil {
			return "", fmt.Errorf("entra: %s: %w", ci.op, err)
		}
		if delta != "" {
			return delta, nil
		}
		link, cfg = next, nil
	}
}

// GroupsDelta reads one round of groups/delta, as UsersDelta does for
// users, with the membership changes of each group.
func (c *Client) GroupsDelta(ctx context.Context, link string, fn func(GroupChange) error) (string, error) {
	ci := c.call("read groups/delta", permGroupReadWriteAll)
	b := c.g.sdk.Groups().Delta()
	var cfg *groups.DeltaRequestBuilderGetRequestConfiguration
	if link == "" {
		cfg = &groups.DeltaRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.DeltaRequestBuilderGetQueryParameters{Select: append(append([]string{}, groupSelect...), "members")},
		}
	}
	var links pageLinks
	for {
		if link != "" {
			if err := c.checkLink(link); err != nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, err)
			}
			if err := links.add(link); err != nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, err)
			}
			b = b.WithUrl(link)
		}
		resp, err := b.GetAsDeltaGetResponse(ctx, cfg)
		if err != nil {
			return "", translate(err, ci)
		}
		for _, m := range resp.GetValue() {
			if m == nil {
				return "", fmt.Errorf("entra: %s: %w", ci.op, errNullItem)
			}
			ch := groupChange(m)
			if err := fn(ch); err != nil {
				return "", err
			}
		}
		next, delta, err := deltaLinks(resp.GetOdataNextLink(), resp.GetOdataDeltaLink())
		if err != nil {
			return "", fmt.Errorf("entra: %s: %w", ci.op, err)
		}
		if delta != "" {
			return delta, nil
		}
		link, cfg = next, nil
	}
}

func groupChange(m models.Groupable) GroupChange {
	extra := m.GetAdditionalData()
	ch := GroupChange{Group: groupFromModel(m)}
	ch.Removed, ch.Permanently = removed(extra)
	list, _ := extra["members@delta"].([]any)
	for _, v := range list {
		entry, _ := v.(map[string]any)
		id := anyString(entry["id"])
		if id == "" {
			continue
		}
		if gone, _ := removed(entry); gone {
			ch.MembersRemoved = append(ch.MembersRemoved, id)
		} else {
			ch.MembersAdded = append(ch.MembersAdded, id)
		}
	}
	return ch
}

// deltaLinks checks that a delta page ends with exactly one of the links.
func deltaLinks(next, delta *string) (string, string, error) {
	n, d := deref(next), deref(delta)
	if n == "" && d == "" {
		return "", "", errors.New("the delta page from Graph has neither @odata.nextLink nor @odata.deltaLink")
	}
	return n, d, nil
}

// removed reads an @removed annotation: {"reason": "changed"|"deleted"}.
func removed(extra map[string]any) (gone, permanently bool) {
	r, ok := extra["@removed"]
	if !ok || r == nil {
		return false, false
	}
	m, _ := r.(map[string]any)
	return true, anyString(m["reason"]) == "deleted"
}

// anyString reads a string the JSON parse node left as string or *string.
func anyString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		return deref(s)
	}
	return ""
}
