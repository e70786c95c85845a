package ad

import (
	"context"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Container is an organizational unit or a container (such as CN=Users)
// of a domain: a place that may hold users and groups, as an OU picker
// lists it.
type Container struct {
	DN          string
	Name        string // its RDN's value, unescaped: "Sales", "Users"
	OU          bool   // an organizationalUnit; false for a container
	Description string
}

// ContainersOptions choose what [Client.Containers] lists.
type ContainersOptions struct {
	// Scope are the subtrees to list; an Include DN that is itself an OU
	// or container is listed too. Empty Include means every domain
	// partition of the forest that the DC holds.
	Scope Scope
	// Hidden also lists the containers AD shows only in its advanced view
	// (showInAdvancedViewOnly: CN=System, CN=LostAndFound, and a container
	// created without showInAdvancedViewOnly FALSE, since the container
	// class hides new ones by default).
	Hidden bool
	// PageSize of the paged search; 0 means DefaultPageSize, more than
	// MaxPageSize is capped.
	PageSize int
}

// containerAttrs are the attributes Containers reads.
var containerAttrs = []string{"objectClass", "name", "description"}

// Filters of OUs and containers, and of those AD hides.
const (
	containersFilter = "(|(objectClass=organizationalUnit)(objectClass=container))"
	hiddenFilter     = "(&" + containersFilter + "(showInAdvancedViewOnly=TRUE))"
)

// Containers lists the organizational units and containers in scope,
// empty ones too, with one paged search per search base: each is handed
// to fn as its page arrives. They come in the DC's order, not necessarily
// parents first. Unless opts.Hidden is set, a container AD hides leaves
// out what is below it too, as AD's default view does; the DNs of the
// hidden ones (a few dozen in a usual forest, under CN=System) are read
// first and kept, besides one page. An error from fn stops the listing
// and is returned as is.
func (c *Client) Containers(ctx context.Context, opts ContainersOptions, fn func(Container) error) error {
	f, err := c.Forest(ctx)
	if err != nil {
		return err
	}
	sc, err := opts.Scope.resolve(f)
	if err != nil {
		return err
	}
	pageSize := min(opts.PageSize, MaxPageSize)
	search := func(filter string, attrs []string, fn func(*ldap.Entry) error) error {
		for _, base := range sc.include {
			_, err := c.pagedSearch(ctx, &ldap.SearchRequest{
				BaseDN: base, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
				Filter: filter, Attributes: attrs,
			}, pageSize, fn)
			if err != nil {
				return err
			}
		}
		return nil
	}
	if !opts.Hidden {
		err := search(hiddenFilter, []string{"1.1"}, func(e *ldap.Entry) error {
			if p, err := ldap.ParseDN(e.DN); err == nil {
				sc.exc = append(sc.exc, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return search(containersFilter, containerAttrs, func(e *ldap.Entry) error {
		if len(sc.exc) > 0 && !sc.contains(e.DN) {
			return nil
		}
		return fn(decodeContainer(e))
	})
}

// decodeContainer converts an entry read with containerAttrs.
func decodeContainer(e *ldap.Entry) Container {
	ct := Container{DN: e.DN, Name: e.GetAttributeValue("name"), Description: e.GetAttributeValue("description")}
	for _, oc := range e.GetAttributeValues("objectClass") {
		if strings.EqualFold(oc, "organizationalUnit") {
			ct.OU = true
		}
	}
	if ct.Name == "" {
		// name is AD's copy of the RDN's value; read it from the DN when
		// a DC leaves it out.
		if p, err := ldap.ParseDN(e.DN); err == nil && len(p.RDNs) > 0 && len(p.RDNs[0].Attributes) > 0 {
			ct.Name = p.RDNs[0].Attributes[0].Value
		}
	}
	return ct
}
