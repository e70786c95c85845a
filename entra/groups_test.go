package entra_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/entrasync/entrasync/entra"
)

// createUsers creates n users through ApplyWrites and returns their ids.
func createUsers(t *testing.T, c *entra.Client, prefix string, n int) []string {
	t.Helper()
	writes := make([]entra.Write, n)
	for i := range writes {
		writes[i] = entra.Write{Kind: entra.OpCreateUser, User: newUser(prefix+strconv.Itoa(i), ""), Password: entra.GeneratePassword()}
	}
	var ids []string
	for i, r := range c.ApplyWrites(testContext(t), writes) {
		if r.Err != nil || r.ID == "" {
			t.Fatalf("create user %d: %q, %v", i, r.ID, r.Err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func members(t *testing.T, c *entra.Client, group string) []string {
	t.Helper()
	var out []string
	for id, err := range c.Members(testContext(t), group) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// TestGroupLifecycle creates a security group, adds 25 members (two
// members@odata.bind requests of at most 20:
// https://learn.microsoft.com/graph/api/group-post-members), adds some again,
// removes some, and deletes the group.
func TestGroupLifecycle(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	users := createUsers(t, c, "member", 25)

	g := entra.Group{DisplayName: "Sales", Description: "All of sales", MailNickname: "esync-sales"}
	id, err := c.CreateGroup(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	found, err := c.GroupsByMailNickname(ctx, "esync-sales")
	if err != nil || len(found) != 1 || found[0].ID != id || !found[0].SecurityEnabled || found[0].MailEnabled {
		t.Fatalf("GroupsByMailNickname = %+v, %v; want the new security group", found, err)
	}

	s.ResetRequests()
	if err := c.AddMembers(ctx, id, users); err != nil {
		t.Fatal(err)
	}
	if n := countRequests(s, "PATCH", "/v1.0/groups/"+id); n != 2 {
		t.Errorf("%d PATCH requests for 25 members, want 2", n)
	}
	want := slices.Sorted(slices.Values(users))
	if got := members(t, c, id); !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}

	// Adding members already there succeeds and changes nothing.
	r := c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpAddMembers, ID: id, Members: users[:3]}})[0]
	if r.Err != nil || !r.NoOp {
		t.Errorf("re-adding members: %+v, want a no-op success", r)
	}
	// A chunk with one member already there and one new one: the new one
	// is added (the chunk is retried member by member).
	extra := createUsers(t, c, "late", 1)
	if err := c.AddMembers(ctx, id, []string{users[0], extra[0]}); err != nil {
		t.Fatal(err)
	}
	if got := members(t, c, id); len(got) != 26 {
		t.Errorf("%d members, want 26", len(got))
	}

	if err := c.RemoveMembers(ctx, id, append(users[:5:5], extra[0])); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMembers(ctx, id, users[:1]); err != nil {
		t.Errorf("removing a member already gone: %v, want nil", err)
	}
	if got, want := members(t, c, id), slices.Sorted(slices.Values(users[5:])); !slices.Equal(got, want) {
		t.Errorf("members after removal = %v, want %v", got, want)
	}

	g.Description = ""
	g.DisplayName = "Sales EMEA"
	if err := c.UpdateGroup(ctx, id, g, []entra.GroupField{entra.GroupDisplayName, entra.GroupDescription}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Group(ctx, id); err != nil || got.DisplayName != "Sales EMEA" || got.Description != "" {
		t.Errorf("after update: %+v, %v", got, err)
	}

	var listed bool
	for g, err := range c.Groups(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = listed || g.ID == id
	}
	if !listed {
		t.Error("Groups does not list the new group")
	}

	if err := c.DeleteGroup(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Group(ctx, id); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	// A deleted security group is gone for good: only Microsoft 365 groups
	// go to deleted items (https://learn.microsoft.com/graph/api/directory-deleteditems-restore).
	if err := c.Restore(ctx, id); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("restore a deleted security group: %v, want ErrNotFound", err)
	}
}

// TestAddUnknownMember: a member id that does not exist fails alone, not
// with the 19 others of its request.
func TestAddUnknownMember(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	users := createUsers(t, c, "m", 3)
	id, err := c.CreateGroup(ctx, entra.Group{DisplayName: "G", MailNickname: "g"})
	if err != nil {
		t.Fatal(err)
	}
	bogus := "00000000-0000-0000-0000-000000000001"
	r := c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpAddMembers, ID: id, Members: append(users, bogus)}})[0]
	if !errors.Is(r.Err, entra.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound for %s", r.Err, bogus)
	}
	if got := members(t, c, id); len(got) != 3 {
		t.Errorf("%d members, want the 3 that exist", len(got))
	}
}
