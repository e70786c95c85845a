package entratest

import (
	"net/http"
	"strings"
)

// Users: https://learn.microsoft.com/graph/api/resources/user and the
// pages of each operation named below.

var userRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listUsers),
	rt(http.MethodPost, (*Server).createUser),
	rt(http.MethodGet, (*Server).countUsers, "$count"),
	rt(http.MethodGet, (*Server).deltaUsers, "delta"),
	rt(http.MethodGet, (*Server).getUser, "*"),
	rt(http.MethodPatch, (*Server).updateUser, "*"),
	rt(http.MethodDelete, (*Server).deleteUser, "*"),
	rt(http.MethodGet, (*Server).listMemberOf, "*", "memberOf"),
	rt(http.MethodGet, (*Server).listMemberOf, "*", "memberOf", "*"),
	rt(http.MethodGet, (*Server).listMemberOf, "*", "transitiveMemberOf"),
	rt(http.MethodGet, (*Server).listMemberOf, "*", "transitiveMemberOf", "*"),
	rt(http.MethodGet, (*Server).getManager, "*", "manager"),
	rt(http.MethodPut, (*Server).setManager, "*", "manager", "$ref"),
	rt(http.MethodDelete, (*Server).removeManager, "*", "manager", "$ref"),
	rt(http.MethodGet, (*Server).listDirectReports, "*", "directReports"),
}

// findUser resolves /users/{id | userPrincipalName} to a live user.
func (s *Server) findUser(key string) *object {
	if isGUID(key) {
		return s.dir.live(strings.ToLower(key), kindUser)
	}
	return s.dir.byUPN[strings.ToLower(key)]
}

// https://learn.microsoft.com/graph/api/user-list
func (s *Server) listUsers(c *call) reply {
	if e := s.authorize(c, readUsers); e != nil {
		return e.reply(c)
	}
	return s.listCollection(c, kindUser, nil)
}

func (s *Server) countUsers(c *call) reply {
	if e := s.authorize(c, readUsers); e != nil {
		return e.reply(c)
	}
	return s.countCollection(c, kindUser)
}

// https://learn.microsoft.com/graph/api/user-get
func (s *Server) getUser(c *call) reply {
	if e := s.authorize(c, readUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	return s.getOne(c, u)
}

// https://learn.microsoft.com/graph/api/user-post-users: the required
// properties, a userPrincipalName on a verified domain, and unique
// userPrincipalName, onPremisesImmutableId and proxy addresses.
func (s *Server) createUser(c *call) reply {
	if e := s.authorize(c, writeUsers); e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(userSchema, body, true)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(userSchema, ann); e != nil {
		return e.reply(c)
	}
	if e := s.checkUser(cs, nil); e != nil {
		return e.reply(c)
	}
	props := propsOf(cs)
	props = append(props, prop{"userType", "Member"})
	if mail, _ := changeValue(cs, "mail"); mail != nil {
		props = append(props, prop{"proxyAddresses", []any{"SMTP:" + mail.(string)}})
	}
	u := s.dir.insert(kindUser, "", c.now, props)
	body2 := ordered{{"@odata.context", s.contextURL("users", nil, true)}}
	return created(append(body2, s.render(u, nil, renderOpts{})...))
}

// https://learn.microsoft.com/graph/api/user-update: 204 No Content; the
// same value rules as on create.
func (s *Server) updateUser(c *call) reply {
	if e := s.authorize(c, writeUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(userSchema, body, false)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(userSchema, ann); e != nil {
		return e.reply(c)
	}
	if e := s.checkUser(cs, u); e != nil {
		return e.reply(c)
	}
	if len(cs) == 0 {
		return noContent()
	}
	s.dir.unindex(u)
	applyChanges(u, cs)
	if mail, set := changeValue(cs, "mail"); set {
		if mail == nil {
			u.set("proxyAddresses", nil)
		} else {
			u.set("proxyAddresses", []any{"SMTP:" + mail.(string)})
		}
	}
	s.dir.index(u)
	s.dir.touch(u)
	return noContent()
}

// checkUser validates the user-specific rules of a create (u nil) or an
// update of u: value formats first, then uniqueness.
func (s *Server) checkUser(cs []change, u *object) *graphError {
	d := s.dir
	create := u == nil
	var upnDomain *domain
	if v, set := changeValue(cs, "userPrincipalName"); set {
		dm, e := d.checkUPN(v.(string))
		if e != nil {
			return e
		}
		upnDomain = dm
	}
	if v, set := changeValue(cs, "mailNickname"); set && !validMailNickname(v.(string)) {
		return errInvalidValue(userSchema, "mailNickname")
	}
	immutable, immutableSet := changeValue(cs, "onPremisesImmutableId")
	if immutableSet && immutable != nil {
		// user resource: "The $ and _ characters can't be used when
		// specifying this property."
		if strings.ContainsAny(immutable.(string), "$_") {
			return errInvalidValue(userSchema, "onPremisesImmutableId")
		}
	}
	if create && upnDomain != nil && upnDomain.federated && (!immutableSet || immutable == nil) {
		// user-post-users: onPremisesImmutableId "only needs to be
		// specified when creating a new user account if you are using a
		// federated domain for the user's userPrincipalName".
		return errRequired("onPremisesImmutableId")
	}
	if v, set := changeValue(cs, "passwordProfile"); set && v != nil {
		if e := checkPasswordProfile(userSchema, v, create); e != nil {
			return e
		}
	}
	mail, mailSet := changeValue(cs, "mail")
	if mailSet && mail != nil {
		local, dom, found := strings.Cut(mail.(string), "@")
		if !found || local == "" || !strings.Contains(dom, ".") || strings.ContainsAny(mail.(string), " ,;<>") {
			return errInvalidValue(userSchema, "mail")
		}
	}
	if v, set := changeValue(cs, "usageLocation"); set && v != nil {
		if loc := v.(string); len(loc) != 2 || strings.ToUpper(loc) != loc {
			return errInvalidValue(userSchema, "usageLocation")
		}
	}
	if v, set := changeValue(cs, "userPrincipalName"); set {
		if o := d.byUPN[strings.ToLower(v.(string))]; o != nil && o != u {
			return errConflict("userPrincipalName")
		}
	}
	if immutableSet && immutable != nil {
		if o := d.byImmutable[strings.ToLower(immutable.(string))]; o != nil && o != u {
			return errConflict("onPremisesImmutableId")
		}
	}
	if mailSet && mail != nil {
		if o := d.byProxy["smtp:"+strings.ToLower(mail.(string))]; o != nil && o != u {
			return errConflict("proxyAddresses")
		}
	}
	return nil
}

// unknownAnnotations rejects instance annotations a resource does not take.
func unknownAnnotations(sch *schema, ann map[string]any) *graphError {
	for k := range ann {
		return errBadRequestCode("BadRequest", "The property '"+k+"' does not exist on type '"+sch.typeName+"'. Make sure to only use property names that are defined by the type or mark the type as open type.")
	}
	return nil
}

// https://learn.microsoft.com/graph/api/user-delete: the user moves to
// deleted items for 30 days.
func (s *Server) deleteUser(c *call) reply {
	if e := s.authorize(c, deleteUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	s.dir.softDelete(u, c.now)
	return noContent()
}

// managerOf returns u's live manager, or nil.
func (s *Server) managerOf(u *object) *object {
	if u.manager == "" {
		return nil
	}
	return s.dir.live(u.manager, kindUser)
}

// errNoManager is user-list-manager's 404 for a user without a manager.
func errNoManager() *graphError { return errNotFound("manager") }

// https://learn.microsoft.com/graph/api/user-list-manager
func (s *Server) getManager(c *call) reply {
	if e := s.authorize(c, readUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	m := s.managerOf(u)
	if m == nil {
		return errNoManager().reply(c)
	}
	sel, names, e := parseSelect(c, userSchema)
	if e != nil {
		return e.reply(c)
	}
	out := ordered{{"@odata.context", s.contextURL("directoryObjects", names, true)}}
	return ok(append(out, s.render(m, sel, renderOpts{typed: true})...))
}

// https://learn.microsoft.com/graph/api/user-post-manager: PUT
// manager/$ref with the manager's @odata.id; 204.
func (s *Server) setManager(c *call) reply {
	if e := s.authorize(c, writeUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	id, e := directoryObjectID(body["@odata.id"])
	if e != nil {
		return e.reply(c)
	}
	m := s.dir.live(id, kindUser)
	if m == nil {
		return errNotFound(id).reply(c)
	}
	if m == u {
		return errInvalidValue(userSchema, "manager").reply(c)
	}
	if u.manager != m.id {
		u.manager = m.id
		s.dir.touch(u)
	}
	return noContent()
}

// https://learn.microsoft.com/graph/api/user-delete-manager
func (s *Server) removeManager(c *call) reply {
	if e := s.authorize(c, writeUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	if s.managerOf(u) == nil {
		return errNoManager().reply(c)
	}
	u.manager = ""
	s.dir.touch(u)
	return noContent()
}

// https://learn.microsoft.com/graph/api/user-list-directreports
func (s *Server) listDirectReports(c *call) reply {
	if e := s.authorize(c, readUsers); e != nil {
		return e.reply(c)
	}
	u := s.findUser(c.arg(1))
	if u == nil {
		return errNotFound(c.arg(1)).reply(c)
	}
	var reports []*object
	for _, o := range s.dir.lists[kindUser].items {
		if o.live() && o.manager == u.id {
			reports = append(reports, o)
		}
	}
	return s.objectPage(c, "directoryObjects", reports, nil)
}
