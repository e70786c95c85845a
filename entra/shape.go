package entra

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// answerShape says what is wrong with the JSON body of a successful
// answer, or "" when it is shaped as Graph shapes its answers: valid JSON,
// an object; and for a GET of a collection (an object with "value" and
// without "id"), "value" an array of objects, each with a non-empty string
// "id" (https://learn.microsoft.com/graph/paging; every directory object
// has its id, https://learn.microsoft.com/graph/api/resources/directoryobject).
// The SDK would read an item that is not an object, or has no id, as an
// empty user or group, and a broken body as "invalid json type".
//
// After json.Valid, it walks the body without decoding it: a page of 999
// users costs a fraction of what the SDK's own parsing does.
func answerShape(method string, body []byte) string {
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v) // checks validity first: a *SyntaxError and nothing decoded
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Sprintf("JSON cut off or broken at byte %d of %d (%s)", se.Offset, len(body), sanitise(se.Error(), maxMessageRunes))
		}
		return "JSON that cannot be read"
	}
	body = body[skipSpace(body, 0):]
	if k := jsonKind(body); k != "object" {
		return "a JSON " + k + " instead of an object"
	}
	if method != http.MethodGet {
		return ""
	}
	var value []byte
	entity := false
	for key, v := range members(body) {
		switch string(key) {
		case "id":
			entity = true
		case "value":
			value = v
		}
	}
	if value == nil || entity {
		return ""
	}
	if k := jsonKind(value); k != "array" {
		return `a "value" that is a JSON ` + k + ", not an array"
	}
	for i, item := range elements(value) {
		if k := jsonKind(item); k != "object" {
			return fmt.Sprintf(`a page with a JSON %s in its "value" array (item %d) instead of an object`, k, i+1)
		}
		if problem := idProblem(item); problem != "" {
			return fmt.Sprintf(`a page with %s in its "value" array (item %d)`, problem, i+1)
		}
	}
	return ""
}

// idProblem says what is wrong with the id of an object of a collection
// ("an object without \"id\""…), or "" when it is a non-empty string.
func idProblem(item []byte) string {
	for key, id := range members(item) {
		if string(key) != "id" {
			continue
		}
		if k := jsonKind(id); k != "string" {
			return `an object whose "id" is a JSON ` + k + ", not a string,"
		}
		if string(id) == `""` {
			return `an object with an empty "id"`
		}
		return ""
	}
	return `an object without "id"`
}

// jsonKind names the kind of a valid JSON value from its first byte.
func jsonKind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
