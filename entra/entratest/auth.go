package entratest

import (
	"net/http"
	"slices"
	"strings"
)

// principal is the caller of a Graph request, read from its access token.
type principal struct {
	appID   string
	appName string
	app     bool     // app-only token (client credentials)
	roles   []string // app-only: granted application permissions
	scopes  []string // delegated: consented scopes (scp)
	userID  string   // delegated: the signed-in user
	userUPN string
	admin   bool // the in-process caller of Server.Do: allowed everything
}

// tokenError is the 401 Graph answers to a missing or invalid token
// (https://learn.microsoft.com/graph/errors: InvalidAuthenticationToken).
func tokenError(msg string) *graphError {
	return gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
}

// authenticate validates the bearer token the way Graph does: signed by
// this tenant's identity platform, for Microsoft Graph, not expired.
func (s *Server) authenticate(h http.Header) (*principal, *graphError) {
	auth := h.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, tokenError("Access token is empty.")
	}
	if strings.Count(token, ".") != 2 {
		return nil, tokenError("IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.")
	}
	jwt, err := parseJWT(token)
	if err != nil {
		return nil, tokenError("Access token validation failure. The token is malformed.")
	}
	if jwt.header.Alg != "RS256" || jwt.verify(&s.signKey.PublicKey) != nil {
		return nil, tokenError("Access token validation failure. Invalid signature.")
	}
	if !s.isGraphAudience(jwt.str("aud")) {
		return nil, tokenError("Access token validation failure. Invalid audience.")
	}
	if !strings.EqualFold(jwt.str("tid"), s.dir.tenantID) {
		return nil, tokenError("Access token validation failure. Invalid issuer.")
	}
	if exp, ok := jwt.num("exp"); !ok || s.now().Unix() >= exp {
		return nil, tokenError("Lifetime validation failed, the token is expired.")
	}
	p := &principal{appID: jwt.str("appid"), appName: jwt.str("app_displayname")}
	if jwt.str("idtyp") == "app" {
		p.app = true
		p.roles = jwt.strs("roles")
	} else {
		p.userID = jwt.str("oid")
		p.userUPN = jwt.str("upn")
		p.scopes = strings.Fields(jwt.str("scp"))
	}
	return p, nil
}

// isGraphAudience accepts Microsoft Graph's names and the emulator's own
// URL, which a client may use as the resource of its scopes.
func (s *Server) isGraphAudience(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return strings.EqualFold(aud, GraphResource) || strings.EqualFold(aud, GraphAppID) ||
		strings.EqualFold(aud, s.URL) || strings.EqualFold(aud, GraphResource+"/v1.0")
}

// authorize checks the caller against an operation's permissions and
// answers 403 Authorization_RequestDenied as Graph does
// (https://learn.microsoft.com/graph/errors, "Authorization_RequestDenied").
func (s *Server) authorize(c *call, a access) *graphError {
	p := c.p
	if p.admin {
		return nil
	}
	if p.app {
		if hasAny(p.roles, a.app) {
			return nil
		}
		return errInsufficientPrivileges()
	}
	if !hasAny(p.scopes, a.scopes) {
		return errInsufficientPrivileges()
	}
	if a.roles != nil && !hasAny(s.dir.rolesOf(p.userID), a.roles) {
		return errInsufficientPrivileges()
	}
	return nil
}

// hasAny reports whether have and want share an element, ignoring case.
func hasAny(have, want []string) bool {
	for _, h := range have {
		if slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(h, w) }) {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

// dedupeFold removes case-insensitive duplicates, keeping the first.
func dedupeFold(in []string) []string {
	var out []string
	for _, s := range in {
		if !containsFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}
