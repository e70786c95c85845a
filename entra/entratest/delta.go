package entratest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Delta queries (https://learn.microsoft.com/graph/delta-query-overview,
// user-delta, group-delta, delta-query-groups): a round of pages linked by
// @odata.nextLink ending with an @odata.deltaLink; the next round returns
// the objects created, changed or deleted since, deleted ones as
// {"id", "@removed": {"reason": "changed" | "deleted"}} ("changed": still
// restorable; "deleted": gone for good), and for groups the membership
// changes in members@delta.

// deltaTokenLifetime is how long a directory delta token stays valid
// (delta-query-overview: seven days for directory objects).
const deltaTokenLifetime = 7 * 24 * time.Hour

// deltaState is what a delta $skiptoken or $deltatoken carries: the query
// of the round's first request and where the round stands.
type deltaState struct {
	Kind    kind     `json:"k"`
	Changes bool     `json:"c"`           // false: the initial enumeration
	From    uint64   `json:"f"`           // changes after this stamp
	Upto    uint64   `json:"u"`           // the round's snapshot stamp
	After   uint64   `json:"a"`           // last seq (initial) or stamp (changes) returned
	Sel     []string `json:"s,omitempty"` // $select
	Members bool     `json:"m"`           // members@delta
	IDs     []string `json:"i,omitempty"` // $filter=id eq …
	Issued  int64    `json:"t"`
}

func (st *deltaState) encode() string {
	b, err := json.Marshal(st)
	if err != nil {
		panic(err) // plain struct
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDelta(tok string, k kind) (*deltaState, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	var st deltaState
	if json.Unmarshal(b, &st) != nil || st.Kind != k {
		return nil, false
	}
	return &st, true
}

// dropSelectMembers removes members from the request's $select and says
// whether it was there.
func dropSelectMembers(c *call) bool {
	raw := c.query.Get("$select")
	if raw == "" {
		return false
	}
	var kept []string
	found := false
	for _, n := range strings.Split(raw, ",") {
		if strings.EqualFold(strings.TrimSpace(n), "members") {
			found = true
			continue
		}
		kept = append(kept, n)
	}
	if found {
		c.query.Set("$select", strings.Join(kept, ","))
	}
	return found
}

// https://learn.microsoft.com/graph/api/user-delta
func (s *Server) deltaUsers(c *call) reply {
	a := readUsers
	a.scopes = append([]string{PermUserRead}, a.scopes...)
	if e := s.authorize(c, a); e != nil {
		return e.reply(c)
	}
	return s.delta(c, kindUser)
}

// https://learn.microsoft.com/graph/api/group-delta
func (s *Server) deltaGroups(c *call) reply {
	if e := s.authorize(c, readGroups); e != nil {
		return e.reply(c)
	}
	return s.delta(c, kindGroup)
}

func (s *Server) delta(c *call, k kind) reply {
	sch := k.schema()
	invalid := func() reply {
		return errBadRequestCode("BadRequest", "The delta or skip token is not valid for this request.").reply(c)
	}
	var st *deltaState
	switch {
	case c.query.Get("$deltatoken") != "":
		var okTok bool
		if st, okTok = decodeDelta(c.query.Get("$deltatoken"), k); !okTok {
			return invalid()
		}
		if c.now.Sub(time.Unix(st.Issued, 0)) > deltaTokenLifetime {
			return gerr(http.StatusGone, "syncStateNotFound", "The delta token has expired (directory delta tokens last seven days). Start a new round without a token.").reply(c)
		}
		st = &deltaState{Kind: k, Changes: true, From: st.Upto, Upto: s.dir.stamp, After: st.Upto, Sel: st.Sel, Members: st.Members, IDs: st.IDs}
	case c.query.Get("$skiptoken") != "":
		var okTok bool
		if st, okTok = decodeDelta(c.query.Get("$skiptoken"), k); !okTok {
			return invalid()
		}
	default:
		st = &deltaState{Kind: k, Upto: s.dir.stamp}
		// group-delta: "You can use $select=members to get membership
		// changes"; members is a navigation property, not in the schema.
		selectsMembers := k == kindGroup && dropSelectMembers(c)
		_, names, e := parseSelect(c, sch)
		if e != nil {
			return e.reply(c)
		}
		st.Sel = names
		switch exp := c.query.Get("$expand"); {
		case exp == "":
			st.Members = k == kindGroup && (names == nil || selectsMembers)
		case k == kindGroup && strings.EqualFold(exp, "members"):
			st.Members = true
		default:
			return errNotEmulated("$expand=" + exp + " on delta").reply(c)
		}
		if f := c.query.Get("$filter"); f != "" {
			ids, e := deltaFilterIDs(f, sch)
			if e != nil {
				return e.reply(c)
			}
			st.IDs = ids
		}
	}
	var sel []*propDef
	for _, n := range st.Sel {
		sel = append(sel, sch.prop(n))
	}
	size := maxPageSizePreference(c.header)
	var objs []*object
	more := false
	if !st.Changes {
		for _, o := range s.dir.lists[k].items {
			if o.seq <= st.After || o.seq > st.Upto || !o.live() || !st.wants(o.id) {
				continue
			}
			if len(objs) == size {
				more = true
				break
			}
			objs = append(objs, o)
		}
		if len(objs) > 0 {
			st.After = objs[len(objs)-1].seq
		}
	} else {
		l := &s.dir.lists[k]
		for _, e := range l.journal[l.journalAfter(st.After):] {
			if e.stamp > st.Upto {
				break
			}
			if e.obj.change != e.stamp || !st.wants(e.obj.id) {
				continue // the object changed again later: reported there
			}
			if len(objs) == size {
				more = true
				break
			}
			objs = append(objs, e.obj)
			st.After = e.stamp
		}
	}
	body := ordered{{"@odata.context", s.contextURL(sch.entitySet, st.Sel, false)}}
	if more {
		body.add("@odata.nextLink", s.URL+c.path+"?$skiptoken="+st.encode())
	} else {
		next := &deltaState{Kind: k, Upto: st.Upto, Sel: st.Sel, Members: st.Members, IDs: st.IDs, Issued: c.now.Unix()}
		body.add("@odata.deltaLink", s.URL+c.path+"?$deltatoken="+next.encode())
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		items = append(items, s.deltaItem(o, sel, st))
	}
	body.add("value", items)
	return ok(body)
}

// wants applies the round's $filter=id eq … list.
func (st *deltaState) wants(id string) bool {
	return st.IDs == nil || containsFold(st.IDs, id)
}

// deltaItem renders one object of a delta page.
func (s *Server) deltaItem(o *object, sel []*propDef, st *deltaState) ordered {
	if !o.live() {
		reason := "changed"
		if o.gone {
			reason = "deleted"
		}
		return ordered{{"id", o.id}, {"@removed", ordered{{"reason", reason}}}}
	}
	out := s.render(o, sel, renderOpts{})
	hasID := false
	for _, m := range out {
		hasID = hasID || m.name == "id"
	}
	if !hasID {
		out.add("id", o.id) // user-delta: "The id property is always returned."
	}
	if st.Members && o.kind == kindGroup {
		if md := s.membersDelta(o, st); len(md) > 0 {
			out.add("members@delta", md)
		}
	}
	return out
}

// membersDelta lists a group's members (initial round) or its membership
// changes within the round (changes round), as members@delta entries.
func (s *Server) membersDelta(g *object, st *deltaState) []any {
	var out []any
	entry := func(id string, removed bool) {
		typ := "#microsoft.graph.user"
		if m := s.dir.objects[id]; m != nil {
			typ = "#" + m.kind.schema().typeName
		}
		e := ordered{{"@odata.type", typ}, {"id", id}}
		if removed {
			e.add("@removed", ordered{{"reason", "deleted"}})
		}
		out = append(out, e)
	}
	if !st.Changes {
		for _, id := range g.group.members {
			entry(id, false)
		}
		return out
	}
	last := map[string]bool{}
	var order []string
	for _, ev := range g.group.events {
		if ev.stamp <= st.From || ev.stamp > st.Upto {
			continue
		}
		if _, seen := last[ev.member]; !seen {
			order = append(order, ev.member)
		}
		last[ev.member] = ev.added
	}
	for _, id := range order {
		entry(id, !last[id])
	}
	return out
}

// deltaFilterIDs parses the only $filter delta supports: id eq '…'
// clauses joined by or (user-delta: "The only supported $filter
// expression is for tracking changes on a specific object").
func deltaFilterIDs(f string, sch *schema) ([]string, *graphError) {
	n, e := parseFilter(f, sch, false)
	if e != nil {
		return nil, e
	}
	var ids []string
	var walk func(*filterNode) bool
	walk = func(n *filterNode) bool {
		switch n.op {
		case "or":
			return walk(n.kids[0]) && walk(n.kids[1])
		case "eq":
			s, ok := n.val.(string)
			if n.prop.name != "id" || !ok {
				return false
			}
			ids = append(ids, strings.ToLower(s))
			return true
		}
		return false
	}
	if !walk(n) {
		return nil, errUnsupportedQuery("The only $filter supported on delta is id eq '{id}', optionally joined with or.")
	}
	return ids, nil
}

// maxPageSizePreference reads Prefer: odata.maxpagesize=n.
func maxPageSizePreference(h http.Header) int {
	for _, v := range h.Values("Prefer") {
		for _, part := range strings.Split(v, ",") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(part), "odata.maxpagesize="); ok {
				if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= maxPageSize {
					return n
				}
			}
		}
	}
	return defaultPageSize
}
