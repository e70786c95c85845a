package entra_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// answerCall is one Client call the malformed-body and lost-connection
// tests make; id is the object id of a user the emulator holds.
type answerCall func(ctx context.Context, c *entra.Client, id string) error

var (
	callListUsers answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		for _, err := range c.ListUsers(ctx, entra.UserQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	callListGroups answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		for _, err := range c.Groups(ctx) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	callMembers answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		for _, err := range c.Members(ctx, "8f1c0000-0000-4000-8000-00000000000a") {
			if err != nil {
				return err
			}
		}
		return nil
	}
	callDomains answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		_, err := c.Domains(ctx)
		return err
	}
	callGetUser answerCall = func(ctx context.Context, c *entra.Client, id string) error {
		_, err := c.User(ctx, id)
		return err
	}
	callUsersDelta answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		_, err := c.UsersDelta(ctx, "", func(entra.UserChange) error { return nil })
		return err
	}
	callCreateUser answerCall = func(ctx context.Context, c *entra.Client, _ string) error {
		res := c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpCreateUser, User: newUser("answer", ""), Password: entra.GeneratePassword()}})
		return res[0].Err
	}
)

// TestMalformedBodies feeds the client 200 answers labelled JSON whose
// body is not what Graph sends: broken JSON, a "value" that is not an
// array, items that are not objects or have no id, properties of the
// wrong JSON type. Graph answers a collection as an object whose "value"
// array holds entities, each with its id
// (https://learn.microsoft.com/graph/paging,
// https://learn.microsoft.com/graph/api/resources/directoryobject). Each
// must be a *MalformedAnswerError naming the request and the status and
// what is wrong, never an empty user or a bare parser message.
func TestMalformedBodies(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string // the fault's path pattern
		body     string
		call     answerCall
		contains []string
	}{
		{
			name: "json cut off", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"id":"8f1c0000-0000-4000-8000-000000000001","userPrincipalName":"cut`,
			call:     callListUsers,
			contains: []string{"entra: list users: GET /v1.0/users answered 200 OK: JSON cut off or broken at byte 79 of 79", "unexpected end of JSON input"},
		},
		{
			name: "json broken in the middle", method: "GET", path: "/v1.0/domains",
			body:     `{"value":[{"id":"contoso.com",,"isVerified":true}]}`,
			call:     callDomains,
			contains: []string{"entra: list domains: GET /v1.0/domains answered 200 OK: JSON cut off or broken at byte 31 of 51", "invalid character ','"},
		},
		{
			name: "value is an object", method: "GET", path: "/v1.0/groups",
			body:     `{"value":{"id":"8f1c0000-0000-4000-8000-000000000003"}}`,
			call:     callListGroups,
			contains: []string{"entra: list groups: GET /v1.0/groups answered 200 OK", `a "value" that is a JSON object, not an array`},
		},
		{
			name: "value is null", method: "GET", path: "/v1.0/users",
			body:     `{"value":null}`,
			call:     callListUsers,
			contains: []string{"GET /v1.0/users answered 200 OK", `a "value" that is a JSON null, not an array`},
		},
		{
			name: "the answer is an array", method: "GET", path: "/v1.0/domains",
			body:     `[{"id":"contoso.com"}]`,
			call:     callDomains,
			contains: []string{"GET /v1.0/domains answered 200 OK", "a JSON array instead of an object"},
		},
		{
			name: "item is a number", method: "GET", path: "/v1.0/users",
			body:     `{"value":[1]}`,
			call:     callListUsers,
			contains: []string{"entra: list users: GET /v1.0/users answered 200 OK", `a JSON number in its "value" array (item 1) instead of an object`},
		},
		{
			name: "item is an array", method: "GET", path: "/v1.0/groups",
			body:     `{"value":[[]]}`,
			call:     callListGroups,
			contains: []string{"entra: list groups: GET /v1.0/groups answered 200 OK", `a JSON array in its "value" array (item 1) instead of an object`},
		},
		{
			name: "second item is a string", method: "GET", path: "/v1.0/domains",
			body:     `{"value":[{"id":"contoso.com","isVerified":true},"fabrikam.com"]}`,
			call:     callDomains,
			contains: []string{"GET /v1.0/domains answered 200 OK", `a JSON string in its "value" array (item 2) instead of an object`},
		},
		{
			name: "item without id", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"userPrincipalName":"ghost@contoso.com","displayName":"Ghost"}]}`,
			call:     callListUsers,
			contains: []string{"GET /v1.0/users answered 200 OK", `an object without "id" in its "value" array (item 1)`},
		},
		{
			name: "empty object", method: "GET", path: "/v1.0/groups",
			body:     `{"value":[{}]}`,
			call:     callListGroups,
			contains: []string{"GET /v1.0/groups answered 200 OK", `an object without "id" in its "value" array (item 1)`},
		},
		{
			name: "id is a number", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"id":7,"displayName":"Seven"}]}`,
			call:     callListUsers,
			contains: []string{"GET /v1.0/users answered 200 OK", `an object whose "id" is a JSON number, not a string, in its "value" array (item 1)`},
		},
		{
			name: "id is empty", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"id":"","displayName":"Nobody"}]}`,
			call:     callListUsers,
			contains: []string{"GET /v1.0/users answered 200 OK", `an object with an empty "id" in its "value" array (item 1)`},
		},
		{
			name: "member without id", method: "GET", path: "/v1.0/groups/*/members",
			body:     `{"value":[{"@odata.type":"#microsoft.graph.user"}]}`,
			call:     callMembers,
			contains: []string{"GET /v1.0/groups/8f1c0000-0000-4000-8000-00000000000a/members answered 200 OK", `an object without "id"`},
		},
		{
			name: "delta item is a number", method: "GET", path: "/v1.0/users/delta*",
			body:     `{"value":[42],"@odata.deltaLink":"x"}`,
			call:     callUsersDelta,
			contains: []string{"entra: read users/delta: GET /v1.0/users/delta", "answered 200 OK", `a JSON number in its "value" array (item 1)`},
		},
		{
			name: "property of the wrong type in a list", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"id":"8f1c0000-0000-4000-8000-000000000001","displayName":5}]}`,
			call:     callListUsers,
			contains: []string{"entra: list users: GET /v1.0/users answered 200 OK: a body the SDK could not read", "is not compatible with type string"},
		},
		{
			name: "property of the wrong type in one user", method: "GET", path: "/v1.0/users/*",
			body:     `{"id":"8f1c0000-0000-4000-8000-000000000001","accountEnabled":"yes"}`,
			call:     callGetUser,
			contains: []string{"entra: get user: GET /v1.0/users/", "answered 200 OK: a body the SDK could not read", "is not compatible with type bool"},
		},
		{
			name: "collection where an array is wanted", method: "GET", path: "/v1.0/users",
			body:     `{"value":[{"id":"8f1c0000-0000-4000-8000-000000000001","businessPhones":"+1 555 0100"}]}`,
			call:     callListUsers,
			contains: []string{"GET /v1.0/users answered 200 OK: a body the SDK could not read", "value is not a collection"},
		},
		{
			name: "batch answer cut off", method: "POST", path: "/v1.0/$batch",
			body:     `{"responses":[{"id":"1","status":201,"body":{"id":"`,
			call:     callCreateUser,
			contains: []string{"POST /v1.0/$batch answered 200 OK: JSON cut off or broken", "unexpected end of JSON input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, opts := emulator(t)
			c := syncClient(t, s, opts)
			ctx := testContext(t)
			id, err := c.CreateUser(ctx, newUser("present", ""), entra.GeneratePassword())
			if err != nil {
				t.Fatal(err)
			}
			s.InjectFault(entratest.Fault{Method: tt.method, Path: tt.path, Body: tt.body})
			err = tt.call(ctx, c, id)
			var me *entra.MalformedAnswerError
			if !errors.As(err, &me) || !errors.Is(err, entra.ErrMalformedAnswer) {
				t.Fatalf("got %v (%T), want a *MalformedAnswerError matching ErrMalformedAnswer", err, err)
			}
			if me.Method != tt.method || me.Status != 200 || !strings.HasPrefix(me.Path, "/v1.0/") {
				t.Errorf("request: got %s %s status %d, want %s /v1.0/… status 200", me.Method, me.Path, me.Status, tt.method)
			}
			msg := err.Error()
			t.Log(msg)
			for _, want := range tt.contains {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			for _, bad := range []string{"https://", "$select", "?"} {
				if strings.Contains(msg, bad) {
					t.Errorf("message %q contains %q (the URL with its query)", msg, bad)
				}
			}
		})
	}
}

// TestConnectionLost drops the connection under requests: the error names
// the request without its URL or query, says the connection was lost and
// what to check, and keeps the network error (io.EOF here) for errors.Is.
func TestConnectionLost(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string
		call     answerCall
		contains []string
	}{
		{name: "list users", method: "GET", path: "/v1.0/users", call: callListUsers,
			contains: []string{"entra: list users: GET /v1.0/users: the connection to Microsoft Graph was lost before the answer came"}},
		{name: "list domains", method: "GET", path: "/v1.0/domains", call: callDomains,
			contains: []string{"entra: list domains: GET /v1.0/domains: the connection"}},
		{name: "get user", method: "GET", path: "/v1.0/users/*", call: callGetUser,
			contains: []string{"entra: get user: GET /v1.0/users/", "was lost"}},
		{name: "delta", method: "GET", path: "/v1.0/users/delta*", call: callUsersDelta,
			contains: []string{"entra: read users/delta: GET /v1.0/users/delta", "was lost"}},
		{name: "batch", method: "POST", path: "/v1.0/$batch", call: callCreateUser,
			contains: []string{"POST /v1.0/$batch: the connection to Microsoft Graph was lost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, opts := emulator(t)
			c := syncClient(t, s, opts)
			ctx := testContext(t)
			id, err := c.CreateUser(ctx, newUser("present", ""), entra.GeneratePassword())
			if err != nil {
				t.Fatal(err)
			}
			s.InjectFault(entratest.Fault{Method: tt.method, Path: tt.path, Drop: true})
			err = tt.call(ctx, c, id)
			var ce *entra.ConnectionError
			if !errors.As(err, &ce) || !errors.Is(err, entra.ErrConnectionLost) {
				t.Fatalf("got %v (%T), want a *ConnectionError matching ErrConnectionLost", err, err)
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("got %v, want it to wrap io.EOF", err)
			}
			if ce.Method != tt.method || !strings.HasPrefix(ce.Path, "/v1.0/") {
				t.Errorf("request: got %s %s, want %s /v1.0/…", ce.Method, ce.Path, tt.method)
			}
			if errors.Is(err, entra.ErrMalformedAnswer) || entra.IsRetryable(err) {
				t.Errorf("got %v, want neither a malformed answer nor retryable as throttling", err)
			}
			msg := err.Error()
			t.Log(msg)
			for _, want := range append(tt.contains, "EOF", "check the network", "proxy") {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			for _, bad := range []string{"https://", "$select", "?", `Get "`, `Post "`} {
				if strings.Contains(msg, bad) {
					t.Errorf("message %q contains %q (the URL with its query)", msg, bad)
				}
			}
		})
	}
}

// TestCallerGaveUp: when the caller's context ends while a request waits
// for its answer, the error is the context's, naming the request without
// its URL, and not a lost connection.
func TestCallerGaveUp(t *testing.T) {
	s, opts := emulator(t)
	c := syncClient(t, s, opts)
	if _, err := c.Domains(testContext(t)); err != nil { // signs in before the clock starts
		t.Fatal(err)
	}
	s.InjectFault(entratest.Fault{Method: "GET", Path: "/v1.0/users", Delay: time.Minute})
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	err := callListUsers(ctx, c, "")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, entra.ErrConnectionLost) {
		t.Fatalf("got %v, want context.DeadlineExceeded and not ErrConnectionLost", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "entra: list users: GET /v1.0/users: ") || strings.Contains(msg, "https://") {
		t.Errorf("got %q, want it to name GET /v1.0/users without the URL", msg)
	}
}
