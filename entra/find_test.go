package entra_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestFindUsers looks users up by anchor, UPN and mail with $filter=… in
// (…), 15 values a request (https://learn.microsoft.com/graph/filter-query-parameter;
// Graph refuses a 16th: see the emulator's "too many or clauses" test).
func TestFindUsers(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	const n = 40
	writes := make([]entra.Write, n)
	var anchors, upns, mails []string
	for i := range n {
		u := newUser(fmt.Sprintf("find%02d", i), fmt.Sprintf("QW5jaG9y%02d+/Q==", i))
		if i == 7 {
			// Characters Graph allows in a UPN that need quoting or
			// escaping in a URL (https://learn.microsoft.com/graph/api/resources/user).
			u.UserPrincipalName = "o'neil#7!^~@" + entratest.DefaultDomain
		}
		u.Mail = fmt.Sprintf("Find.%02d@%s", i, entratest.DefaultDomain)
		writes[i] = entra.Write{Kind: entra.OpCreateUser, User: u, Password: entra.GeneratePassword()}
		anchors = append(anchors, u.OnPremisesImmutableID)
		upns = append(upns, u.UserPrincipalName)
		mails = append(mails, strings.ToLower(u.Mail))
	}
	for i, r := range c.ApplyWrites(ctx, writes) {
		if r.Err != nil {
			t.Fatalf("create user %d: %v", i, r.Err)
		}
	}

	tests := []struct {
		name   string
		by     entra.UserField
		values []string
		want   []string // anchors found
		reqs   int
	}{
		{"anchors", entra.OnPremisesImmutableID, append(slices.Clone(anchors), "bm90LXRoZXJl"), anchors, 3},
		{"anchors twice", entra.OnPremisesImmutableID, append(slices.Clone(anchors[:10]), anchors[:10]...), anchors[:10], 1},
		{"userPrincipalNames, any case", entra.UserPrincipalName, []string{strings.ToUpper(upns[3]), upns[7], "nobody@" + entratest.DefaultDomain}, []string{anchors[3], anchors[7]}, 1},
		{"mail", entra.Mail, mails[20:36], anchors[20:36], 2},
		{"nothing", entra.Mail, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetRequests()
			got, err := c.FindUsers(ctx, tt.by, tt.values, entra.UserQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, u := range got {
				found = append(found, u.OnPremisesImmutableID)
			}
			slices.Sort(found)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(found, want) {
				t.Errorf("found %q, want %q", found, want)
			}
			if r := countRequests(s, "GET", "/v1.0/users"); r != tt.reqs {
				t.Errorf("%d requests, want %d", r, tt.reqs)
			}
		})
	}
	if _, err := c.FindUsers(ctx, entra.DisplayName, []string{"x"}, entra.UserQuery{}); !errors.Is(err, entra.ErrInvalidRequest) {
		t.Errorf("FindUsers by displayName: %v, want ErrInvalidRequest", err)
	}
}

// TestListUsersWithManager reads every user with its manager in the list
// itself ($expand=manager, https://learn.microsoft.com/graph/api/user-list-manager):
// a request per 100 users (Graph's page with $expand), none per user.
func TestListUsersWithManager(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	ids := createUsers(t, c, "staff", 150)
	boss := ids[0]
	for _, id := range ids[1:60] {
		if err := c.SetManager(ctx, id, boss); err != nil {
			t.Fatal(err)
		}
	}
	s.ResetRequests()
	managed, total := 0, 0
	for u, err := range c.ListUsers(ctx, entra.UserQuery{Manager: true}) {
		if err != nil {
			t.Fatal(err)
		}
		total++
		switch {
		case u.ManagerID == boss:
			managed++
		case u.ManagerID != "":
			t.Errorf("user %s has manager %s, want %s or none", u.UserPrincipalName, u.ManagerID, boss)
		}
	}
	if managed != 59 {
		t.Errorf("%d users with a manager, want 59", managed)
	}
	pages := (total + 99) / 100
	if n := countRequests(s, "GET", "/v1.0/users"); n != pages || len(s.Requests()) != pages {
		t.Errorf("%d GET /users of %d requests for %d users, want %d pages and nothing else", n, len(s.Requests()), total, pages)
	}
	// Without the manager: 999 a page, and ManagerID stays empty.
	s.ResetRequests()
	for u, err := range c.Users(ctx) {
		if err != nil || u.ManagerID != "" {
			t.Fatalf("Users: %+v, %v; want no manager read", u, err)
		}
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests to list %d users without managers, want 1", n, total)
	}
}

// TestFindGroupsByMailNickname finds groups by many mailNicknames, 15 a
// request.
func TestFindGroupsByMailNickname(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	var nicks []string
	for i := range 20 {
		g := entra.Group{DisplayName: fmt.Sprintf("Group %d", i), MailNickname: fmt.Sprintf("esync-g%02d", i)}
		if _, err := c.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		nicks = append(nicks, g.MailNickname)
	}
	s.ResetRequests()
	got, err := c.FindGroupsByMailNickname(ctx, append(nicks[2:19], "esync-none"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, g := range got {
		found = append(found, g.MailNickname)
	}
	slices.Sort(found)
	if !slices.Equal(found, nicks[2:19]) {
		t.Errorf("found %q, want %q", found, nicks[2:19])
	}
	if n := countRequests(s, "GET", "/v1.0/groups"); n != 2 {
		t.Errorf("%d requests for 18 mailNicknames, want 2", n)
	}
}
