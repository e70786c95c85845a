package ad

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// fakeDirSyncServer answers search requests the way AD answers DirSync
// when a response reaches MaxBytes: each round returns one entry and the
// more-data flag, until the last. Samba never sets the flag, so only a
// fake can show that the loop iterates and sends each new cookie.
type fakeDirSyncServer struct {
	rounds  int      // responses with more data before the last
	cookies [][]byte // the cookie of each request received
}

func (s *fakeDirSyncServer) serve(t *testing.T, conn net.Conn) {
	defer conn.Close()
	for round := 0; ; round++ {
		req, err := ber.ReadPacket(conn)
		if err != nil {
			if err != io.EOF {
				t.Errorf("fake server: read: %v", err)
			}
			return
		}
		id := req.Children[0].Value.(int64)
		if req.Children[1].Tag != ldap.ApplicationSearchRequest {
			return // unbind
		}
		var got *ldap.ControlDirSync
		if len(req.Children) > 2 {
			for _, child := range req.Children[2].Children {
				if ctl, err := ldap.DecodeControl(child); err == nil {
					if d, ok := ctl.(*ldap.ControlDirSync); ok {
						got = d
					}
				}
			}
		}
		if got == nil {
			t.Errorf("round %d: search without the DirSync control", round)
			return
		}
		s.cookies = append(s.cookies, got.Cookie)
		more := int64(0)
		if round < s.rounds {
			more = 1
		}
		// go-asn1-ber copies a child's bytes when it is appended: build
		// inside out.
		op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "entry")
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, fmt.Sprintf("CN=e%d,DC=fake", round), "dn"))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "values")
		vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, fmt.Sprintf("e%d", round), "value"))
		attr := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attribute")
		attr.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "name", "type"))
		attr.AppendChild(vals)
		attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attributes")
		attrs.AppendChild(attr)
		op.AppendChild(attrs)
		entry := envelope(id, op)
		res := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultDone, nil, "done")
		res.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 0, "resultCode"))
		res.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
		res.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "diagnostic"))
		controls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "controls")
		controls.AppendChild((&ldap.ControlDirSync{Criticality: true, Flags: more, Cookie: []byte(fmt.Sprintf("cookie-%d", round+1))}).Encode())
		done := envelope(id, res)
		done.AppendChild(controls)
		for _, p := range []*ber.Packet{entry, done} {
			if _, err := conn.Write(p.Bytes()); err != nil {
				t.Errorf("fake server: write: %v", err)
				return
			}
		}
	}
}

func envelope(id int64, op *ber.Packet) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	p.AppendChild(op)
	return p
}

// TestDirSyncMoreDataLoop: with the more-data flag set twice, dirSync runs
// three rounds, each with the cookie of the previous answer, hands over
// every entry and returns the last cookie.
func TestDirSyncMoreDataLoop(t *testing.T) {
	client, server := net.Pipe()
	fake := &fakeDirSyncServer{rounds: 2}
	done := make(chan struct{})
	go func() { fake.serve(t, server); close(done) }()
	conn := ldap.NewConn(client, false)
	conn.Start()
	c := &Client{conn: conn, addr: "fake", user: "test", log: quiet}
	var names []string
	cookie, err := c.dirSync(context.Background(), "DC=fake", dirSyncFilter, []byte("cookie-0"), func(round []*ldap.Entry) error {
		for _, e := range round {
			names = append(names, e.GetAttributeValue("name"))
		}
		return nil
	})
	conn.Close()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if string(cookie) != "cookie-3" || fmt.Sprint(names) != "[e0 e1 e2]" {
		t.Errorf("cookie %q, entries %q; want cookie-3 and [e0 e1 e2]", cookie, names)
	}
	if got := fmt.Sprintf("%q", fake.cookies); got != `["cookie-0" "cookie-1" "cookie-2"]` {
		t.Errorf("cookies sent %s, want each round's new cookie", got)
	}
}
