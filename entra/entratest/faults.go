package entratest

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes the emulator misbehave on matching requests: answer an
// error status, answer slowly, or drop the connection. Faults apply to
// identity and Graph requests and to the items of a $batch (where Drop
// does not apply: a batch item cannot drop the connection).
type Fault struct {
	// Method matches the HTTP method; empty matches any.
	Method string
	// Path is matched against the request path, such as
	// "/v1.0/users/*" or "/*/oauth2/v2.0/token"; "*" matches any run of
	// characters, including "/". Empty matches every path.
	Path string
	// Status, when not 0, is the status answered instead of the
	// operation: 429, 500, 503, 504...
	Status int
	// Code and Message are the Graph error code and message; empty means
	// the usual one for Status (TooManyRequests, serviceNotAvailable...).
	Code, Message string
	// Body and ContentType, when either is set, make the answer raw: Body
	// as is (empty for no body), labelled ContentType (application/json
	// when empty), with Status or 200 OK. They stand in for answers
	// Graph does not give (an HTML page from a proxy, a JSON null, a next
	// link that repeats) to test how a client copes. In a $batch item the
	// body is a JSON string labelled text/plain.
	Body, ContentType string
	// RetryAfter, when not 0, is sent as the Retry-After header (whole
	// seconds, rounded up).
	RetryAfter time.Duration
	// Delay holds the answer back; with Status 0 the operation then runs
	// normally.
	Delay time.Duration
	// Drop closes the connection without an answer (after Delay).
	Drop bool
	// Times limits the fault to the first n matching requests; 0 means
	// every one.
	Times int
	// Rate, when in (0, 1), applies the fault to that fraction of matching
	// requests, drawn from a generator seeded by WithSeed so a test run
	// is repeatable.
	Rate float64
}

type faultRule struct {
	Fault
	id   int
	used int
}

// InjectFault adds a fault rule and returns a function removing it. Rules
// are tried in the order they were added; the first that fires wins.
func (s *Server) InjectFault(f Fault) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultSeq++
	r := &faultRule{Fault: f, id: s.faultSeq}
	s.faults = append(s.faults, r)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x.id == r.id {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// matchFault returns the fault that fires for a request, counting it;
// s.mu is held.
func (s *Server) matchFault(method, path string, inBatch bool) *Fault {
	for _, r := range s.faults {
		if r.Method != "" && !strings.EqualFold(r.Method, method) {
			continue
		}
		if r.Path != "" && !MatchPath(r.Path, path) {
			continue
		}
		if inBatch && r.Drop {
			continue
		}
		if r.Times > 0 && r.used >= r.Times {
			continue
		}
		if r.Rate > 0 && r.Rate < 1 && s.rng.Float64() >= r.Rate {
			continue
		}
		r.used++
		f := r.Fault
		return &f
	}
	return nil
}

// MatchPath reports whether a request path matches pattern as a
// [Fault]'s Path does: case-blind, '*' matching any run of characters,
// "/" included. Test proxies in front of the emulator use it to take
// requests the same way.
func MatchPath(pattern, path string) bool {
	return globMatch(strings.ToLower(pattern), strings.ToLower(path))
}

// globMatch matches s against pattern, where '*' matches any run of
// characters.
func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	rest := pattern[star+1:]
	for i := star; i <= len(s); i++ {
		if globMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// defaultFaultCode names the Graph error code for a status
// (https://learn.microsoft.com/graph/errors).
func defaultFaultCode(status int) (code, msg string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Please retry again later."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable. Please retry after the time given in the Retry-After header."
	case http.StatusGatewayTimeout:
		return "gatewayTimeout", "The gateway timed out waiting for the service."
	case http.StatusInternalServerError:
		return "generalException", "An unspecified error has occurred."
	}
	return "generalException", http.StatusText(status)
}

// answers reports whether the fault answers instead of the operation.
func (f *Fault) answers() bool { return f.Status != 0 || f.raw() }

// raw reports whether the fault answers Body as is.
func (f *Fault) raw() bool { return f.Body != "" || f.ContentType != "" }

// faultReply renders a Graph fault answer.
func faultReply(c *call, f *Fault) reply {
	if f.raw() {
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		return reply{status: status, header: http.Header{"Content-Type": {ct}}, body: rawText(f.Body)}
	}
	code, msg := defaultFaultCode(f.Status)
	if f.Code != "" {
		code = f.Code
	}
	if f.Message != "" {
		msg = f.Message
	}
	rep := gerr(f.Status, code, msg).reply(c)
	if f.RetryAfter > 0 {
		rep = rep.withHeader("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	return rep
}

// delay waits d unless the request is cancelled or the server closes; it
// reports whether the full delay elapsed.
func (s *Server) delay(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server aborts the response
}
