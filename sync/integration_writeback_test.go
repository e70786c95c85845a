package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/entrasync/entrasync/ad"
)

// consistencyGUID reads the ms-DS-ConsistencyGuid of dn from the DC (nil
// when it has none).
func (h *harness) consistencyGUID(dn string) []byte {
	h.t.Helper()
	v := h.dc.Attr(h.t, dn, "mS-DS-ConsistencyGuid")
	if len(v) == 0 {
		return nil
	}
	return []byte(v[0])
}

// objectGUID reads the objectGUID of dn from the DC.
func (h *harness) objectGUID(dn string) []byte {
	h.t.Helper()
	v := h.dc.Attr(h.t, dn, "objectGUID")
	if len(v) != 1 || len(v[0]) != 16 {
		h.t.Fatalf("objectGUID of %s: %q", dn, v)
	}
	return []byte(v[0])
}

// TestIntegrationWriteBack: with ms-DS-ConsistencyGuid as the source
// anchor (the default), a user without one holds its objectGUID there after
// the sync, as Entra Connect's ConsistencyGuid feature does; a user with
// one keeps it (and it is the anchor); groups get none. The next runs find
// nothing to do.
func TestIntegrationWriteBack(t *testing.T) {
	h := newHarness(t)
	plain := h.addUser("Wendy Write", "", "wendy", "example.com", nil)
	own := []byte("wendy's own guid")
	owned := h.addUser("Owen Own", "", "owen", "example.com", map[string][]string{"mS-DS-ConsistencyGuid": {string(own)}})
	group := h.dn("Writers", "")
	h.dc.Add(t, group, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {h.prefix + "writers"}, "member": {plain, owned}})

	s := h.run(RunFull)
	if s.Counts.Created != 3 || s.Counts.AnchorsWritten != 1 {
		t.Fatalf("initial sync: %d created, %d anchors written; want 3 and 1", s.Counts.Created, s.Counts.AnchorsWritten)
	}
	if got, want := h.consistencyGUID(plain), h.objectGUID(plain); !bytes.Equal(got, want) {
		t.Errorf("Wendy's ms-DS-ConsistencyGuid = %x, want her objectGUID %x", got, want)
	}
	if got := h.consistencyGUID(owned); !bytes.Equal(got, own) {
		t.Errorf("Owen's ms-DS-ConsistencyGuid = %q, want his own %q kept", got, own)
	}
	if got := h.consistencyGUID(group); got != nil {
		t.Errorf("the group got ms-DS-ConsistencyGuid %x, want none (users only)", got)
	}
	h.user(base64.StdEncoding.EncodeToString(own)) // Owen's anchor is his own value
	h.user(h.anchor(plain))

	for _, kind := range []RunKind{RunDelta, RunFull} {
		mark := h.mark()
		s := h.run(kind)
		if s.Counts.Planned != 0 || s.Counts.AnchorsWritten != 0 || len(h.writesSince(mark)) != 0 {
			t.Errorf("%s run after the write-back: %d planned, %d anchors written, Graph writes %+v; want nothing", kind, s.Counts.Planned, s.Counts.AnchorsWritten, h.writesSince(mark))
		}
	}
}

// TestIntegrationGroupConsistencyGUIDChanged: a group's anchor is kept in
// its mailNickname, which the engine does not sync, so a group whose
// ms-DS-ConsistencyGuid is set after export keeps its anchor, with a
// warning, and no run plans a change or finds drift.
func TestIntegrationGroupConsistencyGUIDChanged(t *testing.T) {
	h := newHarness(t)
	member := h.addUser("Gil Group", "", "gil", "example.com", nil)
	group := h.dn("Gilded", "")
	h.dc.Add(t, group, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {h.prefix + "gilded"}, "member": {member},
		"description": {"Gilded group"}})
	h.run(RunFull)
	anchor := h.anchor(group)
	g := h.group(anchor)
	if g.String("description") != "Gilded group" {
		t.Errorf("the group's description = %q, want Gilded group", g.String("description"))
	}

	h.dc.Replace(t, group, "mS-DS-ConsistencyGuid", string(bytes.Repeat([]byte{0x5a}, 16)))
	for _, kind := range []RunKind{RunDelta, RunFull} {
		mark := h.mark()
		s := h.run(kind)
		if s.Counts.Planned != 0 || s.Counts.Drifted != 0 || len(h.writesSince(mark)) != 0 {
			t.Errorf("%s run after the group's ms-DS-ConsistencyGuid changed: %d planned, %d drifted, writes %+v; want nothing",
				kind, s.Counts.Planned, s.Counts.Drifted, h.writesSince(mark))
		}
		if w, ok := warning(s, WarnAnchorKept); !ok || !slices.Contains(w.Objects, h.prefix+"gilded") {
			t.Errorf("%s run: warnings %+v, want anchor-kept for the group", kind, s.Warnings)
		}
	}
	if now := h.group(anchor); now.ID != g.ID || !slices.Equal(h.memberAnchors(now), []string{h.anchor(member)}) {
		t.Errorf("the group is now %s with members %v, want %s with its member", now.ID, h.memberAnchors(now), g.ID)
	}
}

// TestIntegrationWriteBackDenied: a connector account without the right
// to write ms-DS-ConsistencyGuid syncs Entra all the same, with a warning
// naming the fix; once granted (as setup does for that anchor), the next
// full run writes the anchors back.
func TestIntegrationWriteBackDenied(t *testing.T) {
	h := newHarness(t)
	users := []string{
		h.addUser("Dora Denied", "", "dora", "example.com", nil),
		h.addUser("Dirk Denied", "", "dirk", "example.com", nil),
	}
	acct := connectorAccount(t, h)
	h.bind.Username, h.bind.Password = acct.DownLevelName, acct.Password
	h.cfg.AD.BindUser = acct.DownLevelName
	h.rebuild()

	s := h.run(RunFull)
	if _, ok := warning(s, WarnWriteBack); !ok || s.Counts.Created != 2 || s.Counts.AnchorsWritten != 0 {
		t.Fatalf("run without the right: %d created, %d written, warnings %+v; want 2 created and an anchor-write-back warning", s.Counts.Created, s.Counts.AnchorsWritten, s.Warnings)
	}
	for _, u := range users {
		if got := h.consistencyGUID(u); got != nil {
			t.Errorf("%s got ms-DS-ConsistencyGuid %x without the right", u, got)
		}
	}

	admin, err := ad.Dial(h.ctx, ad.Options{Host: h.dc.Host, CAFile: h.dc.CAFile, Username: h.dc.AdminUPN, Password: h.dc.AdminPassword, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.GrantConnectorRights(context.Background(), acct.SID, true); err != nil {
		t.Fatal(err)
	}
	s = h.run(RunFull)
	if _, ok := warning(s, WarnWriteBack); ok || s.Counts.AnchorsWritten != 2 || s.Counts.Planned != 0 {
		t.Errorf("full run with the right: %d written, %d planned, warnings %+v; want 2 written, nothing planned", s.Counts.AnchorsWritten, s.Counts.Planned, s.Warnings)
	}
	for _, u := range users {
		if got, want := h.consistencyGUID(u), h.objectGUID(u); !bytes.Equal(got, want) {
			t.Errorf("%s: ms-DS-ConsistencyGuid %x, want its objectGUID %x", u, got, want)
		}
	}
}
