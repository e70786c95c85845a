package ad

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Scope chooses the subtrees to read: everything under an Include DN that
// is not under an Exclude DN.
type Scope struct {
	// Include are the DNs of the OUs, containers or domains to read,
	// with all they hold. Empty means every domain partition of the forest
	// that the DC holds.
	Include []string
	// Exclude are DNs of subtrees inside Include to leave out.
	Exclude []string
}

// scope is a Scope with its DNs parsed, ready for membership tests.
type scope struct {
	include []string // search bases, nested ones removed
	inc     []*ldap.DN
	exc     []*ldap.DN
}

// resolve parses the scope's DNs; an empty Include becomes the domains the
// DC holds.
func (s Scope) resolve(f Forest) (*scope, error) {
	include := s.Include
	if len(include) == 0 {
		for _, d := range f.Domains {
			for _, nc := range f.NamingContexts {
				if strings.EqualFold(nc, d.DN) {
					include = append(include, d.DN)
				}
			}
		}
	}
	r := &scope{}
	for _, dn := range include {
		p, err := ldap.ParseDN(dn)
		if err != nil || len(p.RDNs) == 0 {
			return nil, fmt.Errorf("ad: scope: include %q is not a DN: %w", dn, ErrInvalidInput)
		}
		r.inc = append(r.inc, p)
	}
	for _, dn := range s.Exclude {
		p, err := ldap.ParseDN(dn)
		if err != nil || len(p.RDNs) == 0 {
			return nil, fmt.Errorf("ad: scope: exclude %q is not a DN: %w", dn, ErrInvalidInput)
		}
		r.exc = append(r.exc, p)
	}
	// Search each subtree once: drop includes inside another include.
	for i, p := range r.inc {
		nested := false
		for j, q := range r.inc {
			if i != j && (q.AncestorOfFold(p) || (q.EqualFold(p) && j < i)) {
				nested = true
			}
		}
		if !nested {
			r.include = append(r.include, include[i])
		}
	}
	return r, nil
}

// contains reports whether dn is in the scope.
func (s *scope) contains(dn string) bool {
	p, err := ldap.ParseDN(dn)
	if err != nil {
		return false
	}
	return s.containsParsed(p)
}

func (s *scope) containsParsed(p *ldap.DN) bool {
	in := false
	for _, q := range s.inc {
		if q.EqualFold(p) || q.AncestorOfFold(p) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, q := range s.exc {
		if q.EqualFold(p) || q.AncestorOfFold(p) {
			return false
		}
	}
	return true
}
