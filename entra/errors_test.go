package entra

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestClassify checks that Graph failures become the typed, actionable
// errors callers branch on. Bodies follow the error shapes of
// https://learn.microsoft.com/graph/errors and the pages cited per case.
func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   http.Header
		body     string
		ci       callInfo
		sentinel error
		check    func(t *testing.T, err error)
		contains []string
	}{
		{
			name:     "upn conflict names property and value",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"Another object with the same value for property userPrincipalName already exists.","details":[{"code":"ObjectConflict","message":"Another object with the same value for property userPrincipalName already exists.","target":"userPrincipalName"}]}}`,
			ci:       callInfo{op: "create user", values: map[string]string{"userPrincipalName": "ada@contoso.com"}},
			sentinel: ErrConflict,
			check: func(t *testing.T, err error) {
				var ce *ConflictError
				if !errors.As(err, &ce) || ce.Property != "userPrincipalName" || ce.Value != "ada@contoso.com" {
					t.Errorf("got %#v, want ConflictError{userPrincipalName, ada@contoso.com}", ce)
				}
			},
			contains: []string{`userPrincipalName "ada@contoso.com"`},
		},
		{
			name:     "immutable id conflict from the message alone",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"Another object with the same value for property onPremisesImmutableId already exists."}}`,
			ci:       callInfo{op: "create user", values: map[string]string{"onPremisesImmutableId": "AAEC"}},
			sentinel: ErrConflict,
			contains: []string{`onPremisesImmutableId "AAEC"`},
		},
		{
			// https://learn.microsoft.com/graph/api/user-post-users
			name:     "unverified upn domain names the domain",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.","details":[{"code":"InvalidValue","target":"userPrincipalName"}]}}`,
			ci:       callInfo{op: "create user", values: map[string]string{"userPrincipalName": "bob@fabrikam.local"}},
			sentinel: ErrUPNDomainNotVerified,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrInvalidRequest) {
					t.Errorf("got %v, want it to match ErrInvalidRequest too", err)
				}
			},
			contains: []string{`domain "fabrikam.local"`, "verify it"},
		},
		{
			name:     "app lacks permission",
			status:   403,
			body:     `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`,
			ci:       callInfo{op: "create user", permission: "User.ReadWrite.All"},
			sentinel: ErrForbidden,
			check: func(t *testing.T, err error) {
				var fe *ForbiddenError
				if !errors.As(err, &fe) || fe.Reason != ConsentMissing {
					t.Errorf("got %#v, want ConsentMissing", fe)
				}
			},
			contains: []string{"User.ReadWrite.All", "admin consent"},
		},
		{
			name:     "admin lacks role",
			status:   403,
			body:     `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`,
			ci:       callInfo{op: "create the sync application", permission: "Application.ReadWrite.All", role: "Global Administrator", delegated: true},
			sentinel: ErrForbidden,
			check: func(t *testing.T, err error) {
				var fe *ForbiddenError
				if !errors.As(err, &fe) || fe.Reason != RoleMissing {
					t.Errorf("got %#v, want RoleMissing", fe)
				}
			},
			contains: []string{"Global Administrator", "Privileged Identity Management"},
		},
		{
			// https://learn.microsoft.com/graph/throttling
			name:     "throttled with retry-after",
			status:   429,
			header:   http.Header{"Retry-After": {"7"}, "X-Ms-Throttle-Scope": {"Tenant_Application/Write/app/tenant"}},
			body:     `{"error":{"code":"TooManyRequests","message":"Too many requests."}}`,
			ci:       callInfo{op: "create user"},
			sentinel: ErrThrottled,
			check: func(t *testing.T, err error) {
				var te *ThrottledError
				if !errors.As(err, &te) || te.RetryAfter != 7*time.Second || te.Scope == "" {
					t.Errorf("got %#v, want RetryAfter 7s and a scope", te)
				}
				if !IsRetryable(err) {
					t.Error("IsRetryable = false, want true")
				}
			},
			contains: []string{"retry after 7s"},
		},
		{
			name:     "service unavailable is retryable",
			status:   503,
			body:     `{"error":{"code":"serviceNotAvailable","message":"Service unavailable."}}`,
			ci:       callInfo{op: "update user"},
			sentinel: ErrThrottled,
			contains: []string{"unavailable (503)"},
		},
		{
			name:     "not found names the object",
			status:   404,
			body:     `{"error":{"code":"Request_ResourceNotFound","message":"Resource '0f1e' does not exist or one of its queried reference-property objects are not present.","innerError":{"request-id":"r-1"}}}`,
			ci:       callInfo{op: "get user", what: "user 0f1e"},
			sentinel: ErrNotFound,
			check: func(t *testing.T, err error) {
				var ge *GraphError
				if !errors.As(err, &ge) || ge.RequestID != "r-1" || ge.Code != "Request_ResourceNotFound" {
					t.Errorf("got %#v, want the Graph detail with request id r-1", ge)
				}
			},
			contains: []string{"user 0f1e not found"},
		},
		{
			name:     "member already present",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"One or more added object references already exist for the following modified properties: 'members'."}}`,
			ci:       callInfo{op: "add members", values: map[string]string{"members": "u1"}},
			sentinel: ErrConflict,
			contains: []string{`"u1" is already a member`},
		},
		{
			name:     "dir-synced object",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration."}}`,
			ci:       callInfo{op: "update user"},
			sentinel: ErrDirSynced,
			contains: []string{"Entra Connect"},
		},
		{
			name:     "expired delta token",
			status:   410,
			body:     `{"error":{"code":"syncStateNotFound","message":"The sync state is not found."}}`,
			ci:       callInfo{op: "read users/delta"},
			sentinel: ErrResyncRequired,
		},
		{
			name:     "refused token",
			status:   401,
			body:     `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty."}}`,
			ci:       callInfo{op: "list users"},
			sentinel: ErrUnauthorized,
			contains: []string{"refused the access token"},
		},
		{
			name:     "other bad request",
			status:   400,
			body:     `{"error":{"code":"Request_BadRequest","message":"Invalid value specified for property 'usageLocation' of resource 'User'."}}`,
			ci:       callInfo{op: "update user"},
			sentinel: ErrInvalidRequest,
			contains: []string{"usageLocation"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ge := graphErrorFromBody(tt.status, tt.header, []byte(tt.body))
			err := classify(ge, tt.header, tt.ci)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("classify = %v (%T), want it to match %v", err, err, tt.sentinel)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not contain %q", err.Error(), s)
				}
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-1":                            0,
		"soon":                          0,
		"Thu, 26 Nov 2026 12:00:10 GMT": 10 * time.Second,
		"Thu, 26 Nov 2026 11:59:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
