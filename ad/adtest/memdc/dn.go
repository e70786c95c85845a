package memdc

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// rdn is one relative distinguished name: an attribute type and its
// unescaped value. AD has no multi-valued RDNs, so neither does memdc.
type rdn struct {
	attr  string
	value string
}

// dn is a parsed distinguished name, most specific RDN first.
type dn []rdn

var errBadDN = errors.New("invalid DN syntax")

// parseDN parses an RFC 4514 string. The empty string is the root (rootDSE).
func parseDN(s string) (dn, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return dn{}, nil
	}
	var out dn
	i := 0
	for i <= len(s) {
		// attribute type
		j := strings.IndexByte(s[i:], '=')
		if j < 0 {
			return nil, errBadDN
		}
		attr := strings.TrimSpace(s[i : i+j])
		if attr == "" || !validAttrType(attr) {
			return nil, errBadDN
		}
		i += j + 1
		// value, up to an unescaped ',' or ';'
		var val strings.Builder
		trailing := 0 // count of unescaped trailing spaces to trim
		for i < len(s) && (s[i] == ' ') {
			i++ // leading spaces
		}
		if i < len(s) && s[i] == '#' {
			return nil, errBadDN // BER-encoded values are not used by AD clients
		}
		end := false
		for i < len(s) {
			c := s[i]
			switch {
			case c == '\\':
				if i+1 >= len(s) {
					return nil, errBadDN
				}
				n := s[i+1]
				if isHex(n) {
					if i+2 >= len(s) || !isHex(s[i+2]) {
						return nil, errBadDN
					}
					b, _ := hex.DecodeString(s[i+1 : i+3])
					val.WriteByte(b[0])
					i += 3
				} else {
					val.WriteByte(n)
					i += 2
				}
				trailing = 0
				continue
			case c == ',' || c == ';':
				end = true
			case c == '+':
				return nil, errBadDN // multi-valued RDN
			case c == '"':
				return nil, errBadDN
			}
			if end {
				break
			}
			if c == ' ' {
				trailing++
			} else {
				trailing = 0
			}
			val.WriteByte(c)
			i++
		}
		v := val.String()
		v = v[:len(v)-trailing]
		if v == "" {
			return nil, errBadDN
		}
		out = append(out, rdn{attr: attr, value: v})
		if i >= len(s) {
			break
		}
		i++ // skip separator
		if i >= len(s) {
			return nil, errBadDN
		}
	}
	return out, nil
}

func validAttrType(a string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// mustDN parses a DN known to be valid (built by memdc itself).
func mustDN(s string) dn {
	d, err := parseDN(s)
	if err != nil {
		panic(fmt.Sprintf("memdc: bad built-in DN %q", s))
	}
	return d
}

// String formats the DN as AD does: upper-case well-known attribute types and
// the RFC 4514 escapes, with a line feed written as \0A (as in tombstone
// names, MS-ADTS 3.1.1.5.5.1.2).
func (d dn) String() string {
	var b strings.Builder
	for i, r := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(formatAttrType(r.attr))
		b.WriteByte('=')
		b.WriteString(escapeDNValue(r.value))
	}
	return b.String()
}

func formatAttrType(a string) string {
	switch strings.ToLower(a) {
	case "cn", "ou", "dc", "o", "l", "st", "c", "street", "uid":
		return strings.ToUpper(a)
	}
	return a
}

func escapeDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '#' && i == 0, c == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// key is the DN's case-folded form, used as a map key: AD compares DNs
// case-insensitively (MS-ADTS 3.1.1.1.4, Unicode string syntax).
func (d dn) key() string {
	var b strings.Builder
	for i, r := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ToLower(r.attr))
		b.WriteByte('=')
		b.WriteString(escapeDNValue(foldString(r.value)))
	}
	return b.String()
}

// parent returns the DN one level up; the root's parent is the root.
func (d dn) parent() dn {
	if len(d) == 0 {
		return d
	}
	return d[1:]
}

// child returns a DN one level below d.
func (d dn) child(attr, value string) dn {
	out := make(dn, 0, len(d)+1)
	out = append(out, rdn{attr: attr, value: value})
	return append(out, d...)
}

func decodeHex(s string) ([]byte, error) { return hex.DecodeString(s) }

// foldString is the case folding AD applies to Unicode string syntaxes.
func foldString(s string) string { return strings.ToLower(s) }
