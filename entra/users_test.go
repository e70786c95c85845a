package entra_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

func newUser(local, anchor string) entra.User {
	return entra.User{
		UserPrincipalName:     local + "@" + entratest.DefaultDomain,
		OnPremisesImmutableID: anchor,
		AccountEnabled:        true,
		DisplayName:           "User " + local,
		GivenName:             "Given",
		MailNickname:          local,
		Department:            "Sales",
		BusinessPhones:        []string{"+1 555 0100"},
	}
}

// TestUserLifecycle creates, finds, patches, deletes and restores a user
// as the sync application (https://learn.microsoft.com/graph/api/user-post-users,
// user-update, user-delete, directory-deleteditems-restore).
func TestUserLifecycle(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	u := newUser("ada.lovelace", "m2BHrBmPdUi2ewNVAoc1pg==")
	id, err := c.CreateUser(ctx, u, entra.GeneratePassword())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.UserByImmutableID(ctx, u.OnPremisesImmutableID)
	if err != nil {
		t.Fatal(err)
	}
	u.ID = id
	if !equalUsers(got, u) {
		t.Errorf("UserByImmutableID = %+v, want %+v", got, u)
	}
	if _, err := c.UserByImmutableID(ctx, "bm90LXRoZXJl+/=="); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("unknown anchor: got %v, want ErrNotFound", err)
	}

	// Patch only what changed: a new job title, a cleared department.
	s.ResetRequests()
	u.JobTitle, u.Department, u.GivenName = "Analyst", "", "ignored: not in the changed set"
	if err := c.UpdateUser(ctx, id, u, []entra.UserField{entra.JobTitle, entra.Department}); err != nil {
		t.Fatal(err)
	}
	got, err = c.User(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.JobTitle != "Analyst" || got.Department != "" || got.GivenName != "Given" {
		t.Errorf("after patch: jobTitle %q, department %q, givenName %q; want Analyst, empty, Given", got.JobTitle, got.Department, got.GivenName)
	}
	if n := countRequests(s, "PATCH", "/v1.0/users/"+id); n != 1 {
		t.Errorf("%d PATCH requests, want 1", n)
	}

	if err := c.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(ctx, id); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("get after delete: got %v, want ErrNotFound", err)
	}
	if err := c.DeleteUser(ctx, id); err != nil {
		t.Errorf("delete of a deleted user: %v, want nil", err)
	}
	var deleted []string
	for du, err := range c.DeletedUsers(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		deleted = append(deleted, du.ID)
	}
	if !slices.Contains(deleted, id) {
		t.Errorf("deleted users %v do not include %s", deleted, id)
	}
	if err := c.Restore(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, err := c.User(ctx, id); err != nil || got.JobTitle != "Analyst" {
		t.Errorf("after restore: %+v, %v", got, err)
	}
}

func equalUsers(a, b entra.User) bool {
	if len(a.BusinessPhones) == 0 && len(b.BusinessPhones) == 0 {
		a.BusinessPhones, b.BusinessPhones = nil, nil
	}
	return a.ID == b.ID && a.UserPrincipalName == b.UserPrincipalName && a.OnPremisesImmutableID == b.OnPremisesImmutableID &&
		a.AccountEnabled == b.AccountEnabled && a.DisplayName == b.DisplayName && a.GivenName == b.GivenName &&
		a.MailNickname == b.MailNickname && a.Department == b.Department && a.JobTitle == b.JobTitle &&
		slices.Equal(a.BusinessPhones, b.BusinessPhones)
}

// TestListUsersPages lists more users than one page holds.
func TestListUsersPages(t *testing.T) {
	tenant := entratest.DefaultTenant()
	for i := range 1200 {
		local := "bulk" + strconv.Itoa(i)
		tenant.Users = append(tenant.Users, entratest.User{UserPrincipalName: local + "@" + entratest.DefaultDomain, DisplayName: local})
	}
	s, opts := emulator(t, entratest.WithTenant(tenant))
	c := syncClient(t, s, opts)
	seen := map[string]bool{}
	for u, err := range c.Users(testContext(t)) {
		if err != nil {
			t.Fatal(err)
		}
		seen[u.UserPrincipalName] = true
	}
	if len(seen) != len(tenant.Users) {
		t.Errorf("listed %d users, want %d", len(seen), len(tenant.Users))
	}
	if n := countRequests(s, "GET", "/v1.0/users"); n != 2 {
		t.Errorf("%d GET /users requests, want 2 pages of up to 999", n)
	}
	// Breaking out of the loop stops paging.
	s.ResetRequests()
	for range c.Users(testContext(t)) {
		break
	}
	if n := countRequests(s, "GET", "/v1.0/users"); n != 1 {
		t.Errorf("%d GET /users requests after break, want 1", n)
	}
}

// TestCreateUserErrors: what Graph refuses comes back typed and names
// what to fix.
func TestCreateUserErrors(t *testing.T) {
	s, opts := emulator(t)
	c := syncClient(t, s, opts)
	tests := []struct {
		name     string
		user     entra.User
		sentinel error
		contains []string
	}{
		{"taken userPrincipalName", entra.User{UserPrincipalName: entratest.DefaultUser, DisplayName: "Dup", MailNickname: "dup", AccountEnabled: true},
			entra.ErrConflict, []string{"userPrincipalName", entratest.DefaultUser}},
		{"taken onPremisesImmutableId", entra.User{UserPrincipalName: "p2@" + entratest.DefaultDomain, OnPremisesImmutableID: "2Xb+GL13N0a4KhbGr3W9Ag==", DisplayName: "P2", MailNickname: "p2", AccountEnabled: true},
			entra.ErrConflict, []string{"onPremisesImmutableId", "2Xb+GL13N0a4KhbGr3W9Ag=="}},
		{"unverified domain", entra.User{UserPrincipalName: "bob@" + entratest.DefaultUnverifiedDomain, DisplayName: "Bob", MailNickname: "bob", AccountEnabled: true},
			entra.ErrUPNDomainNotVerified, []string{entratest.DefaultUnverifiedDomain}},
		{"unknown domain", entra.User{UserPrincipalName: "bob@corp.local", DisplayName: "Bob", MailNickname: "bob2", AccountEnabled: true},
			entra.ErrUPNDomainNotVerified, []string{"corp.local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateUser(testContext(t), tt.user, entra.GeneratePassword())
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("got %v, want %v", err, tt.sentinel)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not name %q", err, s)
				}
			}
		})
	}
	t.Run("no password", func(t *testing.T) {
		if _, err := c.CreateUser(testContext(t), newUser("nopw", ""), ""); err == nil {
			t.Error("no error, want one")
		}
	})
}

// TestForbidden: an application without User.ReadWrite.All is told which
// permission to grant (https://learn.microsoft.com/graph/api/user-post-users).
func TestForbidden(t *testing.T) {
	s, opts := emulator(t)
	c := appClient(t, s, opts, entratest.DefaultUnprivilegedApp)
	_, err := c.CreateUser(testContext(t), newUser("denied", ""), entra.GeneratePassword())
	var fe *entra.ForbiddenError
	if !errors.As(err, &fe) || fe.Reason != entra.ConsentMissing || fe.Permission != "User.ReadWrite.All" {
		t.Fatalf("got %v, want a ForbiddenError for User.ReadWrite.All", err)
	}
	if !strings.Contains(err.Error(), "Grant admin consent") {
		t.Errorf("message %q does not say how to grant it", err)
	}
}

func countRequests(s *entratest.Server, method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// TestManager sets, reads and removes a manager, alone and in a batch
// (https://learn.microsoft.com/graph/api/user-post-manager,
// user-delete-manager).
func TestManager(t *testing.T) {
	s, opts := emulator(t)
	ctx := testContext(t)
	c := syncClient(t, s, opts)
	ids := createUsers(t, c, "org", 3)
	boss, staff, other := ids[0], ids[1], ids[2]

	if err := c.SetManager(ctx, staff, boss); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Manager(ctx, staff); err != nil || got != boss {
		t.Errorf("Manager = %q, %v; want %s", got, err, boss)
	}
	r := c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpSetManager, ID: other, ManagerID: boss}})[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if got, _ := c.Manager(ctx, other); got != boss {
		t.Errorf("manager set in a batch = %q, want %s", got, boss)
	}
	if err := c.RemoveManager(ctx, staff); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Manager(ctx, staff); err != nil || got != "" {
		t.Errorf("Manager after removal = %q, %v; want none", got, err)
	}
	r = c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpRemoveManager, ID: staff}})[0]
	if r.Err != nil || !r.NoOp {
		t.Errorf("removing a manager already gone: %+v, want a no-op success", r)
	}
	if _, err := c.Manager(ctx, "00000000-0000-0000-0000-0000000000ff"); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("manager of a missing user: %v, want ErrNotFound", err)
	}
	if err := c.SetManager(ctx, staff, "00000000-0000-0000-0000-0000000000ff"); !errors.Is(err, entra.ErrNotFound) {
		t.Errorf("a manager that does not exist: %v, want ErrNotFound", err)
	}
}
