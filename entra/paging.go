package entra

import (
	"fmt"
	"hash/maphash"
	"net/url"
	"strings"
)

// maxPages bounds one listing or delta round: 2^20 pages is over 100
// million objects at the smallest page Graph gives ($expand: 100), far
// more than a tenant holds, so only a server that never stops reaches it.
const maxPages = 1 << 20

// page is a Graph collection response: a page of values and the link to
// the next one (https://learn.microsoft.com/graph/paging).
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// paged calls yield for every item of first and of the pages after it,
// fetched with next, until yield returns false. It returns the first error.
func paged[T any, P page[T]](c *Client, ci callInfo, first func() (P, error), next func(link string) (P, error), yield func(T) bool) error {
	var links pageLinks
	p, err := first()
	for {
		if err != nil {
			return translate(err, ci)
		}
		for _, v := range p.GetValue() {
			if any(v) == nil {
				return fmt.Errorf("entra: %s: %w", ci.op, errNullItem)
			}
			if !yield(v) {
				return nil
			}
		}
		link := deref(p.GetOdataNextLink())
		if link == "" {
			return nil
		}
		if err := c.checkLink(link); err != nil {
			return fmt.Errorf("entra: %s: %w", ci.op, err)
		}
		if err := links.add(link); err != nil {
			return fmt.Errorf("entra: %s: %w", ci.op, err)
		}
		p, err = next(link)
	}
}

// errNullItem reports a null where a page's "value" array must hold
// objects.
var errNullItem = &MalformedAnswerError{Problem: `a page with null in its "value" array instead of an object`}

// pageLinks remembers the links a listing followed, as hashes, so that a
// server repeating a next link (a cycle) or never ending cannot make it
// run forever.
type pageLinks struct {
	seed maphash.Seed
	seen map[uint64]struct{}
}

// add records link before it is followed; it fails when the link was
// followed before or when there are too many pages.
func (l *pageLinks) add(link string) error {
	if l.seen == nil {
		l.seed, l.seen = maphash.MakeSeed(), map[uint64]struct{}{}
	}
	path := ""
	if u, err := url.Parse(link); err == nil {
		path = u.Path
	}
	h := maphash.String(l.seed, link)
	if _, dup := l.seen[h]; dup {
		return &MalformedAnswerError{Method: "GET", Path: path, Problem: fmt.Sprintf("the server repeated a page link: the next link (@odata.nextLink) after page %d was already followed, so reading stopped instead of looping forever", len(l.seen)+1)}
	}
	if len(l.seen) >= maxPages {
		return &MalformedAnswerError{Method: "GET", Path: path, Problem: fmt.Sprintf("the server gave a next link (@odata.nextLink) after %d pages; reading stopped at that bound", maxPages)}
	}
	l.seen[h] = struct{}{}
	return nil
}

// checkLink refuses a next or delta link that is not on the Graph endpoint
// in use: the SDK would send the request there without the token, or the
// link belongs to another configuration.
func (c *Client) checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("link %q is not a URL", link)
	}
	base, _ := url.Parse(c.cloud.graphBaseURL())
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return fmt.Errorf("link %s://%s/… is not on the Graph endpoint in use (%s)", u.Scheme, u.Host, c.cloud.GraphURL)
	}
	return nil
}
