package drill

import (
	"bytes"
	"encoding/pem"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
)

// fakeGraph is a tiny fake Graph: a TLS proxy in front of the emulator
// that forwards every request, except those a rule catches, which get a
// canned answer (a malformed body, a wrong status) or no answer at all,
// before or after the emulator carried them out. The emulator's own
// faults only answer well-formed Graph errors; this one answers what a
// broken proxy, a truncated stream or a lost response would.
type fakeGraph struct {
	URL    string
	CAFile string // the proxy's certificate and the emulator's CA, for entra.caFile

	srv   *httptest.Server
	up    *entratest.Server
	tr    *http.Transport
	mu    stdsync.Mutex
	rules []*proxyRule
	rng   *rand.Rand
	hits  int // requests a rule caught
}

// proxyRule says which requests to catch and what to answer.
type proxyRule struct {
	Method string // empty: any
	Path   string // glob on the request path; "*" matches any run of characters
	Times  int    // catch the first n matching requests; 0: all
	Rate   float64
	// Forward sends the request on to the emulator first (so it takes
	// effect), then answers as below instead of the emulator's answer.
	Forward bool
	// Drop closes the connection without an answer.
	Drop bool
	// Status, Header and Body make the answer (Status 0: 200).
	Status int
	Header map[string]string
	Body   string
	used   int
}

// newFakeGraph starts a proxy to up; rules are added with catch.
func newFakeGraph(t testing.TB, up *entratest.Server, seed uint64) *fakeGraph {
	t.Helper()
	f := &fakeGraph{up: up, tr: up.Transport(), rng: rand.New(rand.NewPCG(seed, 7))}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	t.Cleanup(f.tr.CloseIdleConnections)
	f.URL = f.srv.URL
	var bundle bytes.Buffer
	bundle.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}))
	bundle.Write(up.CAPEM())
	f.CAFile = filepath.Join(t.TempDir(), "cas.pem")
	if err := os.WriteFile(f.CAFile, bundle.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// catch adds a rule and returns a function removing it.
func (f *fakeGraph) catch(r proxyRule) (remove func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rule := &r
	f.rules = append(f.rules, rule)
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, x := range f.rules {
			if x == rule {
				f.rules = append(f.rules[:i], f.rules[i+1:]...)
				return
			}
		}
	}
}

// caught returns how many requests the rules caught.
func (f *fakeGraph) caught() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

func (f *fakeGraph) match(r *http.Request) *proxyRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.rules {
		if x.Method != "" && !strings.EqualFold(x.Method, r.Method) {
			continue
		}
		if x.Path != "" && !entratest.MatchPath(x.Path, r.URL.Path) {
			continue
		}
		if x.Times > 0 && x.used >= x.Times {
			continue
		}
		if x.Rate > 0 && x.Rate < 1 && f.rng.Float64() >= x.Rate {
			continue
		}
		x.used++
		f.hits++
		c := *x
		return &c
	}
	return nil
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	rule := f.match(r)
	if rule == nil || rule.Forward {
		resp, err := f.forward(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if rule == nil {
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	if rule.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range rule.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := rule.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rule.Body)
}

// forward sends the request to the emulator.
func (f *fakeGraph) forward(r *http.Request, body []byte) (*http.Response, error) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, f.up.URL+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	return f.tr.RoundTrip(out)
}
