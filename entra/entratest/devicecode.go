package entratest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Device code sign-in
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code):
// the client asks /devicecode for a code, shows the user code, and polls
// /token with grant_type=device_code until a test (ApproveDeviceCode), the
// auto-approver or the /devicelogin page approves or declines it.

const (
	deviceCodeLifetime = 15 * time.Minute
	deviceCodeInterval = 5
	deviceCodeMinPoll  = time.Second
	refreshLifetime    = 90 * 24 * time.Hour
)

type deviceState uint8

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDeclined
	deviceRedeemed
)

type deviceCode struct {
	userCode   string
	deviceCode string
	clientID   string
	scopes     []string // requested Graph scopes, short form (User.Read) or ".default"
	issued     time.Time
	expires    time.Time
	state      deviceState
	userID     string
	failure    *oauthError // set when approval cannot grant the scopes
	lastPoll   time.Time
}

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	userID   string
	clientID string
	scopes   []string
	expires  time.Time
}

// publicClient returns the display name of a public client allowed to use
// device code sign-in (Microsoft Graph Command Line Tools, or an
// application of the tenant with isFallbackPublicClient), or an error as
// the identity platform gives it.
func (s *Server) publicClient(clientID string) (string, *oauthError) {
	if strings.EqualFold(clientID, GraphCommandLineToolsAppID) {
		return "Microsoft Graph Command Line Tools", nil
	}
	app := s.dir.appByAppID[strings.ToLower(clientID)]
	if app == nil || !app.live() {
		return "", oerr(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
			clientID, s.dir.displayName)
	}
	if !app.boolean("isFallbackPublicClient") {
		return "", oerr(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	return app.str("displayName"), nil
}

// delegatedScopes parses the scope parameter of a delegated request into
// Graph scopes: "https://graph.microsoft.com/User.Read" and "User.Read"
// both give "User.Read"; the OIDC scopes are dropped; a scope Microsoft
// Graph does not define is refused (AADSTS650053).
func (s *Server) delegatedScopes(clientID, scope string) ([]string, *oauthError) {
	var out []string
	for _, sc := range strings.Fields(scope) {
		switch strings.ToLower(sc) {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		short := sc
		if i := strings.LastIndex(sc, "/"); i >= 0 {
			if !s.isGraphAudience(sc[:i]) {
				return nil, oerr(http.StatusBadRequest, "invalid_resource", 500011,
					"The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", sc[:i])
			}
			short = sc[i+1:]
		}
		if short != ".default" {
			p := permissionByValue(short)
			if p == nil || p.scopeID == "" {
				return nil, oerr(http.StatusBadRequest, "invalid_scope", 650053,
					"The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'. Contact the app vendor.", clientID, short, GraphAppID)
			}
			short = p.value
		}
		out = append(out, short)
	}
	if len(out) == 0 {
		out = []string{"User.Read"}
	}
	return out, nil
}

// startDeviceCode answers POST /{tenant}/oauth2/v2.0/devicecode.
func (s *Server) startDeviceCode(form url.Values, now time.Time) (ordered, *oauthError) {
	if form.Get("client_id") == "" {
		return nil, oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	if _, e := s.publicClient(form.Get("client_id")); e != nil {
		return nil, e
	}
	scopes, e := s.delegatedScopes(form.Get("client_id"), form.Get("scope"))
	if e != nil {
		return nil, e
	}
	dc := &deviceCode{
		userCode:   userCode(),
		deviceCode: randomToken(48),
		clientID:   form.Get("client_id"),
		scopes:     scopes,
		issued:     now,
		expires:    now.Add(deviceCodeLifetime),
	}
	s.devices = append(s.devices, dc)
	verify := s.URL + "/devicelogin"
	return ordered{
		{"user_code", dc.userCode},
		{"device_code", dc.deviceCode},
		{"verification_uri", verify},
		{"expires_in", int(deviceCodeLifetime.Seconds())},
		{"interval", deviceCodeInterval},
		{"message", fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, dc.userCode)},
	}, nil
}

// redeemDeviceCode answers the device code grant.
func (s *Server) redeemDeviceCode(form url.Values, now time.Time, entry *Request) (ordered, *oauthError) {
	code := form.Get("device_code")
	if code == "" {
		return nil, oerr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'device_code'.")
	}
	var dc *deviceCode
	for _, d := range s.devices {
		if d.deviceCode == code {
			dc = d
		}
	}
	if dc == nil {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
	}
	if !strings.EqualFold(dc.clientID, form.Get("client_id")) {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
	}
	switch {
	case dc.state == deviceRedeemed:
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case dc.state == deviceDeclined:
		return nil, oerr(http.StatusBadRequest, "authorization_declined", 70000, "The end user denied the authorization request.")
	case dc.failure != nil:
		return nil, dc.failure
	case now.After(dc.expires):
		return nil, oerr(http.StatusBadRequest, "expired_token", 70019, "Verification code expired.")
	case dc.state == devicePending:
		// RFC 8628 §3.5: a client polling faster than the interval is
		// told to slow down; MSAL treats slow_down like
		// authorization_pending and keeps polling.
		tooSoon := !dc.lastPoll.IsZero() && now.Sub(dc.lastPoll) < deviceCodeMinPoll
		dc.lastPoll = now
		if tooSoon {
			return nil, oerr(http.StatusBadRequest, "slow_down", 0, "The client is polling too fast; wait the interval between polls.")
		}
		return nil, oerr(http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	}
	dc.state = deviceRedeemed
	return s.issueDelegated(dc.userID, dc.clientID, dc.scopes, now, entry)
}

// redeemRefreshToken answers the refresh token grant; the new access
// token reflects the user's current roles.
func (s *Server) redeemRefreshToken(form url.Values, now time.Time, entry *Request) (ordered, *oauthError) {
	rt := form.Get("refresh_token")
	g := s.refresh[rt]
	if g == nil || now.After(g.expires) {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	}
	if !strings.EqualFold(g.clientID, form.Get("client_id")) {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
	}
	scopes := g.scopes
	if form.Get("scope") != "" {
		req, e := s.delegatedScopes(g.clientID, form.Get("scope"))
		if e != nil {
			return nil, e
		}
		scopes = req
		if e := s.consentCheck(g.userID, g.clientID, scopes); e != nil {
			return nil, e
		}
	}
	delete(s.refresh, rt) // refresh tokens rotate
	return s.issueDelegated(g.userID, g.clientID, scopes, now, entry)
}

// issueDelegated signs an access token, an ID token and a refresh token
// for userID through clientID.
func (s *Server) issueDelegated(userID, clientID string, scopes []string, now time.Time, entry *Request) (ordered, *oauthError) {
	u := s.dir.live(userID, kindUser)
	if u == nil {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.")
	}
	if !u.boolean("accountEnabled") {
		return nil, oerr(http.StatusBadRequest, "invalid_grant", 50057, "The user account is disabled.")
	}
	appName, e := s.publicClient(clientID)
	if e != nil {
		return nil, e
	}
	scp := s.effectiveScopes(clientID, scopes)
	upn := u.str("userPrincipalName")
	entry.User = upn
	claims := s.baseClaims(now, GraphResource, clientID, appName)
	claims["idtyp"] = "user"
	claims["oid"] = u.id
	claims["sub"] = u.id
	claims["upn"] = upn
	claims["unique_name"] = upn
	claims["name"] = u.str("displayName")
	claims["scp"] = strings.Join(scp, " ")
	// wids carries the directory role templates of the user, plus the
	// member role every user holds.
	claims["wids"] = append(s.dir.rolesOf(u.id), "b79fbf4d-3ef9-4689-8143-76b194e85509")
	at, err := signJWT(s.signKey, s.keyID, claims)
	if err != nil {
		return nil, oerr(http.StatusInternalServerError, "server_error", 0, "%v", err)
	}
	id, err := signJWT(s.signKey, s.keyID, map[string]any{
		"aud": clientID, "iss": s.issuer(), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
		"name": u.str("displayName"), "oid": u.id, "sub": u.id, "tid": s.dir.tenantID,
		"preferred_username": upn, "ver": "2.0",
	})
	if err != nil {
		return nil, oerr(http.StatusInternalServerError, "server_error", 0, "%v", err)
	}
	rt := randomToken(64)
	s.refresh[rt] = &refreshGrant{userID: u.id, clientID: clientID, scopes: scopes, expires: now.Add(refreshLifetime)}
	info, _ := json.Marshal(map[string]string{"uid": u.id, "utid": s.dir.tenantID})
	full := make([]string, 0, len(scp)+3)
	for _, sc := range scp {
		full = append(full, GraphResource+"/"+sc)
	}
	full = append(full, "openid", "profile", "offline_access")
	return ordered{
		{"token_type", "Bearer"},
		{"scope", strings.Join(full, " ")},
		{"expires_in", int(tokenLifetime.Seconds()) - 1},
		{"ext_expires_in", int(tokenLifetime.Seconds()) - 1},
		{"access_token", at},
		{"refresh_token", rt},
		{"id_token", id},
		{"client_info", base64.RawURLEncoding.EncodeToString(info)},
	}, nil
}

// effectiveScopes expands ".default" to the scopes consented for clientID.
func (s *Server) effectiveScopes(clientID string, scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if sc == ".default" {
			out = append(out, s.dir.consented...)
			continue
		}
		out = append(out, sc)
	}
	return dedupeFold(out)
}

// consentCheck reports AADSTS65001 when userID cannot consent to a scope
// that needs admin consent and is not consented tenant-wide (see
// adminConsentRoles).
func (s *Server) consentCheck(userID, clientID string, scopes []string) *oauthError {
	for _, sc := range scopes {
		if sc == ".default" || containsFold(s.dir.consented, sc) || !adminConsentScope(sc) {
			continue
		}
		if hasAny(s.dir.rolesOf(userID), adminConsentRoles) {
			continue
		}
		name, _ := s.publicClient(clientID)
		e := oerr(http.StatusBadRequest, "invalid_grant", 65001,
			"The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.",
			clientID, name)
		e.sub = "consent_required"
		return e
	}
	return nil
}

// ErrNoPendingDeviceCode is returned by ApproveDeviceCode and
// DenyDeviceCode when no pending code matches.
var ErrNoPendingDeviceCode = errors.New("entratest: no pending device code")

// ApproveDeviceCode approves the pending device code with userCode (""
// approves the oldest pending one) as the user whose userPrincipalName is
// upn; the client's next poll gets tokens. If the user cannot consent to a
// requested scope, the poll gets AADSTS65001 instead, as after a "Need
// admin approval" page.
func (s *Server) ApproveDeviceCode(userCode, upn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := s.pendingDevice(userCode)
	if dc == nil {
		return ErrNoPendingDeviceCode
	}
	u := s.dir.byUPN[strings.ToLower(upn)]
	if u == nil {
		return fmt.Errorf("entratest: approve device code: no user %q", upn)
	}
	dc.state, dc.userID = deviceApproved, u.id
	dc.failure = s.consentCheck(u.id, dc.clientID, dc.scopes)
	if dc.failure == nil {
		// An administrator's approval grants admin consent tenant-wide, as
		// ticking "Consent on behalf of your organization" does.
		for _, sc := range dc.scopes {
			if sc != ".default" && adminConsentScope(sc) && !containsFold(s.dir.consented, sc) {
				s.dir.consented = append(s.dir.consented, sc)
			}
		}
	}
	return nil
}

// adminConsentScope reports whether a delegated Graph permission needs
// admin consent.
func adminConsentScope(sc string) bool {
	p := permissionByValue(sc)
	return p == nil || !p.userConsent
}

// DenyDeviceCode declines the pending device code with userCode ("" for
// the oldest); the client's next poll gets authorization_declined.
func (s *Server) DenyDeviceCode(userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := s.pendingDevice(userCode)
	if dc == nil {
		return ErrNoPendingDeviceCode
	}
	dc.state = deviceDeclined
	return nil
}

// PendingDeviceCodes returns the user codes waiting for approval, oldest
// first.
func (s *Server) PendingDeviceCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	now := s.now()
	for _, d := range s.devices {
		if d.state == devicePending && now.Before(d.expires) {
			out = append(out, d.userCode)
		}
	}
	return out
}

func (s *Server) pendingDevice(userCode string) *deviceCode {
	now := s.now()
	for _, d := range s.devices {
		if d.state != devicePending || now.After(d.expires) {
			continue
		}
		if userCode == "" || strings.EqualFold(strings.ReplaceAll(userCode, "-", ""), d.userCode) {
			return d
		}
	}
	return nil
}

// autoApprover approves device codes cfg.autoApprove after they were
// issued (WithAutoApprove).
func (s *Server) autoApprover() {
	defer s.wg.Done()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-tick.C:
		}
		s.mu.Lock()
		now := s.now()
		upn := s.cfg.autoApproveA
		if upn == "" {
			upn = s.firstGlobalAdmin()
		}
		var due []string
		for _, d := range s.devices {
			if d.state == devicePending && !now.Before(d.issued.Add(s.cfg.autoApprove)) && now.Before(d.expires) {
				due = append(due, d.userCode)
			}
		}
		s.mu.Unlock()
		for _, c := range due {
			_ = s.ApproveDeviceCode(c, upn)
		}
	}
}

func (s *Server) firstGlobalAdmin() string {
	if r := s.dir.roleByTemplate(RoleGlobalAdministrator); r != nil {
		for _, u := range s.dir.lists[kindUser].items {
			if r.members[u.id] && u.live() {
				return u.str("userPrincipalName")
			}
		}
	}
	return ""
}

// userCode returns a 9-letter code like the identity platform's.
func userCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
