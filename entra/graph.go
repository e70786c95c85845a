package entra

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// graph is one msgraph-sdk-go client and its request adapter,
// authenticated by a credential.
type graph struct {
	cloud   Cloud
	adapter safeAdapter
	sdk     *msgraphsdk.GraphServiceClient
}

// errorMapping is what the SDK's request builders pass to the adapter: any
// 4xx/5xx body is an OData error.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// newGraph wires msgraph-sdk-go to the cloud with the SDK's default
// middleware (retry, redirect, compression, telemetry…), the retry handler
// capped at maxAttempts. The allowed-hosts list holds the Graph host
// actually used: kiota sends requests to any other host silently without an
// Authorization header (go-deps.md §4).
func newGraph(c Cloud, tr http.RoundTripper, cred azcore.TokenCredential, scopes []string, maxAttempts int) (*graph, error) {
	auth, err := kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, scopes, []string{c.graphHost()})
	if err != nil {
		return nil, fmt.Errorf("entra: Graph authentication provider: %w", err)
	}
	retry := &khttp.RetryHandlerOptions{
		MaxRetries: max(maxAttempts-1, 1), // 0 would mean the default, 3
		// A nil ShouldRetry panics on a retriable status (go-deps.md §4).
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return maxAttempts > 1 },
	}
	kiota, err := khttp.GetDefaultMiddlewaresWithOptions(retry)
	if err != nil {
		return nil, fmt.Errorf("entra: Graph middleware: %w", err)
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	middleware := append([]khttp.Middleware{
		answerCheck{}, // first: it sees the answer after the retries
		msgraphcore.NewGraphTelemetryHandler(&opts),
		khttp.NewUrlReplaceHandler(true, msgraphcore.ReplacementPairs),
	}, kiota...)
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(tr, middleware...),
		// Graph never redirects what we call; a redirect would carry the
		// token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       100 * time.Second,
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("entra: Graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(c.graphBaseURL())
	safe := safeAdapter{adapter}
	return &graph{cloud: c, adapter: safe, sdk: msgraphsdk.NewGraphServiceClient(safe)}, nil
}

// translate turns an error from an SDK call into the package's typed
// errors: failed answers (from answerCheck, or OData errors the SDK
// parsed) by status and Graph code, credential failures into
// UnauthorizedError; a malformed answer and anything else is wrapped as is.
func translate(err error, ci callInfo) error {
	if err == nil {
		return nil
	}
	var ge *GraphError
	if errors.As(err, &ge) {
		return fmt.Errorf("entra: %s: %w", ci.op, classify(ge, ge.header, ci))
	}
	var me *MalformedAnswerError
	if errors.As(err, &me) {
		return fmt.Errorf("entra: %s: %w", ci.op, me)
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		ge := &GraphError{Status: oe.ResponseStatusCode}
		if me := oe.GetErrorEscaped(); me != nil {
			ge.Code = deref(me.GetCode())
			ge.Message = deref(me.GetMessage())
			ge.Target = deref(me.GetTarget())
			for _, d := range me.GetDetails() {
				if ge.Target == "" {
					ge.Target = deref(d.GetTarget())
				}
			}
			if ie := me.GetInnerError(); ie != nil {
				ge.RequestID = deref(ie.GetRequestId())
			}
		}
		h := headersOf(oe.GetResponseHeaders())
		if ge.RequestID == "" {
			ge.RequestID = h.Get("request-id")
		}
		ge.sanitise()
		if ge.Message == "" {
			ge.Message = http.StatusText(ge.Status)
		}
		return fmt.Errorf("entra: %s: %w", ci.op, classify(ge, h, ci))
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) && ae.ResponseStatusCode >= 400 {
		ge := &GraphError{Status: ae.ResponseStatusCode, Message: http.StatusText(ae.ResponseStatusCode)}
		return fmt.Errorf("entra: %s: %w", ci.op, classify(ge, headersOf(ae.ResponseHeaders), ci))
	}
	if ue := authError(err); ue != nil {
		return fmt.Errorf("entra: %s: %w", ci.op, ue)
	}
	return fmt.Errorf("entra: %s: %w", ci.op, err)
}

func headersOf(rh *abs.ResponseHeaders) http.Header {
	h := http.Header{}
	if rh == nil {
		return h
	}
	for _, k := range rh.ListKeys() {
		for _, v := range rh.Get(k) {
			h.Add(k, v)
		}
	}
	return h
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
