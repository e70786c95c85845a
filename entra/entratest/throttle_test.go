package entratest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The throttle model: https://learn.microsoft.com/graph/throttling-limits
// ("Identity and access service limits") and
// https://learn.microsoft.com/graph/throttling.

func TestGraphThrottleLimits(t *testing.T) {
	m := GraphThrottle()
	if m.WriteLimit != 3000 || m.WriteWindow != 150*time.Second || m.TenantWriteLimit != 18000 || m.TenantWriteWindow != 5*time.Minute || m.ResourceUnitWindow != 10*time.Second {
		t.Errorf("GraphThrottle: got %+v, want throttling-limits' figures", m)
	}
}

func TestThrottleWrites(t *testing.T) {
	s := newServer(t, WithThrottle(ThrottleModel{WriteLimit: 3, WriteWindow: 10 * time.Second}))
	c := syncApp(t, s)
	app, _ := s.App(DefaultSyncApp)
	for i := range 3 {
		want(t, c.do(http.MethodPost, "/users", newUser(fmt.Sprintf("w%d", i), DefaultDomain)), http.StatusCreated, "")
	}
	r := c.do(http.MethodPost, "/users", newUser("w3", DefaultDomain))
	want(t, r, http.StatusTooManyRequests, "TooManyRequests")
	// The bucket refills 3 writes per 10 s: one write in 3.33 s.
	if got := r.header.Get("Retry-After"); got != "4" {
		t.Errorf("Retry-After: got %q, want 4", got)
	}
	if got, w := r.header.Get("x-ms-throttle-scope"), "Tenant_Application/Write/"+app.AppID+"/"+s.TenantID; got != w {
		t.Errorf("x-ms-throttle-scope: got %q, want %q", got, w)
	}
	if got := r.header.Get("x-ms-throttle-information"); got != "WriteLimitExceeded" {
		t.Errorf("x-ms-throttle-information: got %q", got)
	}
	log := s.Requests()
	if !log[len(log)-1].Throttled {
		t.Error("throttled request not marked in the log")
	}
	// Reads do not spend the write budget.
	want(t, c.do(http.MethodGet, "/users/"+DefaultUser, nil), http.StatusOK, "")
	// Once the bucket has refilled, writes go through again.
	s.Advance(4 * time.Second)
	want(t, c.do(http.MethodPost, "/users", newUser("w3", DefaultDomain)), http.StatusCreated, "")
	want(t, c.do(http.MethodPost, "/users", newUser("w4", DefaultDomain)), http.StatusTooManyRequests, "TooManyRequests")
	s.SetThrottle(nil)
	for i := range 5 {
		want(t, c.do(http.MethodPost, "/users", newUser(fmt.Sprintf("free%d", i), DefaultDomain)), http.StatusCreated, "")
	}
}

// TestThrottlePacedClient checks the token bucket: a client writing at the
// documented rate is never throttled.
func TestThrottlePacedClient(t *testing.T) {
	s := newServer(t, WithThrottle(ThrottleModel{WriteLimit: 10, WriteWindow: time.Second}))
	c := syncApp(t, s)
	for i := range 30 {
		if i > 0 && i%10 == 0 {
			s.Advance(time.Second)
		}
		want(t, c.do(http.MethodPost, "/users", newUser(fmt.Sprintf("paced%02d", i), DefaultDomain)), http.StatusCreated, "")
	}
}

func TestThrottleResourceUnits(t *testing.T) {
	s := newServer(t, WithThrottle(ThrottleModel{ResourceUnitLimit: 4, ResourceUnitWindow: 10 * time.Second}))
	c := syncApp(t, s)
	g := s.Groups()[0].ID
	costs := []struct {
		path string
		want string
	}{
		{"/users", "2"},
		{"/users?$select=id", "1"},
		{"/users?$top=5", "1"},
	}
	for _, tt := range costs {
		r := c.do(http.MethodGet, tt.path, nil)
		if got := r.header.Get("x-ms-resource-unit"); got != tt.want {
			t.Errorf("x-ms-resource-unit of %s: got %q, want %s", tt.path, got, tt.want)
		}
	}
	// 4 units spent: the next read is throttled.
	r := c.do(http.MethodGet, "/groups/"+g+"/members", nil)
	want(t, r, http.StatusTooManyRequests, "TooManyRequests")
	if got := r.header.Get("x-ms-throttle-information"); got != "ResourceUnitLimitExceeded" {
		t.Errorf("x-ms-throttle-information: got %q", got)
	}
	if !strings.HasPrefix(r.header.Get("x-ms-throttle-scope"), "Tenant_Application/ReadWrite/") {
		t.Errorf("x-ms-throttle-scope: got %q", r.header.Get("x-ms-throttle-scope"))
	}
	s.Advance(10 * time.Second)
	r = c.do(http.MethodGet, "/groups/"+g+"/members", nil)
	if want(t, r, http.StatusOK, ""); r.header.Get("x-ms-resource-unit") != "3" {
		t.Errorf("members cost: got %q, want 3", r.header.Get("x-ms-resource-unit"))
	}
	// 3 of 4 units is under 0.8: no usage warning; 4 of 4 gets one.
	if got := r.header.Get("x-ms-throttle-limit-percentage"); got != "" {
		t.Errorf("x-ms-throttle-limit-percentage at 0.75: got %q, want none", got)
	}
	r = c.do(http.MethodGet, "/users/"+DefaultUser, nil)
	if got := r.header.Get("x-ms-throttle-limit-percentage"); got != "1.0" {
		t.Errorf("x-ms-throttle-limit-percentage at 1.0: got %q", got)
	}
}

// TestThrottleTenantWrites checks the tenant-wide write budget shared by
// applications.
func TestThrottleTenantWrites(t *testing.T) {
	s := newServer(t, WithThrottle(ThrottleModel{TenantWriteLimit: 2, TenantWriteWindow: time.Minute}))
	a := syncApp(t, s)
	admin := userClient(t, s, DefaultGlobalAdmin, PermUserReadWriteAll)
	want(t, a.do(http.MethodPost, "/users", newUser("a1", DefaultDomain)), http.StatusCreated, "")
	want(t, admin.do(http.MethodPost, "/users", newUser("b1", DefaultDomain)), http.StatusCreated, "")
	r := a.do(http.MethodPost, "/users", newUser("a2", DefaultDomain))
	want(t, r, http.StatusTooManyRequests, "TooManyRequests")
	if !strings.HasPrefix(r.header.Get("x-ms-throttle-scope"), "Tenant/Write/") {
		t.Errorf("x-ms-throttle-scope: got %q", r.header.Get("x-ms-throttle-scope"))
	}
}

// TestThrottleTenantSize checks the resource unit budget sized by users:
// 3,500 per 10 s under 50 users.
func TestThrottleTenantSize(t *testing.T) {
	s := newServer(t, WithThrottle(GraphThrottle()))
	s.mu.Lock()
	got := s.unitLimit()
	s.mu.Unlock()
	if got != 3500 {
		t.Errorf("resource unit limit of a small tenant: got %d, want 3500", got)
	}
	for i := range 50 {
		s.Do(http.MethodPost, "/users", newUser(fmt.Sprintf("size%02d", i), DefaultDomain))
	}
	s.mu.Lock()
	got = s.unitLimit()
	s.mu.Unlock()
	if got != 5000 {
		t.Errorf("resource unit limit with 59 users: got %d, want 5000", got)
	}
}
