package entra

import (
	"errors"
	"strings"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// TestSafeAdapterRecovers checks that a panic inside the SDK's adapter
// (here: an adapter without its state, which dereferences nil as the
// SDK's JSON parser does on some malformed answers) comes back from every
// Send method as a *MalformedAnswerError naming the request.
func TestSafeAdapterRecovers(t *testing.T) {
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.UrlTemplate = "{+baseurl}/users"
	ri.PathParameters["baseurl"] = "https://graph.example/v1.0"
	var a safeAdapter
	ctx := t.Context()
	calls := map[string]func() error{
		"Send":                    func() error { _, err := a.Send(ctx, ri, nil, nil); return err },
		"SendEnum":                func() error { _, err := a.SendEnum(ctx, ri, nil, nil); return err },
		"SendCollection":          func() error { _, err := a.SendCollection(ctx, ri, nil, nil); return err },
		"SendEnumCollection":      func() error { _, err := a.SendEnumCollection(ctx, ri, nil, nil); return err },
		"SendPrimitive":           func() error { _, err := a.SendPrimitive(ctx, ri, "string", nil); return err },
		"SendPrimitiveCollection": func() error { _, err := a.SendPrimitiveCollection(ctx, ri, "string", nil); return err },
		"SendNoContent":           func() error { return a.SendNoContent(ctx, ri, nil) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			var me *MalformedAnswerError
			if !errors.As(err, &me) {
				t.Fatalf("got %v (%T), want a *MalformedAnswerError", err, err)
			}
			if me.Method != "GET" || me.Path != "/v1.0/users" {
				t.Errorf("request: got %q %q, want GET /v1.0/users", me.Method, me.Path)
			}
			if !strings.Contains(err.Error(), "could not read") || !errors.Is(err, ErrMalformedAnswer) {
				t.Errorf("got %q, want a malformed answer the SDK could not read", err)
			}
		})
	}
}
