package entra

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	khttp "github.com/microsoft/kiota-http-go"
)

// maxErrorBody is how much of an error answer is read: Graph's error
// bodies are a few hundred bytes; an HTML page from a proxy may be more.
const maxErrorBody = 64 << 10

// answerCheck is the outermost Graph middleware: it sees the final answer
// (after the SDK's retries) and turns one the SDK would misread into the
// package's errors, naming the request:
//   - a 4xx or 5xx answer becomes a *GraphError with Graph's code and
//     message when the body has them, and the status whatever the body is
//     (the SDK loses the status of a non-JSON error body);
//   - a 2xx answer that is not JSON, or a GET answered with an empty body,
//     or JSON that is broken or not shaped as Graph shapes it (answerShape)
//     becomes a *MalformedAnswerError;
//   - no answer at all (the connection failed or was lost, also in the
//     middle of the body) becomes a *ConnectionError.
//
// A 2xx answer it hands on is read whole and noted in the request's
// answerNote, so that the adapter can name it when the SDK fails to read
// it. A 401 carrying a claims challenge goes to the SDK as is: the adapter
// answers it by signing in again (continuous access evaluation).
type answerCheck struct{}

// Intercept implements khttp.Middleware.
func (answerCheck) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	if err != nil {
		return nil, &ConnectionError{Method: req.Method, Path: req.URL.Path, Err: err}
	}
	if resp == nil {
		return nil, nil
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), "claims="):
		return resp, nil
	case resp.StatusCode >= 400:
		return nil, errorAnswer(req, resp)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return checkAnswer(req, resp)
	}
	return resp, nil
}

// errorAnswer reads a failed answer into a GraphError.
func errorAnswer(req *http.Request, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	ge := graphErrorFromBody(resp.StatusCode, resp.Header, body)
	ge.Method, ge.Path = req.Method, req.URL.Path
	if ct := mediaType(resp.Header); ge.Code == "" && len(bytes.TrimSpace(body)) > 0 && !isJSON(ct) {
		ge.ContentType = orNone(ct)
	}
	return ge
}

// checkAnswer reads a successful answer and hands it on, from memory,
// when it is one the SDK can read.
func checkAnswer(req *http.Request, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, &ConnectionError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Err: err}
	}
	bad := func(problem string) (*http.Response, error) {
		return nil, &MalformedAnswerError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Problem: problem}
	}
	empty := len(bytes.TrimSpace(body)) == 0
	ct := mediaType(resp.Header)
	switch {
	case empty && req.Method == http.MethodGet:
		return bad("an empty body instead of JSON")
	case !empty && !isJSON(ct):
		return bad(fmt.Sprintf("content type %s instead of JSON (application/json)", orNone(ct)))
	case !empty:
		if problem := answerShape(req.Method, body); problem != "" {
			return bad(problem)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if n, ok := req.Context().Value(answerNoteKey{}).(*answerNote); ok {
		n.status = resp.StatusCode
	}
	return resp, nil
}

// mediaType is the answer's media type without parameters, lower case;
// empty when there is none.
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return sanitise(strings.ToLower(strings.TrimSpace(ct)), maxCodeRunes)
}

// isJSON reports whether a media type is JSON: application/json or a
// +json suffix.
func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func orNone(ct string) string {
	if ct == "" {
		return "(none)"
	}
	return ct
}
