package entra

import (
	"context"
	"fmt"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

// safeAdapter is the SDK's request adapter with its parsing guarded: a
// panic while the SDK reads an answer (its JSON parser dereferences nil on
// some malformed bodies) becomes a *MalformedAnswerError naming the
// request, instead of ending the program. answerCheck rejects the known
// cases before parsing; this catches the rest.
type safeAdapter struct {
	*msgraphsdk.GraphRequestAdapter
}

// recoverAnswer turns a panic of the SDK into *err.
func recoverAnswer(ri *abs.RequestInformation, err *error) {
	r := recover()
	if r == nil {
		return
	}
	me := &MalformedAnswerError{Problem: "an answer the SDK could not read (" + sanitise(fmt.Sprint(r), maxMessageRunes) + ")"}
	if ri != nil {
		me.Method = ri.Method.String()
		if u, uerr := ri.GetUri(); uerr == nil {
			me.Path = u.Path
		}
	}
	*err = me
}

// Send implements abs.RequestAdapter.
func (a safeAdapter) Send(ctx context.Context, ri *abs.RequestInformation, ctor serialization.ParsableFactory, em abs.ErrorMappings) (_ serialization.Parsable, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.Send(ctx, ri, ctor, em)
}

// SendEnum implements abs.RequestAdapter.
func (a safeAdapter) SendEnum(ctx context.Context, ri *abs.RequestInformation, parser serialization.EnumFactory, em abs.ErrorMappings) (_ any, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendEnum(ctx, ri, parser, em)
}

// SendCollection implements abs.RequestAdapter.
func (a safeAdapter) SendCollection(ctx context.Context, ri *abs.RequestInformation, ctor serialization.ParsableFactory, em abs.ErrorMappings) (_ []serialization.Parsable, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendCollection(ctx, ri, ctor, em)
}

// SendEnumCollection implements abs.RequestAdapter.
func (a safeAdapter) SendEnumCollection(ctx context.Context, ri *abs.RequestInformation, parser serialization.EnumFactory, em abs.ErrorMappings) (_ []any, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendEnumCollection(ctx, ri, parser, em)
}

// SendPrimitive implements abs.RequestAdapter.
func (a safeAdapter) SendPrimitive(ctx context.Context, ri *abs.RequestInformation, typeName string, em abs.ErrorMappings) (_ any, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendPrimitive(ctx, ri, typeName, em)
}

// SendPrimitiveCollection implements abs.RequestAdapter.
func (a safeAdapter) SendPrimitiveCollection(ctx context.Context, ri *abs.RequestInformation, typeName string, em abs.ErrorMappings) (_ []any, err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendPrimitiveCollection(ctx, ri, typeName, em)
}

// SendNoContent implements abs.RequestAdapter.
func (a safeAdapter) SendNoContent(ctx context.Context, ri *abs.RequestInformation, em abs.ErrorMappings) (err error) {
	defer recoverAnswer(ri, &err)
	return a.GraphRequestAdapter.SendNoContent(ctx, ri, em)
}
