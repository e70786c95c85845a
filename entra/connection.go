package entra

import (
	"context"
	"errors"
	"net"
	"strings"
)

// ErrConnectionLost: a request to Graph got no answer: the connection
// could not be made, was lost before or during the answer, or no answer
// came in time. Whether Graph carried a write out is unknown.
var ErrConnectionLost = errors.New("entra: connection to Microsoft Graph lost")

// ConnectionError reports a request to Graph that got no answer. It names
// the request without its URL or query (which may be long, and tells the
// reader nothing the path does not) and wraps the network error, so
// errors.Is sees io.EOF, syscall.ECONNRESET or context.DeadlineExceeded
// and errors.As a *net.OpError. It matches ErrConnectionLost.
type ConnectionError struct {
	Method string // e.g. "GET"
	Path   string // e.g. "/v1.0/users", without the query
	Status int    // the status of an answer cut off in its body; 0 when none came
	Err    error  // the network error
}

// Error names the request, what happened and what to check.
func (e *ConnectionError) Error() string {
	var b strings.Builder
	if s := strings.TrimSpace(e.Method + " " + e.Path); s != "" {
		b.WriteString(s + ": ")
	}
	var dns *net.DNSError
	var op *net.OpError
	var ne net.Error
	switch {
	case e.Status != 0:
		b.WriteString("the connection to Microsoft Graph was lost in the middle of the answer (" + statusLine(e.Status) + ")")
	case errors.As(e.Err, &dns) || (errors.As(e.Err, &op) && op.Op == "dial"):
		b.WriteString("could not connect to Microsoft Graph")
	case errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &ne) && ne.Timeout()):
		b.WriteString("no answer from Microsoft Graph in time")
	default:
		b.WriteString("the connection to Microsoft Graph was lost before the answer came")
	}
	if e.Err != nil {
		b.WriteString(" (" + sanitise(e.Err.Error(), maxMessageRunes) + ")")
	}
	b.WriteString("; check the network, any proxy or firewall between this server and Graph, and the Graph URL in the configuration, then run again")
	return b.String()
}

// Is reports whether target is ErrConnectionLost.
func (e *ConnectionError) Is(target error) bool { return target == ErrConnectionLost }

// Unwrap returns the network error.
func (e *ConnectionError) Unwrap() error { return e.Err }
