package entratest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Identity endpoints, exercised through azidentity (MSAL for Go) as
// entrasync uses them, and with plain requests for the error answers.
// Pages: https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc,
// v2-oauth2-client-creds-grant-flow, certificate-credentials,
// v2-oauth2-device-code, reference-error-codes.

// azOptions are azcore options aimed at the emulator (go-deps.md §3).
func azOptions(s *Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost()},
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

var graphScope = []string{GraphResource + "/.default"}

func TestOpenIDConfiguration(t *testing.T) {
	s := newServer(t)
	c := &client{t: t, s: s, hc: s.Client()}
	r := c.do(http.MethodGet, s.URL+"/"+s.TenantID+"/v2.0/.well-known/openid-configuration", nil)
	want(t, r, http.StatusOK, "")
	if got, w := r.str("token_endpoint"), s.URL+"/"+s.TenantID+"/oauth2/v2.0/token"; got != w {
		t.Errorf("token_endpoint: got %q, want %q", got, w)
	}
	if got, w := r.str("issuer"), s.URL+"/"+s.TenantID+"/v2.0"; got != w {
		t.Errorf("issuer: got %q, want %q", got, w)
	}
	// The initial domain names the tenant too.
	r = c.do(http.MethodGet, s.URL+"/"+DefaultInitialDomain+"/v2.0/.well-known/openid-configuration", nil)
	want(t, r, http.StatusOK, "")

	r = c.do(http.MethodGet, s.URL+"/"+newGUID()+"/v2.0/.well-known/openid-configuration", nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.str("error_description"), "AADSTS90002") {
		t.Errorf("unknown tenant: got %d %s, want 400 AADSTS90002", r.status, r.raw)
	}
}

func TestClientSecretCredential(t *testing.T) {
	s := newServer(t)
	app, _ := s.App(DefaultSyncApp)
	ctx := context.Background()
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, app.AppID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: graphScope})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	claims := tokenClaims(t, tok.Token)
	if got := claims["roles"]; !sameStrings(got, SyncAppPermissions) {
		t.Errorf("roles: got %v, want %v", got, SyncAppPermissions)
	}
	if claims["appid"] != app.AppID || claims["tid"] != s.TenantID || claims["idtyp"] != "app" {
		t.Errorf("claims: got appid %v tid %v idtyp %v", claims["appid"], claims["tid"], claims["idtyp"])
	}
	c := &client{t: t, s: s, hc: s.Client(), token: tok.Token}
	want(t, c.do(http.MethodGet, "/organization", nil), http.StatusOK, "")

	bad, err := azidentity.NewClientSecretCredential(s.TenantID, app.AppID, "not-the-secret",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetToken(ctx, policy.TokenRequestOptions{Scopes: graphScope})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong secret: got %v, want AADSTS7000215", err)
	}
}

func TestClientCertificateCredential(t *testing.T) {
	s := newServer(t)
	app, _ := s.App(DefaultSyncApp)
	other, _ := s.App(DefaultUnprivilegedApp)
	ctx := context.Background()
	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"registered certificate", app.PEM(), ""},
		// The other app's certificate is not a keyCredential of this app.
		{"certificate of another app", other.PEM(), "AADSTS700027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, key, err := azidentity.ParseCertificates(tt.pem, nil)
			if err != nil {
				t.Fatal(err)
			}
			cred, err := azidentity.NewClientCertificateCredential(s.TenantID, app.AppID, certs, key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: graphScope})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("GetToken: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("GetToken: got %v, want %s", err, tt.wantErr)
			}
		})
	}
}

// assertion builds a client assertion as MSAL does, signed with alg.
func assertion(t *testing.T, app AppCredentials, aud, alg string, nbf time.Time, tamper bool) string {
	t.Helper()
	sum := sha256.Sum256(app.Certificate.Raw)
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "x5t#S256": b64.EncodeToString(sum[:])})
	c, _ := json.Marshal(map[string]any{"aud": aud, "iss": app.AppID, "sub": app.AppID, "jti": newGUID(), "nbf": nbf.Unix(), "exp": nbf.Add(10 * time.Minute).Unix()})
	signing := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := sha256.Sum256([]byte(signing))
	var sig []byte
	var err error
	if alg == "PS256" {
		sig, err = rsa.SignPSS(rand.Reader, app.PrivateKey, crypto.SHA256, digest[:], nil)
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, app.PrivateKey, crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	if tamper {
		sig[0] ^= 0xff
	}
	return signing + "." + b64.EncodeToString(sig)
}

// TestCertificateAssertion follows certificate-credentials: the assertion's
// signature must verify with the registered certificate, aud must be the
// token endpoint, and now must be within nbf..exp.
func TestCertificateAssertion(t *testing.T) {
	s := newServer(t)
	app, _ := s.App(DefaultSyncApp)
	tokenURL := s.URL + "/" + s.TenantID + "/oauth2/v2.0/token"
	now := time.Now()
	tests := []struct {
		name      string
		assertion string
		status    int
		aadsts    string
	}{
		{"PS256", assertion(t, app, tokenURL, "PS256", now, false), http.StatusOK, ""},
		{"RS256", assertion(t, app, tokenURL, "RS256", now, false), http.StatusOK, ""},
		{"tampered signature", assertion(t, app, tokenURL, "PS256", now, true), http.StatusUnauthorized, "AADSTS700027"},
		{"wrong audience", assertion(t, app, "https://example.com/token", "PS256", now, false), http.StatusBadRequest, "AADSTS700212"},
		{"expired", assertion(t, app, tokenURL, "PS256", now.Add(-time.Hour), false), http.StatusUnauthorized, "AADSTS700024"},
		{"malformed", "not.a-jwt", http.StatusBadRequest, "AADSTS50027"},
	}
	c := &client{t: t, s: s, hc: s.Client()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{
				"client_id": {app.AppID}, "client_assertion_type": {jwtBearer}, "client_assertion": {tt.assertion},
				"grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"},
			})
			if r.status != tt.status {
				t.Fatalf("got status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if tt.aadsts != "" && !strings.Contains(r.str("error_description"), tt.aadsts) {
				t.Errorf("got %s, want %s", r.str("error_description"), tt.aadsts)
			}
		})
	}
}

// TestTokenErrors covers the client credentials errors of
// reference-error-codes.
func TestTokenErrors(t *testing.T) {
	s := newServer(t)
	app, _ := s.App(DefaultSyncApp)
	c := &client{t: t, s: s, hc: s.Client()}
	tests := []struct {
		name   string
		form   url.Values
		status int
		oauth  string
		aadsts string
	}{
		{"unknown client", url.Values{"client_id": {newGUID()}, "client_secret": {"x"}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"}}, 400, "unauthorized_client", "AADSTS700016"},
		{"no credential", url.Values{"client_id": {app.AppID}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"}}, 401, "invalid_client", "AADSTS7000218"},
		{"scope without .default", url.Values{"client_id": {app.AppID}, "client_secret": {app.ClientSecret}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/User.Read.All"}}, 400, "invalid_scope", "AADSTS1002012"},
		{"unknown resource", url.Values{"client_id": {app.AppID}, "client_secret": {app.ClientSecret}, "grant_type": {"client_credentials"}, "scope": {"https://vault.azure.net/.default"}}, 400, "invalid_resource", "AADSTS500011"},
		{"unsupported grant", url.Values{"client_id": {app.AppID}, "grant_type": {"password"}}, 400, "unsupported_grant_type", "AADSTS70003"},
		{"missing grant", url.Values{"client_id": {app.AppID}}, 400, "invalid_request", "AADSTS900144"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.form("/"+s.TenantID+"/oauth2/v2.0/token", tt.form)
			if r.status != tt.status || r.str("error") != tt.oauth || !strings.Contains(r.str("error_description"), tt.aadsts) {
				t.Errorf("got %d %s %q, want %d %s %s", r.status, r.str("error"), r.str("error_description"), tt.status, tt.oauth, tt.aadsts)
			}
		})
	}
}

// deviceCodeCredential signs in through azidentity's device code flow;
// approve runs once the code is pending.
func deviceCodeCredential(t *testing.T, s *Server, scopes []string, approve func(code string)) (azidentity.AuthenticationRecord, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: azOptions(s), DisableInstanceDiscovery: true, TenantID: s.TenantID,
		ClientID: GraphCommandLineToolsAppID,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			if !strings.Contains(m.Message, m.UserCode) || m.VerificationURL != s.URL+"/devicelogin" {
				t.Errorf("prompt: got %+v", m)
			}
			go approve(m.UserCode)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: scopes})
}

func TestDeviceCodeCredential(t *testing.T) {
	scopes := []string{GraphResource + "/Directory.Read.All", GraphResource + "/Application.ReadWrite.All"}
	tests := []struct {
		name    string
		approve func(*Server, string) error
		wantErr string
	}{
		{"approved by a global administrator", func(s *Server, code string) error { return s.ApproveDeviceCode(code, DefaultGlobalAdmin) }, ""},
		{"declined", func(s *Server, code string) error { return s.DenyDeviceCode(code) }, "authorization_declined"},
		{"user cannot consent", func(s *Server, code string) error { return s.ApproveDeviceCode(code, DefaultUser) }, "invalid_grant"},
		{"expired", func(s *Server, _ string) error { s.Advance(deviceCodeLifetime + time.Minute); return nil }, "expired_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			rec, err := deviceCodeCredential(t, s, scopes, func(code string) {
				if err := tt.approve(s, code); err != nil {
					t.Errorf("approve: %v", err)
				}
			})
			if tt.wantErr != "" {
				// MSAL reads the body of a 400 to tell pending from
				// failed, so azidentity's error has no body left: the
				// answer is checked in the request log.
				var afe *azidentity.AuthenticationFailedError
				if !errors.As(err, &afe) || afe.RawResponse.StatusCode != http.StatusBadRequest {
					t.Fatalf("got %v, want an authentication failure with status 400", err)
				}
				log := s.Requests()
				if got := log[len(log)-1].ErrorCode; got != tt.wantErr {
					t.Fatalf("last token answer: got error %q, want %q", got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if rec.Username != DefaultGlobalAdmin || rec.TenantID != s.TenantID {
				t.Errorf("record: got %s in %s, want %s in %s", rec.Username, rec.TenantID, DefaultGlobalAdmin, s.TenantID)
			}
		})
	}
}

// TestDeviceCodePolling follows v2-oauth2-device-code: pending while not
// approved (slow_down when polling faster than allowed), then tokens once,
// then invalid_grant for a redeemed code.
func TestDeviceCodePolling(t *testing.T) {
	s := newServer(t)
	c := &client{t: t, s: s, hc: s.Client()}
	dc := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", url.Values{"client_id": {GraphCommandLineToolsAppID}, "scope": {GraphResource + "/User.Read openid"}})
	want(t, dc, http.StatusOK, "")
	poll := func() response {
		return c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {GraphCommandLineToolsAppID}, "grant_type": {"device_code"}, "device_code": {dc.str("device_code")}})
	}
	if r := poll(); r.status != 400 || r.str("error") != "authorization_pending" {
		t.Fatalf("first poll: got %d %s, want 400 authorization_pending", r.status, r.raw)
	}
	if r := poll(); r.status != 400 || r.str("error") != "slow_down" {
		t.Fatalf("immediate second poll: got %d %s, want 400 slow_down", r.status, r.raw)
	}
	if got := s.PendingDeviceCodes(); len(got) != 1 || got[0] != dc.str("user_code") {
		t.Fatalf("PendingDeviceCodes: got %v, want [%s]", got, dc.str("user_code"))
	}
	if err := s.ApproveDeviceCode("", DefaultUser); err != nil {
		t.Fatal(err)
	}
	r := poll()
	want(t, r, http.StatusOK, "")
	id := tokenClaims(t, r.str("id_token"))
	if id["preferred_username"] != DefaultUser {
		t.Errorf("id_token preferred_username: got %v, want %s", id["preferred_username"], DefaultUser)
	}
	if r.str("refresh_token") == "" || r.str("client_info") == "" {
		t.Errorf("want refresh_token and client_info, got %s", r.raw)
	}
	if r := poll(); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("redeemed code: got %d %s, want 400 invalid_grant", r.status, r.raw)
	}
	if err := s.ApproveDeviceCode("", DefaultUser); !errors.Is(err, ErrNoPendingDeviceCode) {
		t.Errorf("approve with nothing pending: got %v, want ErrNoPendingDeviceCode", err)
	}

	// The refresh token gives a new access token, and rotates.
	rt := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {GraphCommandLineToolsAppID}, "grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}})
	want(t, rt, http.StatusOK, "")
	again := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {GraphCommandLineToolsAppID}, "grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}})
	if again.status != 400 || again.str("error") != "invalid_grant" {
		t.Errorf("reused refresh token: got %d %s, want 400 invalid_grant", again.status, again.raw)
	}
}

// TestAutoApprove covers WithAutoApprove, used by the demo.
func TestAutoApprove(t *testing.T) {
	s := newServer(t, WithAutoApprove(0, ""))
	rec, err := deviceCodeCredential(t, s, []string{GraphResource + "/User.Read"}, func(string) {})
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if rec.Username != DefaultGlobalAdmin {
		t.Errorf("auto-approved as %s, want the first global administrator %s", rec.Username, DefaultGlobalAdmin)
	}
}

// TestConsentDelay covers WithConsentDelay: a permission granted now
// reaches tokens issued after the delay.
func TestConsentDelay(t *testing.T) {
	s := newServer(t, WithConsentDelay(time.Minute))
	admin := syncAppWithRoles(t, s)
	other, _ := s.App(DefaultUnprivilegedApp)
	_, graphSP := s.Do(http.MethodGet, "/servicePrincipals(appId='"+GraphAppID+"')", nil)
	r := admin.do(http.MethodPost, "/servicePrincipals/"+other.ServicePrincipalID+"/appRoleAssignments", map[string]any{
		"principalId": other.ServicePrincipalID, "resourceId": graphSP["id"], "appRoleId": GraphAppRoleID(PermUserReadAll),
	})
	want(t, r, http.StatusCreated, "")
	if roles := tokenClaims(t, appClient(t, s, DefaultUnprivilegedApp).token)["roles"]; roles != nil {
		t.Fatalf("roles right after the grant: got %v, want none yet", roles)
	}
	s.Advance(time.Minute)
	if roles := tokenClaims(t, appClient(t, s, DefaultUnprivilegedApp).token)["roles"]; !sameStrings(roles, []string{PermUserReadAll}) {
		t.Fatalf("roles after the delay: got %v, want [%s]", roles, PermUserReadAll)
	}
}

// syncAppWithRoles is a delegated client of the global administrator with
// the scopes setup uses.
func syncAppWithRoles(t *testing.T, s *Server) *client {
	t.Helper()
	return userClient(t, s, DefaultGlobalAdmin, PermApplicationReadWriteAll, PermAppRoleAssignmentReadWriteAll, PermDirectoryReadAll)
}

// tokenClaims decodes a JWT's claims without verifying it.
func tokenClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	j, err := parseJWT(token)
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return j.claims
}

// sameStrings compares a JSON array claim with want, ignoring order.
func sameStrings(got any, want []string) bool {
	arr, _ := got.([]any)
	if len(arr) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, a := range arr {
			found = found || a == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestDeviceCodeOwnPublicClient: a tenant's own application may sign users
// in with device code once isFallbackPublicClient is set (entrasync's
// --client-id); otherwise the identity platform wants a client credential.
func TestDeviceCodeOwnPublicClient(t *testing.T) {
	s := newServer(t)
	_, app := s.Do(http.MethodPost, "/applications", map[string]any{"displayName": "own public client"})
	appID := app["appId"].(string)
	c := &client{t: t, s: s, hc: s.Client()}
	form := url.Values{"client_id": {appID}, "scope": {GraphResource + "/User.Read"}}
	if r := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", form); r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
		t.Fatalf("confidential app: got %d %s, want 401 invalid_client", r.status, r.raw)
	}
	s.Do(http.MethodPatch, "/applications/"+app["id"].(string), map[string]any{"isFallbackPublicClient": true})
	if r := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", form); r.status != http.StatusOK {
		t.Fatalf("public client: got %d %s", r.status, r.raw)
	}
	if r := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", url.Values{"client_id": {appID}, "scope": {GraphResource + "/Mail.Send"}}); r.status != http.StatusBadRequest || !strings.Contains(r.str("error_description"), "AADSTS650053") {
		t.Errorf("unknown scope: got %d %s, want AADSTS650053", r.status, r.raw)
	}
}
