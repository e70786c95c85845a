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
// "Throttling is based on a token bucket algorithm" — per application and
// tenant, a budget of resource units per 10 seconds sized by the tenant's
// user count and 3,000 writes per 2 minutes 30 seconds; per tenant, 18,000
// writes per 5 minutes across applications. A request over a budget gets
// 429 TooManyRequests with Retry-After (the time until the bucket holds
// enough) and the x-ms-throttle-* headers, and is not counted.

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

// bucket is a token bucket: it holds up to limit tokens and refills at
// limit per window, so a client pacing itself at the documented rate is
// never throttled while a burst above it is.
type bucket struct {
	tokens float64
	last   time.Time
	primed bool
}

func (b *bucket) refill(now time.Time, limit int, window time.Duration) {
	if !b.primed {
		b.tokens, b.last, b.primed = float64(limit), now, true
		return
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(float64(limit), b.tokens+elapsed.Seconds()*float64(limit)/window.Seconds())
	}
	b.last = now
}

// wait returns how long until need tokens are available.
func (b *bucket) wait(need int, limit int, window time.Duration) time.Duration {
	deficit := float64(need) - b.tokens
	return time.Duration(deficit / float64(limit) * float64(window))
}

// used returns the fraction of the budget spent.
func (b *bucket) used(limit int) float64 { return 1 - b.tokens/float64(limit) }

// throttleState is the usage the model tracks.
type throttleState struct {
	model  ThrottleModel
	writes map[string]*bucket // by appId
	units  map[string]*bucket // by appId
	tenant bucket
}

func newThrottleState(m ThrottleModel) *throttleState {
	return &throttleState{model: m, writes: map[string]*bucket{}, units: map[string]*bucket{}}
}

func get(m map[string]*bucket, k string) *bucket {
	b := m[k]
	if b == nil {
		b = &bucket{}
		m[k] = b
	}
	return b
}

// unitLimit returns the resource unit budget for the tenant's size.
func (s *Server) unitLimit() int {
	m := s.throttle.model
	if m.ResourceUnitLimit >= 0 {
		return m.ResourceUnitLimit
	}
	switch users := s.dir.liveCount[kindUser]; {
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
		b      *bucket
		window time.Duration
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
	for i := range budgets {
		b := &budgets[i]
		if b.limit <= 0 || b.need == 0 || b.window <= 0 {
			b.limit = 0
			continue
		}
		b.need = min(b.need, b.limit)
		b.b.refill(now, b.limit, b.window)
		if b.b.tokens < float64(b.need) {
			wait := b.b.wait(b.need, b.limit, b.window)
			rep := gerr(http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.").reply(c)
			rep = rep.withHeader("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(wait.Seconds())))))
			rep = rep.withHeader("x-ms-throttle-scope", b.scope+"/"+app+"/"+s.dir.tenantID)
			rep = rep.withHeader("x-ms-throttle-information", b.reason)
			return rep, true
		}
	}
	for _, b := range budgets {
		if b.limit > 0 {
			b.b.tokens -= float64(b.need)
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
	if b := t.writes[c.p.appID]; b != nil && t.model.WriteLimit > 0 && b.primed {
		pct = max(pct, b.used(t.model.WriteLimit))
	}
	if b := t.units[c.p.appID]; b != nil && b.primed {
		if l := s.unitLimit(); l > 0 {
			pct = max(pct, b.used(l))
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
