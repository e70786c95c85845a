package entratest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// call is one Graph operation: a request on /v1.0, or one item of a
// $batch. Handlers run with Server.mu held.
type call struct {
	method          string
	path            string   // escaped path including /v1.0, as logged and matched by faults
	segs            []string // normalized path segments after v1.0
	query           url.Values
	rawQuery        string
	header          http.Header
	body            []byte
	now             time.Time
	requestID       string
	clientRequestID string
	p               *principal
	batchItem       bool
}

// newCall parses a Graph request; path is the escaped path with /v1.0.
func (s *Server) newCall(method, path, rawQuery string, header http.Header, body []byte) *call {
	c := &call{
		method: strings.ToUpper(method), path: path, rawQuery: rawQuery, header: header, body: body,
		now: s.now(), requestID: newGUID(), clientRequestID: header.Get("client-request-id"),
	}
	if c.clientRequestID == "" {
		c.clientRequestID = c.requestID
	}
	c.query, _ = url.ParseQuery(rawQuery)
	c.segs = splitSegments(strings.TrimPrefix(strings.TrimPrefix(path, "/v1.0"), "/"))
	return c
}

// splitSegments unescapes the path segments and normalizes the OData
// spellings the SDKs use: "delta()" is "delta", a type cast
// "microsoft.graph.user" is "graph.user", and an alternate key
// "applications(appId='…')" becomes "applications", "appId='…'".
func splitSegments(p string) []string {
	if p == "" {
		return nil
	}
	var out []string
	for _, raw := range strings.Split(p, "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil {
			seg = raw
		}
		seg = strings.TrimSuffix(seg, "()")
		if rest, ok := strings.CutPrefix(seg, "microsoft.graph."); ok {
			seg = "graph." + rest
		}
		if i := strings.IndexByte(seg, '('); i > 0 && strings.HasSuffix(seg, ")") {
			out = append(out, seg[:i], seg[i+1:len(seg)-1])
			continue
		}
		out = append(out, seg)
	}
	return out
}

// alternateKey parses "name='value'" (an alternate key segment); ok is
// false for an ordinary id.
func alternateKey(seg string) (name, value string, ok bool) {
	name, v, found := strings.Cut(seg, "=")
	if !found || len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return "", "", false
	}
	return name, strings.ReplaceAll(v[1:len(v)-1], "''", "'"), true
}

// serveGraph answers a request on /v1.0.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, body []byte) {
	start := time.Now()
	s.mu.Lock()
	c := s.newCall(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, body)
	entry := Request{Time: c.now, Method: c.method, Path: r.URL.Path, Query: r.URL.RawQuery, Gzip: isGzip(r.Header)}
	f := s.matchFault(c.method, r.URL.Path, false)
	s.mu.Unlock()

	if f != nil {
		entry.Fault = true
		if !s.delay(r, f.Delay) || f.Drop {
			entry.Status = 0
			entry.Duration = time.Since(start)
			s.record(entry)
			if f.Drop {
				dropConnection(w)
			}
			return
		}
		if f.answers() {
			rep := faultReply(c, f)
			entry.Status, entry.ErrorCode = rep.status, errorCode(rep)
			entry.Duration = time.Since(start)
			s.record(entry)
			s.writeGraph(w, c, rep)
			return
		}
	}

	s.mu.Lock()
	p, e := s.authenticate(r.Header)
	if e != nil {
		rep := e.reply(c)
		rep = rep.withHeader("WWW-Authenticate", `Bearer realm="", authorization_uri="`+s.URL+`/common/oauth2/authorize", client_id="`+GraphAppID+`"`)
		entry.Status, entry.ErrorCode, entry.Duration = rep.status, errorCode(rep), time.Since(start)
		s.appendLog(entry)
		s.mu.Unlock()
		s.writeGraph(w, c, rep)
		return
	}
	c.p = p
	entry.AppID, entry.User = p.appID, p.userUPN
	if len(c.segs) == 1 && c.segs[0] == "$batch" {
		// The batch comes first in the log, then its items.
		slot := len(s.log)
		s.appendLog(entry)
		s.mu.Unlock()
		rep := s.batch(r, c)
		entry.Status, entry.ErrorCode, entry.Duration = rep.status, errorCode(rep), time.Since(start)
		s.mu.Lock()
		if slot < len(s.log) && s.log[slot].Time.Equal(entry.Time) && s.log[slot].Path == entry.Path {
			s.log[slot] = entry
		} else {
			s.appendLog(entry) // the log was reset meanwhile
		}
		s.mu.Unlock()
		s.writeGraph(w, c, rep)
		return
	}
	rep := s.execute(c, &entry)
	entry.Status, entry.ErrorCode, entry.Duration = rep.status, errorCode(rep), time.Since(start)
	s.appendLog(entry)
	s.mu.Unlock()
	s.writeGraph(w, c, rep)
}

// execute runs one authenticated operation through the throttle model and
// the router; s.mu is held.
func (s *Server) execute(c *call, entry *Request) reply {
	cost := requestCost(c)
	if rep, throttled := s.throttleCheck(c, cost); throttled {
		entry.Throttled = true
		return rep
	}
	rep := s.route(c)
	if !rep.failed() && isWrite(c.method) {
		s.dir.writes++
	}
	if !c.p.admin {
		rep = rep.withHeader("x-ms-resource-unit", strconv.Itoa(cost.units))
		if pct := s.throttleUsage(c); pct >= 0.8 {
			rep = rep.withHeader("x-ms-throttle-limit-percentage", strconv.FormatFloat(pct, 'f', 1, 64))
		}
	}
	return rep
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

const odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// writeGraph writes a Graph reply with the headers Graph sends.
func (s *Server) writeGraph(w http.ResponseWriter, c *call, rep reply) {
	h := w.Header()
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientRequestID)
	h.Set("Cache-Control", "no-cache")
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"entratest","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"entratest"}}`)
	if rep.body != nil && rep.header.Get("Content-Type") == "" {
		h.Set("Content-Type", odataJSON)
		h.Set("OData-Version", "4.0")
	}
	writeJSON(w, rep)
}

// errorCode returns the Graph error code of a failed reply, for the log.
func errorCode(rep reply) string {
	if !rep.failed() {
		return ""
	}
	if o, ok := rep.body.(ordered); ok {
		for _, m := range o {
			if m.name == "error" {
				if inner, ok := m.val.(ordered); ok {
					for _, im := range inner {
						if im.name == "code" {
							s, _ := im.val.(string)
							return s
						}
					}
				}
			}
		}
	}
	return ""
}

// decodeBody parses a JSON object request body; an empty body is an
// empty object.
func (c *call) decodeBody() (map[string]any, *graphError) {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(c.body, &m); err != nil {
		return nil, gerr(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	return m, nil
}

// routeEntry maps a method and the path segments after the entity set
// ("*" matches any one segment) to a handler.
type routeEntry struct {
	method  string
	pattern []string
	h       func(*Server, *call) reply
}

func rt(method string, h func(*Server, *call) reply, pattern ...string) routeEntry {
	return routeEntry{method, pattern, h}
}

// routes are the Graph operations the emulator serves, by entity set.
var routes map[string][]routeEntry

func init() {
	routes = map[string][]routeEntry{
		"users":             userRoutes,
		"me":                meRoutes,
		"groups":            groupRoutes,
		"directory":         directoryRoutes,
		"organization":      organizationRoutes,
		"domains":           domainRoutes,
		"directoryRoles":    directoryRoleRoutes,
		"applications":      applicationRoutes,
		"servicePrincipals": servicePrincipalRoutes,
	}
}

// route dispatches an operation to its handler; s.mu is held. Unknown
// segments get Graph's 400 "Resource not found for the segment"; a known
// path with an unsupported method gets 405.
func (s *Server) route(c *call) reply {
	if len(c.segs) == 0 {
		return errBadRequestCode("BadRequest", "Invalid version.").reply(c)
	}
	table, ok := routes[c.segs[0]]
	if !ok {
		return errBadRequestCode("BadRequest", "Resource not found for the segment '"+c.segs[0]+"'.").reply(c)
	}
	pathMatched := false
	for _, r := range table {
		if !c.matchPath(r.pattern) {
			continue
		}
		if r.method == c.method {
			return r.h(s, c)
		}
		pathMatched = true
	}
	if pathMatched {
		return errMethod().reply(c)
	}
	return errBadRequestCode("BadRequest", "Resource not found for the segment '"+c.segs[len(c.segs)-1]+"'.").reply(c)
}

// matchPath reports whether the segments after the entity set match
// pattern, where "*" matches any single segment.
func (c *call) matchPath(pattern []string) bool {
	if len(c.segs) != len(pattern)+1 {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != c.segs[i+1] {
			return false
		}
	}
	return true
}

// arg returns path segment i (0 is the entity set).
func (c *call) arg(i int) string { return c.segs[i] }
