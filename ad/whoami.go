package ad

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Identity is the bound account and the roles the setup checks.
type Identity struct {
	DN             string
	SID            SID
	SAMAccountName string
	UPN            string // empty when the account has none
	Domain         Domain // the account's domain
	// Groups is tokenGroups: the SIDs of every security group the account
	// is in, nested groups included, as the DC computes them at logon.
	Groups []SID
	// EnterpriseAdmin: Groups holds the forest root domain's SID + 519.
	EnterpriseAdmin bool
	// DomainAdmin: Groups holds the account domain's SID + 512.
	DomainAdmin bool
}

// MemberOf reports whether the account's token holds sid.
func (id Identity) MemberOf(sid SID) bool {
	for _, g := range id.Groups {
		if g.Equal(sid) {
			return true
		}
	}
	return false
}

// WhoAmI finds the bound account (from the name it bound with: DOMAIN\user,
// a UPN, including the implicit user@domain, or a DN) and reads its
// tokenGroups to check Enterprise Admins and Domain Admins. Samba lacks the
// Who Am I extended operation, so the account is searched for.
func (c *Client) WhoAmI(ctx context.Context) (Identity, error) {
	if c.user == "anonymous" {
		return Identity{}, fmt.Errorf("ad: who am I: the connection to %s is anonymous; bind with a user name: %w", c.addr, ErrInvalidInput)
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return Identity{}, err
	}
	dn, err := c.findAccount(ctx, f, c.user)
	if err != nil {
		return Identity{}, err
	}
	e, err := c.readEntry(ctx, dn, []string{"objectSid", "sAMAccountName", "userPrincipalName", "tokenGroups"})
	if err != nil {
		return Identity{}, err
	}
	id := Identity{DN: e.DN, SAMAccountName: e.GetAttributeValue("sAMAccountName"), UPN: e.GetAttributeValue("userPrincipalName")}
	if id.SID, err = SIDFromBytes(e.GetRawAttributeValue("objectSid")); err != nil {
		return Identity{}, fmt.Errorf("ad: objectSid of %s: %w", dn, err)
	}
	for _, raw := range e.GetRawAttributeValues("tokenGroups") {
		sid, err := SIDFromBytes(raw)
		if err != nil {
			return Identity{}, fmt.Errorf("ad: tokenGroups of %s: %w", dn, err)
		}
		id.Groups = append(id.Groups, sid)
	}
	for _, d := range f.Domains {
		if isUnder(id.DN, d.DN) {
			id.Domain = d
		}
	}
	if !f.Root.SID.IsZero() {
		id.EnterpriseAdmin = id.MemberOf(f.Root.SID.Child(RIDEnterpriseAdmins))
	}
	if !id.Domain.SID.IsZero() {
		id.DomainAdmin = id.MemberOf(id.Domain.SID.Child(RIDDomainAdmins))
	}
	return id, nil
}

// findAccount returns the DN of the account a bind name designates.
func (c *Client) findAccount(ctx context.Context, f Forest, name string) (string, error) {
	if netbios, sam, ok := strings.Cut(name, `\`); ok {
		d, found := f.Domain(netbios)
		if !found {
			return "", fmt.Errorf("ad: who am I: no domain with NetBIOS name %q in the forest: %w", netbios, ErrNoSuchObject)
		}
		return c.findOne(ctx, d.DN, "(&(objectClass=user)(sAMAccountName="+EscapeFilter(sam)+"))", name)
	}
	if prefix, suffix, ok := strings.Cut(name, "@"); ok {
		for _, d := range f.Domains {
			dn, err := c.findOne(ctx, d.DN, "(&(objectClass=user)(userPrincipalName="+EscapeFilter(name)+"))", name)
			if err == nil {
				return dn, nil
			}
		}
		// The implicit UPN sAMAccountName@<domain DNS name> binds too.
		if d, found := f.Domain(suffix); found {
			return c.findOne(ctx, d.DN, "(&(objectClass=user)(sAMAccountName="+EscapeFilter(prefix)+"))", name)
		}
		return "", fmt.Errorf("ad: who am I: no account with UPN %q: %w", name, ErrNoSuchObject)
	}
	return name, nil
}

// findOne returns the DN of the single entry filter matches under base.
func (c *Client) findOne(ctx context.Context, base, filter, what string) (string, error) {
	entries, err := c.search(ctx, &ldap.SearchRequest{
		BaseDN: base, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
		SizeLimit: 2, Filter: filter, Attributes: []string{"1.1"},
	})
	if err != nil {
		return "", err
	}
	switch len(entries) {
	case 0:
		return "", fmt.Errorf("ad: no account %s under %s: %w", what, base, ErrNoSuchObject)
	case 1:
		return entries[0].DN, nil
	}
	return "", fmt.Errorf("ad: %d accounts match %s under %s: %w", len(entries), what, base, ErrAlreadyExists)
}
