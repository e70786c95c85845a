package entratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// JSON batching (https://learn.microsoft.com/graph/json-batching): up to
// 20 requests in one POST /$batch, each evaluated on its own (including
// against the throttle model: a throttled item answers 429 with its own
// Retry-After), dependsOn honoured, and a failed dependency answering 424.

// maxBatchRequests is json-batching's limit: "JSON batch requests are
// currently limited to 20 individual requests."
const maxBatchRequests = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batch answers POST /v1.0/$batch; the caller c is authenticated. It takes
// s.mu per item, so injected delays do not block other requests.
func (s *Server) batch(r *http.Request, c *call) reply {
	if c.method != http.MethodPost {
		return errMethod().reply(c)
	}
	var in struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || in.Requests == nil {
		return errBadRequestCode("BadRequest", "Invalid batch payload format.").reply(c)
	}
	reqs := in.Requests
	if len(reqs) > maxBatchRequests {
		return errBadRequestCode("BadRequest", fmt.Sprintf("The batch contains %d requests; JSON batch requests are limited to %d.", len(reqs), maxBatchRequests)).reply(c)
	}
	byID := map[string]int{}
	for i, q := range reqs {
		id := strings.ToLower(q.ID)
		if q.ID == "" || q.Method == "" || q.URL == "" {
			return errBadRequestCode("BadRequest", fmt.Sprintf("Batch request %d: id, method and url are required.", i)).reply(c)
		}
		if _, dup := byID[id]; dup {
			return errBadRequestCode("BadRequest", "Batch request ids must be unique; '"+q.ID+"' is used twice.").reply(c)
		}
		byID[id] = i
	}
	for _, q := range reqs {
		for _, d := range q.DependsOn {
			if _, found := byID[strings.ToLower(d)]; !found {
				return errBadRequestCode("BadRequest", "Batch request '"+q.ID+"' depends on '"+d+"', which is not in the batch.").reply(c)
			}
		}
	}
	order, cyclic := batchOrder(reqs, byID)
	if cyclic {
		return errBadRequestCode("BadRequest", "The dependsOn of the batch requests form a cycle.").reply(c)
	}
	status := make([]int, len(reqs))
	out := make([]any, len(reqs))
	for _, i := range order {
		q := reqs[i]
		var rep reply
		failedDep := ""
		for _, d := range q.DependsOn {
			if status[byID[strings.ToLower(d)]] >= 400 {
				failedDep = d
			}
		}
		if failedDep != "" {
			rep = gerr(http.StatusFailedDependency, "FailedDependency", "The request depends on request '"+failedDep+"', which failed.").reply(c)
			s.record(Request{Time: c.now, Method: strings.ToUpper(q.Method), Path: "/v1.0" + q.URL, Status: rep.status, ErrorCode: "FailedDependency", AppID: c.p.appID, User: c.p.userUPN, BatchItem: q.ID})
		} else {
			rep = s.batchItem(r, c, q)
		}
		status[i] = rep.status
		out[i] = batchResponse(q.ID, rep)
	}
	return ok(ordered{{"responses", out}})
}

// batchOrder orders the requests so that each comes after those it
// depends on, keeping the given order otherwise.
func batchOrder(reqs []batchRequest, byID map[string]int) ([]int, bool) {
	done := make([]bool, len(reqs))
	var order []int
	for len(order) < len(reqs) {
		progressed := false
		for i, q := range reqs {
			if done[i] {
				continue
			}
			ready := true
			for _, d := range q.DependsOn {
				ready = ready && done[byID[strings.ToLower(d)]]
			}
			if ready {
				done[i] = true
				order = append(order, i)
				progressed = true
			}
		}
		if !progressed {
			return nil, true
		}
	}
	return order, false
}

// batchItem runs one item as its own Graph operation.
func (s *Server) batchItem(r *http.Request, parent *call, q batchRequest) reply {
	start := time.Now()
	rel := q.URL
	for _, base := range []string{s.URL, GraphResource} {
		rel = strings.TrimPrefix(rel, base)
	}
	rel = strings.TrimPrefix(rel, "/v1.0")
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	pathPart, rawQuery, _ := strings.Cut(rel, "?")
	header := http.Header{}
	for k, v := range q.Headers {
		header.Set(k, v)
	}
	header.Set("client-request-id", parent.clientRequestID)
	var body []byte
	if len(q.Body) > 0 && string(q.Body) != "null" {
		body = q.Body
	}
	s.mu.Lock()
	c := s.newCall(q.Method, "/v1.0"+pathPart, rawQuery, header, body)
	c.p, c.batchItem = parent.p, true
	unescaped, err := url.PathUnescape(c.path)
	if err != nil {
		unescaped = c.path
	}
	entry := Request{Time: c.now, Method: c.method, Path: unescaped, Query: rawQuery, AppID: c.p.appID, User: c.p.userUPN, BatchItem: q.ID}
	f := s.matchFault(c.method, unescaped, true)
	s.mu.Unlock()

	if f != nil {
		entry.Fault = true
		s.delay(r, f.Delay)
		if f.answers() {
			rep := faultReply(c, f)
			entry.Status, entry.ErrorCode, entry.Duration = rep.status, errorCode(rep), time.Since(start)
			s.record(entry)
			return rep
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep reply
	if body != nil && header.Get("Content-Type") == "" {
		// json-batching: "When a body is included with the request, the
		// headers object must contain a value for Content-Type."
		rep = errBadRequestCode("BadRequest", "A Content-Type header is required in the headers of a batch request with a body.").reply(c)
	} else {
		rep = s.execute(c, &entry)
	}
	entry.Status, entry.ErrorCode, entry.Duration = rep.status, errorCode(rep), time.Since(start)
	s.appendLog(entry)
	return rep
}

// batchResponse renders one item of the responses array.
func batchResponse(id string, rep reply) ordered {
	h := ordered{}
	for k, vs := range rep.header {
		if k == "Content-Type" {
			continue
		}
		h.add(http.CanonicalHeaderKey(k), strings.Join(vs, ","))
	}
	out := ordered{{"id", id}, {"status", rep.status}}
	switch b := rep.body.(type) {
	case nil:
	case rawText:
		h.add("Content-Type", "text/plain")
		out.add("body", string(b))
	default:
		h.add("Content-Type", odataJSON)
		out.add("body", b)
	}
	if len(h) > 0 {
		out = append(out[:2], append(ordered{{"headers", h}}, out[2:]...)...)
	}
	return out
}
