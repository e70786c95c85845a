package live

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// entraOptions are the options of every Entra client: the cloud of
// Options, or of cfg when one is given.
func (b *Backend) entraOptions(cfg *sync.EntraConfig) (entra.Options, error) {
	cloud := entra.Cloud{AuthorityHost: b.opts.AuthorityHost, GraphURL: b.opts.GraphEndpoint, RootCAs: b.opts.EntraRootCAs}
	caFile := b.opts.EntraCAFile
	if cfg != nil {
		cloud.AuthorityHost, cloud.GraphURL = cfg.AuthorityHost, cfg.GraphEndpoint
		caFile = cfg.CAFile
	}
	if cloud.AuthorityHost == "" {
		cloud.AuthorityHost = entra.PublicCloud.AuthorityHost
	}
	if cloud.GraphURL == "" {
		cloud.GraphURL = entra.PublicCloud.GraphURL
	}
	if cloud.RootCAs == nil && caFile != "" {
		pool, err := entra.LoadCAFile(caFile)
		if err != nil {
			return entra.Options{}, problem(err, fmt.Sprintf("cannot read the Entra CA file %s", caFile), "give a readable PEM file of CA certificates, or none")
		}
		cloud.RootCAs = pool
	}
	return entra.Options{Cloud: cloud, Throughput: b.opts.Throughput, Logger: b.log}, nil
}

// SignInEntra signs the administrator in with the device code flow and
// checks that the account may create the sync application and grant its
// permissions. With insufficient roles it returns the tenant and a
// [*wizard.Problem] saying which role is missing, and keeps no session.
// Once a configuration is saved, the sign-in goes to its tenant and its
// endpoints.
func (b *Backend) SignInEntra(ctx context.Context, prompt func(wizard.DeviceCode)) (wizard.Tenant, error) {
	// Once configured, sign in to the configured tenant and cloud.
	tenantID, cloud := b.opts.TenantID, (*sync.EntraConfig)(nil)
	saved, savedErr := b.savedConfig()
	if savedErr == nil {
		tenantID, cloud = saved.Entra.TenantID, &saved.Entra
	}
	opts, err := b.entraOptions(cloud)
	if err != nil {
		return wizard.Tenant{}, err
	}
	c, err := entra.SignInAdmin(ctx, opts, entra.AdminSignIn{
		TenantID: tenantID,
		ClientID: b.opts.ClientID,
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			prompt(wizard.DeviceCode{URL: dc.VerificationURL, Code: dc.UserCode, ExpiresAt: dc.ExpiresAt})
			return nil
		},
	})
	if err != nil {
		return wizard.Tenant{}, entraProblem(err)
	}
	t, err := b.describeTenant(ctx, c)
	if err != nil {
		c.Close()
		return t, entraProblem(err)
	}
	if savedErr == nil && !strings.EqualFold(t.ID, saved.Entra.TenantID) {
		c.Close()
		return t, problem(errors.New("wrong tenant"), fmt.Sprintf("%s signed in to tenant %s, but entrasync syncs to tenant %s", t.Account, t.ID, saved.Entra.TenantID),
			"sign in with an account of the configured tenant")
	}
	roles, err := c.AdminRoles(ctx)
	if err != nil {
		c.Close()
		return t, entraProblem(err)
	}
	for _, r := range roles {
		t.Roles = append(t.Roles, r.DisplayName)
	}
	if v := entra.AssessRoles(roles); !v.OK() {
		c.Close()
		b.log.Info("entra: the signed-in account lacks a role setup needs", "account", t.Account, "roles", t.Roles)
		return t, problem(errors.New(v.String()), fmt.Sprintf("%s cannot set up entrasync: %s", t.Account, strings.Join(v.Problems, " ")),
			"sign in as a Global Administrator, or as a Hybrid Identity Administrator who also holds Privileged Role Administrator")
	}
	if b.admin != nil {
		b.admin.Close()
	}
	b.admin, b.tenant = c, t
	b.log.Info("entra: administrator signed in", "account", t.Account, "tenant", t.ID, "roles", t.Roles)
	return t, nil
}

// describeTenant reads who signed in, and to which tenant.
func (b *Backend) describeTenant(ctx context.Context, c *entra.Client) (wizard.Tenant, error) {
	acct := c.Account()
	t := wizard.Tenant{ID: acct.TenantID, Account: acct.Username}
	org, err := c.Organization(ctx)
	if err != nil {
		return t, fmt.Errorf("live: read the tenant of %s: %w", acct.Username, err)
	}
	t.ID, t.Name, t.InitialDomain = org.ID, org.DisplayName, org.InitialDomain
	return t, nil
}

// needEntraAdmin returns the administrator's Entra session, or a Problem
// asking to sign in first.
func (b *Backend) needEntraAdmin(what string) (*entra.Client, error) {
	if b.admin == nil {
		return nil, problem(errors.New("no Entra ID administrator session"), what+" needs an Entra ID administrator",
			"sign in to Entra ID first (Connect to Entra ID)")
	}
	return b.admin, nil
}
