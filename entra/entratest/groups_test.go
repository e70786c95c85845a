package entratest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// Groups and members: https://learn.microsoft.com/graph/api/group-post-groups,
// group-update, group-delete, group-post-members, group-delete-members,
// group-list-members.

func newGroup(name string) map[string]any {
	return map[string]any{"displayName": name, "mailEnabled": false, "mailNickname": name, "securityEnabled": true}
}

// ref is the @odata.id of a directory object, as group-post-members shows.
func ref(id string) string { return GraphResource + "/v1.0/directoryObjects/" + id }

func TestCreateGroup(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	u1, _ := s.UserByUPN(DefaultUser)
	u2, _ := s.UserByUPN("lee.gu@" + DefaultDomain)
	body := newGroup("Engineering")
	body["description"] = "All engineers"
	body["members@odata.bind"] = []any{ref(u1.ID), ref(u2.ID)}
	r := c.do(http.MethodPost, "/groups", body)
	want(t, r, http.StatusCreated, "")
	if r.str("displayName") != "Engineering" || r.body["securityEnabled"] != true || r.body["mailEnabled"] != false || !isGUID(r.str("id")) {
		t.Errorf("created group: got %s", r.raw)
	}
	g, _ := s.Object(r.str("id"))
	if !slices.Equal(g.Members, []string{u1.ID, u2.ID}) {
		t.Errorf("members: got %v, want [%s %s]", g.Members, u1.ID, u2.ID)
	}

	with := func(k string, v any) map[string]any {
		b := newGroup("Other")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name    string
		body    map[string]any
		status  int
		code    string
		message string
	}{
		{"missing displayName", with("displayName", nil), 400, "Request_BadRequest", "Property displayName value is required but is empty or missing."},
		{"missing mailEnabled", with("mailEnabled", nil), 400, "Request_BadRequest", "Property mailEnabled value is required but is empty or missing."},
		{"missing mailNickname", with("mailNickname", nil), 400, "Request_BadRequest", "Property mailNickname value is required but is empty or missing."},
		{"missing securityEnabled", with("securityEnabled", nil), 400, "Request_BadRequest", "Property securityEnabled value is required but is empty or missing."},
		{"mail-enabled security group", with("mailEnabled", true), 400, "Request_BadRequest", ""},
		{"mailNickname with @", with("mailNickname", "a@b"), 400, "Request_BadRequest", "Invalid value specified for property 'mailNickname' of resource 'Group'."},
		{"member that does not exist", with("members@odata.bind", []any{ref(newGUID())}), 404, "Request_ResourceNotFound", ""},
		{"Microsoft 365 group", with("groupTypes", []any{"Unified"}), 501, "entratest_NotEmulated", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(http.MethodPost, "/groups", tt.body)
			want(t, r, tt.status, tt.code)
			if tt.message != "" && r.message() != tt.message {
				t.Errorf("message: got %q, want %q", r.message(), tt.message)
			}
		})
	}
}

// TestGroupMembers follows group-post-members (POST $ref; 400 when
// already a member, 404 when the object does not exist; PATCH
// members@odata.bind with up to 20, all or nothing), group-delete-members
// and group-list-members (paged, each item with @odata.type).
func TestGroupMembers(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	var ids []string
	for i := range 25 {
		_, body := s.Do(http.MethodPost, "/users", newUser(fmt.Sprintf("member%02d", i), DefaultDomain))
		ids = append(ids, body["id"].(string))
	}
	r := c.do(http.MethodPost, "/groups", newGroup("Big"))
	want(t, r, http.StatusCreated, "")
	g := r.str("id")

	want(t, c.do(http.MethodPost, "/groups/"+g+"/members/$ref", map[string]any{"@odata.id": ref(ids[0])}), http.StatusNoContent, "")
	r = c.do(http.MethodPost, "/groups/"+g+"/members/$ref", map[string]any{"@odata.id": ref(ids[0])})
	want(t, r, http.StatusBadRequest, "Request_BadRequest")
	if r.message() != "One or more added object references already exist for the following modified properties: 'members'." {
		t.Errorf("duplicate member: got %q", r.message())
	}
	want(t, c.do(http.MethodPost, "/groups/"+g+"/members/$ref", map[string]any{"@odata.id": ref(newGUID())}), http.StatusNotFound, "Request_ResourceNotFound")
	want(t, c.do(http.MethodPost, "/groups/"+newGUID()+"/members/$ref", map[string]any{"@odata.id": ref(ids[1])}), http.StatusNotFound, "Request_ResourceNotFound")
	want(t, c.do(http.MethodPost, "/groups/not-a-guid/members/$ref", map[string]any{"@odata.id": ref(ids[1])}), http.StatusBadRequest, "Request_BadRequest")

	bind := func(from, to int) []any {
		var out []any
		for _, id := range ids[from:to] {
			out = append(out, ref(id))
		}
		return out
	}
	// 21 references: refused, and nothing is added.
	r = c.do(http.MethodPatch, "/groups/"+g, map[string]any{"members@odata.bind": bind(1, 22)})
	want(t, r, http.StatusBadRequest, "Request_BadRequest")
	// One already a member among 20: refused, and nothing is added.
	r = c.do(http.MethodPatch, "/groups/"+g, map[string]any{"members@odata.bind": bind(0, 20)})
	want(t, r, http.StatusBadRequest, "Request_BadRequest")
	if got := membersOf(t, s, g); len(got) != 1 {
		t.Fatalf("members after refused binds: got %d, want 1", len(got))
	}
	want(t, c.do(http.MethodPatch, "/groups/"+g, map[string]any{"members@odata.bind": bind(1, 21)}), http.StatusNoContent, "")
	want(t, c.do(http.MethodPatch, "/groups/"+g, map[string]any{"members@odata.bind": bind(21, 25)}), http.StatusNoContent, "")
	if got := membersOf(t, s, g); !slices.Equal(got, ids) {
		t.Fatalf("members: got %d, want the 25 in order", len(got))
	}

	// Listing: a directoryObject collection, paged.
	r = c.do(http.MethodGet, "/groups/"+g+"/members?$top=10&$select=id,userPrincipalName", nil)
	want(t, r, http.StatusOK, "")
	var listed []string
	for {
		for _, v := range r.values() {
			if v["@odata.type"] != "#microsoft.graph.user" || v["userPrincipalName"] == nil {
				t.Fatalf("member item: got %v", v)
			}
			listed = append(listed, v["id"].(string))
		}
		next := r.str("@odata.nextLink")
		if next == "" {
			break
		}
		r = c.do(http.MethodGet, next, nil)
		want(t, r, http.StatusOK, "")
	}
	if !slices.Equal(listed, ids) {
		t.Errorf("listed members: got %d, want 25 in order", len(listed))
	}
	r = c.do(http.MethodGet, "/groups/"+g+"/members/microsoft.graph.group", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 0 {
		t.Errorf("group members cast to group: got %d, want 0", len(r.values()))
	}

	want(t, c.do(http.MethodDelete, "/groups/"+g+"/members/"+ids[3]+"/$ref", nil), http.StatusNoContent, "")
	want(t, c.do(http.MethodDelete, "/groups/"+g+"/members/"+ids[3]+"/$ref", nil), http.StatusNotFound, "Request_ResourceNotFound")
	if got := membersOf(t, s, g); slices.Contains(got, ids[3]) || len(got) != 24 {
		t.Errorf("after removal: got %d members", len(got))
	}
}

// membersOf returns a group's member ids from the state.
func membersOf(t *testing.T, s *Server, id string) []string {
	t.Helper()
	o, found := s.Object(id)
	if !found {
		t.Fatalf("no group %s", id)
	}
	return o.Members
}

// TestMembersOnlyPatchNeedsMembershipPermission checks that adding members
// with members@odata.bind needs GroupMember.ReadWrite.All, not
// Group.ReadWrite.All (group-post-members).
func TestMembersOnlyPatchNeedsMembershipPermission(t *testing.T) {
	tenant := DefaultTenant()
	tenant.Apps = append(tenant.Apps, App{DisplayName: "members only", Permissions: []string{PermGroupMemberReadWriteAll}})
	s := newServer(t, WithTenant(tenant))
	c := appClient(t, s, "members only")
	g := s.Groups()[0].ID
	u, _ := s.UserByUPN(DefaultUser)
	want(t, c.do(http.MethodPatch, "/groups/"+g, map[string]any{"members@odata.bind": []any{ref(u.ID)}}), http.StatusNoContent, "")
	want(t, c.do(http.MethodPatch, "/groups/"+g, map[string]any{"description": "x"}), http.StatusForbidden, "Authorization_RequestDenied")
}

func TestUpdateAndDeleteGroup(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	g := s.Groups()[0]
	want(t, c.do(http.MethodPatch, "/groups/"+g.ID, map[string]any{"description": "renamed", "displayName": "Cloud Admins 2"}), http.StatusNoContent, "")
	r := c.do(http.MethodGet, "/groups/"+g.ID+"?$select=displayName,description", nil)
	if r.str("displayName") != "Cloud Admins 2" || r.str("description") != "renamed" {
		t.Errorf("after PATCH: got %s", r.raw)
	}
	want(t, c.do(http.MethodPatch, "/groups/"+g.ID, map[string]any{"securityEnabled": false}), http.StatusBadRequest, "Request_BadRequest")
	r = c.do(http.MethodGet, "/groups?"+escapeQuery("$filter=displayName eq 'Cloud Admins 2'"), nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 1 {
		t.Errorf("filter on displayName: got %d", len(r.values()))
	}
	// directory-deleteditems-restore: "security groups cannot be
	// restored"; they are deleted permanently.
	want(t, c.do(http.MethodDelete, "/groups/"+g.ID, nil), http.StatusNoContent, "")
	want(t, c.do(http.MethodGet, "/groups/"+g.ID, nil), http.StatusNotFound, "Request_ResourceNotFound")
	r = c.do(http.MethodGet, "/directory/deletedItems/microsoft.graph.group", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 0 {
		t.Errorf("deleted groups: got %d, want 0", len(r.values()))
	}
	want(t, c.do(http.MethodPost, "/directory/deletedItems/"+g.ID+"/restore", nil), http.StatusNotFound, "Request_ResourceNotFound")
}
