package entratest

import (
	"net/http"
	"sort"
	"strings"
)

// Service principals and app role assignments:
// https://learn.microsoft.com/graph/api/resources/serviceprincipal,
// serviceprincipal-post-serviceprincipals,
// serviceprincipal-post-approleassignments,
// serviceprincipal-post-approleassignedto,
// serviceprincipal-list-approleassignments,
// serviceprincipal-delete-approleassignments.

var servicePrincipalRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listServicePrincipals),
	rt(http.MethodPost, (*Server).createServicePrincipal),
	rt(http.MethodGet, (*Server).getServicePrincipal, "*"),
	rt(http.MethodPatch, (*Server).updateServicePrincipal, "*"),
	rt(http.MethodDelete, (*Server).deleteServicePrincipal, "*"),
	rt(http.MethodGet, (*Server).listAssignments, "*", "appRoleAssignments"),
	rt(http.MethodGet, (*Server).listAssignments, "*", "appRoleAssignedTo"),
	rt(http.MethodPost, (*Server).createAssignment, "*", "appRoleAssignments"),
	rt(http.MethodPost, (*Server).createAssignment, "*", "appRoleAssignedTo"),
	rt(http.MethodDelete, (*Server).deleteAssignment, "*", "appRoleAssignments", "*"),
	rt(http.MethodDelete, (*Server).deleteAssignment, "*", "appRoleAssignedTo", "*"),
}

// findSP resolves /servicePrincipals/{id} and
// /servicePrincipals(appId='…').
func (s *Server) findSP(seg string) (*object, *graphError) {
	if name, v, isKey := alternateKey(seg); isKey {
		if !strings.EqualFold(name, "appId") {
			return nil, errBadRequest("Invalid alternate key '" + name + "'.")
		}
		if o := s.dir.spByAppID[strings.ToLower(v)]; o != nil && o.live() {
			return o, nil
		}
		return nil, errNotFound(v)
	}
	if !isGUID(seg) {
		return nil, errInvalidID(seg)
	}
	if o := s.dir.live(strings.ToLower(seg), kindServicePrincipal); o != nil {
		return o, nil
	}
	return nil, errNotFound(seg)
}

// https://learn.microsoft.com/graph/api/serviceprincipal-list
func (s *Server) listServicePrincipals(c *call) reply {
	if e := s.authorize(c, readApps); e != nil {
		return e.reply(c)
	}
	return s.listCollection(c, kindServicePrincipal, nil)
}

// https://learn.microsoft.com/graph/api/serviceprincipal-get
func (s *Server) getServicePrincipal(c *call) reply {
	if e := s.authorize(c, readApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findSP(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	return s.getOne(c, o)
}

// https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals:
// appId is required and must name an application of the tenant; one
// service principal per application.
func (s *Server) createServicePrincipal(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(servicePrincipalSchema, body, true)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(servicePrincipalSchema, ann); e != nil {
		return e.reply(c)
	}
	v, _ := changeValue(cs, "appId")
	appID := strings.ToLower(v.(string))
	if sp := s.dir.spByAppID[appID]; sp != nil {
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue",
			"The service principal cannot be created, updated, or restored because the service principal name "+appID+" is already in use.").reply(c)
	}
	app := s.dir.appByAppID[appID]
	if app == nil {
		return errBadRequest("The appId '" + appID + "' of the service principal does not reference a valid application object.").reply(c)
	}
	props := s.servicePrincipalProps(app)
	for _, ch := range cs {
		if ch.prop.name != "appId" {
			props = setProp(props, ch.prop.name, ch.val)
		}
	}
	sp := s.dir.insert(kindServicePrincipal, "", c.now, compactProps(props))
	out := ordered{{"@odata.context", s.contextURL("servicePrincipals", nil, true)}}
	return created(append(out, s.render(sp, nil, renderOpts{})...))
}

func setProp(props []prop, name string, val any) []prop {
	for i := range props {
		if props[i].name == name {
			props[i].val = val
			return props
		}
	}
	return append(props, prop{name, val})
}

// https://learn.microsoft.com/graph/api/serviceprincipal-update
func (s *Server) updateServicePrincipal(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findSP(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(servicePrincipalSchema, body, false)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(servicePrincipalSchema, ann); e != nil {
		return e.reply(c)
	}
	if _, set := changeValue(cs, "appId"); set {
		return errBadRequest("Property 'appId' is read-only and cannot be set.").reply(c)
	}
	applyChanges(o, cs)
	s.dir.touch(o)
	return noContent()
}

// https://learn.microsoft.com/graph/api/serviceprincipal-delete
func (s *Server) deleteServicePrincipal(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findSP(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	if o.str("appOwnerOrganizationId") == microsoftTenantID {
		return errInsufficientPrivileges().reply(c)
	}
	s.dir.softDelete(o, c.now)
	return noContent()
}

// assignmentAccess is who may grant or revoke assignments on resource.
func assignmentAccess(resource *object) access {
	if resource != nil && strings.EqualFold(resource.str("appId"), GraphAppID) {
		return grantGraphRoles
	}
	return grantAppRoles
}

// listAssignments answers GET …/appRoleAssignments (granted to the
// principal) and …/appRoleAssignedTo (granted on the resource).
func (s *Server) listAssignments(c *call) reply {
	if e := s.authorize(c, readApps); e != nil {
		return e.reply(c)
	}
	sp, e := s.findSP(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	assignedTo := c.arg(2) == "appRoleAssignedTo"
	var list []*assignment
	for _, a := range s.dir.assignments {
		if !assignedTo && a.principalID == sp.id || assignedTo && a.resourceID == sp.id {
			list = append(list, a)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	items := make([]any, 0, len(list))
	for _, a := range list {
		items = append(items, s.renderAssignment(a))
	}
	return ok(ordered{
		{"@odata.context", s.URL + "/v1.0/$metadata#servicePrincipals('" + sp.id + "')/" + c.arg(2)},
		{"value", items},
	})
}

// renderAssignment renders an appRoleAssignment resource.
func (s *Server) renderAssignment(a *assignment) ordered {
	name := func(id string) any {
		if o := s.dir.objects[id]; o != nil {
			return o.str("displayName")
		}
		return nil
	}
	return ordered{
		{"id", a.id}, {"deletedDateTime", nil}, {"appRoleId", a.appRoleID},
		{"createdDateTime", graphTime(a.created)}, {"principalDisplayName", name(a.principalID)},
		{"principalId", a.principalID}, {"principalType", "ServicePrincipal"},
		{"resourceDisplayName", name(a.resourceID)}, {"resourceId", a.resourceID},
	}
}

// createAssignment grants an app role: on …/appRoleAssignments the
// service principal in the URL is the principal, on …/appRoleAssignedTo
// it is the resource.
func (s *Server) createAssignment(c *call) reply {
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	str := func(k string) string { v, _ := body[k].(string); return strings.ToLower(v) }
	principalID, resourceID, roleID := str("principalId"), str("resourceId"), str("appRoleId")
	resource := s.dir.live(resourceID, kindServicePrincipal)
	if e := s.authorize(c, assignmentAccess(resource)); e != nil {
		return e.reply(c)
	}
	sp, e := s.findSP(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	for _, k := range []string{"principalId", "resourceId", "appRoleId"} {
		if !isGUID(str(k)) {
			return errRequired(k).reply(c)
		}
	}
	if c.arg(2) == "appRoleAssignments" && principalID != sp.id ||
		c.arg(2) == "appRoleAssignedTo" && resourceID != sp.id {
		return errBadRequest("The service principal in the request URL must be the " + map[bool]string{true: "principal", false: "resource"}[c.arg(2) == "appRoleAssignments"] + " of the assignment.").reply(c)
	}
	if resource == nil {
		return errNotFound(resourceID).reply(c)
	}
	principal := s.dir.live(principalID, kindServicePrincipal)
	if principal == nil {
		return errNotFound(principalID).reply(c)
	}
	if !hasAppRole(resource, roleID) {
		return errBadRequest("Permission being assigned was not found on application '" + resource.str("appId") + "'.").reply(c)
	}
	for _, a := range s.dir.assignments {
		if a.principalID == principalID && a.resourceID == resourceID && a.appRoleID == roleID {
			return errBadRequest("Permission being assigned already exists on the object").reply(c)
		}
	}
	a := s.dir.addAssignment(principalID, resourceID, roleID, c.now)
	out := ordered{{"@odata.context", s.URL + "/v1.0/$metadata#servicePrincipals('" + sp.id + "')/" + c.arg(2) + "/$entity"}}
	return created(append(out, s.renderAssignment(a)...))
}

func hasAppRole(resource *object, roleID string) bool {
	roles, _ := resource.value("appRoles").([]any)
	for _, r := range roles {
		if m, isMap := r.(map[string]any); isMap && strings.EqualFold(m["id"].(string), roleID) {
			return true
		}
	}
	return false
}

// https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignments
func (s *Server) deleteAssignment(c *call) reply {
	sp, e := s.findSP(c.arg(1))
	if e != nil {
		if ae := s.authorize(c, grantAppRoles); ae != nil {
			return ae.reply(c)
		}
		return e.reply(c)
	}
	a := s.dir.assignments[c.arg(3)]
	var resource *object
	if a != nil {
		resource = s.dir.objects[a.resourceID]
	}
	if e := s.authorize(c, assignmentAccess(resource)); e != nil {
		return e.reply(c)
	}
	if a == nil || (c.arg(2) == "appRoleAssignments" && a.principalID != sp.id) || (c.arg(2) == "appRoleAssignedTo" && a.resourceID != sp.id) {
		return errNotFound(c.arg(3)).reply(c)
	}
	delete(s.dir.assignments, a.id)
	return noContent()
}
