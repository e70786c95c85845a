package entratest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Request is one entry of the emulator's request log: an identity or
// Graph request, or one item of a $batch. A $batch request is logged
// before its items, in the order they ran.
type Request struct {
	Time   time.Time // emulator time (see Advance)
	Method string
	Path   string // unescaped, such as /v1.0/users/{id}
	Query  string // raw query
	// Status is the status answered; 0 when the connection was dropped.
	Status int
	// ErrorCode is the Graph or OAuth error code of a failed answer.
	ErrorCode string
	// AppID is the caller's application (client) id; User the signed-in
	// user's userPrincipalName for delegated calls.
	AppID, User string
	// BatchItem is the item id when the request was part of a $batch.
	BatchItem string
	Gzip      bool // the request body was gzip-compressed
	Fault     bool // an injected fault answered
	Throttled bool // the throttle model answered 429
	Duration  time.Duration
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// appendLog adds an entry; s.mu is held.
func (s *Server) appendLog(e Request) { s.log = append(s.log, e) }

// record adds an entry, taking s.mu.
func (s *Server) record(e Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appendLog(e)
}

func isGzip(h http.Header) bool {
	return strings.EqualFold(strings.TrimSpace(h.Get("Content-Encoding")), "gzip")
}
