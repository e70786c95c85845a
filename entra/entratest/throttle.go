package entratest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// The throttle model of Microsoft Graph's identity and access service
// (https://learn.microsoft.com/graph/throttling-limits, "Identity and
// access service limits", and https://learn.microsoft.com/graph/throttling):
// per application and tenant, a budget of resource units per 10 seconds
// sized by the tenant's user count and 3,000 writes per 2 minutes 30
// seconds; per tenant, 18,000 writes per 5 minutes across applications.
// A request over a budget gets 429 TooManyRequests with Retry-After and the
// x-ms-throttle-* headers, and is not counted.

// ThrottleModel sets the budgets. A zero limit disables that budget.
type ThrottleModel struct {
	// WriteLimit writes per WriteWindow per application and tenant.
	WriteLimit  int
	WriteWindow time.Duration
	// ResourceUnitLimit resource units per ResourceUnitWindow per
	// application and tenant; -1 sizes it by the tenant's users as Graph
	// does: 3,500 under 50 users, 5,000 up to 500, 8,000 above.
	ResourceUnitLimit  int
	ResourceUnitWindow time.Duration
	// TenantWriteLimit writes per TenantWriteWindow per tenant, all
	// applications together.
	TenantWriteLimit  int
	TenantWriteWindow time.Duration
}

// GraphThrottle returns Graph's documented limits.
func GraphThrottle() ThrottleModel {
	return ThrottleModel{
		WriteLimit: 3000, WriteWindow: 150 * time.Second,
		ResourceUnitLimit: -1, ResourceUnitWindow: 10 * time.Second,
		TenantWriteLimit: 18000, TenantWriteWindow: 5 * time.Minute,
	}
}

// cost is what a request consumes.
type cost struct {
	units  int
	writes int
}

// requestCost follows the cost table of throttling-limits: GET users 2,
// GET applications 2, GET groups/{id}/members 3, transitiveMembers 5,
// memberOf and transitiveMemberOf 2, servicePrincipals/{id}/appRoleAssignments
// 2, other GETs 1; writes 1 unit and 1 write; $select −1, $expand +1,
// $top under 20 −1; never below 1.
func requestCost(c *call) cost {
	segs := c.segs
	if c.method != http.MethodGet {
		return cost{units: 1, writes: 1}
	}
	units := 1
	n := len(segs)
	last := ""
	if n > 0 {
		last = segs[n-1]
	}
	switch {
	case n == 1 && (segs[0] == "users" || segs[0] == "applications"):
		units = 2
	case n == 3 && segs[0] == "groups" && last == "members":
		units = 3
	case n == 3 && segs[0] == "groups" && last == "transitiveMembers":
		units = 5
	case n >= 2 && (segs[n-2] == "memberOf" || segs[n-2] == "transitiveMemberOf" || last == "memberOf" || last == "transitiveMemberOf"):
		units = 2
	case n == 3 && segs[0] == "servicePrincipals" && last == "appRoleAssignments":
		units = 2
	}
	if c.query.Get("$select") != "" {
		units--
	}
	if c.query.Get("$expand") != "" {
		units++
	}
	if t, err := strconv.Atoi(c.query.Get("$top")); err == nil && t < 20 {
		units--
	}
	return cost{units: max(units, 1)}
}

// window is a sliding window of usage.
type window struct {
	at   []time.Time
	n    []int
	used int
}

func (w *window) prune(now time.Time, span time.Duration) {
	i := 0
	for i < len(w.at) && !w.at[i].After(now.Add(-span)) {
		w.used -= w.n[i]
		i++
	}
	w.at, w.n = w.at[i:], w.n[i:]
}

// wait returns how long until need more fits under limit.
func (w *window) wait(now time.Time, span time.Duration, limit, need int) time.Duration {
	over := w.used + need - limit
	for i := range w.at {
		over -= w.n[i]
		if over <= 0 {
			return w.at[i].Add(span).Sub(now)
		}
	}
	return span
}

func (w *window) add(now time.Time, n int) {
	w.at = append(w.at, now)
	w.n = append(w.n, n)
	w.used += n
}

// throttleState is the usage the model tracks.
type throttleState struct {
	model  ThrottleModel
	writes map[string]*window // by appId
	units  map[string]*window // by appId
	tenant window
}

func newThrottleState(m ThrottleModel) *throttleState {
	return &throttleState{model: m, writes: map[string]*window{}, units: map[string]*window{}}
}

func get(m map[string]*window, k string) *window {
	w := m[k]
	if w == nil {
		w = &window{}
		m[k] = w
	}
	return w
}

// unitLimit returns the resource unit budget for the tenant's size.
func (s *Server) unitLimit() int {
	m := s.throttle.model
	if m.ResourceUnitLimit >= 0 {
		return m.ResourceUnitLimit
	}
	users := 0
	for _, u := range s.dir.lists[kindUser].items {
		if u.live() {
			users++
		}
	}
	switch {
	case users < 50:
		return 3500
	case users <= 500:
		return 5000
	}
	return 8000
}

// throttleCheck applies the model to a call; s.mu is held.
func (s *Server) throttleCheck(c *call, k cost) (reply, bool) {
	t := s.throttle
	if t == nil || c.p.admin {
		return reply{}, false
	}
	m, now, app := t.model, c.now, c.p.appID
	type budget struct {
		w      *window
		span   time.Duration
		limit  int
		need   int
		scope  string
		reason string
	}
	budgets := []budget{
		{get(t.writes, app), m.WriteWindow, m.WriteLimit, k.writes, "Tenant_Application/Write", "WriteLimitExceeded"},
		{get(t.units, app), m.ResourceUnitWindow, s.unitLimit(), k.units, "Tenant_Application/ReadWrite", "ResourceUnitLimitExceeded"},
		{&t.tenant, m.TenantWriteWindow, m.TenantWriteLimit, k.writes, "Tenant/Write", "WriteLimitExceeded"},
	}
	for _, b := range budgets {
		if b.limit <= 0 || b.need == 0 {
			continue
		}
		b.w.prune(now, b.span)
		if b.w.used+b.need > b.limit {
			wait := b.w.wait(now, b.span, b.limit, b.need)
			rep := gerr(http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.").reply(c)
			rep = rep.withHeader("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(wait.Seconds())))))
			rep = rep.withHeader("x-ms-throttle-scope", b.scope+"/"+app+"/"+s.dir.tenantID)
			rep = rep.withHeader("x-ms-throttle-information", b.reason)
			return rep, true
		}
	}
	for _, b := range budgets {
		if b.limit > 0 && b.need > 0 {
			b.w.add(now, b.need)
		}
	}
	return reply{}, false
}

// throttleUsage returns the highest fraction of a budget the caller's
// application has used, for x-ms-throttle-limit-percentage; -1 when the
// model is off.
func (s *Server) throttleUsage(c *call) float64 {
	t := s.throttle
	if t == nil {
		return -1
	}
	pct := 0.0
	if w := t.writes[c.p.appID]; w != nil && t.model.WriteLimit > 0 {
		pct = max(pct, float64(w.used)/float64(t.model.WriteLimit))
	}
	if w := t.units[c.p.appID]; w != nil {
		if l := s.unitLimit(); l > 0 {
			pct = max(pct, float64(w.used)/float64(l))
		}
	}
	return pct
}

// SetThrottle turns the throttle model on with m, resetting its usage, or
// off with nil.
func (s *Server) SetThrottle(m *ThrottleModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == nil {
		s.throttle = nil
		return
	}
	s.throttle = newThrottleState(*m)
}
