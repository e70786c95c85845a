package entratest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The sync application's life as setup drives it:
// https://learn.microsoft.com/graph/api/application-post-applications,
// application-update (keyCredentials), serviceprincipal-post-serviceprincipals,
// serviceprincipal-post-approleassignedto, application-addpassword,
// application-removepassword, application-delete,
// directory-deleteditems-restore.

// testCert returns a fresh certificate for an app named cn, with key i of
// the pool (keys 0 to len(Apps) are generated already; a certificate is
// distinct from another with the same key).
func testCert(t *testing.T, i int, cn string) AppCredentials {
	t.Helper()
	key, err := pooledKey(i)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := selfSignedCert(key, cn, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return AppCredentials{Certificate: cert, PrivateKey: key}
}

// certToken signs in as appID with the certificate of cred; it returns
// the token answer.
func certToken(t *testing.T, s *Server, appID string, cred AppCredentials) response {
	t.Helper()
	cred.AppID = appID
	c := &client{t: t, s: s, hc: s.Client()}
	return c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{
		"client_id": {appID}, "client_assertion_type": {jwtBearer},
		"client_assertion": {assertion(t, cred, s.URL+"/"+s.TenantID+"/oauth2/v2.0/token", "PS256", time.Now(), false)},
		"grant_type":       {"client_credentials"}, "scope": {GraphResource + "/.default"},
	})
}

func keyCredential(cred AppCredentials) map[string]any {
	return map[string]any{
		"type": "AsymmetricX509Cert", "usage": "Verify", "displayName": "CN=entrasync",
		"key": base64.StdEncoding.EncodeToString(cred.Certificate.Raw),
	}
}

func TestSyncApplicationLifecycle(t *testing.T) {
	s := newServer(t)
	admin := userClient(t, s, DefaultHybridConsentAdmin, PermApplicationReadWriteAll, PermAppRoleAssignmentReadWriteAll, PermDirectoryReadAll)

	// Register the application with a certificate.
	cert := testCert(t, 1, "entrasync sync")
	r := admin.do(http.MethodPost, "/applications", map[string]any{
		"displayName": "entrasync SERVER01", "signInAudience": "AzureADMyOrg",
		"keyCredentials": []any{keyCredential(cert)},
	})
	want(t, r, http.StatusCreated, "")
	appObj, appID := r.str("id"), r.str("appId")
	kc, _ := r.body["keyCredentials"].([]any)
	if !isGUID(appID) || len(kc) != 1 || kc[0].(map[string]any)["key"] != nil {
		t.Fatalf("created application: got %s, want an appId and one keyCredential without its key", r.raw)
	}
	r = admin.do(http.MethodGet, "/applications/"+appObj+"?$select=keyCredentials", nil)
	if kc, _ := r.body["keyCredentials"].([]any); len(kc) != 1 || kc[0].(map[string]any)["key"] == nil {
		t.Errorf("keyCredentials with $select: got %s, want the key (keycredential resource)", r.raw)
	}
	for _, path := range []string{"/applications(appId='" + appID + "')", "/applications?" + escapeQuery("$filter=appId eq '"+appID+"'")} {
		if r := admin.do(http.MethodGet, path, nil); r.status != http.StatusOK || (r.str("id") != appObj && len(r.values()) != 1) {
			t.Errorf("GET %s: got %d %s", path, r.status, r.raw)
		}
	}

	// Without a service principal the app cannot sign in.
	if r := certToken(t, s, appID, cert); r.status != http.StatusUnauthorized || !strings.Contains(r.str("error_description"), "AADSTS7000229") {
		t.Errorf("sign-in without service principal: got %d %s", r.status, r.raw)
	}
	r = admin.do(http.MethodPost, "/servicePrincipals", map[string]any{"appId": appID})
	want(t, r, http.StatusCreated, "")
	sp := r.str("id")
	want(t, admin.do(http.MethodPost, "/servicePrincipals", map[string]any{"appId": appID}), http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue")
	want(t, admin.do(http.MethodPost, "/servicePrincipals", map[string]any{"appId": newGUID()}), http.StatusBadRequest, "Request_BadRequest")

	// Grant the Graph permissions on the Microsoft Graph service principal.
	graph := servicePrincipalID(t, s, GraphAppID)
	for _, p := range SyncAppPermissions {
		r := admin.do(http.MethodPost, "/servicePrincipals/"+graph+"/appRoleAssignedTo", map[string]any{
			"principalId": sp, "resourceId": graph, "appRoleId": GraphAppRoleID(p)})
		want(t, r, http.StatusCreated, "")
		if r.str("principalId") != sp || r.str("resourceDisplayName") != "Microsoft Graph" || r.str("principalType") != "ServicePrincipal" {
			t.Errorf("assignment: got %s", r.raw)
		}
	}
	r = admin.do(http.MethodPost, "/servicePrincipals/"+graph+"/appRoleAssignedTo", map[string]any{"principalId": sp, "resourceId": graph, "appRoleId": GraphAppRoleID(PermUserReadWriteAll)})
	want(t, r, http.StatusBadRequest, "Request_BadRequest")
	if r.message() != "Permission being assigned already exists on the object" {
		t.Errorf("duplicate assignment: got %q", r.message())
	}
	want(t, admin.do(http.MethodPost, "/servicePrincipals/"+graph+"/appRoleAssignedTo", map[string]any{"principalId": sp, "resourceId": graph, "appRoleId": newGUID()}), http.StatusBadRequest, "Request_BadRequest")
	r = admin.do(http.MethodGet, "/servicePrincipals/"+sp+"/appRoleAssignments", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != len(SyncAppPermissions) {
		t.Errorf("assignments of the app: got %d, want %d", len(r.values()), len(SyncAppPermissions))
	}

	// Prove it: sign in with the certificate, the token carries the roles.
	r = certToken(t, s, appID, cert)
	want(t, r, http.StatusOK, "")
	if roles := tokenClaims(t, r.str("access_token"))["roles"]; !sameStrings(roles, SyncAppPermissions) {
		t.Errorf("roles: got %v, want %v", roles, SyncAppPermissions)
	}

	// A client secret as fallback: addPassword returns it once.
	r = admin.do(http.MethodPost, "/applications/"+appObj+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "fallback"}})
	want(t, r, http.StatusOK, "")
	secret, keyID := r.str("secretText"), r.str("keyId")
	if len(secret) != 40 || r.str("hint") != secret[:3] {
		t.Fatalf("addPassword: got %s", r.raw)
	}
	sc := &client{t: t, s: s, hc: s.Client()}
	secretToken := func() response {
		return sc.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {appID}, "client_secret": {secret}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"}})
	}
	want(t, secretToken(), http.StatusOK, "")
	want(t, admin.do(http.MethodPost, "/applications/"+appObj+"/removePassword", map[string]any{"keyId": keyID}), http.StatusNoContent, "")
	if r := secretToken(); r.status != http.StatusUnauthorized {
		t.Errorf("removed secret: got %d, want 401", r.status)
	}

	// Rotate: the new certificate replaces the old one.
	next := testCert(t, 2, "entrasync sync 2")
	want(t, admin.do(http.MethodPatch, "/applications/"+appObj, map[string]any{"keyCredentials": []any{keyCredential(next)}}), http.StatusNoContent, "")
	want(t, certToken(t, s, appID, next), http.StatusOK, "")
	if r := certToken(t, s, appID, cert); r.status != http.StatusUnauthorized || !strings.Contains(r.str("error_description"), "AADSTS700027") {
		t.Errorf("old certificate after rotation: got %d %s", r.status, r.raw)
	}
	bad := keyCredential(next)
	bad["key"] = "bm90IGEgY2VydGlmaWNhdGU="
	r = admin.do(http.MethodPatch, "/applications/"+appObj, map[string]any{"keyCredentials": []any{bad}})
	want(t, r, http.StatusBadRequest, "Request_BadRequest")

	// Uninstall: deleting the application takes its service principal
	// along; restoring the application does not restore it.
	want(t, admin.do(http.MethodDelete, "/applications/"+appObj, nil), http.StatusNoContent, "")
	if r := certToken(t, s, appID, next); r.status != http.StatusBadRequest || !strings.Contains(r.str("error_description"), "AADSTS700016") {
		t.Errorf("deleted app sign-in: got %d %s", r.status, r.raw)
	}
	r = admin.do(http.MethodGet, "/directory/deletedItems/microsoft.graph.servicePrincipal", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 1 {
		t.Errorf("deleted service principals: got %d, want 1", len(r.values()))
	}
	want(t, admin.do(http.MethodPost, "/directory/deletedItems/"+appObj+"/restore", nil), http.StatusOK, "")
	want(t, admin.do(http.MethodGet, "/applications/"+appObj, nil), http.StatusOK, "")
	want(t, admin.do(http.MethodGet, "/servicePrincipals/"+sp, nil), http.StatusNotFound, "Request_ResourceNotFound")
}

func TestAppRoleAssignmentErrors(t *testing.T) {
	s := newServer(t)
	admin := userClient(t, s, DefaultGlobalAdmin, PermApplicationReadWriteAll, PermAppRoleAssignmentReadWriteAll)
	app, _ := s.App(DefaultUnprivilegedApp)
	graph := servicePrincipalID(t, s, GraphAppID)
	body := map[string]any{"principalId": app.ServicePrincipalID, "resourceId": graph, "appRoleId": GraphAppRoleID(PermDomainReadAll)}
	// The principal in the URL must be the body's principal.
	want(t, admin.do(http.MethodPost, "/servicePrincipals/"+graph+"/appRoleAssignments", body), http.StatusBadRequest, "Request_BadRequest")
	r := admin.do(http.MethodPost, "/servicePrincipals/"+app.ServicePrincipalID+"/appRoleAssignments", body)
	want(t, r, http.StatusCreated, "")
	id := r.str("id")
	if len(id) != 43 {
		t.Errorf("assignment id: got %q, want Graph's 43-character form", id)
	}
	if got := s.AppRoleAssignments(); got[len(got)-1].Permission != PermDomainReadAll {
		t.Errorf("AppRoleAssignments: got %+v", got[len(got)-1])
	}
	want(t, admin.do(http.MethodDelete, "/servicePrincipals/"+app.ServicePrincipalID+"/appRoleAssignments/"+id, nil), http.StatusNoContent, "")
	want(t, admin.do(http.MethodDelete, "/servicePrincipals/"+app.ServicePrincipalID+"/appRoleAssignments/"+id, nil), http.StatusNotFound, "Request_ResourceNotFound")
	want(t, admin.do(http.MethodPost, "/servicePrincipals/"+app.ServicePrincipalID+"/appRoleAssignments", map[string]any{"resourceId": graph}), http.StatusBadRequest, "Request_BadRequest")
	// Microsoft's own service principals cannot be deleted.
	want(t, admin.do(http.MethodDelete, "/servicePrincipals/"+graph, nil), http.StatusForbidden, "Authorization_RequestDenied")
	r = admin.do(http.MethodGet, "/servicePrincipals(appId='"+GraphAppID+"')?$select=appRoles", nil)
	roles, _ := r.body["appRoles"].([]any)
	found := false
	for _, ar := range roles {
		m := ar.(map[string]any)
		found = found || (m["value"] == PermGroupMemberReadWriteAll && m["id"] == "dbaae8cf-10b5-4b86-a4a1-f871c94c6695")
	}
	if !found {
		t.Errorf("Microsoft Graph appRoles: GroupMember.ReadWrite.All missing or with the wrong id")
	}
}

func TestApplicationErrors(t *testing.T) {
	s := newServer(t)
	admin := userClient(t, s, DefaultGlobalAdmin, PermApplicationReadWriteAll)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"missing displayName", http.MethodPost, "/applications", map[string]any{}, 400, "Request_BadRequest"},
		{"bad signInAudience", http.MethodPost, "/applications", map[string]any{"displayName": "a", "signInAudience": "Everyone"}, 400, "Request_BadRequest"},
		{"passwordCredentials through PATCH", http.MethodPost, "/applications", map[string]any{"displayName": "a", "passwordCredentials": []any{}}, 400, "Request_BadRequest"},
		{"unknown application", http.MethodGet, "/applications/" + newGUID(), nil, 404, "Request_ResourceNotFound"},
		{"unknown appId", http.MethodGet, "/applications(appId='" + newGUID() + "')", nil, 404, "Request_ResourceNotFound"},
		{"unknown alternate key", http.MethodGet, "/applications(uniqueName='x')", nil, 400, "Request_BadRequest"},
		{"removePassword of an unknown key", http.MethodPost, "/applications/" + s.Applications()[0].ID + "/removePassword", map[string]any{"keyId": newGUID()}, 404, "Request_ResourceNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want(t, admin.do(tt.method, tt.path, tt.body), tt.status, tt.code)
		})
	}
}

// TestServicePrincipalsAndCounts covers the remaining reads and writes:
// serviceprincipal-list with $filter=appId, serviceprincipal-update,
// serviceprincipal-delete, application-list, group-list with $count.
func TestServicePrincipalsAndCounts(t *testing.T) {
	s := newServer(t)
	admin := userClient(t, s, DefaultGlobalAdmin, PermApplicationReadWriteAll, PermDirectoryReadAll)
	app, _ := s.App(DefaultUnprivilegedApp)
	r := admin.do(http.MethodGet, "/servicePrincipals?"+escapeQuery("$filter=appId eq '"+GraphAppID+"'&$select=id,appRoles"), nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 1 || len(r.values()[0]["appRoles"].([]any)) < len(SyncAppPermissions) {
		t.Errorf("Microsoft Graph service principal by appId: got %d", len(r.values()))
	}
	want(t, admin.do(http.MethodPatch, "/servicePrincipals/"+app.ServicePrincipalID, map[string]any{"notes": "disabled by test", "accountEnabled": false}), http.StatusNoContent, "")
	if sp, _ := s.Object(app.ServicePrincipalID); sp.String("notes") != "disabled by test" || sp.Bool("accountEnabled") {
		t.Errorf("after PATCH: got %v", sp.Properties)
	}
	// A disabled service principal cannot sign in (AADSTS7000112).
	sc := &client{t: t, s: s, hc: s.Client()}
	r = sc.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {app.AppID}, "client_secret": {app.ClientSecret}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.str("error_description"), "AADSTS7000112") {
		t.Errorf("disabled app sign-in: got %d %s", r.status, r.raw)
	}
	want(t, admin.do(http.MethodPatch, "/servicePrincipals/"+app.ServicePrincipalID, map[string]any{"appId": newGUID()}), http.StatusBadRequest, "Request_BadRequest")
	want(t, admin.do(http.MethodDelete, "/servicePrincipals(appId='"+app.AppID+"')", nil), http.StatusNoContent, "")
	want(t, admin.do(http.MethodGet, "/servicePrincipals/"+app.ServicePrincipalID, nil), http.StatusNotFound, "Request_ResourceNotFound")
	r = admin.do(http.MethodGet, "/applications?$select=id,appId,displayName", nil)
	if want(t, r, http.StatusOK, ""); len(r.values()) != 2 {
		t.Errorf("applications: got %d, want 2", len(r.values()))
	}
	r = admin.do(http.MethodGet, "/groups/$count", nil, "ConsistencyLevel", "eventual")
	if string(r.raw) != "1" {
		t.Errorf("/groups/$count: got %q, want 1", r.raw)
	}
	want(t, admin.do(http.MethodPost, "/applications/"+s.Applications()[0].ID+"/addKey", map[string]any{}), http.StatusNotImplemented, "entratest_NotEmulated")
}
