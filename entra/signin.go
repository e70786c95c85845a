package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	stdsync "sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// DeviceCode is what the admin needs to finish signing in on another
// device: open VerificationURL and enter UserCode. Message is the identity
// platform's own sentence saying so.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	Message         string
	// ExpiresAt is when the code stops working (zero when the identity
	// platform did not say).
	ExpiresAt time.Time
}

// AdminSignIn configures the administrator's device code sign-in.
type AdminSignIn struct {
	// TenantID is the tenant's GUID or one of its domains; empty means
	// "organizations" (the tenant of whoever signs in).
	TenantID string
	// ClientID is the public client to sign in through; empty means
	// GraphCommandLineToolsClientID. A tenant that does not allow that
	// client registers its own (a public client with the AdminScopes as
	// delegated permissions) and passes its id.
	ClientID string
	// Prompt shows the device code to the admin (the wizard draws it with
	// a QR code). It is called once, before sign-in completes; it must not
	// block for long, and an error from it cancels the sign-in.
	Prompt func(context.Context, DeviceCode) error
}

// SignInAdmin signs an administrator in with the device code flow
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code)
// and returns a Client acting as them with the AdminScopes. It returns when
// the admin has approved in the browser, when the code expires, or when ctx
// is done. The tokens stay in this process's memory only.
func SignInAdmin(ctx context.Context, opts Options, s AdminSignIn) (*Client, error) {
	if s.Prompt == nil {
		return nil, errors.New("entra: admin sign-in: no Prompt to show the device code with")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	tenant := s.TenantID
	if tenant == "" {
		tenant = "organizations"
	}
	clientID := s.ClientID
	if clientID == "" {
		clientID = GraphCommandLineToolsClientID
	}
	scopes := make([]string, len(AdminScopes))
	for i, p := range AdminScopes {
		scopes[i] = c.cloud.scope(p.Name)
	}
	// azidentity hands the prompt the code but not its lifetime, and MSAL
	// drains the body of a refused token request: read both on the way.
	observer := &deviceCodeObserver{next: c.tr, expiresIn: make(chan int, 1)}
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions:            c.cloud.clientOptions(observer),
		DisableInstanceDiscovery: c.cloud.disableInstanceDiscovery(),
		TenantID:                 tenant,
		ClientID:                 clientID,
		UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
			dc := DeviceCode{UserCode: m.UserCode, VerificationURL: m.VerificationURL, Message: m.Message}
			select {
			case n := <-observer.expiresIn:
				dc.ExpiresAt = time.Now().Add(time.Duration(n) * time.Second)
			default:
			}
			return s.Prompt(ctx, dc)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("entra: admin sign-in: %w", err)
	}
	// EnableCAE as kiota's authentication provider asks: azidentity caches
	// CAE and non-CAE tokens apart, and a miss would prompt again.
	rec, err := cred.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: scopes, EnableCAE: true})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("entra: admin sign-in: %w", ctx.Err())
		}
		if ue := authError(err); ue != nil {
			if body := observer.failure(); body != nil && ue.OAuthError == "" {
				fillFromTokenError(ue, body)
				ue.Hint = hintFor(ue)
			}
			return nil, fmt.Errorf("entra: admin sign-in: %w", ue)
		}
		return nil, fmt.Errorf("entra: admin sign-in: %w", err)
	}
	if err := c.connect(cred, scopes); err != nil {
		return nil, err
	}
	c.delegated = true
	uid, _, _ := strings.Cut(rec.HomeAccountID, ".")
	c.account = Account{Username: rec.Username, ObjectID: uid, TenantID: rec.TenantID}
	return c, nil
}

// deviceCodeObserver watches the device code sign-in's HTTP exchanges: it
// notes the lifetime of the device code (azidentity passes the code to the
// prompt but not its expires_in, which the wizard shows) and keeps the body
// of the last refused token request other than "keep polling" (MSAL reads
// it, so the error azidentity returns has none).
type deviceCodeObserver struct {
	next      http.RoundTripper
	expiresIn chan int

	mu      stdsync.Mutex
	refused []byte
}

// RoundTrip sends req and watches the answer.
func (o *deviceCodeObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	devicecode := strings.HasSuffix(req.URL.Path, "/devicecode") && resp.StatusCode == http.StatusOK
	refused := strings.HasSuffix(req.URL.Path, "/token") && resp.StatusCode >= 400
	if !devicecode && !refused {
		return resp, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var answer struct {
		ExpiresIn json.Number `json:"expires_in"`
		Error     string      `json:"error"`
	}
	if json.Unmarshal(body, &answer) != nil {
		return resp, nil
	}
	if devicecode {
		if n, err := answer.ExpiresIn.Int64(); err == nil && n > 0 {
			select {
			case o.expiresIn <- int(n):
			default:
			}
		}
		return resp, nil
	}
	if answer.Error != "authorization_pending" && answer.Error != "slow_down" {
		o.mu.Lock()
		o.refused = body
		o.mu.Unlock()
	}
	return resp, nil
}

// failure returns the body of the last refused token request, or nil.
func (o *deviceCodeObserver) failure() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused
}
