package memdc

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// maxRequestBytes bounds one LDAP request (AD's MaxReceiveBuffer is 10 MB).
const maxRequestBytes = 10 << 20

// conn is one client connection. Requests are served one at a time, in
// order; a connection's state (bind identity, TLS, paged-search cookies) is
// touched only by its own goroutine.
type conn struct {
	s       *Server
	raw     net.Conn // the accepted connection, closed by Server.Close
	nc      net.Conn // raw, or the TLS connection over it
	r       *bufio.Reader
	tls     bool
	who     *principal // nil: anonymous
	pages   map[string]*pageState
	pageSeq int
}

func newConn(s *Server, raw, nc net.Conn, useTLS bool) *conn {
	return &conn{s: s, raw: raw, nc: nc, r: bufio.NewReader(nc), tls: useTLS, pages: map[string]*pageState{}}
}

func (c *conn) serve() {
	defer c.nc.Close()
	defer func() {
		// A bug in one request must not take the demo down: drop the
		// connection and say why.
		if r := recover(); r != nil {
			c.s.logf("memdc: %s: internal error, closing the connection: %v", c.raw.RemoteAddr(), r)
			c.disconnect(codeOther, fmt.Sprintf("memdc internal error: %v", r))
		}
	}()
	for {
		p, err := c.readRequest()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.s.logf("memdc: %s: closing connection: %v", c.nc.RemoteAddr(), err)
				c.disconnect(codeProtocolError, err.Error())
			}
			return
		}
		if err := c.handle(p); err != nil {
			if !errors.Is(err, io.EOF) {
				c.s.logf("memdc: %s: %v", c.nc.RemoteAddr(), err)
			}
			return
		}
	}
}

// readRequest reads one LDAPMessage, refusing oversized ones.
func (c *conn) readRequest() (*ber.Packet, error) {
	head, err := c.r.Peek(2)
	if err != nil {
		return nil, err
	}
	if head[0] != tagSequence {
		return nil, fmt.Errorf("request does not start with a SEQUENCE (0x%02x)", head[0])
	}
	if head[1]&0x80 != 0 {
		n := int(head[1] & 0x7f)
		if n == 0 || n > 4 {
			return nil, fmt.Errorf("request length uses %d bytes", n)
		}
		lb, err := c.r.Peek(2 + n)
		if err != nil {
			return nil, err
		}
		size := 0
		for _, b := range lb[2:] {
			size = size<<8 | int(b)
		}
		if size > maxRequestBytes {
			return nil, fmt.Errorf("request of %d bytes exceeds the %d-byte limit", size, maxRequestBytes)
		}
	}
	return ber.ReadPacket(c.r)
}

// disconnect sends a Notice of Disconnection (RFC 4511 §4.4.1).
func (c *conn) disconnect(code resultCode, msg string) {
	var e encoder
	e.message(0)
	e.open(appExtendedResponse)
	e.result(code, "", msg)
	e.octets(ctxResponseName, oidNoticeOfDisconn)
	e.close()
	e.endMessage(nil)
	_, _ = c.nc.Write(e.b)
}

func (c *conn) send(b []byte) error {
	_, err := c.nc.Write(b)
	return err
}

// respond sends a response whose body is only an LDAPResult.
func (c *conn) respond(id int64, tag byte, lerr *ldapError, ctrls []control) error {
	var e encoder
	e.message(id)
	e.open(tag)
	if lerr == nil {
		e.result(codeSuccess, "", "")
	} else {
		e.result(lerr.code, lerr.matched, lerr.msg)
	}
	e.close()
	e.endMessage(ctrls)
	return c.send(e.b)
}

// handle serves one request. A returned error ends the connection.
func (c *conn) handle(p *ber.Packet) error {
	if len(p.Children) < 2 {
		return fmt.Errorf("%w: LDAPMessage has %d elements", errMalformed, len(p.Children))
	}
	id, err := integer(p.Children[0])
	if err != nil {
		return err
	}
	op := p.Children[1]
	var ctrlPacket *ber.Packet
	if len(p.Children) > 2 && p.Children[2].ClassType == ber.ClassContext && p.Children[2].Tag == 0 {
		ctrlPacket = p.Children[2]
	}
	if op.ClassType != ber.ClassApplication {
		return fmt.Errorf("%w: protocolOp is not an application tag", errMalformed)
	}
	switch op.Tag {
	case 0:
		return c.handleBind(id, op)
	case 2:
		return io.EOF // unbind
	case 3:
		return c.handleSearch(id, op, ctrlPacket)
	case 6:
		return c.handleModify(id, op, ctrlPacket)
	case 8:
		return c.handleAdd(id, op, ctrlPacket)
	case 10:
		return c.handleDelete(id, op, ctrlPacket)
	case 12:
		return c.handleModDN(id, op, ctrlPacket)
	case 14:
		return c.handleCompare(id, op, ctrlPacket)
	case 16:
		return nil // abandon: every request has completed by the time it is read
	case 23:
		return c.handleExtended(id, op)
	}
	return fmt.Errorf("%w: unknown protocolOp %d", errMalformed, op.Tag)
}

// handleExtended serves StartTLS and Who Am I (RFC 4511 §4.14, RFC 4532).
func (c *conn) handleExtended(id int64, op *ber.Packet) error {
	name := ""
	if len(op.Children) > 0 {
		name = op.Children[0].Data.String()
	}
	reply := func(lerr *ldapError, value *string) error {
		var e encoder
		e.message(id)
		e.open(appExtendedResponse)
		if lerr == nil {
			e.result(codeSuccess, "", "")
		} else {
			e.result(lerr.code, lerr.matched, lerr.msg)
		}
		if name != "" {
			e.octets(ctxResponseName, name)
		}
		if value != nil {
			e.octets(ctxResponseVal, *value)
		}
		e.close()
		e.endMessage(nil)
		return c.send(e.b)
	}
	switch name {
	case oidStartTLS:
		if c.tls {
			return reply(newErr(codeOperationsError, "00000000: LdapErr: DSID-0C090F8D, comment: TLS or SSL already in effect, data 0, v4563"), nil)
		}
		if c.r.Buffered() > 0 {
			return reply(newErr(codeOperationsError, "00002029: LdapErr: DSID-0C090F8D, comment: operations are outstanding on the connection, data 0, v4563"), nil)
		}
		if err := reply(nil, nil); err != nil {
			return err
		}
		tc := tls.Server(c.nc, c.s.tlsConf)
		if err := tc.Handshake(); err != nil {
			return fmt.Errorf("StartTLS handshake: %w", err)
		}
		c.nc, c.r, c.tls = tc, bufio.NewReader(tc), true
		return nil
	case oidWhoAmI:
		v := ""
		if c.who != nil && c.who.e != nil {
			c.s.rlocked(func() { v = "u:" + c.s.netbio + `\` + c.who.e.first("sAMAccountName") })
		}
		return reply(nil, &v)
	}
	return reply(newErr(codeProtocolError, "0000203D: LdapErr: DSID-0C0C0D3A, comment: Unknown extended request OID, data 0, v4563"), nil)
}
