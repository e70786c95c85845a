package entratest

import (
	"net/http"
	"testing"
)

// Tenant information: https://learn.microsoft.com/graph/api/organization-get,
// domain-list, domain-get, directoryrole-list, user-get (/me),
// user-list-memberof, user-list-transitivememberof.

func TestOrganization(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.do(http.MethodGet, "/organization", nil)
	want(t, r, http.StatusOK, "")
	orgs := r.values()
	if len(orgs) != 1 || orgs[0]["id"] != s.TenantID || orgs[0]["displayName"] != "Contoso" {
		t.Fatalf("organization: got %s", r.raw)
	}
	verified, _ := orgs[0]["verifiedDomains"].([]any)
	var initial, unverified bool
	for _, v := range verified {
		d := v.(map[string]any)
		if d["isInitial"] == true && d["name"] == DefaultInitialDomain {
			initial = true
		}
		if d["name"] == DefaultUnverifiedDomain {
			unverified = true
		}
		if d["name"] == DefaultFederatedDomain && d["type"] != "Federated" {
			t.Errorf("federated domain type: got %v", d["type"])
		}
	}
	if !initial || unverified || len(verified) != 4 {
		t.Errorf("verifiedDomains: got %v, want the 4 verified domains with the initial one", verified)
	}
	r = c.do(http.MethodGet, "/organization/"+s.TenantID+"?$select=id,verifiedDomains", nil)
	if want(t, r, http.StatusOK, ""); keys(r.body) != "@odata.context,id,verifiedDomains" {
		t.Errorf("$select: got %s", keys(r.body))
	}
	want(t, c.do(http.MethodGet, "/organization/"+newGUID(), nil), http.StatusNotFound, "Request_ResourceNotFound")
}

func TestDomains(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.do(http.MethodGet, "/domains", nil)
	want(t, r, http.StatusOK, "")
	got := map[string]map[string]any{}
	for _, d := range r.values() {
		got[d["id"].(string)] = d
	}
	tests := []struct {
		name                           string
		verified, isDefault, isInitial bool
		auth                           string
	}{
		{DefaultInitialDomain, true, false, true, "Managed"},
		{DefaultDomain, true, true, false, "Managed"},
		{DefaultFederatedDomain, true, false, false, "Federated"},
		{DefaultUnverifiedDomain, false, false, false, "Managed"},
	}
	for _, tt := range tests {
		d := got[tt.name]
		if d["isVerified"] != tt.verified || d["isDefault"] != tt.isDefault || d["isInitial"] != tt.isInitial || d["authenticationType"] != tt.auth {
			t.Errorf("domain %s: got %v", tt.name, d)
		}
	}
	want(t, c.do(http.MethodGet, "/domains/"+DefaultDomain, nil), http.StatusOK, "")
	want(t, c.do(http.MethodGet, "/domains/unknown.example", nil), http.StatusNotFound, "Request_ResourceNotFound")
}

// TestMeAndRoles checks what setup reads to judge the signed-in admin: /me
// and its directory roles by roleTemplateId.
func TestMeAndRoles(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		upn   string
		roles []string
	}{
		{DefaultGlobalAdmin, []string{RoleGlobalAdministrator}},
		{DefaultHybridAdmin, []string{RoleHybridIdentityAdministrator}},
		{DefaultHybridConsentAdmin, []string{RoleHybridIdentityAdministrator, RolePrivilegedRoleAdministrator}},
		{DefaultUser, nil},
	}
	for _, tt := range tests {
		t.Run(tt.upn, func(t *testing.T) {
			c := userClient(t, s, tt.upn, PermUserRead)
			r := c.do(http.MethodGet, "/me?$select=userPrincipalName", nil)
			if want(t, r, http.StatusOK, ""); r.str("userPrincipalName") != tt.upn {
				t.Errorf("/me: got %s", r.raw)
			}
			for _, path := range []string{"/me/memberOf/microsoft.graph.directoryRole", "/me/transitiveMemberOf/microsoft.graph.directoryRole"} {
				r = c.do(http.MethodGet, path, nil)
				want(t, r, http.StatusOK, "")
				var got []string
				for _, v := range r.values() {
					if v["@odata.type"] != "#microsoft.graph.directoryRole" {
						t.Errorf("%s item: got %v", path, v)
					}
					got = append(got, v["roleTemplateId"].(string))
				}
				if len(got) != len(tt.roles) || (len(got) > 0 && !sameStrings(toAny(got), tt.roles)) {
					t.Errorf("%s: got %v, want %v", path, got, tt.roles)
				}
			}
		})
	}
	// /me/memberOf without a cast holds groups and roles.
	c := userClient(t, s, DefaultGlobalAdmin, PermUserRead)
	r := c.do(http.MethodGet, "/me/memberOf", nil)
	types := map[any]int{}
	for _, v := range r.values() {
		types[v["@odata.type"]]++
	}
	if types["#microsoft.graph.group"] != 1 || types["#microsoft.graph.directoryRole"] != 1 {
		t.Errorf("/me/memberOf: got %v", types)
	}
	// /me with an app-only token is refused.
	r = syncApp(t, s).do(http.MethodGet, "/me", nil)
	want(t, r, http.StatusBadRequest, "BadRequest")
	if r.message() != "/me request is only valid with delegated authentication flow." {
		t.Errorf("/me app-only: got %q", r.message())
	}
}

func toAny(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

func TestTransitiveMemberOf(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	_, outer := s.Do(http.MethodPost, "/groups", newGroup("Outer"))
	inner := s.Groups()[0] // Cloud Admins, holding the global admin
	s.Do(http.MethodPost, "/groups/"+outer["id"].(string)+"/members/$ref", map[string]any{"@odata.id": ref(inner.ID)})
	admin, _ := s.UserByUPN(DefaultGlobalAdmin)
	count := func(path string) int {
		r := c.do(http.MethodGet, path, nil)
		want(t, r, http.StatusOK, "")
		return len(r.values())
	}
	if n := count("/users/" + admin.ID + "/memberOf/microsoft.graph.group"); n != 1 {
		t.Errorf("memberOf groups: got %d, want 1", n)
	}
	if n := count("/users/" + admin.ID + "/transitiveMemberOf/microsoft.graph.group"); n != 2 {
		t.Errorf("transitiveMemberOf groups: got %d, want 2", n)
	}
}

func TestDirectoryRoles(t *testing.T) {
	s := newServer(t)
	c := userClient(t, s, DefaultGlobalAdmin, PermDirectoryReadAll)
	r := c.do(http.MethodGet, "/directoryRoles", nil)
	want(t, r, http.StatusOK, "")
	if len(r.values()) != 3 {
		t.Errorf("activated roles: got %d, want 3 (the seeded ones)", len(r.values()))
	}
	r = c.do(http.MethodGet, "/directoryRoles(roleTemplateId='"+RoleGlobalAdministrator+"')", nil)
	if want(t, r, http.StatusOK, ""); r.str("displayName") != "Global Administrator" {
		t.Errorf("by template: got %s", r.raw)
	}
	r = c.do(http.MethodGet, "/directoryRoles/"+r.str("id")+"/members", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 1 || r.values()[0]["userPrincipalName"] != DefaultGlobalAdmin {
		t.Errorf("members: got %s", r.raw)
	}
	want(t, c.do(http.MethodGet, "/directoryRoles(roleTemplateId='"+RoleUserAdministrator+"')", nil), http.StatusNotFound, "Request_ResourceNotFound")
}
