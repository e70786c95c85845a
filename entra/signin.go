package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// azidentity hands the prompt the code but not its lifetime: read it
	// off the /devicecode response on the way.
	observer := &deviceCodeObserver{next: c.cloud.transport(), expiresIn: make(chan int, 1)}
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
	rec, err := cred.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: scopes})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("entra: admin sign-in: %w", ctx.Err())
		}
		if ue := authError(err); ue != nil {
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
