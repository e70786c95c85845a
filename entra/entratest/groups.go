package entratest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Groups: https://learn.microsoft.com/graph/api/resources/group. The
// emulator creates security groups (mailEnabled false, securityEnabled
// true); Microsoft 365 groups are not emulated.

// maxBindMembers is the limit of members@odata.bind in one request
// (group-post-members, example 2: "up to 20 members can be added in a
// single request").
const maxBindMembers = 20

var groupRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listGroups),
	rt(http.MethodPost, (*Server).createGroup),
	rt(http.MethodGet, (*Server).countGroups, "$count"),
	rt(http.MethodGet, (*Server).deltaGroups, "delta"),
	rt(http.MethodGet, (*Server).getGroup, "*"),
	rt(http.MethodPatch, (*Server).updateGroup, "*"),
	rt(http.MethodDelete, (*Server).deleteGroup, "*"),
	rt(http.MethodGet, (*Server).listMembers, "*", "members"),
	rt(http.MethodGet, (*Server).listMembers, "*", "members", "graph.user"),
	rt(http.MethodGet, (*Server).listMembers, "*", "members", "graph.group"),
	rt(http.MethodPost, (*Server).addMemberRef, "*", "members", "$ref"),
	rt(http.MethodDelete, (*Server).removeMemberRef, "*", "members", "*", "$ref"),
}

// findGroup resolves /groups/{id}: ids are GUIDs.
func (s *Server) findGroup(c *call, id string) (*object, *graphError) {
	if !isGUID(id) {
		return nil, errInvalidID(id)
	}
	g := s.dir.live(strings.ToLower(id), kindGroup)
	if g == nil {
		return nil, errNotFound(id)
	}
	return g, nil
}

// https://learn.microsoft.com/graph/api/group-list
func (s *Server) listGroups(c *call) reply {
	if e := s.authorize(c, readGroups); e != nil {
		return e.reply(c)
	}
	return s.listCollection(c, kindGroup, nil)
}

func (s *Server) countGroups(c *call) reply {
	if e := s.authorize(c, readGroups); e != nil {
		return e.reply(c)
	}
	return s.countCollection(c, kindGroup)
}

// https://learn.microsoft.com/graph/api/group-get
func (s *Server) getGroup(c *call) reply {
	if e := s.authorize(c, readGroups); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	return s.getOne(c, g)
}

// https://learn.microsoft.com/graph/api/group-post-groups: displayName,
// mailEnabled, mailNickname and securityEnabled are required; members can
// be bound at creation.
func (s *Server) createGroup(c *call) reply {
	if e := s.authorize(c, createGroups); e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(groupSchema, body, true)
	if e != nil {
		return e.reply(c)
	}
	if e := checkGroup(cs); e != nil {
		return e.reply(c)
	}
	members, e := s.bindMembers(nil, ann)
	if e != nil {
		return e.reply(c)
	}
	props := propsOf(cs)
	if _, set := changeValue(cs, "groupTypes"); !set {
		props = append(props, prop{"groupTypes", []any{}})
	}
	g := s.dir.insert(kindGroup, "", c.now, props)
	for _, m := range members {
		g.group.add(m, g.change)
	}
	out := ordered{{"@odata.context", s.contextURL("groups", nil, true)}}
	return created(append(out, s.render(g, nil, renderOpts{})...))
}

// checkGroup applies the group rules Graph enforces on the values.
func checkGroup(cs []change) *graphError {
	if v, set := changeValue(cs, "mailNickname"); set && !validMailNickname(v.(string)) {
		return errInvalidValue(groupSchema, "mailNickname")
	}
	if v, set := changeValue(cs, "groupTypes"); set {
		for _, t := range v.([]any) {
			switch t.(string) {
			case "Unified":
				return errNotEmulated("Microsoft 365 groups (groupTypes Unified)")
			case "DynamicMembership":
				return errNotEmulated("dynamic membership groups")
			default:
				return errInvalidValue(groupSchema, "groupTypes")
			}
		}
	}
	if v, set := changeValue(cs, "mailEnabled"); set && v == true {
		// group-post-groups lists the kinds Graph can create: Microsoft 365
		// groups and security groups, not mail-enabled security groups or
		// distribution groups.
		return errBadRequest("Creating mail-enabled security groups or distribution groups is not supported through Microsoft Graph. Use a security group (mailEnabled false, securityEnabled true) or a Microsoft 365 group.")
	}
	if v, set := changeValue(cs, "securityEnabled"); set && v == false {
		return errBadRequest("A group that is neither mail-enabled nor security-enabled cannot be created or updated. Set securityEnabled to true.")
	}
	return nil
}

// bindMembers validates members@odata.bind (all or nothing: group-post-
// members, example 2) for group g (nil on create) and returns the ids.
func (s *Server) bindMembers(g *object, ann map[string]any) ([]string, *graphError) {
	var ids []string
	for k, v := range ann {
		if k != "members@odata.bind" {
			return nil, unknownAnnotations(groupSchema, map[string]any{k: v})
		}
		refs, ok := v.([]any)
		if !ok {
			return nil, errBadRequestCode("BadRequest", "members@odata.bind must be an array of directory object URLs.")
		}
		if len(refs) > maxBindMembers {
			return nil, errBadRequest(fmt.Sprintf("The number of members@odata.bind references (%d) exceeds the limit of %d in one request.", len(refs), maxBindMembers))
		}
		for _, r := range refs {
			id, e := directoryObjectID(r)
			if e != nil {
				return nil, e
			}
			if containsFold(ids, id) || (g != nil && g.group.has(id)) {
				return nil, errMemberExists()
			}
			if m := s.dir.live(id, kindCount); m == nil || (m.kind != kindUser && m.kind != kindGroup) || m == g {
				return nil, errNotFound(id)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// errMemberExists is group-post-members' 400 for an object already a member.
func errMemberExists() *graphError {
	return errBadRequest("One or more added object references already exist for the following modified properties: 'members'.")
}

// https://learn.microsoft.com/graph/api/group-update; with
// members@odata.bind it adds up to 20 members (group-post-members).
func (s *Server) updateGroup(c *call) reply {
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	membersOnly := len(body) > 0
	for k := range body {
		membersOnly = membersOnly && k == "members@odata.bind"
	}
	// Adding members needs the membership permission, not
	// Group.ReadWrite.All.
	need := writeGroups
	if membersOnly {
		need = writeMembers
	}
	if e := s.authorize(c, need); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(groupSchema, body, false)
	if e != nil {
		return e.reply(c)
	}
	if e := checkGroup(cs); e != nil {
		return e.reply(c)
	}
	members, e := s.bindMembers(g, ann)
	if e != nil {
		return e.reply(c)
	}
	if len(cs) == 0 && len(members) == 0 {
		return noContent()
	}
	applyChanges(g, cs)
	stamp := s.dir.touch(g)
	for _, m := range members {
		g.group.add(m, stamp)
	}
	return noContent()
}

// https://learn.microsoft.com/graph/api/group-delete: security groups are
// deleted permanently (directory-deleteditems-restore: "security groups
// cannot be restored").
func (s *Server) deleteGroup(c *call) reply {
	if e := s.authorize(c, deleteGroups); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	s.dir.purge(g)
	return noContent()
}

// https://learn.microsoft.com/graph/api/group-post-members
func (s *Server) addMemberRef(c *call) reply {
	if e := s.authorize(c, writeMembers); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	id, e := directoryObjectID(body["@odata.id"])
	if e != nil {
		return e.reply(c)
	}
	m := s.dir.live(id, kindCount)
	if m == nil || (m.kind != kindUser && m.kind != kindGroup) || m == g {
		return errNotFound(id).reply(c)
	}
	if g.group.has(id) {
		return errMemberExists().reply(c)
	}
	g.group.add(id, s.dir.touch(g))
	return noContent()
}

// https://learn.microsoft.com/graph/api/group-delete-members
func (s *Server) removeMemberRef(c *call) reply {
	if e := s.authorize(c, writeMembers); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	id := strings.ToLower(c.arg(3))
	if !g.group.has(id) {
		return errNotFound(c.arg(3)).reply(c)
	}
	g.group.remove(id, s.dir.touch(g))
	return noContent()
}

// https://learn.microsoft.com/graph/api/group-list-members: a
// directoryObject collection (each item carries @odata.type), paged, with
// an optional type cast.
func (s *Server) listMembers(c *call) reply {
	if e := s.authorize(c, readGroups); e != nil {
		return e.reply(c)
	}
	g, e := s.findGroup(c, c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	want := kindCount
	set := "directoryObjects"
	if len(c.segs) == 4 {
		switch c.segs[3] {
		case "graph.user":
			want, set = kindUser, "users"
		case "graph.group":
			want, set = kindGroup, "groups"
		}
	}
	var members []*object
	for _, id := range g.group.members {
		if m := s.dir.live(id, want); m != nil {
			members = append(members, m)
		}
	}
	return s.objectPage(c, set, members, nil)
}

// objectPage renders a list of directory objects of mixed types, paged by
// offset, honouring $select, $top and $count; decorate, when set, edits
// each rendered item.
func (s *Server) objectPage(c *call, entitySet string, objs []*object, decorate func(*object, ordered) ordered) reply {
	q := &listQuery{top: defaultPageSize, count: advancedQuery(c)}
	for k := range c.query {
		switch k {
		case "$select", "$top", "$count", "$skiptoken":
		case "$filter", "$orderby", "$expand", "$search":
			return errNotEmulated(k + " on this relationship").reply(c)
		case "$skip":
			return errBadRequest("'$skip' is not supported by the service.").reply(c)
		}
	}
	if raw := c.query.Get("$top"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageSize {
			return errBadRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", raw, maxPageSize)).reply(c)
		}
		q.top = n
	}
	var names []string
	if raw := c.query.Get("$select"); raw != "" {
		for _, n := range strings.Split(raw, ",") {
			n = strings.TrimSpace(n)
			if userSchema.prop(n) == nil && groupSchema.prop(n) == nil && servicePrincipalSchema.prop(n) == nil {
				return errBadRequestCode("BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.directoryObject'.", n)).reply(c)
			}
			names = append(names, n)
		}
	}
	offset := uint64(0)
	if tok := c.query.Get("$skiptoken"); tok != "" {
		n, okTok := decodeSkipToken(tok)
		if !okTok {
			return errBadRequestCode("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.").reply(c)
		}
		offset = n
	}
	body := ordered{{"@odata.context", s.contextURL(entitySet, names, false)}}
	if q.count {
		body.add("@odata.count", len(objs))
	}
	end := min(uint64(len(objs)), offset+uint64(q.top))
	if offset > end {
		offset = end
	}
	if end < uint64(len(objs)) {
		body.add("@odata.nextLink", s.nextLink(c, end))
	}
	items := make([]any, 0, end-offset)
	for _, o := range objs[offset:end] {
		var sel []*propDef
		if names != nil {
			sch := o.kind.schema()
			sel = []*propDef{}
			for _, n := range names {
				if p := sch.prop(n); p != nil {
					sel = append(sel, p)
				}
			}
		}
		item := s.render(o, sel, renderOpts{typed: true})
		if decorate != nil {
			item = decorate(o, item)
		}
		items = append(items, item)
	}
	body.add("value", items)
	return ok(body)
}
