package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/domains"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"
)

// Organization is the tenant.
type Organization struct {
	ID            string // tenant id (GUID)
	DisplayName   string
	InitialDomain string // the tenant's <name>.onmicrosoft.com domain
}

// Domain is a domain of the tenant
// (https://learn.microsoft.com/graph/api/resources/domain).
type Domain struct {
	Name       string // e.g. "contoso.com"
	IsVerified bool   // ownership proven: users may have UPNs on it
	IsDefault  bool   // the default for new users
	IsInitial  bool   // the <name>.onmicrosoft.com domain
}

// Organization returns the tenant's id, name and initial domain
// (https://learn.microsoft.com/graph/api/organization-get). It is for the
// admin's client: the sync application is not granted
// Organization.Read.All, and finds the initial domain in Domains.
func (c *Client) Organization(ctx context.Context) (Organization, error) {
	ci := c.call("read the organization", "Organization.Read.All")
	if c.delegated {
		ci.permission = "User.Read"
	}
	resp, err := c.g.sdk.Organization().Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{
		QueryParameters: &organization.OrganizationRequestBuilderGetQueryParameters{Select: []string{"id", "displayName", "verifiedDomains"}},
	})
	if err != nil {
		return Organization{}, translate(err, ci)
	}
	orgs := resp.GetValue()
	if len(orgs) == 0 {
		return Organization{}, errors.New("entra: read the organization: Graph returned no organization for this tenant")
	}
	o := orgs[0]
	if o == nil {
		return Organization{}, fmt.Errorf("entra: read the organization: %w", errNullItem)
	}
	out := Organization{ID: deref(o.GetId()), DisplayName: deref(o.GetDisplayName())}
	for _, d := range o.GetVerifiedDomains() {
		if deref(d.GetIsInitial()) {
			out.InitialDomain = deref(d.GetName())
		}
	}
	return out, nil
}

// Domains returns the tenant's domains, verified or not
// (https://learn.microsoft.com/graph/api/domain-list).
func (c *Client) Domains(ctx context.Context) ([]Domain, error) {
	resp, err := c.g.sdk.Domains().Get(ctx, &domains.DomainsRequestBuilderGetRequestConfiguration{
		QueryParameters: &domains.DomainsRequestBuilderGetQueryParameters{Select: []string{"id", "isVerified", "isDefault", "isInitial"}},
	})
	if err != nil {
		return nil, translate(err, c.call("list domains", permDomainReadAll))
	}
	var out []Domain
	for _, d := range resp.GetValue() {
		if d == nil {
			return nil, fmt.Errorf("entra: list domains: %w", errNullItem)
		}
		out = append(out, Domain{
			Name:       deref(d.GetId()),
			IsVerified: deref(d.GetIsVerified()),
			IsDefault:  deref(d.GetIsDefault()),
			IsInitial:  deref(d.GetIsInitial()),
		})
	}
	return out, nil
}

// FindDomain returns the domain of ds named name (case-insensitively), and
// whether there is one: how the wizard and the engine check a UPN suffix.
func FindDomain(ds []Domain, name string) (Domain, bool) {
	for _, d := range ds {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return Domain{}, false
}
