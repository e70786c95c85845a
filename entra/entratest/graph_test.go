package entratest

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Authentication and authorization of Graph requests
// (https://learn.microsoft.com/graph/errors,
// https://learn.microsoft.com/graph/auth/auth-concepts).

func TestGraphAuthentication(t *testing.T) {
	s := newServer(t)
	good := syncApp(t, s).token
	tests := []struct {
		name    string
		header  string
		advance time.Duration
		message string
	}{
		{"no token", "", 0, "Access token is empty."},
		{"not a JWT", "Bearer abc", 0, "IDX14100"},
		{"bad signature", "Bearer " + good[:len(good)-4] + "AAAA", 0, "Invalid signature"},
		{"expired", "Bearer " + good, 2 * time.Hour, "Lifetime validation failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Advance(tt.advance)
			t.Cleanup(func() { s.Advance(-tt.advance) })
			c := &client{t: t, s: s, hc: s.Client()}
			r := c.do(http.MethodGet, "/users", nil, "Authorization", tt.header)
			want(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken")
			if !strings.Contains(r.message(), tt.message) {
				t.Errorf("message: got %q, want it to contain %q", r.message(), tt.message)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header on a 401")
			}
		})
	}
}

// TestGraphResponseShape checks the headers and error body of Graph
// (https://learn.microsoft.com/graph/errors: code, message, innerError
// with date, request-id and client-request-id).
func TestGraphResponseShape(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.do(http.MethodGet, "/users/"+newGUID(), nil, "client-request-id", "my-id")
	want(t, r, http.StatusNotFound, "Request_ResourceNotFound")
	inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["client-request-id"] != "my-id" || inner["request-id"] == "" || inner["date"] == "" {
		t.Errorf("innerError: got %v", inner)
	}
	if got := r.header.Get("client-request-id"); got != "my-id" {
		t.Errorf("client-request-id header: got %q, want my-id", got)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type: got %q", got)
	}
	r = c.do(http.MethodGet, "/nothing", nil)
	want(t, r, http.StatusBadRequest, "BadRequest")
	if r.message() != "Resource not found for the segment 'nothing'." {
		t.Errorf("unknown segment message: got %q", r.message())
	}
	// json-batching's example: a method the target does not support.
	want(t, c.do(http.MethodPut, "/users", map[string]any{}), http.StatusMethodNotAllowed, "Request_BadRequest")
}

// TestAuthorization checks each operation against the permissions its page
// lists: an app without the permission, and a signed-in user whose
// directory role does not allow the operation, get 403
// Authorization_RequestDenied.
func TestAuthorization(t *testing.T) {
	s := newServer(t)
	unprivileged := appClient(t, s, DefaultUnprivilegedApp)
	// The global administrator's sign-in consents to the scopes for the
	// tenant; then a user without roles can sign in with them.
	userClient(t, s, DefaultGlobalAdmin, PermUserReadWriteAll, PermGroupReadWriteAll, PermApplicationReadWriteAll, PermDirectoryReadAll)
	user := userClient(t, s, DefaultUser, PermUserReadWriteAll, PermGroupReadWriteAll, PermApplicationReadWriteAll, PermDirectoryReadAll)
	userClient(t, s, DefaultGlobalAdmin, PermAppRoleAssignmentReadWriteAll)
	hybrid := userClient(t, s, DefaultHybridAdmin, PermApplicationReadWriteAll, PermAppRoleAssignmentReadWriteAll, PermDirectoryReadAll)
	app, _ := s.App(DefaultSyncApp)
	graphSP := servicePrincipalID(t, s, GraphAppID)
	group := s.Groups()[0].ID
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
	}{
		{"app lists users", unprivileged, http.MethodGet, "/users", nil},
		{"app creates a user", unprivileged, http.MethodPost, "/users", newUser("x", DefaultDomain)},
		{"app lists groups", unprivileged, http.MethodGet, "/groups", nil},
		{"app reads the organization", unprivileged, http.MethodGet, "/organization", nil},
		{"app lists domains", unprivileged, http.MethodGet, "/domains", nil},
		{"app lists applications", unprivileged, http.MethodGet, "/applications", nil},
		{"app reads users delta", unprivileged, http.MethodGet, "/users/delta", nil},
		{"app adds a member", unprivileged, http.MethodPost, "/groups/" + group + "/members/$ref", map[string]any{"@odata.id": GraphResource + "/v1.0/directoryObjects/" + app.ServicePrincipalID}},
		{"user without role creates a user", user, http.MethodPost, "/users", newUser("y", DefaultDomain)},
		{"user without role creates a group", user, http.MethodPost, "/groups", map[string]any{"displayName": "g", "mailEnabled": false, "mailNickname": "g", "securityEnabled": true}},
		{"user without role registers an app", user, http.MethodPost, "/applications", map[string]any{"displayName": "a"}},
		{"hybrid administrator grants a Graph permission", hybrid, http.MethodPost, "/servicePrincipals/" + app.ServicePrincipalID + "/appRoleAssignments", map[string]any{
			"principalId": app.ServicePrincipalID, "resourceId": graphSP, "appRoleId": GraphAppRoleID(PermDirectoryReadAll)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do(tt.method, tt.path, tt.body)
			want(t, r, http.StatusForbidden, "Authorization_RequestDenied")
			if r.message() != "Insufficient privileges to complete the operation." {
				t.Errorf("message: got %q", r.message())
			}
		})
	}
	// The hybrid administrator may register an application, though.
	want(t, hybrid.do(http.MethodPost, "/applications", map[string]any{"displayName": "by hybrid admin"}), http.StatusCreated, "")
}

// servicePrincipalID finds the service principal of appID.
func servicePrincipalID(t *testing.T, s *Server, appID string) string {
	t.Helper()
	status, body := s.Do(http.MethodGet, "/servicePrincipals(appId='"+appID+"')", nil)
	if status != http.StatusOK {
		t.Fatalf("service principal of %s: status %d", appID, status)
	}
	return body["id"].(string)
}

// TestGzipRequestBody checks that compressed bodies, as msgraph-sdk-go's
// CompressionHandler sends them, are read and logged as such.
func TestGzipRequestBody(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.gzipped(http.MethodPost, "/users", newUser("zipped", DefaultDomain))
	want(t, r, http.StatusCreated, "")
	log := s.Requests()
	if last := log[len(log)-1]; !last.Gzip || last.Status != http.StatusCreated || last.AppID == "" {
		t.Errorf("log entry: got %+v, want a gzip POST answered 201 with the app id", last)
	}
}

// TestWriteCountAndReset covers WriteCount and ResetRequests.
func TestWriteCountAndReset(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	before := s.WriteCount()
	want(t, c.do(http.MethodPost, "/users", newUser("counted", DefaultDomain)), http.StatusCreated, "")
	want(t, c.do(http.MethodPost, "/users", newUser("counted", DefaultDomain)), http.StatusBadRequest, "Request_BadRequest")
	if got := s.WriteCount() - before; got != 1 {
		t.Errorf("WriteCount: got %d more, want 1 (failed writes do not count)", got)
	}
	s.ResetRequests()
	if got := len(s.Requests()); got != 0 {
		t.Errorf("after ResetRequests: got %d entries, want 0", got)
	}
}

// TestRequestBodyEncodings: a compressed body Graph cannot read is refused
// (415 for an unknown encoding, on which msgraph-sdk-go resends it plain).
func TestRequestBodyEncodings(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	tests := []struct {
		name     string
		encoding string
		body     string
		status   int
	}{
		{"unknown encoding", "br", "{}", http.StatusUnsupportedMediaType},
		{"not really gzip", "gzip", "{}", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.GraphURL()+"/users", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set("Content-Encoding", tt.encoding)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

// TestWithHosts: extra names go into the serving certificate, for an
// emulator reached by another name than loopback.
func TestWithHosts(t *testing.T) {
	s := newServer(t, WithHosts("emulator.test"))
	host := strings.TrimPrefix(s.URL, "https://")
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: s.CAPool(), ServerName: "emulator.test"})
	if err != nil {
		t.Fatalf("TLS as emulator.test: %v", err)
	}
	conn.Close()
	if _, err := tls.Dial("tcp", host, &tls.Config{RootCAs: s.CAPool(), ServerName: "other.test"}); err == nil {
		t.Error("TLS as other.test: got no error")
	}
}
