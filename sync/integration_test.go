package sync

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// The integration tests run the engine with the real connectors between a
// real Samba AD DC (ad/adtest: one per test binary, an OU per test) and the
// Graph emulator (entra/entratest: one per test), and assert on what the
// tenant and the directory hold.

// quiet discards logs: the tests assert on state, not on log text.
var quiet = slog.New(slog.DiscardHandler)

// integrationTenant is the emulator's default tenant plus the forest's
// domain as a verified domain and its alternative suffix added but not
// verified; the forest's corp.local suffix is not in the tenant at all.
func integrationTenant() entratest.Tenant {
	t := entratest.DefaultTenant()
	t.Domains = append(t.Domains,
		entratest.Domain{Name: adtest.DNSDomain, Verified: true},
		entratest.Domain{Name: adtest.AltSuffix})
	return t
}

// prefixSeq makes each harness's sAMAccountName prefix unique in the DC.
var prefixSeq atomic.Int64

// harness is one integration test's world: its OU in the shared DC, its
// emulator, a store, and an engine over the real connectors.
type harness struct {
	t      testing.TB
	ctx    context.Context
	dc     *adtest.DC
	ou     string // the test's OU, the scope
	prefix string // prefix of the test's sAMAccountNames and UPN prefixes
	srv    *entratest.Server
	client *entra.Client
	target *EntraTarget
	source *ADSource
	store  Store
	cfg    Config
	bind   ad.Options // how the source binds
	// forceUSN makes the source follow changes by uSNChanged.
	forceUSN bool
	engine   *Engine
}

// newHarness starts the DC (once per binary) and an emulator, makes an OU
// and builds an engine scoped to it, bound as the domain's Administrator
// (the only account Samba shows tombstones to, so deletions show in
// deltas). edit adjusts the configuration.
func newHarness(t testing.TB, edit ...func(*Config)) *harness {
	t.Helper()
	dc := adtest.Start(t)
	return newHarnessIn(t, dc, dc.NewOU(t, ""), 5*time.Minute, edit...)
}

// newHarnessIn builds a harness on an existing OU whose runs must end
// within timeout.
func newHarnessIn(t testing.TB, dc *adtest.DC, ou string, timeout time.Duration, edit ...func(*Config)) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	h := &harness{t: t, ctx: ctx, dc: dc, ou: ou, prefix: fmt.Sprintf("i%d", prefixSeq.Add(1))}
	h.srv = entratest.NewServer(t, entratest.WithTenant(integrationTenant()))
	h.client = h.appClient(entra.Throughput{Backoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	h.bind = ad.Options{Host: dc.Host, CAFile: dc.CAFile, Username: dc.AdminUPN, Password: dc.AdminPassword, Logger: quiet}
	app, _ := h.srv.App(entratest.DefaultSyncApp)
	cfg := DefaultConfig()
	cfg.AD.Host, cfg.AD.BindUser, cfg.AD.PasswordFile = dc.Host, dc.AdminUPN, "ad.secret"
	cfg.AD.Scope.Include = []string{h.ou}
	cfg.Entra.TenantID, cfg.Entra.ClientID, cfg.Entra.InitialDomain = h.srv.TenantID, app.AppID, h.srv.InitialDomain
	cfg.Entra.CertificateFile, cfg.Entra.AuthorityHost, cfg.Entra.GraphEndpoint = "entra.pem", h.srv.AuthorityHost(), h.srv.URL
	cfg.Sync.DeletionThresholdPercent = 0 // the fixtures are small; guard tests set it
	for _, e := range edit {
		e(&cfg)
	}
	h.cfg = cfg
	h.store = NewMemStore()
	h.rebuild()
	return h
}

// appClient is a client of the emulator's sync application.
func (h *harness) appClient(tp entra.Throughput) *entra.Client {
	h.t.Helper()
	app, ok := h.srv.App(entratest.DefaultSyncApp)
	if !ok {
		h.t.Fatal("the emulator has no sync application")
	}
	cred, err := entra.CertificateCredential(app.PEM(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	opts := entra.Options{Cloud: entra.Cloud{AuthorityHost: h.srv.AuthorityHost(), GraphURL: h.srv.URL, RootCAs: h.srv.CAPool()}, Throughput: tp, Logger: quiet}
	c, err := entra.NewAppClient(opts, h.srv.TenantID, app.AppID, cred)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(c.Close)
	return c
}

// rebuild makes the source, the target and the engine again from h.cfg and
// h.bind (after a test changed them), keeping the store.
func (h *harness) rebuild(opts ...Option) {
	h.t.Helper()
	bind := h.bind
	h.source = NewADSource(func(ctx context.Context) (*ad.Client, error) { return ad.Dial(ctx, bind) },
		ADSourceOptions{SourceAnchor: h.cfg.Sync.SourceAnchor, ForceUSN: h.forceUSN, Logger: quiet})
	h.target = NewEntraTarget(h.client, EntraTargetOptions{Managers: slices.Contains(h.cfg.Sync.OptionalAttributes, AttrManager), Logger: quiet})
	e, err := NewEngine(h.cfg, h.source, h.target, h.store, append([]Option{WithLogger(quiet)}, opts...)...)
	if err != nil {
		h.t.Fatalf("NewEngine: %v", err)
	}
	h.engine = e
}

// run runs the engine and fails the test on a run error.
func (h *harness) run(kind RunKind) RunSummary {
	h.t.Helper()
	s, err := h.engine.Run(h.ctx, RunOptions{Kind: kind, Trigger: "test"})
	if err != nil {
		h.t.Fatalf("%s run: %v", kind, err)
	}
	if s.ErrorCount > 0 {
		h.t.Fatalf("%s run: %d objects failed: %+v", kind, s.ErrorCount, s.Errors)
	}
	return s
}

// seed loads an LDIF file of testdata/integration into the test's OU.
func (h *harness) seed(file string) {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "integration", file))
	if err != nil {
		h.t.Fatal(err)
	}
	h.dc.LoadLDIF(h.t, string(data), map[string]string{"OU": h.ou, "P": h.prefix})
}

// dn returns the DN of cn under the sub-OU sub ("" for the test's OU).
func (h *harness) dn(cn, sub string) string {
	parent := h.ou
	if sub != "" {
		parent = "OU=" + sub + "," + h.ou
	}
	return "CN=" + ad.EscapeDN(cn) + "," + parent
}

// addUser creates an enabled user CN=cn in sub with the test's prefix on
// sAMAccountName sam and on the UPN prefix, and extra attributes.
func (h *harness) addUser(cn, sub, sam, upnSuffix string, extra map[string][]string) string {
	h.t.Helper()
	dn := h.dn(cn, sub)
	attrs := map[string][]string{
		"objectClass": {"user"}, "sAMAccountName": {h.prefix + sam}, "displayName": {cn},
		"userAccountControl": {"544"},
	}
	if upnSuffix != "" {
		attrs["userPrincipalName"] = []string{h.prefix + sam + "@" + upnSuffix}
	}
	for k, v := range extra {
		attrs[k] = v
	}
	h.dc.Add(h.t, dn, attrs)
	return dn
}

// cursorMode returns the mode of the stored AD cursor.
func (h *harness) cursorMode() ad.DeltaMode {
	h.t.Helper()
	c, err := h.store.Cursor()
	if err != nil {
		h.t.Fatalf("read the stored cursor: %v", err)
	}
	cur, err := decodeADCursor(c.Data)
	if err != nil {
		h.t.Fatalf("decode the stored cursor: %v", err)
	}
	return cur.Mode
}

// upn is a user's UPN on a suffix, with the test's prefix.
func (h *harness) upn(sam, suffix string) string { return h.prefix + sam + "@" + suffix }

// anchor returns the anchor of the AD object dn: its objectGUID in base64.
func (h *harness) anchor(dn string) string {
	h.t.Helper()
	v := h.dc.Attr(h.t, dn, "objectGUID")
	if len(v) != 1 || len(v[0]) != 16 {
		h.t.Fatalf("objectGUID of %s: %q", dn, v)
	}
	return base64.StdEncoding.EncodeToString([]byte(v[0]))
}

// ldap returns an LDAPS connection bound as Administrator, for the
// operations adtest has no helper for (renames and moves).
func (h *harness) ldap() *ldap.Conn {
	h.t.Helper()
	return h.dc.DialAdmin(h.t)
}

// moveDN renames or moves dn to newRDN under newParent ("" keeps it).
func (h *harness) moveDN(dn, newRDN, newParent string) string {
	h.t.Helper()
	if err := h.ldap().ModifyDN(ldap.NewModifyDNRequest(dn, newRDN, true, newParent)); err != nil {
		h.t.Fatalf("move %s to %s,%s: %v", dn, newRDN, newParent, err)
	}
	if newParent == "" {
		_, parent, _ := strings.Cut(dn, ",")
		newParent = parent
	}
	return newRDN + "," + newParent
}

// user returns the tenant's user with the anchor, failing the test when
// there is none or more than one.
func (h *harness) user(anchor string) entratest.Object {
	h.t.Helper()
	var found []entratest.Object
	for _, u := range h.srv.Users() {
		if u.String("onPremisesImmutableId") == anchor {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("the tenant has %d users with onPremisesImmutableId %s, want 1", len(found), anchor)
	}
	return found[0]
}

// hasUser reports whether the tenant holds a live user with the anchor.
func (h *harness) hasUser(anchor string) bool {
	for _, u := range h.srv.Users() {
		if u.String("onPremisesImmutableId") == anchor {
			return true
		}
	}
	return false
}

// group returns the tenant's group carrying the anchor.
func (h *harness) group(anchor string) entratest.Object {
	h.t.Helper()
	nick, _ := GroupAnchorNickname(anchor)
	var found []entratest.Object
	for _, g := range h.srv.Groups() {
		if g.String("mailNickname") == nick {
			found = append(found, g)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("the tenant has %d groups with mailNickname %s, want 1", len(found), nick)
	}
	return found[0]
}

// memberAnchors returns the anchors of a group's members (users and
// groups), sorted.
func (h *harness) memberAnchors(g entratest.Object) []string {
	h.t.Helper()
	var out []string
	for _, id := range g.Members {
		o, ok := h.srv.Object(id)
		if !ok {
			h.t.Fatalf("group %s has a member %s that does not exist", g.String("displayName"), id)
		}
		if a := o.String("onPremisesImmutableId"); a != "" {
			out = append(out, a)
		} else {
			out = append(out, AnchorFromGroupNickname(o.String("mailNickname")))
		}
	}
	slices.Sort(out)
	return out
}

// manager returns the id of a user's manager in the tenant, "" for none.
func (h *harness) manager(id string) string {
	h.t.Helper()
	status, body := h.srv.Do("GET", "/users/"+id+"/manager", nil)
	switch status {
	case 200:
		m, _ := body["id"].(string)
		return m
	case 404:
		return ""
	}
	h.t.Fatalf("GET /users/%s/manager: %d %v", id, status, body)
	return ""
}

// writesSince returns the Graph writes the emulator logged since mark,
// batch items included ($batch envelopes, POSTs that write nothing
// themselves, and token requests are left out).
func (h *harness) writesSince(mark int) []entratest.Request {
	var out []entratest.Request
	for _, r := range h.srv.Requests()[mark:] {
		if r.Method != "GET" && !strings.HasSuffix(r.Path, "/$batch") && !isTokenRequest(r) {
			out = append(out, r)
		}
	}
	return out
}

// isTokenRequest reports whether r asks the identity platform for a token.
func isTokenRequest(r entratest.Request) bool {
	return r.Method == "POST" && strings.HasSuffix(r.Path, "/oauth2/v2.0/token")
}

// mark returns the position in the emulator's request log.
func (h *harness) mark() int { return len(h.srv.Requests()) }

// warning returns the run's warning with code, if any.
func warning(s RunSummary, code string) (Warning, bool) {
	i := slices.IndexFunc(s.Warnings, func(w Warning) bool { return w.Code == code })
	if i < 0 {
		return Warning{}, false
	}
	return s.Warnings[i], true
}

// cloudUser creates a cloud-only user in the emulator, as an administrator
// in the portal would, and returns its id.
func (h *harness) cloudUser(upn, displayName string) string {
	h.t.Helper()
	nick, _, _ := strings.Cut(upn, "@")
	status, body := h.srv.Do("POST", "/users", map[string]any{
		"accountEnabled": true, "displayName": displayName, "mailNickname": nick, "userPrincipalName": upn,
		"passwordProfile": map[string]any{"password": entra.GeneratePassword()},
	})
	if status != 201 {
		h.t.Fatalf("create cloud user %s: %d %v", upn, status, body)
	}
	return body["id"].(string)
}
