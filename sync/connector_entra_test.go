package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// These tests run the Entra target against the Graph emulator
// (entra/entratest), which answers as Graph's documentation says.

// targetEnv is an emulator and a Target of its sync application.
type targetEnv struct {
	t   *testing.T
	ctx context.Context
	srv *entratest.Server
	tgt *EntraTarget
	log *bytes.Buffer // the Target's and the client's log
}

func newTargetEnv(t *testing.T, app string, opts ...entratest.Option) *targetEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	srv := entratest.NewServer(t, append([]entratest.Option{entratest.WithTenant(integrationTenant())}, opts...)...)
	creds, ok := srv.App(app)
	if !ok {
		t.Fatalf("the emulator has no app %q", app)
	}
	cred, err := entra.CertificateCredential(creds.PEM(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := entra.NewAppClient(entra.Options{
		Cloud:      entra.Cloud{AuthorityHost: srv.AuthorityHost(), GraphURL: srv.URL, RootCAs: srv.CAPool()},
		Throughput: entra.Throughput{MaxAttempts: 2, Backoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		Logger:     log,
	}, srv.TenantID, creds.AppID, cred)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &targetEnv{t: t, ctx: ctx, srv: srv, tgt: NewEntraTarget(c, EntraTargetOptions{Managers: true, Logger: log}), log: &buf}
}

// apply applies writes and fails the test on a whole-call error.
func (e *targetEnv) apply(ws ...Write) []WriteResult {
	e.t.Helper()
	res, err := e.tgt.Apply(e.ctx, ws)
	if err != nil {
		e.t.Fatalf("Apply: %v", err)
	}
	if len(res) != len(ws) {
		e.t.Fatalf("Apply returned %d results for %d writes", len(res), len(ws))
	}
	return res
}

// createUser creates a user through the Target and returns its id.
func (e *targetEnv) createUser(anchor, upn string, extra Attributes) string {
	e.t.Helper()
	a := Attributes{AttrAccountEnabled: "true", AttrDisplayName: upn, AttrMailNickname: strings.Split(upn, "@")[0], AttrUserPrincipalName: upn}
	for k, v := range extra {
		a[k] = v
	}
	r := e.apply(Write{Op: WriteCreate, Kind: KindUser, Anchor: anchor, Attributes: a})[0]
	if r.Err != nil || r.ID == "" {
		e.t.Fatalf("create user %s: id %q, %v", upn, r.ID, r.Err)
	}
	return r.ID
}

// anchorN is a valid anchor (base64 of 16 bytes) made from n.
func anchorN(n byte) string {
	b := make([]byte, 16)
	b[0], b[15] = n, 0xfb // 0xfb makes '+' and '/' likely in base64
	return base64.StdEncoding.EncodeToString(b)
}

func TestEntraTargetTenant(t *testing.T) {
	e := newTargetEnv(t, entratest.DefaultSyncApp)
	got, err := e.tgt.Tenant(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.InitialDomain != entratest.DefaultInitialDomain {
		t.Errorf("InitialDomain = %q, want %q", got.InitialDomain, entratest.DefaultInitialDomain)
	}
	for _, d := range []string{entratest.DefaultInitialDomain, entratest.DefaultDomain, entratest.DefaultVerifiedDomain, "corp.example.com"} {
		if !slices.Contains(got.VerifiedDomains, d) {
			t.Errorf("VerifiedDomains = %v, want %s among them", got.VerifiedDomains, d)
		}
	}
	for _, d := range []string{entratest.DefaultUnverifiedDomain, "example.com"} {
		if slices.Contains(got.VerifiedDomains, d) {
			t.Errorf("VerifiedDomains = %v holds the unverified %s", got.VerifiedDomains, d)
		}
	}
}

// TestEntraTargetUsers creates, finds, lists, updates and deletes users
// through the Target and checks what the tenant holds at each step.
func TestEntraTargetUsers(t *testing.T) {
	e := newTargetEnv(t, entratest.DefaultSyncApp)
	a1, a2 := anchorN(1), anchorN(2)
	boss := e.createUser(a1, "boss@corp.example.com", Attributes{AttrMail: "Boss@Corp.Example.com", AttrJobTitle: "CEO", AttrBusinessPhones: "+1 555 0100"})
	id := e.createUser(a2, "worker@corp.example.com", Attributes{AttrAccountEnabled: "false", AttrDepartment: "Ops", AttrUsageLocation: "FR"})
	odd := e.createUser(anchorN(3), "odd#name@corp.example.com", nil)

	u, _ := e.srv.Object(id)
	if u.String("onPremisesImmutableId") != a2 || u.Bool("accountEnabled") || u.String("department") != "Ops" || u.String("usageLocation") != "FR" {
		t.Errorf("created user = %v, want anchor %s, disabled, department Ops, usageLocation FR", u.Properties, a2)
	}
	if _, ok := u.Properties["passwordProfile"]; !ok {
		t.Error("the user was created without a passwordProfile")
	}

	t.Run("lookup", func(t *testing.T) {
		alex, _ := e.srv.UserByUPN(entratest.DefaultUser)
		for _, c := range []struct {
			by     string
			values []string
			want   []string
		}{
			{LookupAnchor, []string{a1, a2, anchorN(9)}, []string{boss, id}},
			{LookupAnchor, []string{strings.ToLower(a1)}, nil}, // anchors are case-sensitive
			{AttrUserPrincipalName, []string{"BOSS@corp.example.com", "nobody@corp.example.com", "boss@corp.example.com"}, []string{boss}},
			{AttrUserPrincipalName, []string{"Odd#Name@corp.example.com", "none#@corp.example.com"}, []string{odd}}, // not in a URL path: found by listing
			{AttrMail, []string{"boss@corp.example.com"}, []string{boss}},
			{AttrMail, []string{strings.ToUpper(entratest.DefaultUser)}, []string{alex.ID}},
		} {
			got, err := e.tgt.Lookup(e.ctx, KindUser, c.by, c.values)
			if err != nil {
				t.Fatalf("Lookup(%s, %v): %v", c.by, c.values, err)
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			slices.Sort(ids)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("Lookup(%s, %v) = %v, want %v", c.by, c.values, ids, want)
			}
		}
		if _, err := e.tgt.Lookup(e.ctx, KindGroup, AttrMail, []string{"x"}); err == nil {
			t.Error("Lookup of groups by mail succeeded, want an error naming what is supported")
		}
	})

	t.Run("update", func(t *testing.T) {
		r := e.apply(
			Write{Op: WriteUpdate, Kind: KindUser, ID: id, Attributes: Attributes{AttrDepartment: "", AttrJobTitle: "Engineer", AttrAccountEnabled: "true"}},
			Write{Op: WriteUpdate, Kind: KindUser, ID: id, Attributes: Attributes{AttrManager: boss}},
		)
		for i, x := range r {
			if x.Err != nil {
				t.Fatalf("update %d: %v", i, x.Err)
			}
		}
		u, _ := e.srv.Object(id)
		if _, has := u.Properties["department"]; has && u.String("department") != "" || u.String("jobTitle") != "Engineer" || !u.Bool("accountEnabled") {
			t.Errorf("updated user = %v, want department cleared, jobTitle Engineer, enabled", u.Properties)
		}
		if u.String("usageLocation") != "FR" {
			t.Errorf("usageLocation = %q after an update that did not name it, want FR kept", u.String("usageLocation"))
		}
		got, err := e.tgt.Lookup(e.ctx, KindUser, LookupAnchor, []string{a2})
		if err != nil || len(got) != 1 || got[0].Attributes[AttrManager] != boss {
			t.Errorf("Lookup after setting the manager = %+v, %v; want manager %s", got, err, boss)
		}
		if r := e.apply(Write{Op: WriteUpdate, Kind: KindUser, ID: id, Attributes: Attributes{AttrManager: ""}})[0]; r.Err != nil {
			t.Fatalf("remove the manager: %v", r.Err)
		}
		if got, _ := e.tgt.Lookup(e.ctx, KindUser, LookupAnchor, []string{a2}); got[0].Attributes[AttrManager] != "" {
			t.Errorf("manager = %q after removing it, want none", got[0].Attributes[AttrManager])
		}
	})

	t.Run("list", func(t *testing.T) {
		e.apply(Write{Op: WriteUpdate, Kind: KindUser, ID: id, Attributes: Attributes{AttrManager: boss}})
		byID := map[string]TargetObject{}
		err := e.tgt.List(e.ctx, KindUser, func(o *TargetObject) error { byID[o.ID] = *o; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.srv.Users()); len(byID) != n {
			t.Errorf("List gave %d users, the tenant has %d", len(byID), n)
		}
		b := byID[boss]
		want := Attributes{AttrAccountEnabled: "true", AttrDisplayName: "boss@corp.example.com", AttrMailNickname: "boss",
			AttrUserPrincipalName: "boss@corp.example.com", AttrMail: "Boss@Corp.Example.com", AttrJobTitle: "CEO", AttrBusinessPhones: "+1 555 0100"}
		if b.Anchor != a1 || !mapsEqual(b.Attributes, want) {
			t.Errorf("listed boss = %+v, want anchor %s and attributes %v", b, a1, want)
		}
		if w := byID[id]; w.Attributes[AttrManager] != boss {
			t.Errorf("listed worker's manager = %q, want %s", w.Attributes[AttrManager], boss)
		}
		alex, _ := e.srv.UserByUPN(entratest.DefaultUser)
		if a := byID[alex.ID]; a.Anchor != "" || a.DirSynced {
			t.Errorf("cloud user listed as %+v, want no anchor, not dir-synced", a)
		}
	})

	t.Run("delete", func(t *testing.T) {
		r := e.apply(Write{Op: WriteDelete, Kind: KindUser, ID: id}, Write{Op: WriteDelete, Kind: KindUser, ID: id})
		if r[0].Err != nil || r[1].Err != nil {
			t.Errorf("delete twice: %v, %v; want both to succeed (already gone is done)", r[0].Err, r[1].Err)
		}
		if u, ok := e.srv.Object(id); !ok || u.DeletedAt.IsZero() {
			t.Errorf("after the delete the user is %+v, want it in deleted items", u)
		}
	})

	// The initial passwords are random and never logged.
	if strings.Contains(strings.ToLower(e.log.String()), "password") {
		t.Errorf("the log mentions a password:\n%s", e.log.String())
	}
}

func mapsEqual(a, b Attributes) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestEntraTargetGroups checks that a group's anchor is kept in its
// mailNickname, found again by Lookup and List with the group's members,
// and never rewritten by an update.
func TestEntraTargetGroups(t *testing.T) {
	e := newTargetEnv(t, entratest.DefaultSyncApp)
	ga, ua := anchorN(7), anchorN(8)
	uid := e.createUser(ua, "member@corp.example.com", nil)
	r := e.apply(Write{Op: WriteCreate, Kind: KindGroup, Anchor: ga,
		Attributes: Attributes{AttrDisplayName: "Crew", AttrDescription: "The crew"}})[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	gid := r.ID
	g, _ := e.srv.Object(gid)
	nick, _ := GroupAnchorNickname(ga)
	if g.String("mailNickname") != nick || !g.Bool("securityEnabled") || g.Bool("mailEnabled") || g.String("description") != "The crew" {
		t.Errorf("created group = %v, want a security group with mailNickname %s", g.Properties, nick)
	}
	if r := e.apply(Write{Op: WriteAddMembers, Kind: KindGroup, ID: gid, Members: []string{uid}})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}

	found, err := e.tgt.Lookup(e.ctx, KindGroup, LookupAnchor, []string{ga, anchorN(99), "not base64!"})
	if err != nil || len(found) != 1 || found[0].ID != gid || found[0].Anchor != ga || !slices.Equal(found[0].Members, []string{uid}) {
		t.Fatalf("Lookup(group, anchor) = %+v, %v; want the group %s with anchor %s and member %s", found, err, gid, ga, uid)
	}

	// mailNickname holds the anchor: the engine never sends it, and the
	// Target refuses it; an update of nothing sends nothing.
	mark := len(e.srv.Requests())
	r = e.apply(Write{Op: WriteUpdate, Kind: KindGroup, ID: gid, Attributes: Attributes{AttrMailNickname: "renamed"}})[0]
	if r.Err == nil || len(e.srv.Requests()) != mark {
		t.Errorf("update of mailNickname: %v, %d requests; want an error and no request", r.Err, len(e.srv.Requests())-mark)
	}
	r = e.apply(Write{Op: WriteUpdate, Kind: KindGroup, ID: gid, Attributes: Attributes{}})[0]
	if r.Err != nil || len(e.srv.Requests()) != mark {
		t.Errorf("empty update: %v, %d requests; want success and no request", r.Err, len(e.srv.Requests())-mark)
	}
	r = e.apply(Write{Op: WriteUpdate, Kind: KindGroup, ID: gid, Attributes: Attributes{AttrDisplayName: "Crew 2", AttrDescription: ""}})[0]
	g, _ = e.srv.Object(gid)
	if r.Err != nil || g.String("displayName") != "Crew 2" || g.String("description") != "" || g.String("mailNickname") != nick {
		t.Errorf("update: %v, group = %v; want displayName Crew 2, description cleared, mailNickname %s kept", r.Err, g.Properties, nick)
	}

	var listed []TargetObject
	if err := e.tgt.List(e.ctx, KindGroup, func(o *TargetObject) error { listed = append(listed, *o); return nil }); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(listed, func(o TargetObject) bool { return o.ID == gid })
	if len(listed) != len(e.srv.Groups()) || i < 0 || listed[i].Anchor != ga || !slices.Equal(listed[i].Members, []string{uid}) {
		t.Errorf("List(groups) = %+v, want every group, ours with anchor %s and member %s", listed, ga, uid)
	}
	for _, o := range listed {
		if o.ID != gid && o.Anchor != "" {
			t.Errorf("cloud group %s listed with anchor %q, want none", o.Attributes[AttrDisplayName], o.Anchor)
		}
	}

	r = e.apply(Write{Op: WriteRemoveMembers, Kind: KindGroup, ID: gid, Members: []string{uid}})[0]
	if g, _ := e.srv.Object(gid); r.Err != nil || len(g.Members) != 0 {
		t.Errorf("remove member: %v, members %v; want none", r.Err, g.Members)
	}
}

func TestGroupAnchorNickname(t *testing.T) {
	long := base64.StdEncoding.EncodeToString(make([]byte, 44))
	for _, c := range []struct {
		anchor, nick string
		ok           bool
	}{
		{"AAECAwQFBgcICQoLDA0ODw==", "esync-AAECAwQFBgcICQoLDA0ODw", true},
		{"+/v7+/v7+/v7+/v7+/v7+w==", "esync--_v7-_v7-_v7-_v7-_v7-w", true},
		{base64.StdEncoding.EncodeToString(make([]byte, 43)), "esync-" + strings.Repeat("A", 58), true},
		{long, "", false}, // 59 characters after the prefix: over 64
		{"not base64", "", false},
		{"", "", false},
	} {
		nick, ok := GroupAnchorNickname(c.anchor)
		if nick != c.nick || ok != c.ok {
			t.Errorf("GroupAnchorNickname(%q) = %q, %v; want %q, %v", c.anchor, nick, ok, c.nick, c.ok)
			continue
		}
		if ok {
			if back := AnchorFromGroupNickname(nick); back != c.anchor {
				t.Errorf("AnchorFromGroupNickname(%q) = %q, want %q", nick, back, c.anchor)
			}
			if got := sanitizeMailNickname(nick); got != nick {
				t.Errorf("the mapping turns mailNickname %q into %q: it must keep it", nick, got)
			}
		}
	}
	for _, nick := range []string{"sales", "esync-", "esync-!!", "ESYNC-AAECAwQFBgcICQoLDA0ODw"} {
		if a := AnchorFromGroupNickname(nick); a != "" {
			t.Errorf("AnchorFromGroupNickname(%q) = %q, want none", nick, a)
		}
	}
}

// TestEntraTargetErrors checks the translation of Graph's refusals into
// sync's errors, per write and for whole calls.
func TestEntraTargetErrors(t *testing.T) {
	e := newTargetEnv(t, entratest.DefaultSyncApp)
	taken := e.createUser(anchorN(1), "taken@corp.example.com", nil)

	res := e.apply(
		Write{Op: WriteCreate, Kind: KindUser, Anchor: anchorN(2), Attributes: Attributes{AttrAccountEnabled: "true", AttrDisplayName: "x", AttrMailNickname: "x", AttrUserPrincipalName: "TAKEN@corp.example.com"}},
		Write{Op: WriteCreate, Kind: KindUser, Anchor: anchorN(1), Attributes: Attributes{AttrAccountEnabled: "true", AttrDisplayName: "y", AttrMailNickname: "y", AttrUserPrincipalName: "y@corp.example.com"}},
		Write{Op: WriteCreate, Kind: KindUser, Anchor: anchorN(3), Attributes: Attributes{AttrAccountEnabled: "true", AttrDisplayName: "z", AttrMailNickname: "z", AttrUserPrincipalName: "z@" + entratest.DefaultUnverifiedDomain}},
		Write{Op: WriteUpdate, Kind: KindUser, ID: "00000000-0000-0000-0000-000000000001", Attributes: Attributes{AttrJobTitle: "x"}},
		Write{Op: WriteUpdate, Kind: KindUser, ID: taken, Attributes: Attributes{AttrAccountEnabled: "maybe"}},
		Write{Op: WriteCreate, Kind: KindGroup, Anchor: base64.StdEncoding.EncodeToString(make([]byte, 60)), Attributes: Attributes{AttrDisplayName: "g"}},
	)
	var ce *ConflictError
	if !errors.As(res[0].Err, &ce) || ce.Property != AttrUserPrincipalName || !strings.EqualFold(ce.Value, "taken@corp.example.com") {
		t.Errorf("taken UPN: %v, want a ConflictError on userPrincipalName", res[0].Err)
	}
	if !errors.As(res[1].Err, &ce) || ce.Property != "onPremisesImmutableId" {
		t.Errorf("taken anchor: %v, want a ConflictError on onPremisesImmutableId", res[1].Err)
	}
	var ive *InvalidValueError
	if !errors.As(res[2].Err, &ive) || ive.Property != AttrUserPrincipalName || !errors.Is(res[2].Err, entra.ErrUPNDomainNotVerified) {
		t.Errorf("unverified domain: %v, want an InvalidValueError on userPrincipalName wrapping entra's", res[2].Err)
	}
	if !errors.Is(res[3].Err, ErrGone) {
		t.Errorf("update of a missing user: %v, want ErrGone", res[3].Err)
	}
	if !errors.As(res[4].Err, &ive) || ive.Property != AttrAccountEnabled {
		t.Errorf("accountEnabled maybe: %v, want an InvalidValueError", res[4].Err)
	}
	if !errors.As(res[5].Err, &ive) || ive.Property != "anchor" {
		t.Errorf("group anchor too long: %v, want an InvalidValueError naming the anchor", res[5].Err)
	}
	if _, ok := e.srv.UserByUPN("y@corp.example.com"); ok {
		t.Error("the create with a taken anchor made a user")
	}

	t.Run("throttled", func(t *testing.T) {
		remove := e.srv.InjectFault(entratest.Fault{Path: "/v1.0/users/*", Status: 429, RetryAfter: 2 * time.Second})
		defer remove()
		r := e.apply(Write{Op: WriteUpdate, Kind: KindUser, ID: taken, Attributes: Attributes{AttrJobTitle: "x"}})[0]
		var te *ThrottledError
		if !errors.As(r.Err, &te) || te.RetryAfter != 2*time.Second {
			t.Errorf("throttled write: %v, want a ThrottledError with Retry-After 2s", r.Err)
		}
	})

	t.Run("refused without a property", func(t *testing.T) {
		// A whole $batch refused with a code Graph names no property for:
		// the error keeps Graph's code and message and names no empty
		// property.
		remove := e.srv.InjectFault(entratest.Fault{Method: "POST", Path: "/v1.0/$batch", Status: 400, Code: "Request_SomethingNew", Message: "A brand new failure."})
		defer remove()
		r := e.apply(Write{Op: WriteUpdate, Kind: KindUser, ID: taken, Attributes: Attributes{AttrJobTitle: "x"}})[0]
		if !errors.Is(r.Err, ErrInvalidValue) {
			t.Fatalf("refused $batch: %v, want an error matching ErrInvalidValue", r.Err)
		}
		msg := r.Err.Error()
		if strings.Contains(msg, `""`) || !strings.Contains(msg, "Request_SomethingNew: A brand new failure.") {
			t.Errorf("refused $batch: got %q, want Graph's code and message and no empty property", msg)
		}
	})

	t.Run("denied", func(t *testing.T) {
		d := newTargetEnv(t, entratest.DefaultUnprivilegedApp)
		r, err := d.tgt.Apply(d.ctx, []Write{{Op: WriteDelete, Kind: KindUser, ID: taken}})
		if err != nil || !errors.Is(r[0].Err, ErrDenied) {
			t.Errorf("write without permission: %v, %v; want a result matching ErrDenied", err, r[0].Err)
		}
		for name, call := range map[string]func() error{
			"Tenant": func() error { _, err := d.tgt.Tenant(d.ctx); return err },
			"List":   func() error { return d.tgt.List(d.ctx, KindUser, func(*TargetObject) error { return nil }) },
			"Lookup": func() error { _, err := d.tgt.Lookup(d.ctx, KindUser, LookupAnchor, []string{anchorN(1)}); return err },
		} {
			if err := call(); !errors.Is(err, ErrDenied) || !IsPermanent(err) {
				t.Errorf("%s without permission: %v, want a permanent error matching ErrDenied", name, err)
			}
		}
	})
}
