package ad

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// DefaultPageSize is the page size of paged searches: under AD's
// MaxPageSize of 1,000, small enough to keep memory flat.
const DefaultPageSize = 500

// search runs one search and returns all its entries: for small results
// only (base searches, crossRefs). Large ones go through pagedSearch.
func (c *Client) search(ctx context.Context, req *ldap.SearchRequest) ([]*ldap.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ad: search %s: %w", req.BaseDN, err)
	}
	if c.trace != nil {
		c.trace(req)
	}
	res, err := c.conn.Search(req)
	if err != nil {
		return nil, c.opError("search", req.BaseDN, err)
	}
	return res.Entries, nil
}

// readEntry reads one object; it returns ErrNoSuchObject (in an OpError)
// when dn does not exist.
func (c *Client) readEntry(ctx context.Context, dn string, attrs []string, controls ...ldap.Control) (*ldap.Entry, error) {
	entries, err := c.search(ctx, &ldap.SearchRequest{
		BaseDN: dn, Scope: ldap.ScopeBaseObject, DerefAliases: ldap.NeverDerefAliases,
		Filter: "(objectClass=*)", Attributes: attrs, Controls: controls,
	})
	if err != nil {
		return nil, err
	}
	if len(entries) != 1 {
		return nil, &OpError{Op: "read", DN: dn, ResultCode: ldap.LDAPResultNoSuchObject, Hint: "the DC returned no entry"}
	}
	return entries[0], nil
}

// pagedSearch runs req with the paged-results control (RFC 2696), page by
// page, and hands each entry to fn as it arrives: never more than one page
// in memory. It returns the number of pages. AD caps an unpaged search at
// MaxPageSize (1,000) entries; Samba does not, so tests check that the
// control goes out with every request (see Client.trace).
func (c *Client) pagedSearch(ctx context.Context, req *ldap.SearchRequest, pageSize int, fn func(*ldap.Entry) error) (int, error) {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	// Cancelling stops the reader goroutine of an abandoned page.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cookie []byte
	pages := 0
	for {
		// A fresh request and control each round: go-ldap keeps controls on
		// the request, and a stale cookie would restart the search.
		paging := ldap.NewControlPaging(uint32(pageSize))
		paging.SetCookie(cookie)
		r := *req
		r.Controls = append(append([]ldap.Control(nil), req.Controls...), paging)
		if c.trace != nil {
			c.trace(&r)
		}
		resp := c.conn.SearchAsync(pctx, &r, pageSize)
		var last *ldap.ControlPaging
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				if err := fn(e); err != nil {
					return pages, err
				}
			}
			if ctl, ok := ldap.FindControl(resp.Controls(), ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
				last = ctl
			}
		}
		if err := ctx.Err(); err != nil {
			return pages, fmt.Errorf("ad: search %s: %w", req.BaseDN, err)
		}
		if err := resp.Err(); err != nil {
			return pages, c.opError("search", req.BaseDN, err)
		}
		pages++
		if last == nil || len(last.Cookie) == 0 {
			return pages, nil
		}
		cookie = last.Cookie
	}
}
