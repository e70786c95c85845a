package entratest

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// JSON batching: https://learn.microsoft.com/graph/json-batching.

// item builds a batch request.
func item(id, method, url string, body any, dependsOn ...string) map[string]any {
	m := map[string]any{"id": id, "method": method, "url": url}
	if body != nil {
		m["body"] = body
		m["headers"] = map[string]any{"content-type": "application/json"}
	}
	if len(dependsOn) > 0 {
		m["dependsOn"] = dependsOn
	}
	return m
}

// responsesByID indexes a batch answer.
func responsesByID(t *testing.T, r response) map[string]map[string]any {
	t.Helper()
	want(t, r, http.StatusOK, "")
	out := map[string]map[string]any{}
	for _, v := range r.body["responses"].([]any) {
		m := v.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

func status(m map[string]any) int {
	f, _ := m["status"].(float64)
	return int(f)
}

func TestBatch(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.do(http.MethodPost, "/$batch", map[string]any{"requests": []any{
		item("1", "POST", "/users", newUser("batched", DefaultDomain)),
		item("2", "GET", "/users/"+DefaultUser+"?$select=id,userPrincipalName", nil),
		item("3", "PATCH", "/users/"+newGUID(), map[string]any{"jobTitle": "x"}),
		item("4", "GET", "users?$filter=startswith(userPrincipalName,'batched')", nil),
		item("5", "DELETE", "/users/"+newGUID(), nil),
	}})
	got := responsesByID(t, r)
	if len(got) != 5 {
		t.Fatalf("responses: got %d, want 5", len(got))
	}
	if status(got["1"]) != 201 || got["1"]["body"].(map[string]any)["userPrincipalName"] != "batched@"+DefaultDomain {
		t.Errorf("create item: got %v", got["1"])
	}
	if h, _ := got["1"]["headers"].(map[string]any); h["Content-Type"] == nil {
		t.Errorf("create item headers: got %v, want Content-Type (the SDK parses bodies by it)", h)
	}
	if status(got["2"]) != 200 || got["2"]["body"].(map[string]any)["userPrincipalName"] != DefaultUser {
		t.Errorf("get item: got %v", got["2"])
	}
	if status(got["3"]) != 404 || got["3"]["body"].(map[string]any)["error"].(map[string]any)["code"] != "Request_ResourceNotFound" {
		t.Errorf("patch item: got %v", got["3"])
	}
	// Items are evaluated in order unless dependsOn says otherwise, so the
	// query sees the user created by item 1.
	if v, _ := got["4"]["body"].(map[string]any)["value"].([]any); status(got["4"]) != 200 || len(v) != 1 {
		t.Errorf("query item: got %v", got["4"])
	}
	if status(got["5"]) != 404 {
		t.Errorf("delete item: got %v", got["5"])
	}
	var items int
	for _, e := range s.Requests() {
		if e.BatchItem != "" {
			items++
		}
	}
	if items != 5 {
		t.Errorf("logged batch items: got %d, want 5", items)
	}
}

func TestBatchDependsOn(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	// Item "a" comes first but depends on "b": it runs after "b" created
	// the user. "c" depends on a failed request: 424.
	r := c.do(http.MethodPost, "/$batch", map[string]any{"requests": []any{
		item("a", "GET", "/users/ordered@"+DefaultDomain, nil, "b"),
		item("b", "POST", "/users", newUser("ordered", DefaultDomain)),
		item("f", "GET", "/users/"+newGUID(), nil),
		item("c", "PATCH", "/users/ordered@"+DefaultDomain, map[string]any{"jobTitle": "x"}, "f"),
	}})
	got := responsesByID(t, r)
	if status(got["a"]) != 200 || status(got["b"]) != 201 {
		t.Errorf("dependsOn order: got a=%d b=%d, want 200 and 201", status(got["a"]), status(got["b"]))
	}
	if status(got["c"]) != http.StatusFailedDependency {
		t.Errorf("failed dependency: got %d, want 424", status(got["c"]))
	}
}

// TestBatchErrors covers the malformed batches answered 400 as a whole
// (json-batching: "If the batch request itself is malformed, the status
// code is 400"), and item-level errors.
func TestBatchErrors(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	var many []any
	for i := range 21 {
		many = append(many, item(fmt.Sprint(i), "GET", "/users", nil))
	}
	tests := []struct {
		name string
		body any
	}{
		{"21 requests", map[string]any{"requests": many}},
		{"no requests property", map[string]any{"calls": []any{}}},
		{"duplicate ids", map[string]any{"requests": []any{item("1", "GET", "/users", nil), item("1", "GET", "/groups", nil)}}},
		{"missing url", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET"}}}},
		{"unknown dependency", map[string]any{"requests": []any{item("1", "GET", "/users", nil, "9")}}},
		{"dependency cycle", map[string]any{"requests": []any{item("1", "GET", "/users", nil, "2"), item("2", "GET", "/users", nil, "1")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want(t, c.do(http.MethodPost, "/$batch", tt.body), http.StatusBadRequest, "BadRequest")
		})
	}
	// Exactly 20 is fine.
	r := c.do(http.MethodPost, "/$batch", map[string]any{"requests": many[:20]})
	if got := responsesByID(t, r); len(got) != 20 {
		t.Errorf("20 requests: got %d responses", len(got))
	}
	// A body without Content-Type, and a nested batch, fail as items.
	noType := item("1", "POST", "/users", newUser("untyped", DefaultDomain))
	delete(noType, "headers")
	got := responsesByID(t, c.do(http.MethodPost, "/$batch", map[string]any{"requests": []any{noType, item("2", "POST", "/$batch", map[string]any{"requests": []any{}})}}))
	if status(got["1"]) != 400 || status(got["2"]) != 400 {
		t.Errorf("item errors: got %d and %d, want 400 and 400", status(got["1"]), status(got["2"]))
	}
}

// TestBatchGzip checks a compressed batch, as msgraph-sdk-go sends it.
func TestBatchGzip(t *testing.T) {
	s := newServer(t)
	c := syncApp(t, s)
	r := c.gzipped(http.MethodPost, "/$batch", map[string]any{"requests": []any{item("1", "POST", "/users", newUser("zip", DefaultDomain))}})
	if got := responsesByID(t, r); status(got["1"]) != 201 {
		t.Errorf("gzip batch item: got %v", got["1"])
	}
}

// TestBatchItemThrottled follows json-batching: "Requests in a batch are
// evaluated individually against the applicable throttling limits and if
// any request exceeds the limits, it fails with a status of 429", with
// its own Retry-After.
func TestBatchItemThrottled(t *testing.T) {
	s := newServer(t, WithThrottle(ThrottleModel{WriteLimit: 2, WriteWindow: time.Minute}))
	c := syncApp(t, s)
	var reqs []any
	for i := range 3 {
		reqs = append(reqs, item(fmt.Sprint(i), "POST", "/users", newUser(fmt.Sprintf("t%d", i), DefaultDomain)))
	}
	got := responsesByID(t, c.do(http.MethodPost, "/$batch", map[string]any{"requests": reqs}))
	if status(got["0"]) != 201 || status(got["1"]) != 201 || status(got["2"]) != 429 {
		t.Fatalf("statuses: got %d %d %d, want 201 201 429", status(got["0"]), status(got["1"]), status(got["2"]))
	}
	h, _ := got["2"]["headers"].(map[string]any)
	// Two writes a minute refill one every 30 s.
	if h["Retry-After"] != "30" {
		t.Errorf("throttled item Retry-After: got %v, want 30", h["Retry-After"])
	}
	if _, found := s.UserByUPN("t2@" + DefaultDomain); found {
		t.Error("the throttled item was applied")
	}
}
