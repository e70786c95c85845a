package entra

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinels for errors.Is. Every error this package returns for a failed
// Graph or token request matches one of them and is also one of the typed
// errors below (for errors.As), which carry the details.
var (
	// ErrNotFound: the object does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("entra: not found")
	// ErrConflict: another object already holds a unique value, or the
	// reference already exists.
	ErrConflict = errors.New("entra: conflict")
	// ErrUPNDomainNotVerified: a userPrincipalName uses a domain that is not
	// a verified domain of the tenant.
	ErrUPNDomainNotVerified = errors.New("entra: userPrincipalName domain not verified")
	// ErrForbidden: the caller is authenticated but lacks a permission or a role.
	ErrForbidden = errors.New("entra: forbidden")
	// ErrThrottled: Graph asked the caller to come back later (429, 503, 504).
	ErrThrottled = errors.New("entra: throttled")
	// ErrUnauthorized: sign-in failed or the token was refused (bad secret,
	// expired certificate, unknown application…).
	ErrUnauthorized = errors.New("entra: unauthorized")
	// ErrInvalidRequest: Graph refused the request as malformed or invalid.
	ErrInvalidRequest = errors.New("entra: invalid request")
	// ErrDirSynced: the object is synchronized from on-premises by Entra
	// Connect (onPremisesSyncEnabled), so Graph refuses to change it.
	ErrDirSynced = errors.New("entra: object is synchronized by Entra Connect")
	// ErrResyncRequired: a delta link expired or is no longer valid; start
	// a new delta round with an empty link (a full read).
	ErrResyncRequired = errors.New("entra: delta link expired; a full resync is required")
	// ErrServerFailed: Graph, or a gateway in front of it, failed to answer
	// (a 5xx status other than the throttling 503 and 504).
	ErrServerFailed = errors.New("entra: Microsoft Graph failed")
	// ErrMalformedAnswer: the answer is not one Graph gives: not JSON, an
	// empty or null body, a next link that repeats. Something between this
	// server and Graph (a proxy, a captive portal) may have answered.
	ErrMalformedAnswer = errors.New("entra: malformed answer from Microsoft Graph")
)

// GraphError is what Graph said about one failed request, kept for the logs:
// the request, the HTTP status, Graph's error code and message, and the
// request id that Microsoft support asks for. Code, Message and Target are
// sanitised (valid UTF-8, no control characters, tokens and secrets
// redacted, length bounded); it never holds a token.
type GraphError struct {
	Method      string // HTTP method of the request, e.g. "GET"; empty for a $batch item
	Path        string // path of the request, without the query, e.g. "/v1.0/users"
	Status      int    // HTTP status of the request (or of the $batch item)
	Code        string // Graph error code, e.g. "Request_ResourceNotFound"
	Message     string // Graph error message (the status text when Graph gave none)
	Target      string // the property Graph named in error.details[].target, if any
	RequestID   string // innerError.request-id
	Date        string // innerError.date
	ContentType string // set when the answer was not JSON, e.g. "text/html"
	header      http.Header
}

// Error formats the Graph error as "<method> <path>: <status> <text>:
// <code>: <message> (request-id <id>)", leaving out what is unknown.
func (e *GraphError) Error() string {
	var b strings.Builder
	if e.Method != "" || e.Path != "" {
		b.WriteString(strings.TrimSpace(e.Method+" "+e.Path) + ": ")
	}
	b.WriteString(statusLine(e.Status))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" && e.Message != http.StatusText(e.Status) {
		b.WriteString(": " + e.Message)
	}
	if e.ContentType != "" {
		b.WriteString(" (a " + e.ContentType + " answer, not Graph's JSON error)")
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// statusLine is "502 Bad Gateway", or "status 599" for a status without a
// name.
func statusLine(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprintf("status %d", status)
}

// ServerError reports that Graph, or a gateway in front of it, failed to
// answer: a 5xx status other than 503 and 504 (which are ThrottledError).
// It matches ErrServerFailed.
type ServerError struct {
	Graph *GraphError
}

// Error names the request and the status, and what to do.
func (e *ServerError) Error() string {
	return "Microsoft Graph failed to answer: " + e.Graph.Error() + "; try again later, and check the Microsoft 365 service health if it persists"
}

// Is reports whether target is ErrServerFailed.
func (e *ServerError) Is(target error) bool { return target == ErrServerFailed }

// Unwrap returns the Graph detail.
func (e *ServerError) Unwrap() error { return graphOrNil(e.Graph) }

// MalformedAnswerError reports an answer that is not one Graph gives for
// the request: an empty or null body, a body that is not JSON or broken
// JSON, a collection whose items are not objects with an id, a body the
// SDK could not read, or a next link that repeats. It matches
// ErrMalformedAnswer.
type MalformedAnswerError struct {
	Method  string // e.g. "GET"
	Path    string // e.g. "/v1.0/domains", without the query
	Status  int    // HTTP status of the answer; 0 when unknown
	Problem string // what is wrong with the answer
	Err     error  // the SDK's error reading the answer, if any
}

// Error names the request, the status and the problem, and what to check.
func (e *MalformedAnswerError) Error() string {
	s := strings.TrimSpace(e.Method + " " + e.Path)
	if e.Status != 0 {
		s += " answered " + statusLine(e.Status)
	}
	if s != "" {
		s += ": "
	}
	return s + e.Problem + "; this is not an answer Microsoft Graph gives: check the Graph URL in the configuration and any proxy or firewall between this server and Graph"
}

// Is reports whether target is ErrMalformedAnswer.
func (e *MalformedAnswerError) Is(target error) bool { return target == ErrMalformedAnswer }

// Unwrap returns the SDK's error reading the answer, if any.
func (e *MalformedAnswerError) Unwrap() error { return e.Err }

// NotFoundError reports a missing object. It matches ErrNotFound.
type NotFoundError struct {
	What  string // what was looked for, e.g. "user 0f1e…" or "group with mailNickname esync-…"
	Graph *GraphError
}

// Error says what was not found.
func (e *NotFoundError) Error() string {
	return e.What + " not found"
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the Graph detail.
func (e *NotFoundError) Unwrap() error { return graphOrNil(e.Graph) }

// ConflictError reports a uniqueness conflict: another object already has
// Value in Property (userPrincipalName, mailNickname, onPremisesImmutableId,
// proxyAddresses…), or a member reference already exists (Property
// "members"). It matches ErrConflict.
type ConflictError struct {
	Property string
	Value    string
	Graph    *GraphError
}

// Error names the property and the value already taken.
func (e *ConflictError) Error() string {
	if e.Property == "members" {
		return fmt.Sprintf("%s is already a member", quoteOr(e.Value, "the object"))
	}
	if e.Value != "" {
		return fmt.Sprintf("another object already has %s %q", orUnknown(e.Property), e.Value)
	}
	return fmt.Sprintf("another object already has the same %s", orUnknown(e.Property))
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the Graph detail.
func (e *ConflictError) Unwrap() error { return graphOrNil(e.Graph) }

// UPNDomainError reports a userPrincipalName whose domain is not a verified
// domain of the tenant. It matches ErrUPNDomainNotVerified and
// ErrInvalidRequest.
type UPNDomainError struct {
	UserPrincipalName string
	Graph             *GraphError
}

// Error names the unverified domain and what to do.
func (e *UPNDomainError) Error() string {
	domain := e.UserPrincipalName
	if i := strings.LastIndexByte(domain, '@'); i >= 0 {
		domain = domain[i+1:]
	}
	return fmt.Sprintf("userPrincipalName %q: domain %q is not a verified domain of the tenant; verify it in Entra or use the initial .onmicrosoft.com domain", e.UserPrincipalName, domain)
}

// Is reports whether target is ErrUPNDomainNotVerified or ErrInvalidRequest.
func (e *UPNDomainError) Is(target error) bool {
	return target == ErrUPNDomainNotVerified || target == ErrInvalidRequest
}

// Unwrap returns the Graph detail.
func (e *UPNDomainError) Unwrap() error { return graphOrNil(e.Graph) }

// ForbiddenReason says why Graph refused a request with 403.
type ForbiddenReason int

const (
	// ConsentMissing: the sync application lacks an application permission
	// (not granted, or admin consent not given yet).
	ConsentMissing ForbiddenReason = iota + 1
	// RoleMissing: the signed-in admin lacks a directory role.
	RoleMissing
)

// ForbiddenError reports a 403. Permission names the Graph permission the
// operation needs (for ConsentMissing) and Role the directory role (for
// RoleMissing); Error() turns them into what to do. It matches ErrForbidden.
type ForbiddenError struct {
	Reason     ForbiddenReason
	Operation  string // e.g. "create user"
	Permission string // e.g. "User.ReadWrite.All"
	Role       string // e.g. "Privileged Role Administrator"
	Graph      *GraphError
}

// Error names the missing permission or role and how to get it.
func (e *ForbiddenError) Error() string {
	switch e.Reason {
	case ConsentMissing:
		return fmt.Sprintf("forbidden: the sync application cannot %s: it lacks the Microsoft Graph application permission %s; grant it with admin consent (re-run setup, or in the Entra admin center: App registrations > the sync application > API permissions > Grant admin consent)", orUnknown(e.Operation), orUnknown(e.Permission))
	case RoleMissing:
		s := fmt.Sprintf("forbidden: the signed-in account cannot %s: it needs the directory role %s (assign it, or activate it in Privileged Identity Management) and sign in again", orUnknown(e.Operation), orUnknown(e.Role))
		if e.Permission != "" {
			s += fmt.Sprintf("; the sign-in must also have consent to the delegated permission %s", e.Permission)
		}
		return s
	}
	return "forbidden"
}

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// Unwrap returns the Graph detail.
func (e *ForbiddenError) Unwrap() error { return graphOrNil(e.Graph) }

// ThrottledError reports that Graph asked to come back later: 429 Too Many
// Requests, or 503/504 with the service busy. RetryAfter is Graph's
// Retry-After (zero when Graph gave none). It matches ErrThrottled.
type ThrottledError struct {
	RetryAfter time.Duration
	Scope      string // x-ms-throttle-scope, when Graph sent it
	Graph      *GraphError
}

// Error says Graph asked to wait, and for how long.
func (e *ThrottledError) Error() string {
	s := "throttled by Microsoft Graph"
	if e.Graph != nil && e.Graph.Status != http.StatusTooManyRequests {
		s = fmt.Sprintf("Microsoft Graph unavailable (%d)", e.Graph.Status)
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter)
	}
	return s
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Unwrap returns the Graph detail.
func (e *ThrottledError) Unwrap() error { return graphOrNil(e.Graph) }

// UnauthorizedError reports a failed sign-in or a refused token. AADSTS is
// the identity platform's error code ("AADSTS7000215") and Hint what to do
// about it. It matches ErrUnauthorized.
type UnauthorizedError struct {
	AADSTS      string // e.g. "AADSTS700016"; empty for a token refused by Graph
	OAuthError  string // e.g. "invalid_client"
	Description string // the identity platform's description, first line
	Hint        string
	Graph       *GraphError // set when Graph refused the token (401)
	cause       error
}

// Error gives the identity platform's code and description and what to do.
func (e *UnauthorizedError) Error() string {
	var b strings.Builder
	b.WriteString("sign-in failed")
	if e.Graph != nil {
		b.WriteString(": Microsoft Graph refused the access token")
	}
	if e.AADSTS != "" {
		b.WriteString(": " + e.AADSTS)
	}
	if e.OAuthError != "" {
		b.WriteString(" (" + e.OAuthError + ")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	if e.AADSTS == "" && e.Graph == nil && e.cause != nil {
		b.WriteString(": " + firstLine(e.cause.Error()))
	}
	return b.String()
}

// Is reports whether target is ErrUnauthorized.
func (e *UnauthorizedError) Is(target error) bool { return target == ErrUnauthorized }

// Unwrap returns the Graph detail or the credential's error.
func (e *UnauthorizedError) Unwrap() error {
	if e.Graph != nil {
		return e.Graph
	}
	return e.cause
}

// InvalidRequestError reports a request Graph refused as invalid (400 and
// other 4xx without a more specific type). It matches ErrInvalidRequest.
type InvalidRequestError struct {
	Code      string // Graph error code, e.g. "Request_BadRequest"
	Message   string
	Target    string // the property Graph named, if any
	Hint      string // what to do, when known
	DirSynced bool   // the object is synchronized by Entra Connect
	Graph     *GraphError
}

// Error gives the request, Graph's code and message and, when known, what
// to do.
func (e *InvalidRequestError) Error() string {
	s := "invalid request"
	if e.Target != "" {
		s += " (" + e.Target + ")"
	}
	switch {
	case e.Graph != nil:
		s += ": " + e.Graph.Error()
	case e.Code != "" && e.Message != "":
		s += ": " + e.Code + ": " + e.Message
	case e.Message != "":
		s += ": " + e.Message
	case e.Code != "":
		s += ": " + e.Code
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Is reports whether target is ErrInvalidRequest, or ErrDirSynced for an
// object synchronized by Entra Connect.
func (e *InvalidRequestError) Is(target error) bool {
	return target == ErrInvalidRequest || (e.DirSynced && target == ErrDirSynced)
}

// Unwrap returns the Graph detail.
func (e *InvalidRequestError) Unwrap() error { return graphOrNil(e.Graph) }

// IsRetryable reports whether err is worth retrying later as it is:
// throttling and transient unavailability.
func IsRetryable(err error) bool { return errors.Is(err, ErrThrottled) }

// callInfo describes the operation that failed, so a Graph error can be
// turned into an actionable one.
type callInfo struct {
	op         string            // "create user"
	what       string            // for not found: "user 1234"
	permission string            // Graph permission the operation needs
	role       string            // directory role the operation needs (delegated)
	delegated  bool              // the call was made by a signed-in admin
	values     map[string]string // unique values sent, to name a conflict
}

// odataBody is the JSON shape of a Graph error response.
type odataBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
		Details []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"details"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

// graphErrorFromBody builds a GraphError from a status, headers and an
// error body (which may be empty or not JSON), sanitising what Graph said.
func graphErrorFromBody(status int, header http.Header, body []byte) *GraphError {
	ge := &GraphError{Status: status, header: header}
	var ob odataBody
	if len(body) > 0 && json.Unmarshal(body, &ob) == nil {
		ge.Code = ob.Error.Code
		ge.Message = ob.Error.Message
		ge.Target = ob.Error.Target
		for _, d := range ob.Error.Details {
			if ge.Target == "" && d.Target != "" {
				ge.Target = d.Target
			}
		}
		ge.RequestID = ob.Error.InnerError.RequestID
		ge.Date = ob.Error.InnerError.Date
	}
	if ge.RequestID == "" && header != nil {
		ge.RequestID = header.Get("request-id")
	}
	ge.sanitise()
	if ge.Message == "" {
		ge.Message = http.StatusText(status)
	}
	return ge
}

// classify turns a Graph failure into the package's typed error.
func classify(ge *GraphError, header http.Header, ci callInfo) error {
	msg := strings.ToLower(ge.Message)
	switch {
	case ge.Status == http.StatusNotFound:
		what := ci.what
		if what == "" {
			what = "object"
		}
		return &NotFoundError{What: what, Graph: ge}
	case ge.Status == http.StatusTooManyRequests || ge.Status == http.StatusServiceUnavailable || ge.Status == http.StatusGatewayTimeout:
		te := &ThrottledError{Graph: ge}
		if header != nil {
			te.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
			te.Scope = header.Get("x-ms-throttle-scope")
		}
		return te
	case ge.Status >= 500:
		return &ServerError{Graph: ge}
	case ge.Status == http.StatusGone || strings.EqualFold(ge.Code, "syncStateNotFound") || strings.EqualFold(ge.Code, "resyncRequired"):
		return fmt.Errorf("%w: %w", ErrResyncRequired, ge)
	case ge.Status == http.StatusUnauthorized:
		return &UnauthorizedError{Graph: ge, Hint: "sign in again; if this persists, check the tenant id and that the application still exists"}
	case ge.Status == http.StatusForbidden:
		fe := &ForbiddenError{Operation: ci.op, Permission: ci.permission, Role: ci.role, Graph: ge}
		if ci.delegated {
			fe.Reason = RoleMissing
		} else {
			fe.Reason = ConsentMissing
		}
		return fe
	case strings.Contains(msg, "domain portion of the userprincipalname"):
		return &UPNDomainError{UserPrincipalName: valueOf(ci.values, "userPrincipalName"), Graph: ge}
	case strings.Contains(msg, "permission being assigned already exists"):
		return &ConflictError{Property: "appRoleAssignment", Graph: ge}
	case strings.Contains(msg, "added object references already exist"):
		return &ConflictError{Property: "members", Value: valueOf(ci.values, "members"), Graph: ge}
	case strings.Contains(msg, "another object with the same value for property"):
		prop := ge.Target
		if prop == "" {
			prop = propertyFromConflictMessage(ge.Message)
		}
		return &ConflictError{Property: prop, Value: valueOf(ci.values, prop), Graph: ge}
	case ge.Status == http.StatusConflict:
		return &ConflictError{Property: ge.Target, Value: valueOf(ci.values, ge.Target), Graph: ge}
	case strings.Contains(msg, "on-premises mastered directory sync objects"):
		return &InvalidRequestError{Code: ge.Code, Message: ge.Message, Target: ge.Target, DirSynced: true, Graph: ge,
			Hint: "the object is synchronized from on-premises by Entra Connect; change it on-premises, or stop Entra Connect from syncing it before entrasync manages it"}
	}
	return &InvalidRequestError{Code: ge.Code, Message: ge.Message, Target: ge.Target, Graph: ge}
}

// propertyFromConflictMessage extracts the property from Graph's
// "Another object with the same value for property X already exists."
func propertyFromConflictMessage(msg string) string {
	const marker = "for property "
	i := strings.Index(strings.ToLower(msg), marker)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(marker):]
	if j := strings.IndexAny(rest, " ."); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// parseRetryAfter reads a Retry-After header: delay-seconds (fractions
// allowed) or an HTTP date. It returns 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func valueOf(values map[string]string, name string) string {
	if name == "" {
		return ""
	}
	for k, v := range values {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func graphOrNil(g *GraphError) error {
	if g == nil {
		return nil
	}
	return g
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown property)"
	}
	return s
}

func quoteOr(s, def string) string {
	if s == "" {
		return def
	}
	return strconv.Quote(s)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
