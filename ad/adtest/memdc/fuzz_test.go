package memdc

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// FuzzRequest feeds arbitrary LDAP messages to a connection bound as the
// administrator: whatever the bytes, the server must answer or hang up,
// never panic or hang. The seeds are real requests.
func FuzzRequest(f *testing.F) {
	for _, p := range seedRequests() {
		f.Add(p)
	}
	var panicked atomic.Value
	logf := func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); strings.Contains(msg, "internal error") {
			panicked.Store(msg)
		}
	}
	s, err := newServer(Options{RandomSeed: 1, Logf: logf})
	if err != nil {
		f.Fatalf("newServer: %v", err)
	}
	f.Cleanup(func() { s.cleanup() })
	f.Fuzz(func(t *testing.T, msg []byte) {
		client, server := net.Pipe()
		c := newConn(s, server, server, true)
		s.mu.RLock()
		c.who = s.dir.token(s.adm)
		s.mu.RUnlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.serve()
		}()
		// The request, then an unbind, so that a server done with the
		// request hangs up; an incomplete request keeps it waiting until
		// the deadline.
		go func() { _, _ = client.Write(append(append([]byte(nil), msg...), unbind...)) }()
		_ = client.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.Copy(io.Discard, client)
		client.Close()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("the connection did not end after the client closed it")
		}
		if msg, ok := panicked.Swap("").(string); ok && msg != "" {
			t.Fatalf("%s", msg)
		}
	})
}

// unbind is an UnbindRequest with message ID 2.
var unbind = []byte{0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00}

// seedRequests encodes a few requests the ad package sends.
func seedRequests() [][]byte {
	base := "DC=corp,DC=example,DC=com"
	var out [][]byte
	msg := func(op *ber.Packet, ctrls ...ldap.Control) {
		p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
		p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 1, "MessageID"))
		p.AppendChild(op)
		if len(ctrls) > 0 {
			c := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
			for _, ctl := range ctrls {
				c.AppendChild(ctl.Encode())
			}
			p.AppendChild(c)
		}
		out = append(out, p.Bytes())
	}
	search := func(base, filter string, attrs []string, ctrls ...ldap.Control) {
		op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchRequest, nil, "Search Request")
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, base, "Base DN"))
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(2), "Scope"))
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(0), "Deref"))
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, "Size Limit"))
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, "Time Limit"))
		op.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, "Types Only"))
		fp, err := ldap.CompileFilter(filter)
		if err != nil {
			panic(err)
		}
		op.AppendChild(fp)
		a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
		for _, n := range attrs {
			a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, n, "Attribute"))
		}
		op.AppendChild(a)
		msg(op, ctrls...)
	}
	search(base, "(&(objectCategory=person)(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=CN=Domain Admins,CN=Users,"+base+"))",
		[]string{"sAMAccountName", "member;range=0-1499"}, ldap.NewControlPaging(500))
	search(base, "(|(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=2)(cn=a*b*c))", []string{"*", "+"},
		ldap.NewRequestControlDirSync(ldap.DirSyncIncrementalValues, 1<<20, nil))
	search("", "(objectClass=*)", nil)
	search(base, "(sn>=M)", []string{"nTSecurityDescriptor"}, &ldap.ControlMicrosoftSDFlags{ControlValue: 4})
	mod := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationModifyRequest, nil, "Modify Request")
	mod.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "CN=Partitions,CN=Configuration,"+base, "DN"))
	changes := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Changes")
	ch := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Change")
	ch.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(0), "Operation"))
	pa := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "PartialAttribute")
	pa.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "uPNSuffixes", "Type"))
	vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
	vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "fuzz.example", "Value"))
	pa.AppendChild(vals)
	ch.AppendChild(pa)
	changes.AppendChild(ch)
	mod.AppendChild(changes)
	msg(mod)
	del := ber.NewString(ber.ClassApplication, ber.TypePrimitive, ldap.ApplicationDelRequest, "CN=Guest,CN=Users,"+base, "Del")
	msg(del, ldap.NewControlSubtreeDelete())
	out = append(out, bytes.Repeat([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, 2))
	return out
}
