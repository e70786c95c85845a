package entratest

import (
	"fmt"
	"net/http"
	"strings"
)

// The tenant: organization (https://learn.microsoft.com/graph/api/organization-get),
// domains (domain-list, domain-get), directory roles (directoryrole-list)
// and the signed-in user with its memberships (user-get for /me,
// user-list-memberof, user-list-transitivememberof).

var organizationRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listOrganization),
	rt(http.MethodGet, (*Server).getOrganization, "*"),
}

var domainRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listDomains),
	rt(http.MethodGet, (*Server).getDomain, "*"),
}

var directoryRoleRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listDirectoryRoles),
	rt(http.MethodGet, (*Server).getDirectoryRole, "*"),
	rt(http.MethodGet, (*Server).listRoleMembers, "*", "members"),
}

var meRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).getMe),
	rt(http.MethodGet, (*Server).listMemberOf, "memberOf"),
	rt(http.MethodGet, (*Server).listMemberOf, "memberOf", "*"),
	rt(http.MethodGet, (*Server).listMemberOf, "transitiveMemberOf"),
	rt(http.MethodGet, (*Server).listMemberOf, "transitiveMemberOf", "*"),
}

// organization renders the tenant's organization resource.
func (s *Server) organization() ordered {
	d := s.dir
	var verified []any
	for _, dm := range d.domains {
		if !dm.verified {
			continue
		}
		typ := "Managed"
		if dm.federated {
			typ = "Federated"
		}
		verified = append(verified, ordered{
			{"capabilities", "Email, OfficeCommunicationsOnline"}, {"isDefault", dm.isDefault},
			{"isInitial", dm.initial}, {"name", dm.name}, {"type", typ},
		})
	}
	return ordered{
		{"id", d.tenantID}, {"deletedDateTime", nil}, {"businessPhones", []any{}}, {"city", nil},
		{"country", nil}, {"countryLetterCode", "US"}, {"createdDateTime", graphTime(d.created)},
		{"defaultUsageLocation", nil}, {"displayName", d.displayName}, {"marketingNotificationEmails", []any{}},
		{"onPremisesLastSyncDateTime", nil}, {"onPremisesSyncEnabled", nil}, {"postalCode", nil},
		{"preferredLanguage", "en"}, {"securityComplianceNotificationMails", []any{}},
		{"securityComplianceNotificationPhones", []any{}}, {"state", nil}, {"street", nil},
		{"technicalNotificationMails", []any{}}, {"tenantType", "AAD"},
		{"assignedPlans", []any{}}, {"privacyProfile", nil}, {"provisionedPlans", []any{}},
		{"verifiedDomains", verified},
	}
}

// selectMembers applies $select to a rendered resource without a schema.
func selectMembers(c *call, typeName string, full ordered) (ordered, []string, *graphError) {
	raw := c.query.Get("$select")
	if raw == "" {
		return full, nil, nil
	}
	var out ordered
	var names []string
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, m := range full {
			if strings.EqualFold(m.name, n) {
				out = append(out, m)
				names = append(names, m.name)
				found = true
			}
		}
		if !found {
			return nil, nil, errBadRequestCode("BadRequest", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", n, typeName))
		}
	}
	return out, names, nil
}

// https://learn.microsoft.com/graph/api/organization-list
func (s *Server) listOrganization(c *call) reply {
	if e := s.authorize(c, readOrganization); e != nil {
		return e.reply(c)
	}
	org, names, e := selectMembers(c, "microsoft.graph.organization", s.organization())
	if e != nil {
		return e.reply(c)
	}
	return ok(ordered{{"@odata.context", s.contextURL("organization", names, false)}, {"value", []any{org}}})
}

// https://learn.microsoft.com/graph/api/organization-get
func (s *Server) getOrganization(c *call) reply {
	if e := s.authorize(c, readOrganization); e != nil {
		return e.reply(c)
	}
	if !strings.EqualFold(c.arg(1), s.dir.tenantID) {
		return errNotFound(c.arg(1)).reply(c)
	}
	org, names, e := selectMembers(c, "microsoft.graph.organization", s.organization())
	if e != nil {
		return e.reply(c)
	}
	return ok(append(ordered{{"@odata.context", s.contextURL("organization", names, true)}}, org...))
}

// renderDomain renders a domain resource
// (https://learn.microsoft.com/graph/api/resources/domain).
func renderDomain(dm *domain) ordered {
	auth := "Managed"
	if dm.federated {
		auth = "Federated"
	}
	services := []any{}
	if dm.verified {
		services = []any{"Email", "OfficeCommunicationsOnline"}
	}
	return ordered{
		{"authenticationType", auth}, {"availabilityStatus", nil}, {"id", dm.name},
		{"isAdminManaged", true}, {"isDefault", dm.isDefault}, {"isInitial", dm.initial},
		{"isRoot", true}, {"isVerified", dm.verified}, {"passwordNotificationWindowInDays", 14},
		{"passwordValidityPeriodInDays", 2147483647}, {"supportedServices", services}, {"state", nil},
	}
}

// https://learn.microsoft.com/graph/api/domain-list
func (s *Server) listDomains(c *call) reply {
	if e := s.authorize(c, readDomains); e != nil {
		return e.reply(c)
	}
	var items []any
	var names []string
	for _, dm := range s.dir.domains {
		item, n, e := selectMembers(c, "microsoft.graph.domain", renderDomain(dm))
		if e != nil {
			return e.reply(c)
		}
		names = n
		items = append(items, item)
	}
	return ok(ordered{{"@odata.context", s.contextURL("domains", names, false)}, {"value", items}})
}

// https://learn.microsoft.com/graph/api/domain-get
func (s *Server) getDomain(c *call) reply {
	if e := s.authorize(c, readDomains); e != nil {
		return e.reply(c)
	}
	dm := s.dir.domainNamed(c.arg(1))
	if dm == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	item, names, e := selectMembers(c, "microsoft.graph.domain", renderDomain(dm))
	if e != nil {
		return e.reply(c)
	}
	return ok(append(ordered{{"@odata.context", s.contextURL("domains", names, true)}}, item...))
}

// renderRole renders an activated directoryRole
// (https://learn.microsoft.com/graph/api/resources/directoryrole).
func renderRole(r *directoryRole, typed bool) ordered {
	out := ordered{}
	if typed {
		out.add("@odata.type", "#microsoft.graph.directoryRole")
	}
	return append(out, ordered{
		{"id", r.id}, {"deletedDateTime", nil}, {"description", r.description},
		{"displayName", r.displayName}, {"roleTemplateId", r.templateID},
	}...)
}

// https://learn.microsoft.com/graph/api/directoryrole-list
func (s *Server) listDirectoryRoles(c *call) reply {
	if e := s.authorize(c, readRoles); e != nil {
		return e.reply(c)
	}
	items := []any{}
	for _, r := range s.dir.roles {
		items = append(items, renderRole(r, false))
	}
	return ok(ordered{{"@odata.context", s.contextURL("directoryRoles", nil, false)}, {"value", items}})
}

// findRole resolves /directoryRoles/{id} and
// /directoryRoles(roleTemplateId='…').
func (s *Server) findRole(seg string) (*directoryRole, *graphError) {
	if name, v, isKey := alternateKey(seg); isKey {
		if !strings.EqualFold(name, "roleTemplateId") {
			return nil, errBadRequest("Invalid alternate key '" + name + "'.")
		}
		if r := s.dir.roleByTemplate(v); r != nil {
			return r, nil
		}
		return nil, errNotFound(v)
	}
	for _, r := range s.dir.roles {
		if strings.EqualFold(r.id, seg) {
			return r, nil
		}
	}
	return nil, errNotFound(seg)
}

// https://learn.microsoft.com/graph/api/directoryrole-get
func (s *Server) getDirectoryRole(c *call) reply {
	if e := s.authorize(c, readRoles); e != nil {
		return e.reply(c)
	}
	r, e := s.findRole(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	return ok(append(ordered{{"@odata.context", s.contextURL("directoryRoles", nil, true)}}, renderRole(r, false)...))
}

// https://learn.microsoft.com/graph/api/directoryrole-list-members
func (s *Server) listRoleMembers(c *call) reply {
	if e := s.authorize(c, readRoles); e != nil {
		return e.reply(c)
	}
	r, e := s.findRole(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	var members []*object
	for _, u := range s.dir.lists[kindUser].items {
		if r.members[u.id] && u.live() {
			members = append(members, u)
		}
	}
	return s.objectPage(c, "directoryObjects", members, nil)
}

// https://learn.microsoft.com/graph/api/user-get: /me needs a delegated
// token.
func (s *Server) getMe(c *call) reply {
	u, e := s.meUser(c)
	if e != nil {
		return e.reply(c)
	}
	if e := s.authorize(c, readMe); e != nil {
		return e.reply(c)
	}
	return s.getOne(c, u)
}

// meUser returns the signed-in user of a delegated call; an app-only
// token gets Graph's 400 for /me.
func (s *Server) meUser(c *call) (*object, *graphError) {
	if c.p.app || c.p.admin {
		return nil, errBadRequestCode("BadRequest", "/me request is only valid with delegated authentication flow.")
	}
	u := s.dir.live(c.p.userID, kindUser)
	if u == nil {
		return nil, errNotFound(c.p.userID)
	}
	return u, nil
}

// listMemberOf answers /me/memberOf, /users/{id}/memberOf and their
// transitive forms: groups and directory roles, each item with its
// @odata.type, optionally cast to graph.group or graph.directoryRole.
func (s *Server) listMemberOf(c *call) reply {
	var u *object
	rest := c.segs[1:]
	if c.segs[0] == "me" {
		var e *graphError
		if u, e = s.meUser(c); e != nil {
			return e.reply(c)
		}
	} else {
		rest = c.segs[2:]
	}
	if e := s.authorize(c, readMemberOf); e != nil {
		return e.reply(c)
	}
	if u == nil {
		if u = s.findUser(c.arg(1)); u == nil {
			return errNotFound(c.arg(1)).reply(c)
		}
	}
	transitive := rest[0] == "transitiveMemberOf"
	cast := ""
	if len(rest) == 2 {
		cast = rest[1]
		if cast != "graph.group" && cast != "graph.directoryRole" {
			return errBadRequestCode("BadRequest", "Resource not found for the segment '"+cast+"'.").reply(c)
		}
	}
	var groups []*object
	if cast != "graph.directoryRole" {
		groups = s.groupsOf(u.id, transitive)
	}
	var roles []*directoryRole
	if cast != "graph.group" {
		for _, r := range s.dir.roles {
			if r.members[u.id] {
				roles = append(roles, r)
			}
		}
	}
	set := "directoryObjects"
	switch cast {
	case "graph.group":
		set = "groups"
	case "graph.directoryRole":
		set = "directoryRoles"
	}
	items := []any{}
	for _, g := range groups {
		items = append(items, s.render(g, nil, renderOpts{typed: true}))
	}
	for _, r := range roles {
		items = append(items, renderRole(r, true))
	}
	return ok(ordered{{"@odata.context", s.contextURL(set, nil, false)}, {"value", items}})
}

// groupsOf returns the live groups id belongs to, directly or (transitive)
// through nested groups.
func (s *Server) groupsOf(id string, transitive bool) []*object {
	seen := map[string]bool{}
	var out []*object
	frontier := []string{id}
	for len(frontier) > 0 {
		var next []string
		for _, g := range s.dir.lists[kindGroup].items {
			if !g.live() || seen[g.id] {
				continue
			}
			for _, m := range frontier {
				if g.group.has(m) {
					seen[g.id] = true
					out = append(out, g)
					next = append(next, g.id)
					break
				}
			}
		}
		if !transitive {
			break
		}
		frontier = next
	}
	return out
}
