package memdc

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// maxResultSetsPerConn is AD's MaxResultSetsPerConn: paged searches a
// connection may leave open.
const maxResultSetsPerConn = 10

// Search scopes (RFC 4511 §4.5.1.2).
const (
	scopeBase = 0
	scopeOne  = 1
	scopeSub  = 2
)

type searchRequest struct {
	base      string
	scope     int
	sizeLimit int
	typesOnly bool
	filter    *ber.Packet
	attrs     []string
}

func parseSearch(op *ber.Packet) (*searchRequest, *ldapError) {
	bad := newErr(codeProtocolError, "00000057: LdapErr: DSID-0C0C0D3F, comment: malformed search request, data 0, v4563")
	if len(op.Children) < 8 {
		return nil, bad
	}
	r := &searchRequest{filter: op.Children[6]}
	var err error
	if r.base, err = octetString(op.Children[0]); err != nil {
		return nil, bad
	}
	scope, err := integer(op.Children[1])
	if err != nil || scope < 0 || scope > 2 {
		return nil, bad
	}
	r.scope = int(scope)
	size, err := integer(op.Children[3])
	if err != nil || size < 0 {
		return nil, bad
	}
	r.sizeLimit = int(size)
	if r.typesOnly, err = boolean(op.Children[5]); err != nil {
		return nil, bad
	}
	for _, a := range op.Children[7].Children {
		s, err := octetString(a)
		if err != nil {
			return nil, bad
		}
		r.attrs = append(r.attrs, s)
	}
	return r, nil
}

// pageState is a paged search in progress on one connection: the matching
// objects, found when the first page was asked for, and how far the client
// has read (RFC 2696). Objects deleted since are skipped.
type pageState struct {
	seq      int // order of creation, to drop the oldest
	key      string
	matches  []*entry
	pos      int
	returned int
}

// searchKey identifies a search's parameters: AD refuses a paging cookie
// presented with a different search.
func searchKey(r *searchRequest) string {
	return r.base + "\x00" + string(rune('0'+r.scope)) + "\x00" + hex.EncodeToString(r.filter.Bytes()) + "\x00" + strings.Join(r.attrs, ",")
}

func (c *conn) handleSearch(id int64, op, ctrlPacket *ber.Packet) error {
	done := func(lerr *ldapError, ctrls []control) error {
		return c.respond(id, appSearchDone, lerr, ctrls)
	}
	req, lerr := parseSearch(op)
	if lerr != nil {
		return done(lerr, nil)
	}
	oc, lerr := parseControls(ctrlPacket, opSearch)
	if lerr != nil {
		return done(lerr, nil)
	}
	sel := c.s.parseSelection(req.attrs, req.typesOnly)
	if req.base == "" && req.scope == scopeBase {
		return c.searchRootDSE(id, req, sel)
	}
	if c.who == nil {
		return done(errNeedBind, nil)
	}
	if oc.dirSync != nil {
		return c.dirSync(id, req, sel, oc)
	}
	var out []byte
	var ctrls []control
	c.s.rlocked(func() { out, lerr, ctrls = c.search(id, req, sel, oc) })
	if len(out) > 0 {
		if err := c.send(out); err != nil {
			return err
		}
	}
	return done(lerr, ctrls)
}

func (c *conn) searchRootDSE(id int64, req *searchRequest, sel *selection) error {
	var attrs []partialAttr
	var lerr *ldapError
	c.s.rlocked(func() {
		all := c.rootDSE(&selection{all: true, reqs: sel.reqs})
		var f filterNode
		if f, lerr = c.s.compileFilter(req.filter); lerr == nil && f.eval(c.s.dir, rootTarget(all)) == fTrue {
			attrs = c.rootDSE(sel)
		}
	})
	if lerr != nil {
		return c.respond(id, appSearchDone, lerr, nil)
	}
	if lerr == nil && attrs != nil {
		var e encoder
		writeEntry(&e, id, "", attrs, sel.typesOnly)
		if err := c.send(e.b); err != nil {
			return err
		}
	}
	return c.respond(id, appSearchDone, nil, nil)
}

// writeEntry encodes one SearchResultEntry.
func writeEntry(e *encoder, id int64, name string, attrs []partialAttr, typesOnly bool) {
	e.message(id)
	e.open(appSearchEntry)
	e.str(name)
	e.open(tagSequence)
	for _, a := range attrs {
		e.open(tagSequence)
		e.str(a.name)
		e.open(tagSet)
		if !typesOnly {
			for _, v := range a.vals {
				e.str(v)
			}
		}
		e.close()
		e.close()
	}
	e.close()
	e.close()
	e.endMessage(nil)
}

// writeReference encodes one SearchResultReference.
func writeReference(e *encoder, id int64, urls ...string) {
	e.message(id)
	e.open(appSearchReference)
	for _, u := range urls {
		e.str(u)
	}
	e.close()
	e.endMessage(nil)
}

// search runs a search under the read lock and returns the encoded entries,
// the result and the response controls. It never returns more than
// MaxPageSize entries: past that, an unpaged search ends with
// sizeLimitExceeded, as on AD.
func (c *conn) search(id int64, req *searchRequest, sel *selection, oc *opControls) ([]byte, *ldapError, []control) {
	s := c.s
	d := s.dir
	// Only administrators may list CN=Deleted Objects (its default DACL):
	// for others, the show-deleted control finds no tombstones.
	showDeleted := oc.showDeleted && c.who.isAdmin()
	base, lerr := d.resolve(req.base, showDeleted)
	if lerr != nil {
		return nil, lerr, nil
	}
	if req.scope != scopeBase && sel.named("tokenGroups") {
		// tokenGroups is computed for base searches only.
		return nil, errDirError(), nil
	}
	var st *pageState
	if oc.paging != nil && oc.paging.cookie != "" {
		st = c.pages[oc.paging.cookie]
		delete(c.pages, oc.paging.cookie)
		if st == nil || st.key != searchKey(req) {
			return nil, newErr(codeUnwillingToPerform, "00000057: LdapErr: DSID-0C090A71, comment: Error processing control, data 0, v4563"), nil
		}
		if oc.paging.size == 0 { // the client abandons the paged search
			return nil, nil, []control{pagingResponse("")}
		}
	} else {
		f, lerr := s.compileFilter(req.filter)
		if lerr != nil {
			return nil, lerr, nil
		}
		st = &pageState{key: searchKey(req), matches: s.matching(base, req.scope, f, showDeleted)}
	}

	limit := s.opts.MaxPageSize
	if oc.paging != nil && oc.paging.size < limit {
		limit = oc.paging.size
	}
	sizeExceeded := false
	if req.sizeLimit > 0 && req.sizeLimit-st.returned < limit {
		limit = req.sizeLimit - st.returned
		sizeExceeded = true // if anything remains past this response
	}

	rc := readCtx{who: c.who, sdFlags: secinfoOwner | secinfoGroup | secinfoDACL | secinfoSACL, extendedDN: oc.extendedDN}
	if oc.hasSDFlags {
		rc.sdFlags = oc.sdFlags
	}
	var enc encoder
	n := 0
	for st.pos < len(st.matches) && n < limit {
		e := st.matches[st.pos]
		st.pos++
		if e.deleted && !showDeleted {
			continue
		}
		writeEntry(&enc, id, formatDN(e, oc.extendedDN), s.renderEntry(e, sel, rc), sel.typesOnly)
		n++
	}
	st.returned += n
	remaining := false
	for _, e := range st.matches[st.pos:] {
		if !e.deleted || showDeleted {
			remaining = true
			break
		}
	}
	switch {
	case remaining && sizeExceeded:
		return enc.b, newErr(codeSizeLimitExceeded, ""), pagingDone(oc)
	case remaining && oc.paging != nil:
		if len(c.pages) >= maxResultSetsPerConn {
			// AD's MaxResultSetsPerConn: the oldest paged search is dropped.
			var oldest string
			for k, v := range c.pages {
				if oldest == "" || v.seq < c.pages[oldest].seq {
					oldest = k
				}
			}
			delete(c.pages, oldest)
		}
		c.pageSeq++
		st.seq = c.pageSeq
		cookie := newCookie()
		c.pages[cookie] = st
		return enc.b, nil, []control{pagingResponse(cookie)}
	case remaining:
		return enc.b, newErr(codeSizeLimitExceeded, ""), nil
	}
	if ref := s.childReferral(base, req.scope); ref != "" {
		writeReference(&enc, id, ref)
	}
	return enc.b, nil, pagingDone(oc)
}

func pagingDone(oc *opControls) []control {
	if oc.paging == nil {
		return nil
	}
	return []control{pagingResponse("")}
}

func newCookie() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return string(b[:])
}

// matching returns the objects in scope that the filter matches, in
// creation order. A search stays inside its naming context: objects of a
// child NC (the configuration below the domain) are not returned.
func (s *Server) matching(base *entry, scope int, f filterNode, showDeleted bool) []*entry {
	d := s.dir
	var out []*entry
	test := func(e *entry) {
		if (e.deleted && !showDeleted) || f.eval(d, entryTarget{s, e}) != fTrue {
			return
		}
		out = append(out, e)
	}
	switch scope {
	case scopeBase:
		test(base)
	case scopeOne:
		for _, e := range d.order {
			if e.parent == base && e.nc == base.nc {
				test(e)
			}
		}
	default:
		for _, e := range d.order {
			if e.nc == base.nc && e.under(base) {
				test(e)
			}
		}
	}
	return out
}

// childReferral is the continuation reference AD returns when a one-level or
// subtree search of the domain NC reaches the head of the configuration NC
// (RFC 4511 §4.5.3).
func (s *Server) childReferral(base *entry, scope int) string {
	cfg := s.dir.config
	if base.nc != s.dir.domain || scope == scopeBase {
		return ""
	}
	if scope == scopeOne && cfg.parent != base || scope == scopeSub && !cfg.under(base) {
		return ""
	}
	return "ldap://" + s.realm + "/" + cfg.dn.String()
}
