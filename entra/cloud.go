package entra

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azcloud "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Cloud says where the identity platform and Microsoft Graph are, and which
// certificate authorities to trust on the way (a TLS-inspecting proxy's CA,
// or a test emulator's). The zero Cloud is PublicCloud.
type Cloud struct {
	// AuthorityHost is the identity platform: "https://login.microsoftonline.com/".
	// It must be https (azidentity refuses anything else).
	AuthorityHost string
	// GraphURL is Microsoft Graph's root, "https://graph.microsoft.com"; a
	// trailing "/v1.0" is accepted and ignored.
	GraphURL string
	// GraphAudience is the resource tokens are requested for. Empty means
	// GraphURL when that is one of Microsoft's Graph hosts, and
	// "https://graph.microsoft.com" otherwise (an emulator, a reverse proxy).
	GraphAudience string
	// RootCAs, when set, replaces the system's trusted roots for both hosts.
	// LoadCAFile builds one that adds a CA file to the system roots.
	RootCAs *x509.CertPool
}

// PublicCloud is Microsoft's global cloud.
var PublicCloud = Cloud{
	AuthorityHost: "https://login.microsoftonline.com/",
	GraphURL:      "https://graph.microsoft.com",
}

// knownAuthorities are the identity platform hosts for which MSAL's
// instance discovery is meaningful; for any other host it is turned off, so
// nothing calls login.microsoftonline.com behind the caller's back.
var knownAuthorities = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoftonline.us":         true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}

// graphHosts are Microsoft Graph's national cloud hosts, each its own token
// audience (https://learn.microsoft.com/graph/deployments).
var graphHosts = map[string]bool{
	"graph.microsoft.com":             true,
	"graph.microsoft.us":              true,
	"dod-graph.microsoft.us":          true,
	"microsoftgraph.chinacloudapi.cn": true,
}

// LoadCAFile returns the system's trusted roots plus the PEM certificates in
// path, for Cloud.RootCAs: the CA of a TLS-inspecting proxy, or of the
// entratest emulator.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("entra: read CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("entra: CA file %s: no PEM certificate found; give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)", path)
	}
	return pool, nil
}

// withDefaults fills a zero Cloud with PublicCloud and checks the URLs.
func (c Cloud) withDefaults() (Cloud, error) {
	if c.AuthorityHost == "" && c.GraphURL == "" {
		rc := c.RootCAs
		c = PublicCloud
		c.RootCAs = rc
	}
	a, err := url.Parse(c.AuthorityHost)
	if err != nil || a.Scheme != "https" || a.Host == "" {
		return c, fmt.Errorf("entra: authority host %q: must be an https URL such as https://login.microsoftonline.com/", c.AuthorityHost)
	}
	if !strings.HasSuffix(c.AuthorityHost, "/") {
		c.AuthorityHost += "/"
	}
	c.GraphURL = strings.TrimSuffix(strings.TrimRight(c.GraphURL, "/"), "/v1.0")
	g, err := url.Parse(c.GraphURL)
	if err != nil || g.Scheme != "https" || g.Host == "" || (g.Path != "" && g.Path != "/") {
		return c, fmt.Errorf("entra: Graph URL %q: must be an https URL with no path, such as https://graph.microsoft.com", c.GraphURL)
	}
	return c, nil
}

// graphHost is the Graph host name without port, for kiota's allowed hosts.
func (c Cloud) graphHost() string {
	u, _ := url.Parse(c.GraphURL) // checked by withDefaults
	return u.Hostname()
}

// audience is the token audience of Graph.
func (c Cloud) audience() string {
	if c.GraphAudience != "" {
		return strings.TrimRight(c.GraphAudience, "/")
	}
	if graphHosts[strings.ToLower(c.graphHost())] {
		return c.GraphURL
	}
	return PublicCloud.GraphURL
}

// scope is one Graph permission as a token scope: "https://graph.microsoft.com/User.Read".
func (c Cloud) scope(permission string) string { return c.audience() + "/" + permission }

func (c Cloud) graphBaseURL() string { return c.GraphURL + "/v1.0" }

func (c Cloud) disableInstanceDiscovery() bool {
	u, err := url.Parse(c.AuthorityHost)
	return err != nil || !knownAuthorities[strings.ToLower(u.Hostname())]
}

// transport is the HTTP transport for both hosts: the environment's proxy
// settings, TLS 1.2 at least, and RootCAs when set.
func (c Cloud) transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs}
	t.MaxIdleConnsPerHost = 16
	return t
}

// clientOptions are azidentity's HTTP options for this cloud. azcore's own
// retries stay on (they cover the identity platform's transient 5xx).
func (c Cloud) clientOptions(rt http.RoundTripper) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     azcloud.Configuration{ActiveDirectoryAuthorityHost: c.AuthorityHost},
		Transport: &http.Client{Transport: rt, Timeout: 60 * time.Second},
		Retry:     policy.RetryOptions{MaxRetries: 2},
	}
}
