package ad

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// MaxPageSize is AD's default MaxPageSize: a larger page is capped by the DC.
const MaxPageSize = 1000

// EnumerateOptions choose what [Client.Enumerate] reads.
type EnumerateOptions struct {
	Scope Scope
	// Kinds to read; empty means users, groups and contacts.
	Kinds []Kind
	// PageSize of the paged search; 0 means DefaultPageSize, more than
	// MaxPageSize is capped.
	PageSize int
}

// EnumerateStats count what a run of [Client.Enumerate] saw.
type EnumerateStats struct {
	Objects    int // handed to the callback
	Users      int
	Groups     int
	Contacts   int
	OutOfScope int // under an excluded DN
	Pages      int // paged-search pages, over all search bases
	Warnings   int // objects with at least one warning
}

// kindFilter is the search filter of kinds.
func kindFilter(kinds []Kind) (string, error) {
	if len(kinds) == 0 {
		kinds = []Kind{KindUser, KindGroup, KindContact}
	}
	var parts []string
	for _, k := range kinds {
		switch k {
		case KindUser:
			parts = append(parts, usersFilter)
		case KindGroup:
			parts = append(parts, "(objectCategory=group)")
		case KindContact:
			parts = append(parts, "(&(objectCategory=person)(objectClass=contact))")
		default:
			return "", fmt.Errorf("ad: cannot enumerate objects of kind %v: %w", k, ErrInvalidInput)
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(|" + strings.Join(parts, "") + ")", nil
}

// Enumerate reads every user, group and contact in scope and hands each to
// fn as soon as its page arrives, so memory stays at one page whatever the
// directory's size. Groups come with all their members: those beyond AD's
// MaxValRange (1,500 values) are read with ranged retrieval. An error from
// fn stops the run and is returned as is.
func (c *Client) Enumerate(ctx context.Context, opts EnumerateOptions, fn func(Object) error) (EnumerateStats, error) {
	var st EnumerateStats
	filter, err := kindFilter(opts.Kinds)
	if err != nil {
		return st, err
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return st, err
	}
	sc, err := opts.Scope.resolve(f)
	if err != nil {
		return st, err
	}
	pageSize := min(opts.PageSize, MaxPageSize)
	attrs := append(append([]string(nil), objectAttrs...), memberRange(0))
	for _, base := range sc.include {
		pages, err := c.pagedSearch(ctx, &ldap.SearchRequest{
			BaseDN: base, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter: filter, Attributes: attrs, Controls: []ldap.Control{extendedDNString},
		}, pageSize, func(e *ldap.Entry) error {
			plainDN(e)
			// Everything a subtree search of an include returns is under
			// it: only exclusions need a check.
			if len(sc.exc) > 0 && !sc.contains(e.DN) {
				st.OutOfScope++
				return nil
			}
			o, err := c.objectWithMembers(ctx, e)
			if err != nil {
				return err
			}
			st.count(o)
			return fn(o)
		})
		st.Pages += pages
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

func (st *EnumerateStats) count(o Object) {
	st.Objects++
	switch o.Kind {
	case KindUser:
		st.Users++
	case KindGroup:
		st.Groups++
	case KindContact:
		st.Contacts++
	}
	if len(o.Warnings) > 0 {
		st.Warnings++
	}
}

// objectWithMembers decodes e, read with extendedDNString, and completes
// its member list.
func (c *Client) objectWithMembers(ctx context.Context, e *ldap.Entry) (Object, error) {
	plainDN(e)
	o := decodeObject(e)
	members, err := c.members(ctx, e)
	if err != nil {
		return o, err
	}
	for _, m := range members {
		dn, guid := splitRef(m)
		o.Members = append(o.Members, dn)
		o.MemberGUIDs = append(o.MemberGUIDs, guid)
	}
	return o, nil
}

// memberStep is the number of member values asked for per request: AD's
// default MaxValRange. A DC with a lower limit returns fewer, and the loop
// continues from where the answer ends.
const memberStep = 1500

func memberRange(low int) string {
	return fmt.Sprintf("member;range=%d-%d", low, low+memberStep-1)
}

// members returns every member value of the group entry e, which was read
// with member;range=0-1499 (and extendedDNString, which the next ranges
// use too): when the answer ends before "*", it asks for the next range of
// the same group until the DC answers with "-*".
func (c *Client) members(ctx context.Context, e *ldap.Entry) ([]string, error) {
	var out []string
	for {
		vals, next, done, err := rangedValues(e, "member")
		if err != nil {
			return nil, fmt.Errorf("ad: members of %s: %w", e.DN, err)
		}
		out = append(out, vals...)
		if done {
			return out, nil
		}
		e, err = c.readEntry(ctx, e.DN, []string{memberRange(next)}, extendedDNString)
		if err != nil {
			return nil, err
		}
		plainDN(e)
	}
}

// rangedValues finds attr or attr;range=low-high in e. It returns the
// values, the next low bound and whether the attribute is complete (the
// range ends in "*", or the DC ignored ranges, or there are no values).
func rangedValues(e *ldap.Entry, attr string) (vals []string, next int, done bool, err error) {
	prefix := strings.ToLower(attr) + ";range="
	for _, a := range e.Attributes {
		name := strings.ToLower(a.Name)
		switch {
		case name == strings.ToLower(attr):
			return a.Values, 0, true, nil
		case strings.HasPrefix(name, prefix):
			low, high, ok := strings.Cut(name[len(prefix):], "-")
			if !ok {
				return nil, 0, false, fmt.Errorf("malformed range %q", a.Name)
			}
			if high == "*" {
				return a.Values, 0, true, nil
			}
			var l, h int
			if _, err := fmt.Sscanf(low+" "+high, "%d %d", &l, &h); err != nil || h < l {
				return nil, 0, false, fmt.Errorf("malformed range %q", a.Name)
			}
			if len(a.Values) == 0 {
				return nil, 0, false, fmt.Errorf("range %q holds no values", a.Name)
			}
			return a.Values, h + 1, false, nil
		}
	}
	return nil, 0, true, nil
}
