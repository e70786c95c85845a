package entra_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestMalformedAnswers feeds the client answers Graph does not give (or
// gives rarely), through the emulator's raw faults, the real SDK and its
// middleware. Each must end in a typed error naming the request, the
// status and what Graph said, never a panic or an endless loop. The error
// shapes are those of https://learn.microsoft.com/graph/errors; paging
// follows https://learn.microsoft.com/graph/paging.
func TestMalformedAnswers(t *testing.T) {
	const html502 = `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>`
	listUsers := func(ctx context.Context, c *entra.Client) error {
		for _, err := range c.ListUsers(ctx, entra.UserQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	listGroups := func(ctx context.Context, c *entra.Client) error {
		for _, err := range c.Groups(ctx) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	domains := func(ctx context.Context, c *entra.Client) error {
		_, err := c.Domains(ctx)
		return err
	}
	usersDelta := func(ctx context.Context, c *entra.Client) error {
		_, err := c.UsersDelta(ctx, "", func(entra.UserChange) error { return nil })
		return err
	}
	createUser := func(ctx context.Context, c *entra.Client) error {
		res := c.ApplyWrites(ctx, []entra.Write{{Kind: entra.OpCreateUser, User: newUser("malformed", ""), Password: entra.GeneratePassword()}})
		return res[0].Err
	}
	tests := []struct {
		name     string
		faults   func(graph string) []entratest.Fault // graph is the emulator's Graph base URL
		call     func(context.Context, *entra.Client) error
		sentinel error
		contains []string
		absent   []string
	}{
		{
			name: "empty 200 body",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/domains", ContentType: "application/json"}}
			},
			call:     domains,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list domains", "GET /v1.0/domains answered 200 OK", "empty body"},
		},
		{
			name: "json null",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/users", Body: "null"}}
			},
			call:     listUsers,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list users", "GET /v1.0/users answered 200 OK", "JSON null"},
		},
		{
			name: "null in the value array",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/users", Body: `{"value":[null]}`}}
			},
			call:     listUsers,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list users", `null in its "value" array`},
		},
		{
			name: "null in the domain list",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/domains", Body: `{"value":[null]}`}}
			},
			call:     domains,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list domains", `null in its "value" array`},
		},
		{
			name: "null in a delta page",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/users/delta*", Body: `{"value":[null],"@odata.deltaLink":"x"}`}}
			},
			call:     usersDelta,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"read users/delta", `null in its "value" array`},
		},
		{
			name: "next link to the same page",
			faults: func(graph string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/groups", Body: `{"value":[],"@odata.nextLink":"` + graph + `/groups?$skiptoken=loop"}`}}
			},
			call:     listGroups,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list groups", "GET /v1.0/groups", "repeated a page link", "next link", "after page 2"},
		},
		{
			name: "next links in a cycle",
			faults: func(graph string) []entratest.Fault {
				page := func(token string) entratest.Fault {
					return entratest.Fault{Method: "GET", Path: "/v1.0/groups", Times: 1, Body: `{"value":[],"@odata.nextLink":"` + graph + `/groups?$skiptoken=` + token + `"}`}
				}
				return []entratest.Fault{page("a"), page("b"), page("a")}
			},
			call:     listGroups,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"repeated a page link", "after page 3"},
		},
		{
			name: "delta next link to the same page",
			faults: func(graph string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/users/delta*", Body: `{"value":[],"@odata.nextLink":"` + graph + `/users/delta()?$skiptoken=loop"}`}}
			},
			call:     usersDelta,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"read users/delta", "repeated a page link"},
		},
		{
			name: "html error page keeps the status",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/users", Status: http.StatusBadGateway, ContentType: "text/html", Body: html502}}
			},
			call:     listUsers,
			sentinel: entra.ErrServerFailed,
			contains: []string{"list users", "GET /v1.0/users: 502 Bad Gateway", "text/html"},
			absent:   []string{"<html>", "factory"},
		},
		{
			name: "json labelled text/plain",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/domains", ContentType: "text/plain", Body: `{"value":[{"id":"contoso.com","isVerified":true}]}`}}
			},
			call:     domains,
			sentinel: entra.ErrMalformedAnswer,
			contains: []string{"list domains", "GET /v1.0/domains answered 200 OK", "content type text/plain"},
		},
		{
			name: "unknown error code on the batch",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "POST", Path: "/v1.0/$batch", Status: http.StatusBadRequest, Body: `{"error":{"code":"Request_SomethingNew","message":"A brand new failure."}}`}}
			},
			call:     createUser,
			sentinel: entra.ErrInvalidRequest,
			contains: []string{"send $batch", "POST /v1.0/$batch: 400 Bad Request: Request_SomethingNew: A brand new failure."},
		},
		{
			name: "500 with an empty message",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/groups", Status: http.StatusInternalServerError, Body: `{"error":{"code":"UnknownError","message":"","innerError":{"request-id":"00000000-0000-0000-0000-000000000001"}}}`}}
			},
			call:     listGroups,
			sentinel: entra.ErrServerFailed,
			contains: []string{"GET /v1.0/groups: 500 Internal Server Error: UnknownError", "request-id 00000000-0000-0000-0000-000000000001"},
			absent:   []string{"invalid request"},
		},
		{
			name: "broken utf-8 in the message",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/groups", Status: http.StatusBadRequest, Body: "{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Invalid value \xff\xfe for property\"}}"}}
			},
			call:     listGroups,
			sentinel: entra.ErrInvalidRequest,
			contains: []string{"GET /v1.0/groups: 400 Bad Request: Request_BadRequest: Invalid value \uFFFD\uFFFD for property"},
		},
		{
			name: "secrets in the message",
			faults: func(string) []entratest.Fault {
				return []entratest.Fault{{Method: "GET", Path: "/v1.0/groups", Status: http.StatusBadRequest, Body: `{"error":{"code":"Request_BadRequest","message":"Bad header Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln with client_secret=hunter2-very-secret\u0007 sent` + strings.Repeat(" and more", 100) + `"}}`}}
			},
			call:     listGroups,
			sentinel: entra.ErrInvalidRequest,
			contains: []string{"Request_BadRequest: Bad header Authorization: Bearer [redacted]", "client_secret=[redacted]", "…"},
			absent:   []string{"eyJ", "hunter2", "\u0007", strings.Repeat(" and more", 50)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, opts := emulator(t)
			c := syncClient(t, s, opts)
			for _, f := range tt.faults(s.URL + "/v1.0") {
				s.InjectFault(f)
			}
			err := tt.call(testContext(t), c)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("got %v (%T), want an error matching %v", err, err, tt.sentinel)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) {
				t.Errorf("message %q is not valid UTF-8", msg)
			}
			for _, want := range tt.contains {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(msg, bad) {
					t.Errorf("message %q contains %q", msg, bad)
				}
			}
		})
	}
}
