package entratest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Query options on collections
// (https://learn.microsoft.com/graph/query-parameters and
// https://learn.microsoft.com/graph/paging): $select, $filter, $top,
// $count with the advanced query parameters, and server-side paging with
// @odata.nextLink and an opaque $skiptoken.

const (
	defaultPageSize = 100
	maxPageSize     = 999
	// maxExpandPageSize caps the page of a directory-object list with
	// $expand: Graph answers /users?$expand=manager&$top=999 with pages of
	// 100 and an @odata.nextLink ("$expand on directory objects: returns a
	// maximum of 100 objects", https://developer.microsoft.com/graph/known-issues/?search=13635;
	// https://learn.microsoft.com/graph/paging: a page size above an API's
	// maximum may be lowered to it).
	maxExpandPageSize = 100
)

// listQuery is the parsed query of a collection GET.
type listQuery struct {
	sch      *schema
	sel      []*propDef // nil: the default properties
	selNames []string
	filter   *filterNode
	top      int
	count    bool   // answer @odata.count
	after    uint64 // from $skiptoken: the last position returned
	expand   *expandManager
}

// expandManager is $expand=manager on users, optionally with a nested
// $select: manager($select=id,displayName).
type expandManager struct {
	sel []*propDef
}

// parseExpand parses $expand; users support manager, nothing else is
// emulated.
func parseExpand(c *call, sch *schema) (*expandManager, *graphError) {
	raw := c.query.Get("$expand")
	if raw == "" {
		return nil, nil
	}
	name, inner, nested := strings.Cut(raw, "(")
	if sch != userSchema || !strings.EqualFold(strings.TrimSpace(name), "manager") {
		return nil, errNotEmulated("$expand=" + raw)
	}
	em := &expandManager{}
	if nested {
		opt, ok := strings.CutSuffix(inner, ")")
		fields, isSelect := strings.CutPrefix(strings.TrimSpace(opt), "$select=")
		if !ok || !isSelect {
			return nil, errNotEmulated("$expand=" + raw)
		}
		for _, f := range strings.Split(fields, ",") {
			p := userSchema.prop(strings.TrimSpace(f))
			if p == nil {
				return nil, errBadRequestCode("BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.user'.", strings.TrimSpace(f)))
			}
			em.sel = append(em.sel, p)
		}
	}
	return em, nil
}

// withManager adds the expanded manager to a rendered user.
func (s *Server) withManager(out ordered, o *object, em *expandManager) ordered {
	if em == nil {
		return out
	}
	if m := s.managerOf(o); m != nil {
		out.add("manager", s.render(m, em.sel, renderOpts{typed: true}))
	}
	return out
}

// advancedQuery reports whether the advanced query parameters were sent:
// the ConsistencyLevel: eventual header and $count=true
// (https://learn.microsoft.com/graph/aad-advanced-queries).
func advancedQuery(c *call) bool {
	return strings.EqualFold(c.header.Get("ConsistencyLevel"), "eventual") && strings.EqualFold(c.query.Get("$count"), "true")
}

// errNotEmulated answers a Graph feature the emulator does not implement,
// so that a test notices instead of getting a plausible wrong answer.
func errNotEmulated(what string) *graphError {
	return gerr(http.StatusNotImplemented, "entratest_NotEmulated", "entratest does not emulate "+what+"; Microsoft Graph supports it.")
}

// parseSelect parses $select against sch.
func parseSelect(c *call, sch *schema) ([]*propDef, []string, *graphError) {
	raw := c.query.Get("$select")
	if raw == "" {
		return nil, nil, nil
	}
	var sel []*propDef
	var names []string
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		p := sch.prop(n)
		if p == nil {
			return nil, nil, errBadRequestCode("BadRequest", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", n, sch.typeName))
		}
		sel = append(sel, p)
		names = append(names, p.name)
	}
	return sel, names, nil
}

// parseListQuery parses the query options of a collection GET on sch.
func parseListQuery(c *call, sch *schema) (*listQuery, *graphError) {
	q := &listQuery{sch: sch, top: defaultPageSize}
	for k := range c.query {
		switch k {
		case "$select", "$filter", "$top", "$count", "$skiptoken":
		case "$skip":
			return nil, errBadRequest("'$skip' is not supported by the service.")
		case "$search":
			if !strings.EqualFold(c.header.Get("ConsistencyLevel"), "eventual") {
				return nil, errUnsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
			}
			return nil, errNotEmulated("$search")
		case "$orderby":
			return nil, errNotEmulated(k)
		}
	}
	var e *graphError
	if q.sel, q.selNames, e = parseSelect(c, sch); e != nil {
		return nil, e
	}
	if q.expand, e = parseExpand(c, sch); e != nil {
		return nil, e
	}
	if raw := c.query.Get("$top"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, errBadRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", raw, maxPageSize))
		}
		q.top = n
	}
	if q.expand != nil {
		q.top = min(q.top, maxExpandPageSize)
	}
	advanced := advancedQuery(c)
	q.count = advanced
	if raw := c.query.Get("$filter"); raw != "" {
		if q.filter, e = parseFilter(raw, sch, advanced); e != nil {
			return nil, e
		}
	}
	if tok := c.query.Get("$skiptoken"); tok != "" {
		n, ok := decodeSkipToken(tok)
		if !ok {
			return nil, errBadRequestCode("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
		}
		q.after = n
	}
	return q, nil
}

func encodeSkipToken(n uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("entratest:" + strconv.FormatUint(n, 10)))
}

func decodeSkipToken(tok string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "entratest:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	return n, err == nil
}

// contextURL is the @odata.context of a response on entitySet.
func (s *Server) contextURL(entitySet string, sel []string, entity bool) string {
	u := s.URL + "/v1.0/$metadata#" + entitySet
	if len(sel) > 0 {
		u += "(" + strings.Join(sel, ",") + ")"
	}
	if entity {
		u += "/$entity"
	}
	return u
}

// nextLink is the URL of the page after position after: the request's own
// URL with $skiptoken replaced.
func (s *Server) nextLink(c *call, after uint64) string {
	return s.linkWith(c, "$skiptoken", encodeSkipToken(after), "$skiptoken")
}

// linkWith returns the call's URL with the query key set to value and the
// keys in drop removed.
func (s *Server) linkWith(c *call, key, value string, drop ...string) string {
	keys := make([]string, 0, len(c.query))
	for k := range c.query {
		if k != key && !containsFold(drop, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range c.query[k] {
			b.WriteString(k + "=" + url.QueryEscape(v) + "&")
		}
	}
	b.WriteString(key + "=" + url.QueryEscape(value))
	return s.URL + c.path + "?" + b.String()
}

// renderOpts tune how an object is rendered.
type renderOpts struct {
	typed   bool // add @odata.type, as in directoryObject collections
	withKey bool // keyCredentials carry their key (GET one object with $select)
}

// render returns o with the selected properties (the defaults when sel is
// nil) in schema order, as Graph renders an entity: unset properties are
// null, unset collections empty, write-only properties null.
func (s *Server) render(o *object, sel []*propDef, opts renderOpts) ordered {
	sch := o.kind.schema()
	props := sel
	if props == nil {
		props = sch.defaults
	}
	out := make(ordered, 0, len(props)+1)
	if opts.typed {
		out.add("@odata.type", "#"+sch.typeName)
	}
	for _, p := range props {
		out.add(p.name, s.propValue(o, p, opts))
	}
	return out
}

// propValue returns the rendered value of p on o.
func (s *Server) propValue(o *object, p *propDef, opts renderOpts) any {
	if p.has(fWriteOnly) {
		return nil
	}
	if o.kind == kindApplication {
		switch p.name {
		case "keyCredentials":
			out := []any{}
			for _, k := range o.app.keys {
				out = append(out, k.render(opts.withKey))
			}
			return out
		case "passwordCredentials":
			out := []any{}
			for _, c := range o.app.secrets {
				out = append(out, c.render(""))
			}
			return out
		}
	}
	v := o.value(p.name)
	if v == nil && (p.typ == tStrings || p.typ == tComplexes) {
		return []any{}
	}
	return v
}

// page is one page of a collection, before rendering.
type page struct {
	items []*object
	next  uint64 // position to continue after; 0 when this is the last page
	count int    // matches in total, when counted
}

// listPage selects the live objects of kind k that match q and keep, in
// creation order, after q.after. It uses the unique indexes when the
// filter pins an indexed property, so a lookup by anchor or UPN does not
// scan the directory.
func (s *Server) listPage(k kind, q *listQuery, keep func(*object) bool) page {
	match := func(o *object) bool {
		return o.live() && o.kind == k && (keep == nil || keep(o)) && (q.filter == nil || q.filter.eval(o))
	}
	// full holds every possible match in creation order: the indexed
	// candidates, or the whole list.
	var full []*object
	indexed := false
	if q.filter != nil {
		if cands, ok := s.dir.indexedCandidates(k, q.filter); ok {
			sort.Slice(cands, func(i, j int) bool { return cands[i].seq < cands[j].seq })
			full, indexed = dedupeObjects(cands), true
		}
	}
	if !indexed {
		full = s.dir.lists[k].items
	}
	start := sort.Search(len(full), func(i int) bool { return full[i].seq > q.after })
	var pg page
	for _, o := range full[start:] {
		if !match(o) {
			continue
		}
		if len(pg.items) == q.top {
			pg.next = pg.items[len(pg.items)-1].seq
			break
		}
		pg.items = append(pg.items, o)
	}
	if q.count {
		for _, o := range full {
			if match(o) {
				pg.count++
			}
		}
	}
	return pg
}

func dedupeObjects(in []*object) []*object {
	out := in[:0]
	for i, o := range in {
		if i == 0 || in[i-1] != o {
			out = append(out, o)
		}
	}
	return out
}

// collection renders a page of objects as a Graph collection response.
func (s *Server) collection(c *call, entitySet string, q *listQuery, pg page, opts renderOpts) reply {
	body := ordered{{"@odata.context", s.contextURL(entitySet, q.selNames, false)}}
	if q.count {
		body.add("@odata.count", pg.count)
	}
	if pg.next != 0 {
		body.add("@odata.nextLink", s.nextLink(c, pg.next))
	}
	items := make([]any, 0, len(pg.items))
	for _, o := range pg.items {
		items = append(items, s.withManager(s.render(o, q.sel, opts), o, q.expand))
	}
	body.add("value", items)
	return ok(body)
}

// listCollection is the whole GET of a collection of kind k.
func (s *Server) listCollection(c *call, k kind, keep func(*object) bool) reply {
	q, e := parseListQuery(c, k.schema())
	if e != nil {
		return e.reply(c)
	}
	return s.collection(c, k.schema().entitySet, q, s.listPage(k, q, keep), renderOpts{})
}

// countCollection answers GET /{set}/$count, which needs the
// ConsistencyLevel header (aad-advanced-queries: "$count is not currently
// supported." otherwise), as text/plain.
func (s *Server) countCollection(c *call, k kind) reply {
	if !strings.EqualFold(c.header.Get("ConsistencyLevel"), "eventual") {
		return errBadRequest("$count is not currently supported.").reply(c)
	}
	q := &listQuery{sch: k.schema(), top: maxPageSize, count: true}
	if raw := c.query.Get("$filter"); raw != "" {
		var e *graphError
		if q.filter, e = parseFilter(raw, k.schema(), true); e != nil {
			return e.reply(c)
		}
	}
	n := 0
	for _, o := range s.dir.lists[k].items {
		if o.live() && (q.filter == nil || q.filter.eval(o)) {
			n++
		}
	}
	return reply{status: http.StatusOK, header: http.Header{"Content-Type": {"text/plain"}}, body: rawText(strconv.Itoa(n))}
}

// rawText is a reply body written as is.
type rawText string

// getOne answers GET of one object with $select.
func (s *Server) getOne(c *call, o *object) reply {
	sch := o.kind.schema()
	sel, names, e := parseSelect(c, sch)
	if e != nil {
		return e.reply(c)
	}
	em, e := parseExpand(c, sch)
	if e != nil {
		return e.reply(c)
	}
	body := ordered{{"@odata.context", s.contextURL(sch.entitySet, names, true)}}
	body = append(body, s.render(o, sel, renderOpts{withKey: sel != nil})...)
	return ok(s.withManager(body, o, em))
}
