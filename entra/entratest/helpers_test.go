package entratest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The tests speak plain HTTP to the emulator, as a client library would,
// and name the Graph documentation page each behaviour follows.

// client is a test's view of an emulator and a bearer token.
type client struct {
	t     testing.TB
	s     *Server
	hc    *http.Client
	token string
}

// response is a decoded Graph answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// code returns the Graph error code of a failed answer.
func (r response) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// message returns the Graph error message of a failed answer.
func (r response) message() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// values returns the "value" array of a collection.
func (r response) values() []map[string]any {
	arr, _ := r.body["value"].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, v := range arr {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r response) str(name string) string {
	s, _ := r.body[name].(string)
	return s
}

// newServer starts an emulator for the test.
func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return NewServer(t, opts...)
}

// appClient signs in as the seeded application named name with its client
// secret.
func appClient(t testing.TB, s *Server, name string) *client {
	t.Helper()
	app, found := s.App(name)
	if !found {
		t.Fatalf("no seeded app %q", name)
	}
	c := &client{t: t, s: s, hc: s.Client()}
	r := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{
		"client_id": {app.AppID}, "client_secret": {app.ClientSecret},
		"grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("token for %s: status %d: %s", name, r.status, r.raw)
	}
	c.token = r.str("access_token")
	return c
}

// syncApp is a client signed in as DefaultSyncApp.
func syncApp(t testing.TB, s *Server) *client {
	t.Helper()
	return appClient(t, s, DefaultSyncApp)
}

// userClient signs in as upn through the device code flow with scopes.
func userClient(t testing.TB, s *Server, upn string, scopes ...string) *client {
	t.Helper()
	c := &client{t: t, s: s, hc: s.Client()}
	full := make([]string, 0, len(scopes)+2)
	for _, sc := range scopes {
		full = append(full, GraphResource+"/"+sc)
	}
	full = append(full, "openid", "offline_access")
	dc := c.form("/"+s.TenantID+"/oauth2/v2.0/devicecode", url.Values{
		"client_id": {GraphCommandLineToolsAppID}, "scope": {strings.Join(full, " ")},
	})
	if dc.status != http.StatusOK {
		t.Fatalf("devicecode: status %d: %s", dc.status, dc.raw)
	}
	if err := s.ApproveDeviceCode(dc.str("user_code"), upn); err != nil {
		t.Fatalf("approve: %v", err)
	}
	tok := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{
		"client_id": {GraphCommandLineToolsAppID}, "grant_type": {"device_code"},
		"device_code": {dc.str("device_code")}, "scope": {strings.Join(full, " ")},
	})
	if tok.status != http.StatusOK {
		t.Fatalf("device code token for %s: status %d: %s", upn, tok.status, tok.raw)
	}
	c.token = tok.str("access_token")
	return c
}

// form POSTs an urlencoded form to the identity endpoints.
func (c *client) form(path string, v url.Values) response {
	c.t.Helper()
	resp, err := c.hc.Post(c.s.URL+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	return c.decode(resp)
}

// do sends a Graph request; path is relative to /v1.0 unless it starts
// with https://. headers come in name, value pairs.
func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(path, "https://") {
		u = c.s.GraphURL() + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return c.decode(resp)
}

// gzipped sends a JSON body compressed as msgraph-sdk-go's
// CompressionHandler does.
func (c *client) gzipped(method, path string, body any) response {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write(b)
	_ = zw.Close()
	req, err := http.NewRequest(method, c.s.GraphURL()+path, &zb)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return c.decode(resp)
}

func (c *client) decode(resp *http.Response) response {
	c.t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			c.t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return r
}

// want fails the test unless r has status and, when code is not empty,
// the Graph error code.
func want(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got status %d, want %d; body %s", r.status, status, r.raw)
	}
	if code != "" && r.code() != code {
		t.Fatalf("got error code %q, want %q; body %s", r.code(), code, r.raw)
	}
}

// newUser is a valid user-post-users body.
func newUser(local, domain string) map[string]any {
	return map[string]any{
		"accountEnabled":    true,
		"displayName":       local,
		"mailNickname":      local,
		"userPrincipalName": local + "@" + domain,
		"passwordProfile":   map[string]any{"forceChangePasswordNextSignIn": true, "password": testPassword()},
	}
}

// testPassword returns a fresh password that meets the complexity rules.
func testPassword() string { return "Aa1-" + newSecret()[:12] }
