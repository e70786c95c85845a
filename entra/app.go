package entra

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
)

// SyncApp is the sync application: an app registration and its service
// principal in the tenant, signing in with a certificate whose private key
// stays on this machine.
type SyncApp struct {
	DisplayName        string
	AppID              string // application (client) id: what the service signs in as
	ObjectID           string // the app registration's object id
	ServicePrincipalID string // the service principal's object id
	TenantID           string
}

// AppCertificate is a certificate registered on the sync application.
type AppCertificate struct {
	Thumbprint string // SHA-1, upper-case hex, as the Entra admin center shows it
	NotAfter   time.Time
}

// SyncAppTag is the tag entrasync puts on the applications it creates, so
// that it finds (and deletes) only its own.
const SyncAppTag = "entrasync"

// SyncAppName is the display name of the sync application of a server:
// "entrasync-<host>".
func SyncAppName(host string) string { return "entrasync-" + host }

// FindSyncApp returns the sync application named name that entrasync
// created (tagged SyncAppTag), or an error matching ErrNotFound.
func (c *Client) FindSyncApp(ctx context.Context, name string) (SyncApp, error) {
	ci := c.call("find the sync application", "Application.ReadWrite.All")
	resp, err := c.g.sdk.Applications().Get(ctx, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{
			Filter: ptr("displayName eq " + odataString(name)),
			Select: []string{"id", "appId", "displayName", "tags"},
		},
	})
	if err != nil {
		return SyncApp{}, translate(err, ci)
	}
	for _, a := range resp.GetValue() {
		if !slices.Contains(a.GetTags(), SyncAppTag) {
			continue
		}
		app := SyncApp{DisplayName: deref(a.GetDisplayName()), AppID: deref(a.GetAppId()), ObjectID: deref(a.GetId()), TenantID: c.account.TenantID}
		sp, err := c.servicePrincipalByAppID(ctx, app.AppID)
		switch {
		case err == nil:
			app.ServicePrincipalID = deref(sp.GetId())
		case !errors.Is(err, ErrNotFound):
			return SyncApp{}, err
		}
		return app, nil
	}
	return SyncApp{}, fmt.Errorf("entra: %s: %w", ci.op, &NotFoundError{What: "application " + name + " tagged " + SyncAppTag})
}

// CreateSyncApp creates the sync application name (SyncAppName), single
// tenant, with cert as its credential and the SyncAppPermissions listed as
// required, and its service principal. It is idempotent: an application
// of that name that entrasync created is reused, its service principal
// created if missing and cert added if not registered yet (certificates
// already registered stay; RotateSyncAppCertificate removes them).
// Permissions are granted separately (GrantSyncAppPermissions).
func (c *Client) CreateSyncApp(ctx context.Context, name string, cert *x509.Certificate) (SyncApp, error) {
	if name == "" || cert == nil {
		return SyncApp{}, errors.New("entra: create the sync application: a name and a certificate are required")
	}
	ci := c.call("create the sync application", "Application.ReadWrite.All")
	app, err := c.FindSyncApp(ctx, name)
	switch {
	case err == nil:
		if err := c.addCertificate(ctx, app, cert); err != nil {
			return SyncApp{}, err
		}
	case errors.Is(err, ErrNotFound):
		graphSP, err := c.microsoftGraph(ctx)
		if err != nil {
			return SyncApp{}, err
		}
		rra, err := requiredGraphAccess(graphSP)
		if err != nil {
			return SyncApp{}, fmt.Errorf("entra: %s: %w", ci.op, err)
		}
		body := models.NewApplication()
		body.SetDisplayName(ptr(name))
		body.SetSignInAudience(ptr("AzureADMyOrg"))
		body.SetTags([]string{SyncAppTag})
		body.SetNotes(ptr("Created by entrasync to synchronize users and groups from Active Directory. " +
			"Its certificate's private key is on the entrasync server; deleting this application stops the synchronization."))
		body.SetKeyCredentials([]models.KeyCredentialable{keyCredential(cert)})
		body.SetRequiredResourceAccess([]models.RequiredResourceAccessable{rra})
		a, err := c.g.sdk.Applications().Post(ctx, body, nil)
		if err != nil {
			return SyncApp{}, translate(err, ci)
		}
		app = SyncApp{DisplayName: name, AppID: deref(a.GetAppId()), ObjectID: deref(a.GetId()), TenantID: c.account.TenantID}
	default:
		return SyncApp{}, err
	}
	if app.ServicePrincipalID == "" {
		sp := models.NewServicePrincipal()
		sp.SetAppId(ptr(app.AppID))
		sp.SetTags([]string{SyncAppTag})
		// A new application takes a moment to replicate: the service
		// principal of an appId not seen yet is refused meanwhile.
		err := eventually(ctx, replicationWait, func() error {
			created, err := c.g.sdk.ServicePrincipals().Post(ctx, sp, nil)
			if err != nil {
				return translate(err, c.call("create the sync application's service principal", "Application.ReadWrite.All"))
			}
			app.ServicePrincipalID = deref(created.GetId())
			return nil
		})
		if err != nil {
			return SyncApp{}, err
		}
	}
	return app, nil
}

// GrantSyncAppPermissions grants the sync application the
// SyncAppPermissions of Microsoft Graph (app role assignments, which is
// admin consent: https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
// Permissions already granted are left alone. They take effect in tokens
// issued after the grant has propagated: see WaitForSyncApp.
func (c *Client) GrantSyncAppPermissions(ctx context.Context, app SyncApp) error {
	ci := c.call("grant the sync application its Microsoft Graph permissions", "AppRoleAssignment.ReadWrite.All")
	ci.role = "Global Administrator or Privileged Role Administrator"
	if app.ServicePrincipalID == "" {
		return fmt.Errorf("entra: %s: the application has no service principal yet (CreateSyncApp makes one)", ci.op)
	}
	graphSP, err := c.microsoftGraph(ctx)
	if err != nil {
		return err
	}
	roles, err := graphRoleIDs(graphSP)
	if err != nil {
		return fmt.Errorf("entra: %s: %w", ci.op, err)
	}
	granted := map[uuid.UUID]bool{}
	resp, err := c.g.sdk.ServicePrincipals().ByServicePrincipalId(app.ServicePrincipalID).AppRoleAssignments().Get(ctx, nil)
	if err != nil {
		return translate(err, ci)
	}
	for _, a := range resp.GetValue() {
		if a.GetAppRoleId() != nil && a.GetResourceId() != nil && strings.EqualFold(a.GetResourceId().String(), deref(graphSP.GetId())) {
			granted[*a.GetAppRoleId()] = true
		}
	}
	principal, err := uuid.Parse(app.ServicePrincipalID)
	if err != nil {
		return fmt.Errorf("entra: %s: service principal id %q is not a GUID", ci.op, app.ServicePrincipalID)
	}
	resource, err := uuid.Parse(deref(graphSP.GetId()))
	if err != nil {
		return fmt.Errorf("entra: %s: Microsoft Graph's service principal id %q is not a GUID", ci.op, deref(graphSP.GetId()))
	}
	for _, p := range SyncAppPermissions {
		role := roles[p.Name]
		if granted[role] {
			continue
		}
		a := models.NewAppRoleAssignment()
		a.SetPrincipalId(&principal)
		a.SetResourceId(&resource)
		a.SetAppRoleId(&role)
		pci := ci
		pci.op = "grant the sync application " + p.Name
		err := eventually(ctx, replicationWait, func() error {
			_, err := c.g.sdk.ServicePrincipals().ByServicePrincipalId(resource.String()).AppRoleAssignedTo().Post(ctx, a, nil)
			return translate(err, pci)
		})
		if err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return nil
}

// WaitForSyncApp proves that the sync application works: it signs in as
// the application with cred and reads users, groups and domains, which
// succeeds only once every SyncAppPermissions grant is in its token. It
// tries again while the application, its key or its grants are still
// propagating (usually seconds, sometimes minutes), until timeout, and
// returns a Client for the application.
func (c *Client) WaitForSyncApp(ctx context.Context, app SyncApp, cred Credential, timeout time.Duration) (*Client, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tenant := app.TenantID
	if tenant == "" {
		tenant = c.account.TenantID
	}
	opts := Options{Cloud: c.cloud, Throughput: c.tp, Logger: c.log}
	var reason error // why the application did not work on the last try
	for wait := 250 * time.Millisecond; ; wait = min(wait*2, 10*time.Second) {
		// A new client each time: a token keeps the roles it was issued with.
		ac, err := NewAppClient(opts, tenant, app.AppID, cred)
		if err != nil {
			return nil, err
		}
		err = ac.Verify(ctx)
		if err == nil {
			return ac, nil
		}
		ac.Close()
		if ctx.Err() == nil && !propagating(err) {
			return nil, fmt.Errorf("entra: prove the sync application %s works: %w", app.AppID, err)
		}
		if ctx.Err() == nil {
			reason = err
			c.log.Info("entra: sync application not usable yet; trying again", "app_id", app.AppID, "wait", wait, "reason", err.Error())
		}
		if ctx.Err() != nil || sleepUntil(ctx, time.Now().Add(wait)) != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("entra: prove the sync application %s works: %w", app.AppID, ctx.Err())
			}
			if reason == nil {
				reason = context.Cause(ctx)
			}
			return nil, fmt.Errorf("entra: the sync application %s still cannot do its job after %s: %w; "+
				"Entra can take several minutes to apply a new application and its permissions: run setup again later, "+
				"or check the application's API permissions (admin consent granted) in the Entra admin center", app.AppID, timeout, reason)
		}
	}
}

// Verify signs in (if not done yet) and reads one user, one group and the
// domains, which is what the sync application needs to be able to do. It
// returns nil, or a typed error: an *UnauthorizedError for a refused
// credential, a *ForbiddenError naming the missing permission.
func (c *Client) Verify(ctx context.Context) error {
	for _, probe := range []func() error{
		func() error {
			_, err := c.Domains(ctx)
			return err
		},
		func() error {
			for _, err := range c.Users(ctx) {
				return err
			}
			return nil
		},
		func() error {
			for _, err := range c.Groups(ctx) {
				return err
			}
			return nil
		},
	} {
		if err := probe(); err != nil {
			return err
		}
	}
	return nil
}

// propagating reports whether err is what a new application, key or grant
// looks like before Entra has propagated it.
func propagating(err error) bool {
	if errors.Is(err, ErrForbidden) {
		return true
	}
	var ue *UnauthorizedError
	if errors.As(err, &ue) {
		switch ue.AADSTS {
		case "AADSTS700016", "AADSTS7000229", "AADSTS700027":
			return true
		}
	}
	return false
}

// SyncAppCertificates lists the certificates registered on the sync
// application.
func (c *Client) SyncAppCertificates(ctx context.Context, app SyncApp) ([]AppCertificate, error) {
	keys, err := c.keyCredentials(ctx, app)
	if err != nil {
		return nil, err
	}
	var out []AppCertificate
	for _, k := range keys {
		out = append(out, AppCertificate{Thumbprint: keyThumbprint(k), NotAfter: deref(k.GetEndDateTime())})
	}
	return out, nil
}

// RotateSyncAppCertificate replaces the sync application's certificate:
// it registers the certificate of newCred next to the current ones, proves
// that the application signs in with it (WaitForSyncApp, up to timeout),
// then removes every other certificate. Write the new key file before
// calling it and remove the old one after it succeeds; if it fails, the old
// certificate still works.
func (c *Client) RotateSyncAppCertificate(ctx context.Context, app SyncApp, newCred Credential, timeout time.Duration) error {
	cert := newCred.Certificate()
	if cert == nil {
		return errors.New("entra: rotate the sync application's certificate: the new credential is not a certificate")
	}
	if err := c.addCertificate(ctx, app, cert); err != nil {
		return err
	}
	if _, err := c.WaitForSyncApp(ctx, app, newCred, timeout); err != nil {
		return fmt.Errorf("entra: rotate the sync application's certificate: the new certificate does not work yet, so the old one was kept: %w", err)
	}
	body := models.NewApplication()
	body.SetKeyCredentials([]models.KeyCredentialable{keyCredential(cert)})
	if _, err := c.g.sdk.Applications().ByApplicationId(app.ObjectID).Patch(ctx, body, nil); err != nil {
		return translate(err, c.call("remove the sync application's old certificates", "Application.ReadWrite.All"))
	}
	return nil
}

// DeleteSyncApp deletes the sync application and its service principal
// (uninstall). They stay in deleted items for 30 days. Already deleted is
// not an error.
func (c *Client) DeleteSyncApp(ctx context.Context, app SyncApp) error {
	if app.ServicePrincipalID != "" {
		err := c.g.sdk.ServicePrincipals().ByServicePrincipalId(app.ServicePrincipalID).Delete(ctx, nil)
		if err = translate(err, c.call("delete the sync application's service principal", "Application.ReadWrite.All")); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if app.ObjectID == "" {
		return errors.New("entra: delete the sync application: no application object id")
	}
	err := c.g.sdk.Applications().ByApplicationId(app.ObjectID).Delete(ctx, nil)
	if err = translate(err, c.call("delete the sync application", "Application.ReadWrite.All")); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// addCertificate registers cert on the application unless it already is:
// the application's key credentials are replaced by the current ones plus
// cert (Graph has no "add one" for an application without a working
// certificate of its own: https://learn.microsoft.com/graph/api/application-update).
func (c *Client) addCertificate(ctx context.Context, app SyncApp, cert *x509.Certificate) error {
	ci := c.call("add a certificate to the sync application", "Application.ReadWrite.All")
	keys, err := c.keyCredentials(ctx, app)
	if err != nil {
		return err
	}
	want := Thumbprint(cert)
	for _, k := range keys {
		if keyThumbprint(k) == want {
			return nil
		}
		if len(k.GetKey()) == 0 {
			return fmt.Errorf("entra: %s: Graph did not return the registered certificate %s, so it cannot be kept while adding a new one", ci.op, keyThumbprint(k))
		}
	}
	body := models.NewApplication()
	body.SetKeyCredentials(append(keys, keyCredential(cert)))
	if _, err := c.g.sdk.Applications().ByApplicationId(app.ObjectID).Patch(ctx, body, nil); err != nil {
		return translate(err, ci)
	}
	return nil
}

// keyCredentials reads the application's key credentials with their keys
// (returned only when selected on a single application).
func (c *Client) keyCredentials(ctx context.Context, app SyncApp) ([]models.KeyCredentialable, error) {
	if err := checkID("read the sync application's certificates", app.ObjectID); err != nil {
		return nil, err
	}
	a, err := c.g.sdk.Applications().ByApplicationId(app.ObjectID).Get(ctx, &applications.ApplicationItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationItemRequestBuilderGetQueryParameters{Select: []string{"keyCredentials"}},
	})
	if err != nil {
		ci := c.call("read the sync application's certificates", "Application.ReadWrite.All")
		ci.what = "application " + app.ObjectID
		return nil, translate(err, ci)
	}
	return a.GetKeyCredentials(), nil
}

// keyCredential is cert as an application key credential
// (https://learn.microsoft.com/graph/api/resources/keycredential): the
// certificate only, never the key.
func keyCredential(cert *x509.Certificate) models.KeyCredentialable {
	k := models.NewKeyCredential()
	k.SetTypeEscaped(ptr("AsymmetricX509Cert"))
	k.SetUsage(ptr("Verify"))
	k.SetKey(cert.Raw)
	thumb, _ := hex.DecodeString(Thumbprint(cert))
	k.SetCustomKeyIdentifier(thumb)
	k.SetDisplayName(ptr("CN=" + cert.Subject.CommonName))
	k.SetStartDateTime(ptr(cert.NotBefore.UTC()))
	k.SetEndDateTime(ptr(cert.NotAfter.UTC()))
	return k
}

// keyThumbprint is the SHA-1 thumbprint of a key credential: from its key
// when Graph returned it, else from its customKeyIdentifier.
func keyThumbprint(k models.KeyCredentialable) string {
	if raw := k.GetKey(); len(raw) > 0 {
		if cert, err := x509.ParseCertificate(raw); err == nil {
			return Thumbprint(cert)
		}
	}
	return strings.ToUpper(hex.EncodeToString(k.GetCustomKeyIdentifier()))
}

// microsoftGraph returns Microsoft Graph's service principal in the tenant
// with its app roles (the application permissions).
func (c *Client) microsoftGraph(ctx context.Context) (models.ServicePrincipalable, error) {
	sp, err := c.servicePrincipalByAppID(ctx, MicrosoftGraphAppID)
	if err != nil {
		return nil, fmt.Errorf("entra: find Microsoft Graph's service principal: %w", err)
	}
	return sp, nil
}

func (c *Client) servicePrincipalByAppID(ctx context.Context, appID string) (models.ServicePrincipalable, error) {
	ci := c.call("find the service principal of "+appID, "Application.ReadWrite.All")
	resp, err := c.g.sdk.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
			Filter: ptr("appId eq " + odataString(appID)),
			Select: []string{"id", "appId", "displayName", "appRoles"},
		},
	})
	if err != nil {
		return nil, translate(err, ci)
	}
	if v := resp.GetValue(); len(v) > 0 {
		return v[0], nil
	}
	return nil, fmt.Errorf("entra: %s: %w", ci.op, &NotFoundError{What: "service principal of application " + appID})
}

// graphRoleIDs maps the names of SyncAppPermissions to the ids of
// Microsoft Graph's app roles.
func graphRoleIDs(graphSP models.ServicePrincipalable) (map[string]uuid.UUID, error) {
	ids := map[string]uuid.UUID{}
	for _, r := range graphSP.GetAppRoles() {
		if r.GetId() != nil && slices.Contains(r.GetAllowedMemberTypes(), "Application") {
			ids[deref(r.GetValue())] = *r.GetId()
		}
	}
	for _, p := range SyncAppPermissions {
		if _, ok := ids[p.Name]; !ok {
			return nil, fmt.Errorf("the service principal of Microsoft Graph has no application permission %s", p.Name)
		}
	}
	return ids, nil
}

// requiredGraphAccess lists SyncAppPermissions as the application's
// required resource access, so the Entra admin center shows them under
// API permissions.
func requiredGraphAccess(graphSP models.ServicePrincipalable) (models.RequiredResourceAccessable, error) {
	ids, err := graphRoleIDs(graphSP)
	if err != nil {
		return nil, err
	}
	rra := models.NewRequiredResourceAccess()
	rra.SetResourceAppId(ptr(MicrosoftGraphAppID))
	var access []models.ResourceAccessable
	for _, p := range SyncAppPermissions {
		ra := models.NewResourceAccess()
		id := ids[p.Name]
		ra.SetId(&id)
		ra.SetTypeEscaped(ptr("Role"))
		access = append(access, ra)
	}
	rra.SetResourceAccess(access)
	return rra, nil
}

// replicationWait bounds retries of a write that refers to an object just
// created elsewhere in the directory.
const replicationWait = time.Minute

// eventually runs fn until it succeeds, fails with an error other than
// the ones Graph gives for an object not replicated yet, or limit passes.
func eventually(ctx context.Context, limit time.Duration, fn func() error) error {
	deadline := time.Now().Add(limit)
	for wait := 250 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		err := fn()
		if err == nil || !notReplicatedYet(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		if serr := sleepUntil(ctx, time.Now().Add(wait)); serr != nil {
			return err
		}
	}
}

// notReplicatedYet reports whether err is how Graph refers to an object
// created a moment ago on another replica: not found, or a 400 saying the
// referenced object does not exist.
func notReplicatedYet(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var ie *InvalidRequestError
	if !errors.As(err, &ie) {
		return false
	}
	msg := strings.ToLower(ie.Message)
	return strings.Contains(msg, "does not reference a valid application") || strings.Contains(msg, "does not exist")
}
