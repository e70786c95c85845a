package entratest

import (
	"net/http"
	"testing"
	"time"
)

// Delta queries: https://learn.microsoft.com/graph/delta-query-overview,
// user-delta, group-delta, delta-query-groups.

// deltaRound follows nextLinks from first until a deltaLink and returns
// the items and the deltaLink.
func deltaRound(t *testing.T, c *client, first string, headers ...string) ([]map[string]any, string) {
	t.Helper()
	var items []map[string]any
	r := c.do(http.MethodGet, first, nil, headers...)
	for {
		want(t, r, http.StatusOK, "")
		items = append(items, r.values()...)
		if next := r.str("@odata.nextLink"); next != "" {
			r = c.do(http.MethodGet, next, nil, headers...)
			continue
		}
		link := r.str("@odata.deltaLink")
		if link == "" {
			t.Fatalf("a delta page with neither nextLink nor deltaLink: %s", r.raw)
		}
		return items, link
	}
}

func byID(items []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, it := range items {
		out[it["id"].(string)] = it
	}
	return out
}

func TestUserDelta(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	items, link := deltaRound(t, c, "/users/delta()", "Prefer", "odata.maxpagesize=4")
	if len(items) != len(s.Users()) {
		t.Fatalf("initial round: got %d users, want %d", len(items), len(s.Users()))
	}
	if items[0]["userPrincipalName"] == nil || items[0]["id"] == nil {
		t.Errorf("initial item: got %v, want the default properties", items[0])
	}

	// Cloud-side changes between rounds.
	_, created := s.Do(http.MethodPost, "/users", newUser("fresh", DefaultDomain))
	patched, _ := s.UserByUPN(DefaultUser)
	s.Do(http.MethodPatch, "/users/"+patched.ID, map[string]any{"jobTitle": "Director"})
	deleted, _ := s.UserByUPN("lee.gu@" + DefaultDomain)
	s.Do(http.MethodDelete, "/users/"+deleted.ID, nil)
	purged, _ := s.UserByUPN("adele.vance@" + DefaultDomain)
	s.Do(http.MethodDelete, "/users/"+purged.ID, nil)
	s.Do(http.MethodDelete, "/directory/deletedItems/"+purged.ID, nil)

	items, link2 := deltaRound(t, c, link)
	got := byID(items)
	if len(got) != 4 {
		t.Fatalf("changes: got %d items, want 4: %v", len(got), items)
	}
	if got[created["id"].(string)]["userPrincipalName"] != "fresh@"+DefaultDomain {
		t.Errorf("created user: got %v", got[created["id"].(string)])
	}
	if got[patched.ID]["jobTitle"] != "Director" || got[patched.ID]["displayName"] != "Alex Wilber" {
		t.Errorf("patched user: got %v, want every tracked property", got[patched.ID])
	}
	// delta-query-overview: "changed" — deleted, restorable; "deleted" —
	// gone for good.
	if rm, _ := got[deleted.ID]["@removed"].(map[string]any); rm["reason"] != "changed" {
		t.Errorf("soft-deleted user: got %v, want @removed reason changed", got[deleted.ID])
	}
	if rm, _ := got[purged.ID]["@removed"].(map[string]any); rm["reason"] != "deleted" {
		t.Errorf("purged user: got %v, want @removed reason deleted", got[purged.ID])
	}

	items, _ = deltaRound(t, c, link2)
	if len(items) != 0 {
		t.Errorf("no changes: got %v, want an empty page", items)
	}

	// A restored user comes back as a change.
	s.Do(http.MethodPost, "/directory/deletedItems/"+deleted.ID+"/restore", nil)
	items, _ = deltaRound(t, c, link2)
	if len(items) != 1 || items[0]["id"] != deleted.ID || items[0]["@removed"] != nil {
		t.Errorf("after restore: got %v", items)
	}
}

func TestUserDeltaSelectAndFilter(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	u, _ := s.UserByUPN(DefaultUser)
	items, link := deltaRound(t, c, "/users/delta?$select=displayName,onPremisesImmutableId")
	for _, it := range items {
		if len(it) != 3 {
			t.Fatalf("selected item: got %v, want displayName, onPremisesImmutableId and id", it)
		}
	}
	s.Do(http.MethodPatch, "/users/"+u.ID, map[string]any{"onPremisesImmutableId": "bmV3"})
	items, _ = deltaRound(t, c, link)
	if len(items) != 1 || items[0]["onPremisesImmutableId"] != "bmV3" || len(items[0]) != 3 {
		t.Errorf("selected change: got %v", items)
	}

	// user-delta: "The only supported $filter expression is for tracking
	// changes on a specific object".
	items, _ = deltaRound(t, c, "/users/delta?"+escapeQuery("$filter=id eq '"+u.ID+"'"))
	if len(items) != 1 || items[0]["id"] != u.ID {
		t.Errorf("filtered delta: got %v", items)
	}
	want(t, c.do(http.MethodGet, "/users/delta?"+escapeQuery("$filter=displayName eq 'x'"), nil), http.StatusBadRequest, "Request_UnsupportedQuery")
	want(t, c.do(http.MethodGet, "/users/delta?$deltatoken=garbage", nil), http.StatusBadRequest, "BadRequest")

	// Directory delta tokens last seven days (delta-query-overview).
	s.Advance(8 * 24 * time.Hour)
	c = syncApp(t, s)
	want(t, c.do(http.MethodGet, link, nil), http.StatusGone, "syncStateNotFound")
}

// TestGroupDeltaSelectMembers follows group-delta: "You can use
// $select=members to get membership changes"
// (https://learn.microsoft.com/graph/api/group-delta).
func TestGroupDeltaSelectMembers(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	g := s.Groups()[0]
	items, _ := deltaRound(t, c, "/groups/delta?$select=displayName,members")
	if len(items) != 1 {
		t.Fatalf("initial round: got %d groups, want 1", len(items))
	}
	if items[0]["displayName"] != g.String("displayName") {
		t.Errorf("displayName: got %v, want %q", items[0]["displayName"], g.String("displayName"))
	}
	if _, has := items[0]["description"]; has {
		t.Errorf("unselected description returned: %v", items[0])
	}
	if md, _ := items[0]["members@delta"].([]any); len(md) != len(g.Members) {
		t.Errorf("members@delta: got %v, want the %d members", md, len(g.Members))
	}
	items, _ = deltaRound(t, c, "/groups/delta?$select=displayName")
	if _, has := items[0]["members@delta"]; has {
		t.Errorf("members@delta without $select=members: got %v", items[0])
	}
}

func TestGroupDelta(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	g := s.Groups()[0]
	items, link := deltaRound(t, c, "/groups/delta()")
	if len(items) != 1 {
		t.Fatalf("initial round: got %d groups, want 1", len(items))
	}
	md, _ := items[0]["members@delta"].([]any)
	if len(md) != len(g.Members) || md[0].(map[string]any)["@odata.type"] != "#microsoft.graph.user" {
		t.Fatalf("members@delta: got %v, want the %d members", md, len(g.Members))
	}

	u, _ := s.UserByUPN(DefaultUser)
	s.Do(http.MethodPost, "/groups/"+g.ID+"/members/$ref", map[string]any{"@odata.id": ref(u.ID)})
	s.Do(http.MethodDelete, "/groups/"+g.ID+"/members/"+g.Members[0]+"/$ref", nil)
	items, link = deltaRound(t, c, link)
	if len(items) != 1 {
		t.Fatalf("membership change: got %v", items)
	}
	changes := map[string]bool{}
	for _, m := range items[0]["members@delta"].([]any) {
		e := m.(map[string]any)
		changes[e["id"].(string)] = e["@removed"] == nil
	}
	if added, seen := changes[u.ID]; !seen || !added {
		t.Errorf("added member: got %v", items[0]["members@delta"])
	}
	if added, seen := changes[g.Members[0]]; !seen || added {
		t.Errorf("removed member: got %v, want @removed", items[0]["members@delta"])
	}
	if len(changes) != 2 {
		t.Errorf("members@delta: got %d entries, want only the 2 changes", len(changes))
	}

	s.Do(http.MethodDelete, "/groups/"+g.ID, nil)
	items, _ = deltaRound(t, c, link)
	if rm, _ := items[0]["@removed"].(map[string]any); len(items) != 1 || rm["reason"] != "deleted" {
		t.Errorf("deleted security group: got %v, want @removed reason deleted", items)
	}
}
