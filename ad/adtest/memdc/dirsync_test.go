package memdc_test

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// dirSync runs one DirSync round with a fresh request (a reused request
// would resend the first cookie) and returns the entries, the new cookie
// and whether more data waits.
func dirSync(t *testing.T, l *ldap.Conn, base, filter string, attrs []string, flags, maxBytes int64, cookie []byte) ([]*ldap.Entry, []byte, bool) {
	t.Helper()
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	res, err := l.DirSync(req, flags, maxBytes, cookie)
	if err != nil {
		t.Fatalf("DirSync: %v", err)
	}
	c, ok := ldap.FindControl(res.Controls, ldap.ControlTypeDirSync).(*ldap.ControlDirSync)
	if !ok || len(c.Cookie) == 0 {
		t.Fatalf("DirSync: no cookie in the response controls %v", res.Controls)
	}
	return res.Entries, c.Cookie, c.Flags != 0
}

func byDN(es []*ldap.Entry) map[string]*ldap.Entry {
	m := map[string]*ldap.Entry{}
	for _, e := range es {
		m[e.DN] = e
	}
	return m
}

func attrNames(e *ldap.Entry) string {
	var n []string
	for _, a := range e.Attributes {
		n = append(n, a.Name)
	}
	return strings.Join(n, ",")
}

func TestDirSyncRoundTrip(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	corp := "OU=Corp," + base
	attrs := []string{"sAMAccountName", "userPrincipalName", "title", "displayName"}
	filter := "(&(objectClass=user)(!(objectClass=computer)))"

	all, cookie, more := dirSync(t, l, base, filter, attrs, 0, 0, nil)
	people := search(t, l, base, ldap.ScopeWholeSubtree, filter, []string{"1.1"})
	if len(all) != len(people) || more {
		t.Fatalf("initial DirSync: got %d entries (more=%v), want all %d users", len(all), more, len(people))
	}
	zoe := "CN=Zoë Müller,OU=Marketing,OU=Users," + corp
	first := byDN(all)[zoe]
	if first == nil || first.GetAttributeValue("title") != "Brand Designer" || len(first.GetRawAttributeValue("objectGUID")) != 16 || first.GetAttributeValue("instanceType") != "4" {
		t.Fatalf("initial entry of %s: %v", zoe, first)
	}

	t.Run("nothing changed", func(t *testing.T) {
		es, next, _ := dirSync(t, l, base, filter, attrs, 0, 0, cookie)
		if len(es) != 0 {
			t.Fatalf("DirSync without changes: got %d entries, want 0", len(es))
		}
		cookie = next
	})
	t.Run("one attribute changed", func(t *testing.T) {
		m := ldap.NewModifyRequest(zoe, nil)
		m.Replace("title", []string{"Creative Director"})
		if err := l.Modify(m); err != nil {
			t.Fatalf("modify: %v", err)
		}
		es, next, _ := dirSync(t, l, base, filter, attrs, 0, 0, cookie)
		if len(es) != 1 || es[0].DN != zoe {
			t.Fatalf("after one change: got %d entries, want only %s", len(es), zoe)
		}
		if got := attrNames(es[0]); got != "objectGUID,instanceType,title" {
			t.Fatalf("attributes of the change: got %s, want objectGUID,instanceType,title", got)
		}
		if es[0].GetAttributeValue("title") != "Creative Director" {
			t.Fatalf("title: got %q", es[0].GetAttributeValue("title"))
		}
		if string(next) == string(cookie) {
			t.Fatalf("the cookie did not move")
		}
		cookie = next
	})
	t.Run("changes outside the attribute list do not show", func(t *testing.T) {
		m := ldap.NewModifyRequest(zoe, nil)
		m.Replace("telephoneNumber", []string{"+49 30 5550 400"})
		if err := l.Modify(m); err != nil {
			t.Fatalf("modify: %v", err)
		}
		es, next, _ := dirSync(t, l, base, filter, attrs, 0, 0, cookie)
		if len(es) != 0 {
			t.Fatalf("a change to an attribute not asked for: got %v, want nothing", attrNames(es[0]))
		}
		cookie = next
	})
	t.Run("an attribute cleared comes back empty", func(t *testing.T) {
		m := ldap.NewModifyRequest(zoe, nil)
		m.Delete("title", nil)
		if err := l.Modify(m); err != nil {
			t.Fatalf("modify: %v", err)
		}
		es, next, _ := dirSync(t, l, base, filter, attrs, 0, 0, cookie)
		if len(es) != 1 || attrNames(es[0]) != "objectGUID,instanceType,title" || len(es[0].GetAttributeValues("title")) != 0 {
			t.Fatalf("cleared title: got %v", es)
		}
		cookie = next
	})
	t.Run("rename and move", func(t *testing.T) {
		if err := l.ModifyDN(ldap.NewModifyDNRequest(zoe, "CN=Zoë Schmidt", true, "OU=Sales,OU=Users,"+corp)); err != nil {
			t.Fatalf("move: %v", err)
		}
		es, next, _ := dirSync(t, l, base, filter, append(attrs, "name"), 0, 0, cookie)
		if len(es) != 1 || es[0].GetAttributeValue("name") != "Zoë Schmidt" || len(es[0].GetRawAttributeValue("parentGUID")) != 16 {
			t.Fatalf("after a rename and move: got %v", es)
		}
		cookie = next
	})
	t.Run("delete", func(t *testing.T) {
		dana := "CN=Dana Whitfield,OU=Sales,OU=Users," + corp
		guid := get(t, l, dana, "objectGUID").GetRawAttributeValue("objectGUID")
		if err := l.Del(ldap.NewDelRequest(dana, nil)); err != nil {
			t.Fatalf("delete: %v", err)
		}
		es, next, _ := dirSync(t, l, base, filter, attrs, 0, 0, cookie)
		if len(es) != 1 {
			t.Fatalf("after a delete: got %d entries, want the tombstone", len(es))
		}
		e := es[0]
		if e.GetAttributeValue("isDeleted") != "TRUE" || string(e.GetRawAttributeValue("objectGUID")) != string(guid) ||
			!strings.Contains(e.DN, "\\0ADEL:") || !strings.HasSuffix(e.DN, "CN=Deleted Objects,"+base) {
			t.Fatalf("tombstone: %s %v", e.DN, attrNames(e))
		}
		if len(e.GetAttributeValues("userPrincipalName")) != 0 {
			t.Fatalf("the tombstone's UPN: got %v, want an empty (removed) attribute", e.GetAttributeValues("userPrincipalName"))
		}
		cookie = next
	})
}

func TestDirSyncIncrementalMemberValues(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	corp := "OU=Corp," + base
	group := "CN=SG-Legal,OU=Groups," + corp
	filter := "(objectClass=group)"
	_, cookie, _ := dirSync(t, l, base, filter, []string{"member"}, ldap.DirSyncIncrementalValues, 0, nil)
	zoe := "CN=Zoë Müller,OU=Marketing,OU=Users," + corp
	existing := get(t, l, group, "member").GetAttributeValues("member")[0]
	m := ldap.NewModifyRequest(group, nil)
	m.Add("member", []string{zoe})
	m.Delete("member", []string{existing})
	if err := l.Modify(m); err != nil {
		t.Fatalf("modify members: %v", err)
	}
	es, cookie2, _ := dirSync(t, l, base, filter, []string{"member"}, ldap.DirSyncIncrementalValues, 0, cookie)
	if len(es) != 1 || es[0].DN != group {
		t.Fatalf("after a member change: got %d entries, want only %s", len(es), group)
	}
	added := es[0].GetAttributeValues("member;range=1-1")
	removed := es[0].GetAttributeValues("member;range=0-0")
	if len(added) != 1 || added[0] != zoe || len(removed) != 1 || removed[0] != existing {
		t.Fatalf("incremental values: added %v, removed %v; want [%s] and [%s]", added, removed, zoe, existing)
	}
	t.Run("without the flag every value comes", func(t *testing.T) {
		es, _, _ := dirSync(t, l, base, filter, []string{"member"}, 0, 0, cookie)
		n := len(get(t, l, group, "member").GetAttributeValues("member"))
		if len(es) != 1 || len(es[0].GetAttributeValues("member")) != n {
			t.Fatalf("without incremental values: got %v, want all %d members", es, n)
		}
	})
	t.Run("a deleted member is removed from the group", func(t *testing.T) {
		if err := l.Del(ldap.NewDelRequest(zoe, nil)); err != nil {
			t.Fatalf("delete: %v", err)
		}
		es, _, _ := dirSync(t, l, base, filter, []string{"member"}, ldap.DirSyncIncrementalValues, 0, cookie2)
		var removed []string
		for _, e := range es {
			if e.DN == group {
				removed = e.GetAttributeValues("member;range=0-0")
			}
		}
		if len(removed) != 1 || !strings.Contains(removed[0], "\\0ADEL:") {
			t.Fatalf("member removal after the member's deletion: got %v, want the tombstone's DN", removed)
		}
	})
}

func TestDirSyncMoreData(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     memdc.Options
		maxBytes int64
	}{
		{"object batch", memdc.Options{DirSyncBatch: 40}, 0},
		{"MaxAttrCount bytes", memdc.Options{}, 4000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Seed = memdc.SampleCompany("corp.example.com")
			s := start(t, tc.opts)
			l := admin(t, s)
			filter := "(&(objectCategory=person)(objectClass=user))"
			want := len(search(t, l, s.BaseDN(), ldap.ScopeWholeSubtree, filter, []string{"1.1"}))
			seen := map[string]bool{}
			var cookie []byte
			rounds := 0
			for more := true; more; rounds++ {
				var es []*ldap.Entry
				es, cookie, more = dirSync(t, l, s.BaseDN(), filter, []string{"sAMAccountName"}, 0, tc.maxBytes, cookie)
				for _, e := range es {
					if seen[e.DN] {
						t.Fatalf("%s came twice", e.DN)
					}
					seen[e.DN] = true
				}
				if rounds > 100 {
					t.Fatalf("the more-data loop does not end")
				}
			}
			if len(seen) != want || rounds < 3 {
				t.Fatalf("got %d users in %d rounds, want %d in several rounds", len(seen), rounds, want)
			}
			es, _, more := dirSync(t, l, s.BaseDN(), filter, []string{"sAMAccountName"}, 0, tc.maxBytes, cookie)
			if len(es) != 0 || more {
				t.Fatalf("after the loop: got %d entries, more=%v; want none", len(es), more)
			}
		})
	}
}

func TestDirSyncErrorsAndRights(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	filter := "(objectClass=user)"
	raw := func(c *ldap.Conn, base string, flags int64, cookie []byte, critical bool) error {
		ctrl := ldap.NewRequestControlDirSync(flags, 0, cookie)
		ctrl.Criticality = critical
		_, err := c.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, 0, 0, 0, false, filter, []string{"sAMAccountName"}, []ldap.Control{ctrl}))
		return err
	}
	for _, tc := range []struct {
		name     string
		base     string
		flags    int64
		cookie   []byte
		critical bool
		code     uint16
	}{
		{"not a naming context", "OU=Corp," + base, 0, nil, true, ldap.LDAPResultInsufficientAccessRights},
		{"not a naming context, object security", "OU=Corp," + base, ldap.DirSyncObjectSecurity, nil, true, ldap.LDAPResultUnwillingToPerform},
		{"malformed cookie", base, 0, []byte("not a cookie"), true, ldap.LDAPResultUnavailableCriticalExtension},
		{"not critical", base, 0, nil, false, ldap.LDAPResultProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resultCode(t, raw(l, tc.base, tc.flags, tc.cookie, tc.critical)); got != tc.code {
				t.Fatalf("got result %d, want %d", got, tc.code)
			}
		})
	}

	// A plain user lacks Replicating Directory Changes until an
	// administrator grants it on the domain root.
	connector := "CN=Entra Connector,CN=Users," + base
	addUser(t, l, connector, "entraconnector", "")
	u := bindAs(t, s, `CORP\entraconnector`, password)
	if got := resultCode(t, raw(u, base, 0, nil, true)); got != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("DirSync without the right: got %d, want insufficientAccessRights", got)
	}
	if err := raw(u, base, ldap.DirSyncObjectSecurity, nil, true); err != nil {
		t.Fatalf("DirSync with LDAP_DIRSYNC_OBJECT_SECURITY needs no right: %v", err)
	}
	sid := get(t, l, connector, "objectSid").GetRawAttributeValue("objectSid")
	grantGetChanges(t, l, base, sid)
	if err := raw(u, base, 0, nil, true); err != nil {
		t.Fatalf("DirSync after the grant: %v", err)
	}

	t.Run("a restored DC starts over", func(t *testing.T) {
		_, cookie, _ := dirSync(t, l, base, filter, []string{"sAMAccountName"}, 0, 0, nil)
		es, _, _ := dirSync(t, l, base, filter, []string{"sAMAccountName"}, 0, 0, cookie)
		if len(es) != 0 {
			t.Fatalf("no change: got %d entries", len(es))
		}
		s.ResetInvocationID()
		es, _, _ = dirSync(t, l, base, filter, []string{"sAMAccountName"}, 0, 0, cookie)
		if len(es) < 180 {
			t.Fatalf("a cookie of the old invocation: got %d entries, want a full result", len(es))
		}
	})
}

// grantGetChanges adds an ACE allowing DS-Replication-Get-Changes to sid on
// the domain root, as the connector-account setup does: read the DACL with
// SD_FLAGS, append the object ACE, write the DACL back.
func grantGetChanges(t *testing.T, l *ldap.Conn, base string, sid []byte) {
	t.Helper()
	dacl := &ldap.ControlMicrosoftSDFlags{ControlValue: 4}
	sd := search(t, l, base, ldap.ScopeBaseObject, "(objectClass=*)", []string{"nTSecurityDescriptor"}, dacl)[0].GetRawAttributeValue("nTSecurityDescriptor")
	if len(sd) < 20 {
		t.Fatalf("nTSecurityDescriptor: got %d bytes", len(sd))
	}
	if owner := binary.LittleEndian.Uint32(sd[4:]); owner != 0 {
		t.Fatalf("SD_FLAGS 4 (DACL only): the descriptor still has an owner at %d", owner)
	}
	off := binary.LittleEndian.Uint32(sd[16:])
	size := binary.LittleEndian.Uint16(sd[off+2:])
	count := binary.LittleEndian.Uint16(sd[off+4:])
	aces := sd[off+8 : off+uint32(size)]
	// ACCESS_ALLOWED_OBJECT_ACE: control access to the Get-Changes right.
	right, _ := hex.DecodeString("aaf63111079cd111f79f00c04fc2dcd2")
	ace := []byte{0x05, 0x00, 0, 0}
	ace = binary.LittleEndian.AppendUint32(ace, 0x100)
	ace = binary.LittleEndian.AppendUint32(ace, 1)
	ace = append(append(ace, right...), sid...)
	binary.LittleEndian.PutUint16(ace[2:], uint16(len(ace)))
	acl := []byte{4, 0, 0, 0, 0, 0, 0, 0}
	acl = append(append(acl, aces...), ace...)
	binary.LittleEndian.PutUint16(acl[2:], uint16(len(acl)))
	binary.LittleEndian.PutUint16(acl[4:], count+1)
	out := make([]byte, 20)
	out[0] = 1
	binary.LittleEndian.PutUint16(out[2:], 0x8004)
	binary.LittleEndian.PutUint32(out[16:], 20)
	out = append(out, acl...)
	m := ldap.NewModifyRequest(base, []ldap.Control{dacl})
	m.Replace("nTSecurityDescriptor", []string{string(out)})
	if err := l.Modify(m); err != nil {
		t.Fatalf("write the DACL: %v", err)
	}
	after := search(t, l, base, ldap.ScopeBaseObject, "(objectClass=*)", []string{"nTSecurityDescriptor"}, dacl)[0].GetRawAttributeValue("nTSecurityDescriptor")
	if got := binary.LittleEndian.Uint16(after[binary.LittleEndian.Uint32(after[16:])+4:]); got != count+1 {
		t.Fatalf("ACE count after the write: got %d, want %d", got, count+1)
	}
}

func TestUSNChangedPolling(t *testing.T) {
	s := startSample(t)
	l := admin(t, s)
	base := s.BaseDN()
	usn := func() int64 {
		n, err := strconv.ParseInt(get(t, l, "", "highestCommittedUSN").GetAttributeValue("highestCommittedUSN"), 10, 64)
		if err != nil {
			t.Fatalf("highestCommittedUSN: %v", err)
		}
		return n
	}
	mark := usn()
	if mark != s.HighestUSN() {
		t.Fatalf("rootDSE USN %d and HighestUSN %d differ", mark, s.HighestUSN())
	}
	changes, err := s.Mutate(5)
	if err != nil || len(changes) != 5 {
		t.Fatalf("Mutate(5): got %v, %v", changes, err)
	}
	if usn() <= mark {
		t.Fatalf("highestCommittedUSN did not move after Mutate")
	}
	filter := "(&(objectCategory=person)(objectClass=user)(uSNChanged>=" + strconv.FormatInt(mark+1, 10) + "))"
	es := search(t, l, base, ldap.ScopeWholeSubtree, filter, []string{"uSNChanged"})
	deleted := search(t, l, base, ldap.ScopeWholeSubtree, "(&(isDeleted=TRUE)(uSNChanged>="+strconv.FormatInt(mark+1, 10)+"))",
		[]string{"uSNChanged"}, ldap.NewControlMicrosoftShowDeleted())
	changedUsers := map[string]bool{}
	for _, c := range changes {
		if c.Kind != "join" && c.Kind != "part" {
			changedUsers[c.DN] = true
		}
	}
	got := map[string]bool{}
	for _, e := range append(es, deleted...) {
		got[e.DN] = true
		if n, _ := strconv.ParseInt(e.GetAttributeValue("uSNChanged"), 10, 64); n <= mark {
			t.Errorf("%s: uSNChanged %d is not above %d", e.DN, n, mark)
		}
	}
	for dn := range changedUsers {
		if !got[dn] {
			t.Errorf("%s changed (%v) but uSNChanged polling missed it", dn, changes)
		}
	}
}
