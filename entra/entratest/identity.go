package entratest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The identity platform endpoints, as MSAL for Go (through azidentity)
// calls them: https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc,
// v2-oauth2-client-creds-grant-flow, v2-oauth2-device-code and
// v2-oauth2-auth-code-flow (refresh). Errors carry the AADSTS codes of
// https://learn.microsoft.com/entra/identity-platform/reference-error-codes.

// Well-known identifiers.
const (
	// GraphAppID is the appId of Microsoft Graph.
	GraphAppID = "00000003-0000-0000-c000-000000000000"
	// GraphResource is Microsoft Graph's application ID URI.
	GraphResource = "https://graph.microsoft.com"
	// GraphCommandLineToolsAppID is the public client Microsoft Graph
	// Command Line Tools, used for device code sign-in by default.
	GraphCommandLineToolsAppID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

	tokenLifetime = time.Hour
	jwtBearer     = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// oauthError is an error of the token and device code endpoints:
// {"error","error_description","error_codes",...}.
type oauthError struct {
	status int
	err    string // invalid_client, invalid_grant...
	code   int    // AADSTS number
	desc   string
	sub    string // suberror, e.g. consent_required
}

func oerr(status int, err string, code int, format string, args ...any) *oauthError {
	return &oauthError{status: status, err: err, code: code, desc: fmt.Sprintf(format, args...)}
}

func (e *oauthError) body(now time.Time, traceID string) ordered {
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	desc := e.desc
	if e.code != 0 {
		desc = fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", e.code, e.desc, traceID, traceID, ts)
	}
	b := ordered{{"error", e.err}, {"error_description", desc}}
	if e.code != 0 {
		b.add("error_codes", []int{e.code})
	}
	b.add("timestamp", ts)
	b.add("trace_id", traceID)
	b.add("correlation_id", traceID)
	if e.code != 0 {
		b.add("error_uri", fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.code))
	}
	if e.sub != "" {
		b.add("suberror", e.sub)
	}
	return b
}

// serveIdentity answers /{tenant}/... requests.
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request, body []byte) {
	start := time.Now()
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	rest := ""
	if len(parts) == 2 {
		rest = parts[1]
	}
	tenant := parts[0]

	s.mu.Lock()
	now := s.now()
	traceID := newGUID()
	entry := Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Gzip: isGzip(r.Header)}
	f := s.matchFault(r.Method, r.URL.Path, false)
	s.mu.Unlock()
	if f != nil {
		entry.Fault = true
		if !s.delay(r, f.Delay) || f.Drop {
			entry.Duration = time.Since(start)
			s.record(entry)
			if f.Drop {
				dropConnection(w)
			}
			return
		}
		if f.Status != 0 {
			code := f.Code
			if code == "" {
				code = "temporarily_unavailable"
			}
			e := oerr(f.Status, code, 0, "%s", "entratest: injected fault")
			if f.Message != "" {
				e.desc = f.Message
			}
			rep := reply{status: f.Status, body: e.body(now, traceID)}
			if f.RetryAfter > 0 {
				rep = rep.withHeader("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
			}
			entry.Status, entry.ErrorCode, entry.Duration = f.Status, code, time.Since(start)
			s.record(entry)
			writeJSON(w, rep)
			return
		}
	}
	s.mu.Lock()
	status, resp, hdr := s.identityLocked(r, body, tenant, rest, now, traceID, &entry)
	entry.Status = status
	if o, isOrdered := resp.(ordered); isOrdered && status >= 400 {
		for _, m := range o {
			if m.name == "error" {
				entry.ErrorCode, _ = m.val.(string)
			}
		}
	}
	entry.Duration = time.Since(start)
	s.appendLog(entry)
	s.mu.Unlock()
	writeJSON(w, reply{status: status, body: resp, header: hdr})
}

// identityLocked routes an identity request; s.mu is held.
func (s *Server) identityLocked(r *http.Request, body []byte, tenant, rest string, now time.Time, traceID string, entry *Request) (int, any, http.Header) {
	fail := func(e *oauthError) (int, any, http.Header) { return e.status, e.body(now, traceID), nil }
	switch rest {
	case "v2.0/.well-known/openid-configuration", "oauth2/v2.0/token", "oauth2/v2.0/devicecode", "discovery/v2.0/keys":
	default:
		return http.StatusNotFound, ordered{{"error", "not_found"}, {"error_description", "entratest: no such endpoint " + r.URL.Path}}, nil
	}
	if !s.knownTenant(tenant) {
		return fail(oerr(http.StatusBadRequest, "invalid_request", 90002,
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
	}
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		if r.Method != http.MethodGet {
			return http.StatusMethodNotAllowed, ordered{{"error", "invalid_request"}}, nil
		}
		return http.StatusOK, s.openIDConfiguration(), nil
	case "discovery/v2.0/keys":
		return http.StatusOK, s.jwks(), nil
	}
	if r.Method != http.MethodPost {
		return fail(oerr(http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a %s request.", r.Method))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return fail(oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded."))
	}
	entry.AppID = form.Get("client_id")
	if rest == "oauth2/v2.0/devicecode" {
		resp, e := s.startDeviceCode(form, now)
		if e != nil {
			return fail(e)
		}
		return http.StatusOK, resp, nil
	}
	resp, e := s.token(form, now, entry)
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, resp, http.Header{"Cache-Control": {"no-store, no-cache"}, "Pragma": {"no-cache"}}
}

// knownTenant reports whether t names this tenant: its id, one of its
// domains, or the organizations / common aliases.
func (s *Server) knownTenant(t string) bool {
	switch strings.ToLower(t) {
	case strings.ToLower(s.dir.tenantID), "organizations", "common":
		return true
	}
	return s.dir.domainNamed(t) != nil
}

func (s *Server) issuer() string { return s.URL + "/" + s.dir.tenantID + "/v2.0" }

// openIDConfiguration follows the discovery document of
// https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration,
// with every URL on the emulator. MSAL checks that the issuer's host
// matches the authority's.
func (s *Server) openIDConfiguration() ordered {
	base := s.URL + "/" + s.dir.tenantID
	return ordered{
		{"token_endpoint", base + "/oauth2/v2.0/token"},
		{"token_endpoint_auth_methods_supported", []string{"client_secret_post", "private_key_jwt", "client_secret_basic"}},
		{"jwks_uri", base + "/discovery/v2.0/keys"},
		{"response_modes_supported", []string{"query", "fragment", "form_post"}},
		{"subject_types_supported", []string{"pairwise"}},
		{"id_token_signing_alg_values_supported", []string{"RS256"}},
		{"response_types_supported", []string{"code", "id_token", "code id_token", "id_token token"}},
		{"scopes_supported", []string{"openid", "profile", "email", "offline_access"}},
		{"issuer", s.issuer()},
		{"request_uri_parameter_supported", false},
		{"userinfo_endpoint", s.URL + "/oidc/userinfo"},
		{"authorization_endpoint", base + "/oauth2/v2.0/authorize"},
		{"device_authorization_endpoint", base + "/oauth2/v2.0/devicecode"},
		{"http_logout_supported", true},
		{"frontchannel_logout_supported", true},
		{"end_session_endpoint", base + "/oauth2/v2.0/logout"},
		{"claims_supported", []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"}},
		{"tenant_region_scope", "EU"},
		{"cloud_instance_name", "microsoftonline.com"},
		{"cloud_graph_host_name", "graph.windows.net"},
		{"msgraph_host", "graph.microsoft.com"},
	}
}

// jwks publishes the token signing key.
func (s *Server) jwks() ordered {
	pub := s.signKey.PublicKey
	e := []byte{byte(pub.E >> 16), byte(pub.E >> 8), byte(pub.E)}
	for len(e) > 1 && e[0] == 0 {
		e = e[1:]
	}
	return ordered{{"keys", []ordered{{
		{"kty", "RSA"}, {"use", "sig"}, {"kid", s.keyID},
		{"n", b64.EncodeToString(pub.N.Bytes())}, {"e", b64.EncodeToString(e)},
	}}}}
}

// token answers POST /{tenant}/oauth2/v2.0/token.
func (s *Server) token(form url.Values, now time.Time, entry *Request) (ordered, *oauthError) {
	grant := form.Get("grant_type")
	if grant == "" {
		return nil, oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	}
	if form.Get("client_id") == "" {
		return nil, oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	switch grant {
	case "client_credentials":
		return s.clientCredentials(form, now)
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		return s.redeemDeviceCode(form, now, entry)
	case "refresh_token":
		return s.redeemRefreshToken(form, now, entry)
	default:
		return nil, oerr(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", grant)
	}
}

// graphDefaultScope parses a client credentials scope: exactly one
// "{resource}/.default" for Microsoft Graph, next to the OIDC scopes MSAL
// adds. It returns the resource, which becomes the token's audience.
func (s *Server) graphDefaultScope(scope string) (string, *oauthError) {
	if strings.TrimSpace(scope) == "" {
		return "", oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
	}
	var resource string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			return "", oerr(http.StatusBadRequest, "invalid_scope", 1002012,
				"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)
		}
		if !s.isGraphAudience(res) {
			return "", oerr(http.StatusBadRequest, "invalid_resource", 500011,
				"The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res)
		}
		resource = strings.TrimSuffix(res, "/")
	}
	if resource == "" {
		return "", oerr(http.StatusBadRequest, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)
	}
	return resource, nil
}

// clientCredentials authenticates a confidential client by secret or by a
// certificate assertion and issues an app-only token.
func (s *Server) clientCredentials(form url.Values, now time.Time) (ordered, *oauthError) {
	clientID := form.Get("client_id")
	aud, e := s.graphDefaultScope(form.Get("scope"))
	if e != nil {
		return nil, e
	}
	app := s.dir.appByAppID[strings.ToLower(clientID)]
	if app == nil || !app.live() {
		return nil, oerr(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
			clientID, s.dir.displayName)
	}
	switch {
	case form.Get("client_secret") != "":
		if e := checkSecret(app, form.Get("client_secret"), now); e != nil {
			return nil, e
		}
	case form.Get("client_assertion") != "":
		if t := form.Get("client_assertion_type"); t != jwtBearer {
			return nil, oerr(http.StatusBadRequest, "invalid_request", 700023,
				"Client assertion type '%s' is not supported. Use '%s'.", t, jwtBearer)
		}
		if e := s.checkAssertion(app, form.Get("client_assertion"), now); e != nil {
			return nil, e
		}
	default:
		return nil, oerr(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	sp := s.dir.spByAppID[strings.ToLower(app.str("appId"))]
	if sp == nil || !sp.live() {
		return nil, oerr(http.StatusUnauthorized, "invalid_client", 7000229,
			"The client application %s is missing service principal in the tenant %s. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", clientID, s.dir.tenantID)
	}
	if v, set := sp.get("accountEnabled"); set && v == false {
		return nil, oerr(http.StatusBadRequest, "unauthorized_client", 7000112,
			"Application '%s'(%s) is disabled.", clientID, app.str("displayName"))
	}
	claims := s.baseClaims(now, aud, app.str("appId"), app.str("displayName"))
	claims["idtyp"] = "app"
	claims["oid"] = sp.id
	claims["sub"] = sp.id
	if roles := s.grantedGraphRoles(sp.id, now); len(roles) > 0 {
		claims["roles"] = roles
	}
	at, err := signJWT(s.signKey, s.keyID, claims)
	if err != nil {
		return nil, oerr(http.StatusInternalServerError, "server_error", 0, "%v", err)
	}
	return ordered{
		{"token_type", "Bearer"},
		{"expires_in", int(tokenLifetime.Seconds()) - 1},
		{"ext_expires_in", int(tokenLifetime.Seconds()) - 1},
		{"access_token", at},
	}, nil
}

// baseClaims are the claims of every Graph access token.
func (s *Server) baseClaims(now time.Time, aud, appID, appName string) map[string]any {
	return map[string]any{
		"aud":             aud,
		"iss":             "https://sts.windows.net/" + s.dir.tenantID + "/",
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Add(tokenLifetime).Unix(),
		"appid":           appID,
		"app_displayname": appName,
		"tid":             s.dir.tenantID,
		"ver":             "1.0",
		"uti":             newGUID(),
	}
}

// checkSecret compares secret with the application's password credentials
// (stored as SHA-256 hashes only).
func checkSecret(app *object, secret string, now time.Time) *oauthError {
	sum := sha256.Sum256([]byte(secret))
	var expired bool
	for _, sc := range app.app.secrets {
		if subtle.ConstantTimeCompare(sum[:], sc.hash[:]) == 1 {
			if !sc.end.IsZero() && now.After(sc.end) {
				expired = true
				continue
			}
			return nil
		}
	}
	appID := app.str("appId")
	if expired {
		return oerr(http.StatusUnauthorized, "invalid_client", 7000222,
			"The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", appID)
	}
	return oerr(http.StatusUnauthorized, "invalid_client", 7000215,
		"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", appID)
}

// checkAssertion verifies a client assertion JWT (RFC 7523) as the
// identity platform does
// (https://learn.microsoft.com/entra/identity-platform/certificate-credentials):
// the signing certificate, named by x5t#S256 or x5t, must be one of the
// application's keyCredentials with usage Verify; the signature must
// verify with its public key; aud must be the token endpoint; iss and sub
// must be the client id; and now must be within nbf..exp.
func (s *Server) checkAssertion(app *object, assertion string, now time.Time) *oauthError {
	appID := app.str("appId")
	jwt, err := parseJWT(assertion)
	if err != nil {
		return oerr(http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
	}
	thumb := jwt.header.X5tS256
	cert := app.app.certByThumbprint(jwt.header.X5tS256, jwt.header.X5t)
	if thumb == "" {
		thumb = jwt.header.X5t
	}
	if cert == nil {
		return oerr(http.StatusUnauthorized, "invalid_client", 700027,
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployment-endpoints to find the SOAP endpoints to use.]",
			thumb, appID)
	}
	if err := jwt.verify(cert.pub); err != nil {
		return oerr(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]")
	}
	if !cert.end.IsZero() && now.After(cert.end) {
		return oerr(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key used is expired.]")
	}
	if !s.validAudience(jwt.claims["aud"]) {
		return oerr(http.StatusBadRequest, "invalid_client", 700212,
			"No matching federated identity record found for presented assertion audience '%v'.", jwt.claims["aud"])
	}
	if !strings.EqualFold(jwt.str("iss"), appID) || !strings.EqualFold(jwt.str("sub"), appID) {
		return oerr(http.StatusUnauthorized, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion.")
	}
	nbf, hasNbf := jwt.num("nbf")
	exp, hasExp := jwt.num("exp")
	const skew = 5 * 60
	if !hasExp || now.Unix() > exp+skew || (hasNbf && now.Unix()+skew < nbf) {
		return oerr(http.StatusUnauthorized, "invalid_client", 700024,
			"Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.",
			now.UTC().Format(time.RFC3339), time.Unix(nbf, 0).UTC().Format(time.RFC3339), time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// validAudience accepts the token endpoint under any name of the tenant,
// and the issuer, as the identity platform does.
func (s *Server) validAudience(aud any) bool {
	var auds []string
	switch v := aud.(type) {
	case string:
		auds = []string{v}
	case []any:
		for _, a := range v {
			if str, ok := a.(string); ok {
				auds = append(auds, str)
			}
		}
	}
	names := []string{s.dir.tenantID}
	for _, d := range s.dir.domains {
		names = append(names, d.name)
	}
	for _, a := range auds {
		for _, n := range names {
			for _, suffix := range []string{"/oauth2/v2.0/token", "/oauth2/token", "/v2.0"} {
				if strings.EqualFold(a, s.URL+"/"+n+suffix) {
					return true
				}
			}
		}
	}
	return false
}

// grantedGraphRoles returns the values of the Microsoft Graph application
// permissions granted to principalID through app role assignments that
// have taken effect by now (see WithConsentDelay).
func (s *Server) grantedGraphRoles(principalID string, now time.Time) []string {
	graph := s.dir.spByAppID[GraphAppID]
	if graph == nil {
		return nil
	}
	var roles []string
	for _, a := range s.dir.assignments {
		if a.principalID != principalID || a.resourceID != graph.id {
			continue
		}
		if now.Before(a.created.Add(s.cfg.consentDelay)) {
			continue
		}
		if v := graphRoleValue(a.appRoleID); v != "" {
			roles = append(roles, v)
		}
	}
	slices.Sort(roles)
	return roles
}

func writeJSON(w http.ResponseWriter, r reply) {
	for k, vs := range r.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.body == nil {
		w.WriteHeader(r.status)
		return
	}
	if t, isText := r.body.(rawText); isText {
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, string(t))
		return
	}
	b, err := json.Marshal(r.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(b)
}
