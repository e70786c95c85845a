package memdc

import (
	"errors"
	"fmt"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// BER tags memdc writes (RFC 4511 §4, X.690).
const (
	tagBoolean     byte = 0x01
	tagInteger     byte = 0x02
	tagOctetString byte = 0x04
	tagEnumerated  byte = 0x0a
	tagSequence    byte = 0x30
	tagSet         byte = 0x31

	appBindResponse     byte = 0x61
	appSearchEntry      byte = 0x64
	appSearchDone       byte = 0x65
	appModifyResponse   byte = 0x67
	appAddResponse      byte = 0x69
	appDelResponse      byte = 0x6b
	appModDNResponse    byte = 0x6d
	appCompareResponse  byte = 0x6f
	appSearchReference  byte = 0x73
	appExtendedResponse byte = 0x78

	ctxControls     byte = 0xa0
	ctxResponseName byte = 0x8a
	ctxResponseVal  byte = 0x8b
)

// encoder builds one BER message. Constructed values are opened and closed
// around their content; close writes the definite length in front.
type encoder struct {
	b     []byte
	stack []int
}

func (e *encoder) open(tag byte) {
	e.b = append(e.b, tag, 0)
	e.stack = append(e.stack, len(e.b))
}

func (e *encoder) close() {
	start := e.stack[len(e.stack)-1]
	e.stack = e.stack[:len(e.stack)-1]
	n := len(e.b) - start
	if n < 0x80 {
		e.b[start-1] = byte(n)
		return
	}
	var lb [8]byte
	k := 0
	for v := n; v > 0; v >>= 8 {
		k++
	}
	for i := 0; i < k; i++ {
		lb[k-1-i] = byte(n >> (8 * i))
	}
	e.b = append(e.b, lb[:k]...)
	copy(e.b[start+k:], e.b[start:start+n])
	copy(e.b[start:], lb[:k])
	e.b[start-1] = 0x80 | byte(k)
}

func (e *encoder) header(tag byte, n int) {
	e.b = append(e.b, tag)
	switch {
	case n < 0x80:
		e.b = append(e.b, byte(n))
	case n < 0x100:
		e.b = append(e.b, 0x81, byte(n))
	case n < 0x10000:
		e.b = append(e.b, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		e.b = append(e.b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		e.b = append(e.b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func (e *encoder) octets(tag byte, s string) {
	e.header(tag, len(s))
	e.b = append(e.b, s...)
}

func (e *encoder) str(s string) { e.octets(tagOctetString, s) }

func (e *encoder) integer(tag byte, v int64) {
	n := 1
	for x := v; x > 127 || x < -128; x >>= 8 {
		n++
	}
	e.header(tag, n)
	for i := n - 1; i >= 0; i-- {
		e.b = append(e.b, byte(v>>(8*i)))
	}
}

// control is a response control: its OID and the BER of its value.
type control struct {
	oid   string
	value []byte
}

// message starts an LDAPMessage with the given id.
func (e *encoder) message(id int64) {
	e.open(tagSequence)
	e.integer(tagInteger, id)
}

// endMessage writes the response controls and closes the LDAPMessage.
func (e *encoder) endMessage(ctrls []control) {
	if len(ctrls) > 0 {
		e.open(ctxControls)
		for _, c := range ctrls {
			e.open(tagSequence)
			e.str(c.oid)
			if c.value != nil {
				e.octets(tagOctetString, string(c.value))
			}
			e.close()
		}
		e.close()
	}
	e.close()
}

// result writes the LDAPResult fields of a response.
func (e *encoder) result(code resultCode, matched, msg string) {
	e.integer(tagEnumerated, int64(code))
	e.str(matched)
	e.str(msg)
}

// Decoding helpers over go-asn1-ber packets. A malformed request becomes a
// protocolError naming what was wrong.

var errMalformed = errors.New("malformed request")

// octetString returns a primitive's bytes as a string.
func octetString(p *ber.Packet) (string, error) {
	if p == nil || p.TagType != ber.TypePrimitive {
		return "", fmt.Errorf("%w: expected a string", errMalformed)
	}
	return p.Data.String(), nil
}

// integer returns a primitive INTEGER or ENUMERATED value.
func integer(p *ber.Packet) (int64, error) {
	if p == nil || p.TagType != ber.TypePrimitive {
		return 0, fmt.Errorf("%w: expected an integer", errMalformed)
	}
	return ber.ParseInt64(p.Data.Bytes())
}

func boolean(p *ber.Packet) (bool, error) {
	if p == nil || p.TagType != ber.TypePrimitive || p.Data.Len() != 1 {
		return false, fmt.Errorf("%w: expected a boolean", errMalformed)
	}
	return p.Data.Bytes()[0] != 0, nil
}

// decodeValue parses the BER inside a control value.
func decodeValue(v []byte) (*ber.Packet, error) {
	p, err := ber.DecodePacketErr(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return p, nil
}
