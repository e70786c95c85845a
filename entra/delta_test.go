package entra_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra"
)

// TestUsersDelta reads a first round (every user), makes cloud edits,
// and reads only those in the next round
// (https://learn.microsoft.com/graph/api/user-delta).
func TestUsersDelta(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	ids := createUsers(t, c, "delta", 3)

	var first []entra.UserChange
	link, err := c.UsersDelta(ctx, "", func(ch entra.UserChange) error { first = append(first, ch); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if link == "" || !strings.HasPrefix(link, s.URL) {
		t.Fatalf("delta link %q, want one on the emulator", link)
	}
	if len(first) < len(ids) || slices.ContainsFunc(first, func(ch entra.UserChange) bool { return ch.Removed }) {
		t.Fatalf("first round: %d entries, want every live user and no removal", len(first))
	}

	// Edits made in the cloud: one user renamed, one deleted.
	if err := c.UpdateUser(ctx, ids[0], entra.User{DisplayName: "Renamed in the cloud"}, []entra.UserField{entra.DisplayName}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	changes := map[string]entra.UserChange{}
	next, err := c.UsersDelta(ctx, link, func(ch entra.UserChange) error { changes[ch.ID] = ch; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if next == "" || next == link {
		t.Errorf("next delta link %q, want a new one", next)
	}
	if len(changes) != 2 {
		t.Errorf("second round: %d entries %v, want the 2 users changed", len(changes), changes)
	}
	if ch := changes[ids[0]]; ch.Removed || ch.DisplayName != "Renamed in the cloud" || ch.UserPrincipalName == "" {
		t.Errorf("renamed user: %+v, want its current state with the new name", ch)
	}
	if ch := changes[ids[1]]; !ch.Removed || ch.Permanently {
		t.Errorf("deleted user: %+v, want Removed (restorable)", ch)
	}

	// A callback error stops the round and is returned as is.
	stop := errors.New("stop")
	if _, err := c.UsersDelta(ctx, "", func(entra.UserChange) error { return stop }); err != stop {
		t.Errorf("callback error: got %v, want it returned", err)
	}
	// A link from elsewhere is refused before anything is sent.
	if _, err := c.UsersDelta(ctx, "https://graph.example/v1.0/users/delta?$deltatoken=x", func(entra.UserChange) error { return nil }); err == nil {
		t.Error("a foreign delta link was used")
	}
}

// TestGroupsDelta sees membership changes as members@delta
// (https://learn.microsoft.com/graph/api/group-delta).
func TestGroupsDelta(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	users := createUsers(t, c, "gd", 3)
	gid, err := c.CreateGroup(ctx, entra.Group{DisplayName: "Delta", MailNickname: "delta"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddMembers(ctx, gid, users[:2]); err != nil {
		t.Fatal(err)
	}
	link, err := c.GroupsDelta(ctx, "", func(entra.GroupChange) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddMembers(ctx, gid, users[2:]); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMembers(ctx, gid, users[:1]); err != nil {
		t.Fatal(err)
	}
	var got []entra.GroupChange
	if _, err := c.GroupsDelta(ctx, link, func(ch entra.GroupChange) error { got = append(got, ch); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != gid {
		t.Fatalf("changes %+v, want the one group", got)
	}
	if !slices.Equal(got[0].MembersAdded, users[2:]) || !slices.Equal(got[0].MembersRemoved, users[:1]) {
		t.Errorf("members added %v, removed %v; want %v, %v", got[0].MembersAdded, got[0].MembersRemoved, users[2:], users[:1])
	}
	if got[0].DisplayName != "Delta" {
		t.Errorf("group state %+v, want its display name", got[0].Group)
	}
}
