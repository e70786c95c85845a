package entra

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

// safeAdapter is the SDK's request adapter with its answers guarded:
//   - a panic while the SDK reads an answer (its JSON parser dereferences
//     nil on some malformed bodies) becomes a *MalformedAnswerError naming
//     the request, instead of ending the program;
//   - an error of the SDK reading a successful answer that answerCheck
//     handed on (a property of the wrong JSON type…) becomes a
//     *MalformedAnswerError naming the request and the status;
//   - a request that got no answer is the *ConnectionError answerCheck
//     made, without the *url.Error of net/http around it (which prints the
//     whole URL and its query); when the caller gave up (its context
//     ended) it is the context's error, naming the request.
//
// answerCheck rejects the malformed answers it can see before parsing;
// this catches the rest.
type safeAdapter struct {
	*msgraphsdk.GraphRequestAdapter
}

// answerNote is where answerCheck leaves the status of the successful
// answer it hands to the SDK, for the adapter to name it when the SDK
// cannot read it; a request's context carries it under answerNoteKey.
type answerNote struct {
	status int
}

type answerNoteKey struct{}

// noted returns ctx carrying a new answerNote.
func noted(ctx context.Context) (context.Context, *answerNote) {
	n := &answerNote{}
	return context.WithValue(ctx, answerNoteKey{}, n), n
}

// settle turns what an SDK call ended with into the package's errors: a
// panic (recovered here, so settle must be deferred directly), a parse
// error after a successful answer, or no answer. ctx is the caller's.
func settle(ctx context.Context, ri *abs.RequestInformation, n *answerNote, err *error) {
	if r := recover(); r != nil {
		method, path := requestOf(ri)
		*err = &MalformedAnswerError{Method: method, Path: path, Status: n.status,
			Problem: "an answer the SDK could not read (" + sanitise(fmt.Sprint(r), maxMessageRunes) + ")"}
		return
	}
	if *err == nil {
		return
	}
	var ce *ConnectionError
	var ue *url.Error
	switch {
	case errors.As(*err, &ce) && ctx.Err() != nil:
		*err = fmt.Errorf("%s %s: %w", ce.Method, ce.Path, ce.Err)
	case errors.As(*err, &ce):
		*err = ce
	case n.status != 0 && !errors.As(*err, &ue) && ctx.Err() == nil:
		method, path := requestOf(ri)
		*err = &MalformedAnswerError{Method: method, Path: path, Status: n.status, Err: *err,
			Problem: "a body the SDK could not read (" + sanitise((*err).Error(), maxMessageRunes) + ")"}
	}
}

// requestOf names the request of ri: its method and its path without the
// query ("" when it has no URL yet).
func requestOf(ri *abs.RequestInformation) (method, path string) {
	if ri == nil {
		return "", ""
	}
	if u, err := ri.GetUri(); err == nil {
		path = u.Path
	}
	return ri.Method.String(), path
}

// Send implements abs.RequestAdapter.
func (a safeAdapter) Send(ctx context.Context, ri *abs.RequestInformation, ctor serialization.ParsableFactory, em abs.ErrorMappings) (_ serialization.Parsable, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.Send(ctx, ri, ctor, em)
}

// SendEnum implements abs.RequestAdapter.
func (a safeAdapter) SendEnum(ctx context.Context, ri *abs.RequestInformation, parser serialization.EnumFactory, em abs.ErrorMappings) (_ any, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendEnum(ctx, ri, parser, em)
}

// SendCollection implements abs.RequestAdapter.
func (a safeAdapter) SendCollection(ctx context.Context, ri *abs.RequestInformation, ctor serialization.ParsableFactory, em abs.ErrorMappings) (_ []serialization.Parsable, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendCollection(ctx, ri, ctor, em)
}

// SendEnumCollection implements abs.RequestAdapter.
func (a safeAdapter) SendEnumCollection(ctx context.Context, ri *abs.RequestInformation, parser serialization.EnumFactory, em abs.ErrorMappings) (_ []any, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendEnumCollection(ctx, ri, parser, em)
}

// SendPrimitive implements abs.RequestAdapter.
func (a safeAdapter) SendPrimitive(ctx context.Context, ri *abs.RequestInformation, typeName string, em abs.ErrorMappings) (_ any, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendPrimitive(ctx, ri, typeName, em)
}

// SendPrimitiveCollection implements abs.RequestAdapter.
func (a safeAdapter) SendPrimitiveCollection(ctx context.Context, ri *abs.RequestInformation, typeName string, em abs.ErrorMappings) (_ []any, err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendPrimitiveCollection(ctx, ri, typeName, em)
}

// SendNoContent implements abs.RequestAdapter.
func (a safeAdapter) SendNoContent(ctx context.Context, ri *abs.RequestInformation, em abs.ErrorMappings) (err error) {
	ctx, n := noted(ctx)
	defer settle(ctx, ri, n, &err)
	return a.GraphRequestAdapter.SendNoContent(ctx, ri, em)
}
