package entratest

import (
	"flag"
	"fmt"
	"net/http"
	"testing"
)

// Benchmarks at directory sizes a sync engine meets. Run with
//
//	go test -run '^$' -bench . -benchmem ./entra/entratest/ -entratest.users=100000

var benchUsers = flag.Int("entratest.users", 20000, "users seeded in the entratest benchmarks")

// seedUsers creates n users with anchors in process.
func seedUsers(b *testing.B, s *Server, n int) {
	b.Helper()
	for i := range n {
		u := newUser(fmt.Sprintf("seed%06d", i), DefaultDomain)
		u["onPremisesImmutableId"] = fmt.Sprintf("anchor%06d", i)
		if status, body := s.Do(http.MethodPost, "/users", u); status != http.StatusCreated {
			b.Fatalf("seed %d: %d %v", i, status, body)
		}
	}
}

// BenchmarkCreateUser measures POST /users over TLS, one at a time.
func BenchmarkCreateUser(b *testing.B) {
	s := NewServer(b)
	c := syncApp(b, s)
	b.ResetTimer()
	for i := range b.N {
		if r := c.do(http.MethodPost, "/users", newUser(fmt.Sprintf("bench%07d", i), DefaultDomain)); r.status != http.StatusCreated {
			b.Fatalf("create: %d %s", r.status, r.raw)
		}
	}
}

// BenchmarkLookupByAnchor measures the engine's lookup before a create in
// a directory of -entratest.users users.
func BenchmarkLookupByAnchor(b *testing.B) {
	s := NewServer(b)
	seedUsers(b, s, *benchUsers)
	c := syncApp(b, s)
	b.ResetTimer()
	for i := range b.N {
		q := escapeQuery(fmt.Sprintf("$filter=onPremisesImmutableId eq 'anchor%06d'", i%*benchUsers))
		if r := c.do(http.MethodGet, "/users?"+q, nil); r.status != http.StatusOK || len(r.values()) != 1 {
			b.Fatalf("lookup: %d %s", r.status, r.raw)
		}
	}
}

// BenchmarkListAllUsers pages through -entratest.users users, 999 a page.
func BenchmarkListAllUsers(b *testing.B) {
	s := NewServer(b)
	seedUsers(b, s, *benchUsers)
	c := syncApp(b, s)
	b.ResetTimer()
	for range b.N {
		n := 0
		for next := "/users?$top=999&$select=id,onPremisesImmutableId"; next != ""; {
			r := c.do(http.MethodGet, next, nil)
			n += len(r.values())
			next = r.str("@odata.nextLink")
		}
		if n < *benchUsers {
			b.Fatalf("listed %d users, want at least %d", n, *benchUsers)
		}
	}
}

// BenchmarkBatchCreate measures $batch requests of 20 creates.
func BenchmarkBatchCreate(b *testing.B) {
	s := NewServer(b)
	c := syncApp(b, s)
	b.ResetTimer()
	for i := range b.N {
		var reqs []any
		for j := range maxBatchRequests {
			reqs = append(reqs, item(fmt.Sprint(j), "POST", "/users", newUser(fmt.Sprintf("b%07d-%02d", i, j), DefaultDomain)))
		}
		if r := c.do(http.MethodPost, "/$batch", map[string]any{"requests": reqs}); r.status != http.StatusOK {
			b.Fatalf("batch: %d %s", r.status, r.raw)
		}
	}
}
