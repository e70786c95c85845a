package ad

import (
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

const hexDigits = "0123456789abcdef"

// EscapeFilter escapes a value for use inside an LDAP filter (RFC 4515
// §3): `*`, `(`, `)`, `\`, NUL, other control characters and every
// non-ASCII byte become \hh, so the result is printable ASCII whatever the
// input, broken UTF-8 included. "(cn=" + EscapeFilter(v) + ")" matches v
// exactly, never as a wildcard.
func EscapeFilter(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f:
			b.WriteByte('\\')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// EscapeDN escapes an attribute value for use in a DN (RFC 4514 §2.4), as
// in "CN=" + EscapeDN(name) + "," + parent: `,+"\<>;=` get a backslash
// (AD also wants `=` escaped), as do a leading space or `#` and a trailing
// space; NUL, other control characters and bytes of broken UTF-8 become
// \hh. Valid non-ASCII characters stay as they are.
func EscapeDN(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 4)
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		c := v[i]
		switch {
		case r == utf8.RuneError && size <= 1, c < 0x20, c == 0x7f:
			b.WriteByte('\\')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			i++
			continue
		case strings.IndexByte(`,+"\<>;=`, c) >= 0,
			i == 0 && (c == ' ' || c == '#'),
			i == len(v)-1 && c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isUnder reports whether dn is base or lies under it, comparing
// attribute types and values case-insensitively; malformed DNs are never
// under anything.
func isUnder(dn, base string) bool {
	d, err := ldap.ParseDN(dn)
	if err != nil {
		return false
	}
	b, err := ldap.ParseDN(base)
	if err != nil {
		return false
	}
	return b.EqualFold(d) || b.AncestorOfFold(d)
}
