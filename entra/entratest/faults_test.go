package entratest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Fault injection.

func TestFaultStatusTimes(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	s.InjectFault(Fault{Method: "GET", Path: "/v1.0/users*", Status: http.StatusServiceUnavailable, RetryAfter: 1500 * time.Millisecond, Times: 2})
	for i := range 2 {
		r := c.do(http.MethodGet, "/users", nil)
		want(t, r, http.StatusServiceUnavailable, "serviceNotAvailable")
		if got := r.header.Get("Retry-After"); got != "2" {
			t.Errorf("request %d Retry-After: got %q, want 2 (rounded up)", i, got)
		}
	}
	want(t, c.do(http.MethodGet, "/users", nil), http.StatusOK, "")
	// Other methods and paths are untouched.
	want(t, c.do(http.MethodGet, "/groups", nil), http.StatusOK, "")
	faults := 0
	for _, e := range s.Requests() {
		if e.Fault {
			faults++
		}
	}
	if faults != 2 {
		t.Errorf("faults in the log: got %d, want 2", faults)
	}
}

func TestFaultRemoveAndClear(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	remove := s.InjectFault(Fault{Path: "/v1.0/groups", Status: http.StatusTooManyRequests, Code: "Custom", Message: "custom"})
	r := c.do(http.MethodGet, "/groups", nil)
	if want(t, r, http.StatusTooManyRequests, "Custom"); r.message() != "custom" {
		t.Errorf("message: got %q", r.message())
	}
	remove()
	want(t, c.do(http.MethodGet, "/groups", nil), http.StatusOK, "")
	s.InjectFault(Fault{Status: http.StatusInternalServerError})
	want(t, c.do(http.MethodGet, "/groups", nil), http.StatusInternalServerError, "generalException")
	s.ClearFaults()
	want(t, c.do(http.MethodGet, "/groups", nil), http.StatusOK, "")
}

// TestFaultRateIsRepeatable checks that a Rate draws from the seeded
// generator: the same seed hits the same requests.
func TestFaultRateIsRepeatable(t *testing.T) {
	pattern := func(seed uint64) string {
		s := newServer(t, WithSeed(seed))
		c := syncApp(t, s)
		s.InjectFault(Fault{Path: "/v1.0/domains", Status: http.StatusServiceUnavailable, Rate: 0.5})
		out := ""
		for range 40 {
			if c.do(http.MethodGet, "/domains", nil).status == http.StatusOK {
				out += "."
			} else {
				out += "x"
			}
		}
		return out
	}
	a, b := pattern(7), pattern(7)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	var hits int
	for _, r := range a {
		if r == 'x' {
			hits++
		}
	}
	if hits == 0 || hits == len(a) {
		t.Errorf("rate 0.5 hit %d of %d requests", hits, len(a))
	}
}

func TestFaultDropAndDelay(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	s.InjectFault(Fault{Path: "/v1.0/organization", Drop: true, Times: 1})
	req, _ := http.NewRequest(http.MethodGet, s.GraphURL()+"/organization", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if resp, err := s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection: got status %d, want an error", resp.StatusCode)
	}
	want(t, c.do(http.MethodGet, "/organization", nil), http.StatusOK, "")

	// A slow answer: a client that gives up first gets its context error;
	// the operation itself does not run.
	s.InjectFault(Fault{Method: "POST", Path: "/v1.0/users", Delay: time.Hour, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, s.GraphURL()+"/users", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if _, err := s.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow answer: got %v, want the deadline", err)
	}
	// A delay without status lets the operation run.
	s.InjectFault(Fault{Method: "POST", Path: "/v1.0/users", Delay: time.Millisecond, Times: 1})
	want(t, c.do(http.MethodPost, "/users", newUser("slow", DefaultDomain)), http.StatusCreated, "")
}

// TestFaultOnTokenEndpoint answers the identity platform's error shape.
func TestFaultOnTokenEndpoint(t *testing.T) {
	s := newServer(t)
	s.InjectFault(Fault{Path: "/*/oauth2/v2.0/token", Status: http.StatusServiceUnavailable, Times: 1})
	app, _ := s.App(DefaultSyncApp)
	c := &client{t: t, s: s, hc: s.Client()}
	r := c.form("/"+s.TenantID+"/oauth2/v2.0/token", url.Values{"client_id": {app.AppID}, "client_secret": {app.ClientSecret}, "grant_type": {"client_credentials"}, "scope": {GraphResource + "/.default"}})
	if r.status != http.StatusServiceUnavailable || r.str("error") != "temporarily_unavailable" {
		t.Errorf("token fault: got %d %s", r.status, r.raw)
	}
	syncApp(t, s) // the next attempt succeeds
}

// TestFaultInBatch applies a fault to one item of a batch.
func TestFaultInBatch(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	s.InjectFault(Fault{Method: "POST", Path: "/v1.0/users", Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second, Times: 1})
	var reqs []any
	for i := range 2 {
		reqs = append(reqs, item(fmt.Sprint(i), "POST", "/users", newUser(fmt.Sprintf("bf%d", i), DefaultDomain)))
	}
	got := responsesByID(t, c.do(http.MethodPost, "/$batch", map[string]any{"requests": reqs}))
	if status(got["0"]) != 429 || status(got["1"]) != 201 {
		t.Fatalf("statuses: got %d %d, want 429 201", status(got["0"]), status(got["1"]))
	}
	if h, _ := got["0"]["headers"].(map[string]any); h["Retry-After"] != "3" {
		t.Errorf("item Retry-After: got %v", h)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/v1.0/users", "/v1.0/users", true},
		{"/v1.0/users", "/v1.0/users/x", false},
		{"/v1.0/users*", "/v1.0/users/x/memberOf", true},
		{"/*/oauth2/v2.0/token", "/tenant/oauth2/v2.0/token", true},
		{"/v1.0/groups/*/members/$ref", "/v1.0/groups/abc/members/$ref", true},
		{"/v1.0/groups/*/members/$ref", "/v1.0/groups/abc/owners/$ref", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q): got %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestFaultRawAnswer checks that a fault with Body or ContentType answers
// them as is, in place of the operation, and in a $batch item as a string.
func TestFaultRawAnswer(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		path       string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{
			name:       "html error page",
			fault:      Fault{Path: "/v1.0/users", Status: http.StatusBadGateway, ContentType: "text/html", Body: "<html><body>Bad Gateway</body></html>"},
			path:       "/users",
			wantStatus: http.StatusBadGateway,
			wantType:   "text/html",
			wantBody:   "<html><body>Bad Gateway</body></html>",
		},
		{
			name:       "empty body",
			fault:      Fault{Path: "/v1.0/domains", ContentType: "application/json"},
			path:       "/domains",
			wantStatus: http.StatusOK,
			wantType:   "application/json",
		},
		{
			name:       "json null, labelled json by default",
			fault:      Fault{Path: "/v1.0/groups", Body: "null"},
			path:       "/groups",
			wantStatus: http.StatusOK,
			wantType:   "application/json",
			wantBody:   "null",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			c := syncApp(t, s)
			s.InjectFault(tt.fault)
			r := c.do(http.MethodGet, tt.path, nil)
			if r.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", r.status, tt.wantStatus)
			}
			if got := r.header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type: got %q, want %q", got, tt.wantType)
			}
			if string(r.raw) != tt.wantBody {
				t.Errorf("body: got %q, want %q", r.raw, tt.wantBody)
			}
		})
	}
	t.Run("batch item", func(t *testing.T) {
		s := newServer(t)
		c := syncApp(t, s)
		s.InjectFault(Fault{Path: "/v1.0/users", Status: http.StatusBadGateway, ContentType: "text/html", Body: "<p>down</p>"})
		got := responsesByID(t, c.do(http.MethodPost, "/$batch", map[string]any{"requests": []any{item("1", "GET", "/users", nil)}}))
		if status(got["1"]) != http.StatusBadGateway || got["1"]["body"] != "<p>down</p>" {
			t.Errorf("batch item: got %v, want status 502 and the body as a string", got["1"])
		}
	})
}
