package entra

import (
	"fmt"
	"net/url"
	"strings"
)

// page is a Graph collection response: a page of values and the link to
// the next one (https://learn.microsoft.com/graph/paging).
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// paged calls yield for every item of first and of the pages after it,
// fetched with next, until yield returns false. It returns the first error.
func paged[T any, P page[T]](c *Client, ci callInfo, first func() (P, error), next func(link string) (P, error), yield func(T) bool) error {
	p, err := first()
	for {
		if err != nil {
			return translate(err, ci)
		}
		for _, v := range p.GetValue() {
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
		p, err = next(link)
	}
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
