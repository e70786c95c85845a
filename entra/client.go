package entra

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Client calls Microsoft Graph for one tenant, either as a signed-in
// administrator (SignInAdmin: setup, rotation, uninstall) or as the sync
// application (NewAppClient: users and groups). It is safe for concurrent
// use. Every write it sends, alone or in a $batch, counts against one
// client-side write budget (Options.Throughput).
type Client struct {
	g         *graph
	cloud     Cloud
	tr        *http.Transport // shared by the sign-in and Graph
	tp        Throughput
	limiter   *limiter
	log       *slog.Logger
	delegated bool
	account   Account
	appID     string
}

// Account is who a Client acts as.
type Account struct {
	// Username is the signed-in admin's userPrincipalName; empty for an
	// application.
	Username string
	// ObjectID is the admin's user id; empty for an application.
	ObjectID string
	// TenantID is the tenant's GUID when known (always for an admin after
	// sign-in; for an application, the tenant it was created with).
	TenantID string
	// AppID is the application (client) id a Client for the sync
	// application signs in as; empty for an admin.
	AppID string
}

// NewAppClient returns a Client that signs in as the sync application
// clientID in tenantID with cred (a certificate, or a client secret). It
// does not sign in yet: the first call does, and a refused credential comes
// back from it as an *UnauthorizedError (see Client.Verify).
func NewAppClient(opts Options, tenantID, clientID string, cred Credential) (*Client, error) {
	if tenantID == "" || clientID == "" {
		return nil, errors.New("entra: application sign-in needs the tenant id and the application (client) id; both are in the configuration written by setup")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	tc, err := cred.tokenCredential(c.cloud, c.tr, tenantID, clientID)
	if err != nil {
		return nil, err
	}
	if err := c.connect(tc, []string{c.cloud.audience() + "/.default"}); err != nil {
		return nil, err
	}
	c.account = Account{TenantID: tenantID, AppID: clientID}
	c.appID = clientID
	return c, nil
}

// newClient applies the defaults of opts.
func newClient(opts Options) (*Client, error) {
	cl, err := opts.Cloud.withDefaults()
	if err != nil {
		return nil, err
	}
	tp, err := opts.Throughput.withDefaults()
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cloud: cl, tr: cl.transport(), tp: tp, limiter: newLimiter(tp.Writes, tp.Window), log: log}, nil
}

func (c *Client) connect(cred azcore.TokenCredential, scopes []string) error {
	g, err := newGraph(c.cloud, c.tr, cred, scopes, c.tp.MaxAttempts)
	if err != nil {
		return err
	}
	c.g = g
	return nil
}

// Close releases the client's idle connections. The client must not be
// used afterwards.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// Account returns who the client acts as.
func (c *Client) Account() Account { return c.account }

// call describes an operation for error translation.
func (c *Client) call(op, permission string) callInfo {
	ci := callInfo{op: op, permission: permission, delegated: c.delegated}
	if c.delegated {
		ci.role = "Global Administrator or Hybrid Identity Administrator"
	}
	return ci
}

// directoryObjectURL is the @odata.id of a directory object, as
// members@odata.bind and manager/$ref take it.
func (c *Client) directoryObjectURL(id string) string {
	return c.cloud.graphBaseURL() + "/directoryObjects/" + id
}

// checkID refuses an empty id or one that would change the request path.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("entra: %s: empty id", what)
	}
	if strings.ContainsAny(id, "/?#% ") {
		return fmt.Errorf("entra: %s: id %q is not a directory object id", what, id)
	}
	return nil
}
