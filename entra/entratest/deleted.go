package entratest

import (
	"net/http"
	"strings"
	"time"
)

// Deleted items (https://learn.microsoft.com/graph/api/resources/directory-deleteditems,
// directory-deleteditems-list, -get, -restore, -delete): users,
// applications and service principals stay restorable for 30 days;
// security groups are deleted permanently.

// deletedRetention is how long a soft-deleted object stays in deleted items.
const deletedRetention = 30 * 24 * time.Hour

var directoryRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listDeleted, "deletedItems", "graph.user"),
	rt(http.MethodGet, (*Server).listDeleted, "deletedItems", "graph.group"),
	rt(http.MethodGet, (*Server).listDeleted, "deletedItems", "graph.application"),
	rt(http.MethodGet, (*Server).listDeleted, "deletedItems", "graph.servicePrincipal"),
	rt(http.MethodGet, (*Server).listDeletedUntyped, "deletedItems"),
	rt(http.MethodGet, (*Server).getDeleted, "deletedItems", "*"),
	rt(http.MethodDelete, (*Server).purgeDeleted, "deletedItems", "*"),
	rt(http.MethodPost, (*Server).restoreDeleted, "deletedItems", "*", "restore"),
}

// deletedAccess returns who may read (write false) or restore and purge
// (write true) deleted objects of kind k.
func deletedAccess(k kind, write bool) access {
	switch k {
	case kindUser:
		if write {
			return deleteUsers
		}
		return readUsers
	case kindGroup:
		if write {
			return deleteGroups
		}
		return readGroups
	}
	if write {
		return writeApps
	}
	return readApps
}

// expireDeleted purges objects deleted more than 30 days ago.
func (s *Server) expireDeleted(now time.Time) {
	for k := range kindCount {
		for _, o := range s.dir.lists[k].items {
			if !o.gone && !o.deleted.IsZero() && now.Sub(o.deleted) > deletedRetention {
				s.dir.purge(o)
			}
		}
	}
}

func castKind(seg string) (kind, bool) {
	switch seg {
	case "graph.user":
		return kindUser, true
	case "graph.group":
		return kindGroup, true
	case "graph.application":
		return kindApplication, true
	case "graph.servicePrincipal":
		return kindServicePrincipal, true
	}
	return 0, false
}

// https://learn.microsoft.com/graph/api/directory-deleteditems-list
func (s *Server) listDeleted(c *call) reply {
	k, _ := castKind(c.arg(2))
	if e := s.authorize(c, deletedAccess(k, false)); e != nil {
		return e.reply(c)
	}
	s.expireDeleted(c.now)
	var objs []*object
	for _, o := range s.dir.lists[k].items {
		if !o.gone && !o.deleted.IsZero() {
			objs = append(objs, o)
		}
	}
	// Each deleted item carries its deletedDateTime.
	return s.objectPage(c, "directoryObjects", objs, func(o *object, item ordered) ordered {
		if !hasMember(item, "deletedDateTime") {
			item.add("deletedDateTime", graphTime(o.deleted))
		}
		return item
	})
}

func hasMember(o ordered, name string) bool {
	for _, m := range o {
		if m.name == name {
			return true
		}
	}
	return false
}

// listDeletedUntyped answers GET /directory/deletedItems, which Graph does
// not support without a type cast (directory-deleteditems-list: "The OData
// cast type is a required part of the URI").
func (s *Server) listDeletedUntyped(c *call) reply {
	return errUnsupportedQuery("The OData cast type is a required part of the URI: use /directory/deletedItems/microsoft.graph.user, .group, .application or .servicePrincipal.").reply(c)
}

// deletedObject resolves /directory/deletedItems/{id} after checking the
// caller may see or change objects of its kind.
func (s *Server) deletedObject(c *call, write bool) (*object, *graphError) {
	id := strings.ToLower(c.arg(2))
	if !isGUID(id) {
		return nil, errInvalidID(c.arg(2))
	}
	s.expireDeleted(c.now)
	o := s.dir.objects[id]
	if o == nil || o.deleted.IsZero() {
		// Authorize on users, the common case, before answering 404.
		if e := s.authorize(c, deletedAccess(kindUser, write)); e != nil {
			return nil, e
		}
		return nil, errNotFound(c.arg(2))
	}
	if e := s.authorize(c, deletedAccess(o.kind, write)); e != nil {
		return nil, e
	}
	return o, nil
}

// https://learn.microsoft.com/graph/api/directory-deleteditems-get
func (s *Server) getDeleted(c *call) reply {
	o, e := s.deletedObject(c, false)
	if e != nil {
		return e.reply(c)
	}
	sel, names, e := parseSelect(c, o.kind.schema())
	if e != nil {
		return e.reply(c)
	}
	body := ordered{{"@odata.context", s.contextURL("directoryObjects", names, true)}}
	body = append(body, s.render(o, sel, renderOpts{typed: true})...)
	if !hasMember(body, "deletedDateTime") {
		body.add("deletedDateTime", graphTime(o.deleted))
	}
	return ok(body)
}

// https://learn.microsoft.com/graph/api/directory-deleteditems-delete
func (s *Server) purgeDeleted(c *call) reply {
	o, e := s.deletedObject(c, true)
	if e != nil {
		return e.reply(c)
	}
	s.dir.purge(o)
	return noContent()
}

// https://learn.microsoft.com/graph/api/directory-deleteditems-restore:
// a user whose userPrincipalName was taken meanwhile needs
// newUserPrincipalName; proxy address conflicts fail unless
// autoReconcileProxyConflict is true.
func (s *Server) restoreDeleted(c *call) reply {
	o, e := s.deletedObject(c, true)
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	d := s.dir
	if o.kind == kindUser {
		if v, set := body["newUserPrincipalName"]; set && v != nil {
			upn, isStr := v.(string)
			if !isStr {
				return errInvalidValue(userSchema, "newUserPrincipalName").reply(c)
			}
			if _, e := d.checkUPN(upn); e != nil {
				return e.reply(c)
			}
			o.set("userPrincipalName", upn)
		}
		if other := d.byUPN[strings.ToLower(o.str("userPrincipalName"))]; other != nil {
			return errConflict("userPrincipalName").reply(c)
		}
		if v := o.str("onPremisesImmutableId"); v != "" && d.byImmutable[strings.ToLower(v)] != nil {
			return errConflict("onPremisesImmutableId").reply(c)
		}
		for _, p := range proxyKeys(o) {
			if d.byProxy[p] != nil {
				if body["autoReconcileProxyConflict"] != true {
					return errConflict("proxyAddresses").reply(c)
				}
				o.set("proxyAddresses", nil)
				o.set("mail", nil)
				break
			}
		}
	}
	d.restore(o)
	out := ordered{{"@odata.context", s.contextURL("directoryObjects", nil, true)}}
	return ok(append(out, s.render(o, nil, renderOpts{typed: true})...))
}
