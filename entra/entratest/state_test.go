package entratest

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// The test-facing API: seeding, inspection, Do, and the server's own
// plumbing.

func TestDefaultTenantSeed(t *testing.T) {
	s := newServer(t)
	if !isGUID(s.TenantID) || s.InitialDomain != DefaultInitialDomain {
		t.Errorf("tenant: got %s %s", s.TenantID, s.InitialDomain)
	}
	roles := []struct {
		role string
		want []string
	}{
		{RoleGlobalAdministrator, []string{DefaultGlobalAdmin}},
		{RoleHybridIdentityAdministrator, []string{DefaultHybridAdmin, DefaultHybridConsentAdmin}},
		{RolePrivilegedRoleAdministrator, []string{DefaultHybridConsentAdmin}},
		{RoleUserAdministrator, nil},
	}
	for _, tt := range roles {
		if got := s.UsersWithRole(tt.role); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("UsersWithRole(%s): got %v, want %v", tt.role, got, tt.want)
		}
	}
	if len(s.Apps()) != 2 {
		t.Fatalf("Apps: got %d, want 2", len(s.Apps()))
	}
	app, found := s.App(DefaultSyncApp)
	if !found || app.ClientSecret == "" || app.Certificate == nil || app.PrivateKey == nil || !isGUID(app.ServicePrincipalID) {
		t.Fatalf("sync app credentials: got %+v", app)
	}
	var granted []string
	for _, a := range s.AppRoleAssignments() {
		if a.PrincipalID == app.ServicePrincipalID {
			granted = append(granted, a.Permission)
		}
	}
	if !sameStrings(toAny(granted), SyncAppPermissions) {
		t.Errorf("sync app permissions: got %v, want %v", granted, SyncAppPermissions)
	}
	if !strings.Contains(string(app.PEM()), "BEGIN PRIVATE KEY") {
		t.Error("PEM() lacks the private key")
	}
	if sps := s.ServicePrincipals(); len(sps) != 4 {
		t.Errorf("service principals: got %d, want Graph, Graph CLI tools and the two apps", len(sps))
	}
	ca, err := os.ReadFile(s.CAFile())
	if err != nil || string(ca) != string(s.CAPEM()) {
		t.Errorf("CA file: %v", err)
	}
}

func TestWithTenant(t *testing.T) {
	tenant := Tenant{
		ID:          "0fa5d1b8-5cd1-4a57-8b2b-0d6a8d1e3c11",
		DisplayName: "Fabrikam",
		Domains:     []Domain{{Name: "fabrikam.onmicrosoft.com", Verified: true, Initial: true}},
		Users:       []User{{UserPrincipalName: "root@fabrikam.onmicrosoft.com", Roles: []string{RoleGlobalAdministrator}}},
		Consented:   []string{PermDirectoryReadAll},
	}
	s := newServer(t, WithTenant(tenant))
	if s.TenantID != tenant.ID || s.InitialDomain != "fabrikam.onmicrosoft.com" {
		t.Errorf("tenant: got %s %s", s.TenantID, s.InitialDomain)
	}
	if got := s.ConsentedScopes(); len(got) != 1 || got[0] != PermDirectoryReadAll {
		t.Errorf("ConsentedScopes: got %v", got)
	}
	// The only domain is the default when none is marked.
	status, body := s.Do(http.MethodGet, "/domains", nil)
	if status != http.StatusOK || body["value"].([]any)[0].(map[string]any)["isDefault"] != true {
		t.Errorf("domains: got %d %v", status, body)
	}
}

func TestTenantValidation(t *testing.T) {
	base := func() Tenant {
		return Tenant{Domains: []Domain{{Name: "x.onmicrosoft.com", Verified: true, Initial: true}}}
	}
	tests := []struct {
		name   string
		edit   func(*Tenant)
		wantIn string
	}{
		{"no initial domain", func(t *Tenant) { t.Domains[0].Initial = false }, "initial domains"},
		{"initial not onmicrosoft", func(t *Tenant) { t.Domains[0].Name = "x.com" }, ".onmicrosoft.com"},
		{"unverified default", func(t *Tenant) { t.Domains = append(t.Domains, Domain{Name: "y.com", Default: true}) }, "must be verified"},
		{"bad tenant id", func(t *Tenant) { t.ID = "contoso" }, "not a GUID"},
		{"unknown role", func(t *Tenant) {
			t.Users = []User{{UserPrincipalName: "a@x.onmicrosoft.com", Roles: []string{"Global Administrator"}}}
		}, "unknown directory role"},
		{"unknown permission", func(t *Tenant) { t.Apps = []App{{DisplayName: "a", Permissions: []string{"Mail.Send"}}} }, "unknown Microsoft Graph application permission"},
		{"user on unverified domain", func(t *Tenant) {
			t.Domains = append(t.Domains, Domain{Name: "z.com"})
			t.Users = []User{{UserPrincipalName: "a@z.com"}}
		}, "verified domain"},
		{"group member not seeded", func(t *Tenant) { t.Groups = []Group{{DisplayName: "g", Members: []string{"nobody@x.onmicrosoft.com"}}} }, "not a seeded user"},
		{"unknown consented scope", func(t *Tenant) { t.Consented = []string{"Nope.Read"} }, "consented scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := base()
			tt.edit(&ten)
			s, err := Start(WithTenant(ten), WithCADir(t.TempDir()))
			if err == nil {
				s.Close()
				t.Fatal("Start: got no error")
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("got %q, want it to mention %q", err, tt.wantIn)
			}
		})
	}
}

func TestDoAndInspection(t *testing.T) {
	s := newServer(t)
	status, body := s.Do(http.MethodPost, "/users", newUser("arranged", DefaultDomain))
	if status != http.StatusCreated {
		t.Fatalf("Do create: got %d %v", status, body)
	}
	id := body["id"].(string)
	if status, _ := s.Do(http.MethodPatch, "/users/"+id, map[string]any{"jobTitle": "Arranged"}); status != http.StatusNoContent {
		t.Errorf("Do patch: got %d", status)
	}
	o, found := s.Object(id)
	if !found || o.Type != "user" || o.String("jobTitle") != "Arranged" || !o.DeletedAt.IsZero() {
		t.Errorf("Object: got %+v", o)
	}
	if status, _ := s.Do(http.MethodDelete, "/users/"+id, nil); status != http.StatusNoContent {
		t.Errorf("Do delete: got %d", status)
	}
	if d := s.DeletedObjects(); len(d) != 1 || d[0].ID != id || d[0].DeletedAt.IsZero() {
		t.Errorf("DeletedObjects: got %+v", d)
	}
	if status, body := s.Do(http.MethodGet, "/users/$count", nil); status != http.StatusBadRequest {
		t.Errorf("Do $count without ConsistencyLevel: got %d %v", status, body)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("Do was logged: %v", s.Requests())
	}
	if len(s.Groups()) != 1 || len(s.Applications()) != 2 {
		t.Errorf("Groups %d, Applications %d: want 1 and 2", len(s.Groups()), len(s.Applications()))
	}
}

// TestDeviceLoginPage covers the verification page a person uses with the
// standalone emulator.
func TestDeviceLoginPage(t *testing.T) {
	s := newServer(t)
	c := &client{t: t, s: s, hc: s.Client()}
	dc := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", map[string][]string{"client_id": {GraphCommandLineToolsAppID}, "scope": {"User.Read"}})
	resp, err := s.Client().Get(s.URL + "/devicelogin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /devicelogin: %d", resp.StatusCode)
	}
	resp, err = s.Client().PostForm(s.URL+"/devicelogin", map[string][]string{"user_code": {dc.str("user_code")}, "upn": {DefaultUser}, "action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(s.PendingDeviceCodes()) != 0 {
		t.Error("the page did not approve the code")
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := s.CAFile()
	s.Close()
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("CA file after Close: %v, want it removed", err)
	}
}
