package ad

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// deltaWorld is an OU with users and a group, and a second OU outside the
// delta's scope.
type deltaWorld struct {
	ou, outside             string
	u1, u2, u4, g1, newUser string
	scope                   Scope
}

func newDeltaWorld(t *testing.T, c *Client, tag string) deltaWorld {
	t.Helper()
	dc, _ := admin(t)
	w := deltaWorld{ou: dc.NewOU(t, "delta "+tag), outside: dc.NewOU(t, "outside "+tag)}
	user := func(cn string) string {
		dn := "CN=" + cn + "," + w.ou
		dc.Add(t, dn, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {tag + cn}, "displayName": {cn}})
		return dn
	}
	w.u1, w.u2, w.u4 = user("u1"), user("u2"), user("u4")
	w.g1 = "CN=g1," + w.ou
	dc.Add(t, w.g1, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {tag + "g1"}, "member": {w.u1}})
	w.newUser = "CN=u3," + w.ou
	w.scope = Scope{Include: []string{w.ou}}
	return w
}

// change makes the same changes for every delta test: a new user, a
// changed one, a member added and one removed, a deletion and a move out
// of scope.
func (w deltaWorld) change(t *testing.T, c *Client, tag string) {
	t.Helper()
	dc, _ := admin(t)
	dc.Add(t, w.newUser, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {tag + "u3"}, "displayName": {"u3"}, "mail": {"u3@example.com"}})
	dc.Replace(t, w.u1, "displayName", "u1 changed")
	dc.AddValues(t, w.g1, "member", w.newUser)
	dc.DeleteValues(t, w.g1, "member", w.u1)
	dc.Delete(t, w.u2)
	if err := c.conn.ModifyDN(ldap.NewModifyDNRequest(w.u4, "CN=u4", true, w.outside)); err != nil {
		t.Fatal(err)
	}
}

// collectChanges runs Changes and keys the changes of this world by their
// displayName (live objects) or by "deleted".
func collectChanges(t *testing.T, c *Client, cur Cursor, opts DeltaOptions, w deltaWorld) (map[string]Change, Cursor, DeltaStats) {
	t.Helper()
	got := map[string]Change{}
	next, st, err := c.Changes(context.Background(), cur, opts, func(ch Change) error {
		switch {
		case ch.Deleted && strings.Contains(ch.Object.DN, "\nDEL:") || ch.Deleted && strings.Contains(ch.Object.DN, `\0ADEL:`):
			if strings.HasPrefix(ch.Object.DN, "CN=u2") {
				got["deleted u2"] = ch
			}
		case isUnder(ch.Object.DN, w.ou) || isUnder(ch.Object.DN, w.outside):
			got[ch.Object.DisplayName+ch.Object.SAMAccountName] = ch
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, next, st
}

func checkWorldChanges(t *testing.T, got map[string]Change, w deltaWorld, tag string, wantDeleted bool) {
	t.Helper()
	if ch, ok := got["u3"+tag+"u3"]; !ok || !ch.InScope || ch.Object.Mail != "u3@example.com" || ch.Object.GUID.IsZero() {
		t.Errorf("new user: %+v", ch)
	}
	if ch, ok := got["u1 changed"+tag+"u1"]; !ok || !ch.InScope {
		t.Errorf("changed user u1 missing or out of scope: %+v", ch)
	}
	g, ok := got[tag+"g1"]
	if !ok || !sameDNs(g.Object.Members, []string{w.newUser}) {
		t.Errorf("group: found %v, members %q, want [%s]", ok, g.Object.Members, w.newUser)
	}
	// The extended-DN control gives each member's objectGUID.
	if u3 := got["u3"+tag+"u3"].Object.GUID; ok && (len(g.Object.MemberGUIDs) != 1 || g.Object.MemberGUIDs[0] != u3) {
		t.Errorf("group member GUIDs %v, want [%v]", g.Object.MemberGUIDs, u3)
	}
	if ch, ok := got["u4"+tag+"u4"]; !ok || ch.InScope {
		t.Errorf("moved user u4: found %v, in scope %v; want a change out of scope", ok, ch.InScope)
	}
	if _, ok := got["deleted u2"]; ok != wantDeleted {
		t.Errorf("deletion of u2 reported: %v, want %v", ok, wantDeleted)
	}
}

func TestDeltaDirSync(t *testing.T) {
	_, c := admin(t)
	w := newDeltaWorld(t, c, "ds")
	opts := DeltaOptions{Scope: w.scope}
	cur, err := c.BeginDelta(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Mode != ModeDirSync || len(cur.Cookies) != 1 || cur.USN == 0 {
		t.Fatalf("cursor %+v, want DirSync with one cookie", cur)
	}
	w.change(t, c, "ds")
	got, next, st := collectChanges(t, c, cur, opts, w)
	checkWorldChanges(t, got, w, "ds", true)
	g := got["dsg1"]
	if !sameDNs(g.MembersAdded, []string{w.newUser}) || !sameDNs(g.MembersRemoved, []string{w.u1}) {
		t.Errorf("incremental values: added %q removed %q, want [%s] and [%s]", g.MembersAdded, g.MembersRemoved, w.newUser, w.u1)
	}
	if st.Mode != ModeDirSync || st.FellBack || st.Deleted == 0 || st.OutOfScope == 0 {
		t.Errorf("stats %+v", st)
	}
	if next.USN <= cur.USN || string(next.Cookies[cur.scopeNC()]) == string(cur.Cookies[cur.scopeNC()]) {
		t.Errorf("cursor did not move: USN %d -> %d", cur.USN, next.USN)
	}
	// The new cursor starts after these changes; the old one replays them.
	again, _, _ := collectChanges(t, c, next, opts, w)
	if len(again) != 0 {
		t.Errorf("the next round repeats %d changes of this test", len(again))
	}
	replay, _, _ := collectChanges(t, c, cur, opts, w)
	if len(replay) != len(got) {
		t.Errorf("the old cursor replays %d changes, want %d", len(replay), len(got))
	}
}

func TestDeltaUSN(t *testing.T) {
	_, c := admin(t)
	w := newDeltaWorld(t, c, "usn")
	opts := DeltaOptions{Scope: w.scope, ForceUSN: true}
	cur, err := c.BeginDelta(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Mode != ModeUSN || cur.Cookies != nil {
		t.Fatalf("cursor %+v, want uSNChanged mode", cur)
	}
	w.change(t, c, "usn")
	got, next, st := collectChanges(t, c, cur, opts, w)
	// An administrator sees tombstones with the show-deleted control.
	checkWorldChanges(t, got, w, "usn", true)
	if st.Mode != ModeUSN || next.USN <= cur.USN {
		t.Errorf("stats %+v, USN %d -> %d", st, cur.USN, next.USN)
	}
	if again, _, _ := collectChanges(t, c, next, opts, w); len(again) != 0 {
		t.Errorf("the next round repeats %d changes", len(again))
	}
}

func TestCursorNeedsFullImport(t *testing.T) {
	_, c := admin(t)
	w := newDeltaWorld(t, c, "fi")
	opts := DeltaOptions{Scope: w.scope}
	cur, err := c.BeginDelta(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cur)
	var stored Cursor
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Changes(context.Background(), stored, opts, func(Change) error { return nil }); err != nil {
		t.Fatalf("a cursor through JSON: %v", err)
	}
	tests := []struct {
		name string
		cur  func(Cursor) Cursor
		opts DeltaOptions
		want string
	}{
		{"another DC", func(c Cursor) Cursor { c.DC = "dc2.corp.example.com"; return c }, opts, "comes from DC dc2"},
		{"restored DC", func(c Cursor) Cursor { c.InvocationID[0] ^= 0xff; return c }, opts, "restored from a backup"},
		{"rolled back", func(c Cursor) Cursor { c.USN += 1 << 40; return c }, opts, "rolled back"},
		{"empty cursor", func(Cursor) Cursor { return Cursor{} }, opts, "empty or damaged"},
		{"other scope", func(c Cursor) Cursor { return c }, DeltaOptions{Scope: Scope{Include: []string{w.outside}}}, "scope or object kinds changed"},
		{"other kinds", func(c Cursor) Cursor { return c }, DeltaOptions{Scope: w.scope, Kinds: []Kind{KindUser}}, "scope or object kinds changed"},
		{"missing cookie", func(c Cursor) Cursor { c.Cookies = map[string][]byte{}; return c }, opts, "no DirSync cookie"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := tt.cur(cur)
			back, _, err := c.Changes(context.Background(), orig, tt.opts, func(Change) error { return nil })
			var fe *FullImportError
			if !errors.Is(err, ErrFullImportRequired) || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Changes: %v, want a FullImportError containing %q", err, tt.want)
			}
			if back.USN != orig.USN || back.Mode != orig.Mode {
				t.Errorf("the cursor returned with the error changed: %+v", back)
			}
		})
	}
}

func TestChangesCallbackErrorKeepsCursor(t *testing.T) {
	_, c := admin(t)
	w := newDeltaWorld(t, c, "cb")
	opts := DeltaOptions{Scope: w.scope}
	cur, err := c.BeginDelta(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	w.change(t, c, "cb")
	boom := errors.New("store is full")
	back, _, err := c.Changes(context.Background(), cur, opts, func(Change) error { return boom })
	if !errors.Is(err, boom) || back.USN != cur.USN || string(back.Cookies[cur.scopeNC()]) != string(cur.Cookies[cur.scopeNC()]) {
		t.Errorf("callback error: %v; cursor moved: %v", err, back.USN != cur.USN)
	}
}

// scopeNC returns the partition of a one-partition cursor.
func (cur Cursor) scopeNC() string {
	for k := range cur.Cookies {
		return k
	}
	return ""
}

// TestDeltaManyChanges makes more changes than go-ldap buffers for one
// search (64) in one DirSync round. Each change is read back in full from
// the DC; reading it while the round was still streaming deadlocked the
// connection, so the round must be read whole first.
func TestDeltaManyChanges(t *testing.T) {
	dc, c := admin(t)
	ou := dc.NewOU(t, "delta many")
	opts := DeltaOptions{Scope: Scope{Include: []string{ou}}}
	cur, err := c.BeginDelta(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	dc.SeedUsers(t, ou, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	users := 0
	_, st, err := c.Changes(ctx, cur, opts, func(ch Change) error {
		if ch.Object.Kind == KindUser && ch.InScope && ch.Object.DisplayName != "" {
			users++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Changes after %d new users: %v", n, err)
	}
	if users != n || st.Mode != ModeDirSync {
		t.Errorf("got %d users read back in full in mode %s, want %d by DirSync", users, st.Mode, n)
	}
}
