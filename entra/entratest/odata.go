package entratest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// ordered is a JSON object whose members keep the order they were added
// in, so responses read like Graph's (@odata annotations first).
type ordered []member

type member struct {
	name string
	val  any
}

func (o *ordered) add(name string, val any) { *o = append(*o, member{name, val}) }

// MarshalJSON writes the members in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// reply is the outcome of one Graph operation, before it is written to the
// wire or into a $batch response.
type reply struct {
	status int
	header http.Header
	body   any // marshalled as JSON; nil means no body
}

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func created(body any) reply { return reply{status: http.StatusCreated, body: body} }
func noContent() reply       { return reply{status: http.StatusNoContent} }
func (r reply) failed() bool { return r.status >= 400 }
func (r reply) withHeader(k, v string) reply {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
	return r
}

// graphError is the error resource Graph returns
// (https://learn.microsoft.com/graph/errors): {"error":{"code","message",
// "details"?,"innerError":{"date","request-id","client-request-id"}}}.
type graphError struct {
	status  int
	code    string
	message string
	details []errorDetail
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

func gerr(status int, code, message string) *graphError {
	return &graphError{status: status, code: code, message: message}
}

func (e *graphError) with(d ...errorDetail) *graphError {
	e.details = append(e.details, d...)
	return e
}

func (e *graphError) Error() string { return e.code + ": " + e.message }

// reply renders the error with the request ids of c.
func (e *graphError) reply(c *call) reply {
	inner := ordered{}
	inner.add("date", c.now.UTC().Format("2006-01-02T15:04:05"))
	inner.add("request-id", c.requestID)
	inner.add("client-request-id", c.clientRequestID)
	body := ordered{}
	body.add("code", e.code)
	body.add("message", e.message)
	if len(e.details) > 0 {
		body.add("details", e.details)
	}
	body.add("innerError", inner)
	return reply{status: e.status, body: ordered{{"error", body}}}
}

// Common errors, worded as Graph words them.
var (
	errInsufficientPrivileges = func() *graphError {
		return gerr(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	errNotFound = func(id string) *graphError {
		return gerr(http.StatusNotFound, "Request_ResourceNotFound",
			"Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
	}
	errBadRequest = func(msg string) *graphError {
		return gerr(http.StatusBadRequest, "Request_BadRequest", msg)
	}
	errBadRequestCode = func(code, msg string) *graphError {
		return gerr(http.StatusBadRequest, code, msg)
	}
	// errMethod is the answer of json-batching's example for a method the
	// target does not support.
	errMethod = func() *graphError {
		return gerr(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	}
	errInvalidID = func(id string) *graphError {
		return errBadRequest("Invalid object identifier '" + id + "'.")
	}
	errUnsupportedQuery = func(msg string) *graphError {
		return gerr(http.StatusBadRequest, "Request_UnsupportedQuery", msg)
	}
)

// newGUID returns a random RFC 4122 version 4 UUID in Graph's lower-case
// form.
func newGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// isGUID reports whether s has the 8-4-4-4-12 hex form of a GUID.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// graphTime formats t as Graph formats DateTimeOffset values.
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
