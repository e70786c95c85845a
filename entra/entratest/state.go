package entratest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Inspecting and changing the emulated directory from a test, outside
// Graph's authorization, throttling, faults and request log.

// Object is a snapshot of a directory object.
type Object struct {
	ID string
	// Type is "user", "group", "application" or "servicePrincipal".
	Type string
	// DeletedAt is when the object moved to deleted items; zero when live.
	DeletedAt time.Time
	// Properties holds every stored property with its JSON value (string,
	// bool, []any, map[string]any). passwordProfile is there without its
	// password.
	Properties map[string]any
	// Members are a group's member ids, in the order they were added.
	Members []string
}

// String returns a string property, or "".
func (o Object) String(name string) string {
	s, _ := o.Properties[name].(string)
	return s
}

// Bool returns a boolean property, or false.
func (o Object) Bool(name string) bool {
	b, _ := o.Properties[name].(bool)
	return b
}

var kindNames = [kindCount]string{"user", "group", "application", "servicePrincipal"}

// snapshot copies o; s.mu is held.
func (s *Server) snapshot(o *object) Object {
	props := map[string]any{"id": o.id, "createdDateTime": graphTime(o.created)}
	for _, p := range o.props {
		v := p.val
		if p.name == "passwordProfile" {
			m, _ := v.(map[string]any)
			m = maps.Clone(m)
			delete(m, "password")
			v = m
		}
		props[p.name] = deepCopy(v)
	}
	if o.kind == kindApplication {
		props["keyCredentials"] = s.propValue(o, applicationSchema.prop("keyCredentials"), renderOpts{})
		props["passwordCredentials"] = s.propValue(o, applicationSchema.prop("passwordCredentials"), renderOpts{})
	}
	out := Object{ID: o.id, Type: kindNames[o.kind], DeletedAt: o.deleted, Properties: props}
	if o.group != nil {
		out.Members = slices.Clone(o.group.members)
	}
	return out
}

func deepCopy(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func (s *Server) objectsOf(k kind, deleted bool) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, o := range s.dir.lists[k].items {
		if o.gone || o.deleted.IsZero() == deleted {
			continue
		}
		out = append(out, s.snapshot(o))
	}
	return out
}

// Users returns the live users in creation order.
func (s *Server) Users() []Object { return s.objectsOf(kindUser, false) }

// Groups returns the live groups in creation order.
func (s *Server) Groups() []Object { return s.objectsOf(kindGroup, false) }

// Applications returns the live application registrations.
func (s *Server) Applications() []Object { return s.objectsOf(kindApplication, false) }

// ServicePrincipals returns the live service principals, Microsoft
// Graph's included.
func (s *Server) ServicePrincipals() []Object { return s.objectsOf(kindServicePrincipal, false) }

// DeletedObjects returns the objects in deleted items, users first.
func (s *Server) DeletedObjects() []Object {
	var out []Object
	for k := range kindCount {
		out = append(out, s.objectsOf(k, true)...)
	}
	return out
}

// Object returns the live or deleted object with id.
func (s *Server) Object(id string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dir.objects[strings.ToLower(id)]
	if o == nil || o.gone {
		return Object{}, false
	}
	return s.snapshot(o), true
}

// UserByUPN returns the live user with a userPrincipalName.
func (s *Server) UserByUPN(upn string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dir.byUPN[strings.ToLower(upn)]
	if o == nil {
		return Object{}, false
	}
	return s.snapshot(o), true
}

// AppRoleAssignment is a snapshot of an app role assignment.
type AppRoleAssignment struct {
	ID          string
	PrincipalID string
	ResourceID  string
	AppRoleID   string
	// Permission is the Microsoft Graph permission the role stands for,
	// when the resource is Microsoft Graph.
	Permission string
	Created    time.Time
}

// AppRoleAssignments returns every app role assignment in creation order.
func (s *Server) AppRoleAssignments() []AppRoleAssignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*assignment
	for _, a := range s.dir.assignments {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *assignment) int { return int(a.seq) - int(b.seq) })
	out := make([]AppRoleAssignment, 0, len(list))
	for _, a := range list {
		out = append(out, AppRoleAssignment{ID: a.id, PrincipalID: a.principalID, ResourceID: a.resourceID, AppRoleID: a.appRoleID, Permission: graphRoleValue(a.appRoleID), Created: a.created})
	}
	return out
}

// WriteCount returns how many Graph writes (POST, PATCH, PUT, DELETE,
// batch items included) succeeded.
func (s *Server) WriteCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir.writes
}

// ConsentedScopes returns the delegated Microsoft Graph permissions
// admin-consented tenant-wide so far.
func (s *Server) ConsentedScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dir.consented)
}

// Apps returns the credentials of the seeded applications (Tenant.Apps).
func (s *Server) Apps() []AppCredentials { return slices.Clone(s.appCreds) }

// App returns the credentials of the seeded application named
// displayName, such as DefaultSyncApp.
func (s *Server) App(displayName string) (AppCredentials, bool) {
	for _, a := range s.appCreds {
		if a.DisplayName == displayName {
			return a, true
		}
	}
	return AppCredentials{}, false
}

// UsersWithRole returns the userPrincipalNames of the live users holding
// the directory role template (RoleGlobalAdministrator...).
func (s *Server) UsersWithRole(templateID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.dir.roleByTemplate(templateID)
	if r == nil {
		return nil
	}
	var out []string
	for _, u := range s.dir.lists[kindUser].items {
		if r.members[u.id] && u.live() {
			out = append(out, u.str("userPrincipalName"))
		}
	}
	return out
}

// Do runs a Graph operation in process as an all-powerful caller, to
// arrange or change the directory from a test (a cloud-side edit for a
// delta test, a bulk seed): path is relative to /v1.0, such as
// "/users/{id}" or "/groups?$filter=displayName eq 'x'". It goes through
// the same validation as a request, but is not authorized, throttled,
// faulted nor logged. It returns the status and the decoded JSON body
// (nil when there is none).
func (s *Server) Do(method, path string, body any) (int, map[string]any) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "BadRequest", "message": "entratest: Do: " + err.Error()}}
		}
	}
	p, q, _ := strings.Cut(path, "?")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	s.mu.Lock()
	c := s.newCall(method, "/v1.0"+p, q, http.Header{"Content-Type": {"application/json"}}, raw)
	c.p = &principal{appID: "entratest", appName: "entratest", admin: true}
	rep := s.route(c)
	s.mu.Unlock()
	if rep.body == nil {
		return rep.status, nil
	}
	if t, isText := rep.body.(rawText); isText {
		return rep.status, map[string]any{"value": string(t)}
	}
	b, err := json.Marshal(rep.body)
	if err != nil {
		return http.StatusInternalServerError, nil
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return rep.status, out
}
