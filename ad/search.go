package ad

import (
	"context"
	"fmt"
	"io"

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
// page, and hands each entry of a page to fn once the page is read: never
// more than one page in memory. It returns the number of pages. AD caps
// an unpaged search at MaxPageSize (1,000) entries; Samba does not, so
// tests check that the
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
		// The whole page is read before fn sees any of it: fn may read
		// more from the DC (ranged members), and go-ldap's reader blocks
		// on a search nobody drains, so a nested request would never get
		// its answer.
		resp := c.conn.SearchAsync(pctx, &r, pageSize)
		page := make([]*ldap.Entry, 0, pageSize)
		var last *ldap.ControlPaging
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				page = append(page, e)
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
		if last == nil {
			// go-ldap ends a search on a closed connection with neither
			// entries nor an error: without this check a DC restarted
			// between two pages would look like the end of the directory.
			if err := c.lostConnection("search", req.BaseDN); err != nil {
				return pages, err
			}
			if pages > 0 {
				return pages, fmt.Errorf("ad: search %s: page %d came back without the paged-results control, so the search may have ended early: run it again", req.BaseDN, pages+1)
			}
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return pages, err
			}
		}
		pages++
		if last == nil || len(last.Cookie) == 0 {
			return pages, nil
		}
		cookie = last.Cookie
	}
}

// lostConnection returns a ConnError when the connection to the DC has
// closed, nil otherwise. go-ldap's SearchAsync on a closed connection
// ends with no entries and no error; callers check here before taking
// such an ending for a complete answer.
func (c *Client) lostConnection(op, dn string) error {
	if !c.conn.IsClosing() {
		return nil
	}
	return c.opError(op, dn, fmt.Errorf("ldap: connection closed: %w", io.EOF))
}
