package entra

import (
	"fmt"
	"strings"
	"testing"
)

// TestAnswerShape checks the walker behind answerShape on bodies whose
// strings, nesting and whitespace could mislead it: only a top-level "id"
// of each item counts, compared as JSON compares keys (exactly, after
// unescaping).
func TestAnswerShape(t *testing.T) {
	tests := []struct {
		name   string
		method string
		body   string
		want   string // "" for a body Graph could send
	}{
		{"page", "GET", `{"@odata.context":"x","value":[{"id":"a"},{"id":"b","displayName":"B"}],"@odata.nextLink":"y"}`, ""},
		{"empty page", "GET", `{"value":[]}`, ""},
		{"whitespace everywhere", "GET", " \n{ \"value\" :\t[ { \"id\" : \"a\" } , {\"id\":\"b\"} ] } \r\n", ""},
		{"strings with brackets and quotes", "GET", `{"value":[{"displayName":"a \"}] [{ \\","id":"x"},{"id":"y","note":"}"}]}`, ""},
		{"escaped key", "GET", `{"value":[{"\u0069d":"a"}]}`, ""},
		{"one entity with a value property", "GET", `{"id":"a","value":"v"}`, ""},
		{"a POST answer is not a collection", "POST", `{"value":[1]}`, ""},
		{"numbers and literals", "GET", `{"value":[{"id":"a","n":-1.5e3,"b":true,"z":null,"l":[1,[2,{"id":3}]]}]}`, ""},
		{"id only nested", "GET", `{"value":[{"manager":{"id":"m"},"tags":["id"]}]}`, `a page with an object without "id" in its "value" array (item 1)`},
		{"key in another case", "GET", `{"value":[{"ID":"a"}]}`, `a page with an object without "id" in its "value" array (item 1)`},
		{"id null", "GET", `{"value":[{"id":"a"},{"id":null}]}`, `a page with an object whose "id" is a JSON null, not a string, in its "value" array (item 2)`},
		{"item true", "GET", `{"value":[{"id":"a"},{"id":"b"},true]}`, `a page with a JSON boolean in its "value" array (item 3) instead of an object`},
		{"item null", "GET", `{"value":[null]}`, `a page with a JSON null in its "value" array (item 1) instead of an object`},
		{"value a string", "GET", `{"value":"[]"}`, `a "value" that is a JSON string, not an array`},
		{"a number", "POST", ` 42 `, "a JSON number instead of an object"},
		{"a string", "GET", `"ok"`, "a JSON string instead of an object"},
		{"cut off", "POST", `{"responses":[`, "JSON cut off or broken at byte 14 of 14 (unexpected end of JSON input)"},
		{"trailing garbage", "GET", `{"value":[]}}`, "JSON cut off or broken at byte 13 of 13 (invalid character '}' after top-level value)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := answerShape(tt.method, []byte(tt.body)); got != tt.want {
				t.Errorf("answerShape(%s, %q)\n got %q\nwant %q", tt.method, tt.body, got, tt.want)
			}
		})
	}
}

// BenchmarkAnswerShape checks a page of 999 users as Graph sends them
// for ListUsers.
func BenchmarkAnswerShape(b *testing.B) {
	items := make([]string, 999)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"8f1c0000-0000-4000-8000-%012d","userPrincipalName":"user%d@contoso.com","onPremisesImmutableId":"AAAAAAAAAAAAAAAAAAAAAA==","accountEnabled":true,"displayName":"User \"%d\"","givenName":"Given","surname":null,"mailNickname":"user%d","department":"Sales","businessPhones":["+1 555 0100"],"onPremisesSyncEnabled":null}`, i, i, i, i)
	}
	body := []byte(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[` + strings.Join(items, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if p := answerShape("GET", body); p != "" {
			b.Fatal(p)
		}
	}
}
