package ad

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// SuffixSource says where a UPN suffix comes from.
type SuffixSource int

// Sources of UPN suffixes.
const (
	// SuffixDomain is the DNS name of a domain of the forest: always valid,
	// never removable.
	SuffixDomain SuffixSource = iota
	// SuffixAlternative is listed in uPNSuffixes on CN=Partitions (what
	// "Active Directory Domains and Trusts" adds).
	SuffixAlternative
	// SuffixUnlisted is used by some users but in neither list: AD does not
	// check a UPN's suffix when it is written.
	SuffixUnlisted
)

// String returns "domain", "alternative" or "unlisted".
func (s SuffixSource) String() string {
	return [...]string{"domain", "alternative", "unlisted"}[s]
}

// UPNSuffix is one suffix and the number of users whose UPN ends in it.
type UPNSuffix struct {
	Name   string // lower case
	Source SuffixSource
	Users  int
}

// SuffixReport is what [Client.UPNSuffixes] finds.
type SuffixReport struct {
	Suffixes   []UPNSuffix // domains first, then alternatives, then unlisted; by name within each
	Users      int         // users counted
	WithoutUPN int         // users with no userPrincipalName
}

// usersFilter selects user accounts of people (not computers).
const usersFilter = "(&(objectCategory=person)(objectClass=user))"

// UPNSuffixes lists the forest's UPN suffixes (domain DNS names and
// uPNSuffixes of CN=Partitions) with the number of users in each, counted
// over the domains this DC holds with one paged search.
func (c *Client) UPNSuffixes(ctx context.Context) (SuffixReport, error) {
	f, err := c.Forest(ctx)
	if err != nil {
		return SuffixReport{}, err
	}
	listed, err := c.listedSuffixes(ctx, f)
	if err != nil {
		return SuffixReport{}, err
	}
	counts := map[string]int{}
	var rep SuffixReport
	sc, err := Scope{}.resolve(f)
	if err != nil {
		return SuffixReport{}, err
	}
	for _, base := range sc.include {
		_, err := c.pagedSearch(ctx, &ldap.SearchRequest{
			BaseDN: base, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter: usersFilter, Attributes: []string{"userPrincipalName"},
		}, DefaultPageSize, func(e *ldap.Entry) error {
			rep.Users++
			upn := e.GetAttributeValue("userPrincipalName")
			if i := strings.LastIndexByte(upn, '@'); i >= 0 {
				counts[strings.ToLower(upn[i+1:])]++
			} else {
				rep.WithoutUPN++
			}
			return nil
		})
		if err != nil {
			return SuffixReport{}, err
		}
	}
	seen := map[string]bool{}
	for _, s := range listed {
		seen[s.Name] = true
		s.Users = counts[s.Name]
		rep.Suffixes = append(rep.Suffixes, s)
	}
	var unlisted []string
	for name := range counts {
		if !seen[name] {
			unlisted = append(unlisted, name)
		}
	}
	sort.Strings(unlisted)
	for _, name := range unlisted {
		rep.Suffixes = append(rep.Suffixes, UPNSuffix{Name: name, Source: SuffixUnlisted, Users: counts[name]})
	}
	return rep, nil
}

// listedSuffixes returns the domain names and the uPNSuffixes values.
func (c *Client) listedSuffixes(ctx context.Context, f Forest) ([]UPNSuffix, error) {
	var out []UPNSuffix
	seen := map[string]bool{}
	for _, d := range f.Domains {
		n := strings.ToLower(d.DNSName)
		if !seen[n] {
			seen[n] = true
			out = append(out, UPNSuffix{Name: n, Source: SuffixDomain})
		}
	}
	e, err := c.readEntry(ctx, partitionsDN(f), []string{"uPNSuffixes"})
	if err != nil {
		return nil, err
	}
	alt := e.GetAttributeValues("uPNSuffixes")
	sort.Slice(alt, func(i, j int) bool { return strings.ToLower(alt[i]) < strings.ToLower(alt[j]) })
	for _, s := range alt {
		n := strings.ToLower(s)
		if !seen[n] {
			seen[n] = true
			out = append(out, UPNSuffix{Name: n, Source: SuffixAlternative})
		}
	}
	return out, nil
}

func partitionsDN(f Forest) string { return "CN=Partitions," + f.ConfigurationDN }

// ValidateSuffix checks that name is a DNS name fit for a UPN suffix (two
// or more labels of letters, digits and hyphens, not starting or ending
// with a hyphen, 63 characters a label and 253 in all) and returns it in
// lower case.
func ValidateSuffix(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("ad: UPN suffix %q: %s: %w", name, why, ErrInvalidInput)
	}
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if n == "" {
		return bad("empty")
	}
	if len(n) > 253 {
		return bad("longer than 253 characters")
	}
	labels := strings.Split(n, ".")
	if len(labels) < 2 {
		return bad("a DNS name with at least two labels is needed, such as example.com")
	}
	for _, l := range labels {
		if l == "" {
			return bad("empty label (two dots in a row)")
		}
		if len(l) > 63 {
			return bad("label longer than 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return bad(fmt.Sprintf("label %q starts or ends with a hyphen", l))
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return bad(fmt.Sprintf("character %q is not allowed (letters, digits and hyphens only; write international names in punycode, xn--...)", r))
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return bad("the last label is all digits (an IP address is not a suffix)")
	}
	return n, nil
}

// AddUPNSuffix adds name to uPNSuffixes on CN=Partitions, as "Active
// Directory Domains and Trusts" does. Adding a suffix that is already
// listed does nothing. It needs Enterprise Admin rights.
func (c *Client) AddUPNSuffix(ctx context.Context, name string) error {
	n, err := ValidateSuffix(name)
	if err != nil {
		return err
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return err
	}
	listed, err := c.listedSuffixes(ctx, f)
	if err != nil {
		return err
	}
	for _, s := range listed {
		if s.Name == n {
			return nil
		}
	}
	m := ldap.NewModifyRequest(partitionsDN(f), nil)
	m.Add("uPNSuffixes", []string{n})
	return c.modify(ctx, "add UPN suffix "+n+" to", m)
}

// RemoveUPNSuffix removes name from uPNSuffixes. It refuses a domain's
// DNS name, and a suffix users still have (move them first with
// [Client.PlanSuffixMove]); removing a suffix that is not listed does
// nothing.
func (c *Client) RemoveUPNSuffix(ctx context.Context, name string) error {
	n, err := ValidateSuffix(name)
	if err != nil {
		return err
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return err
	}
	listed, err := c.listedSuffixes(ctx, f)
	if err != nil {
		return err
	}
	var found *UPNSuffix
	for i := range listed {
		if listed[i].Name == n {
			found = &listed[i]
		}
	}
	switch {
	case found == nil:
		return nil
	case found.Source == SuffixDomain:
		return fmt.Errorf("ad: remove UPN suffix %s: it is the DNS name of a domain of the forest, not an alternative suffix: %w", n, ErrInvalidInput)
	}
	users, err := c.usersWithSuffix(ctx, f, n)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("ad: remove UPN suffix %s: %d users still have it (such as %s): move them to another suffix first: %w",
			n, len(users), users[0].userPrincipalName, ErrConstraint)
	}
	// Delete the value as stored (its case may differ from n).
	e, err := c.readEntry(ctx, partitionsDN(f), []string{"uPNSuffixes"})
	if err != nil {
		return err
	}
	for _, v := range e.GetAttributeValues("uPNSuffixes") {
		if strings.EqualFold(v, n) {
			m := ldap.NewModifyRequest(partitionsDN(f), nil)
			m.Delete("uPNSuffixes", []string{v})
			return c.modify(ctx, "remove UPN suffix "+n+" from", m)
		}
	}
	return nil
}

// modify sends m and translates its error; what says what it was for.
func (c *Client) modify(ctx context.Context, what string, m *ldap.ModifyRequest) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ad: %s %s: %w", what, m.DN, err)
	}
	return c.opError(what, m.DN, c.conn.Modify(m))
}

type upnUser struct {
	dn, sAMAccountName, userPrincipalName string
}

// usersWithSuffix returns the users of the scope's domains whose UPN ends
// in @suffix.
func (c *Client) usersWithSuffix(ctx context.Context, f Forest, suffix string) ([]upnUser, error) {
	sc, err := Scope{}.resolve(f)
	if err != nil {
		return nil, err
	}
	return c.usersWithSuffixIn(ctx, sc, suffix)
}

func (c *Client) usersWithSuffixIn(ctx context.Context, sc *scope, suffix string) ([]upnUser, error) {
	var out []upnUser
	for _, base := range sc.include {
		_, err := c.pagedSearch(ctx, &ldap.SearchRequest{
			BaseDN: base, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter:     "(&" + usersFilter + "(userPrincipalName=*@" + EscapeFilter(suffix) + "))",
			Attributes: []string{"sAMAccountName", "userPrincipalName"},
		}, DefaultPageSize, func(e *ldap.Entry) error {
			upn := e.GetAttributeValue("userPrincipalName")
			// The substring filter matches case-insensitively; check the
			// suffix exactly, without its case.
			if i := strings.LastIndexByte(upn, '@'); i >= 0 && strings.EqualFold(upn[i+1:], suffix) && sc.contains(e.DN) {
				out = append(out, upnUser{dn: e.DN, sAMAccountName: e.GetAttributeValue("sAMAccountName"), userPrincipalName: upn})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
