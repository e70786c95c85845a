package sync

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// rdn is one relative distinguished name: its attribute type (lower case)
// and its value, unescaped.
type rdn struct {
	typ, value string
}

// dnName is a parsed distinguished name, leaf first, as LDAP writes it.
type dnName []rdn

// parseDN parses an LDAP distinguished name (RFC 4514 string form, as AD
// returns it): backslash escapes of special characters and of hex pairs
// (\2C, \0A) are decoded. Multi-valued RDNs (a+b) are kept as one value.
func parseDN(s string) (dnName, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty DN")
	}
	var out dnName
	var cur strings.Builder
	var typ string
	inValue := false
	flush := func() error {
		v := strings.TrimSpace(cur.String())
		cur.Reset()
		if !inValue {
			return fmt.Errorf("RDN %q has no '='", v)
		}
		if typ == "" {
			return errors.New("RDN with an empty attribute type")
		}
		out = append(out, rdn{typ: typ, value: v})
		typ, inValue = "", false
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("DN ends with a lone backslash")
			}
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b, _ := hex.DecodeString(s[i+1 : i+3])
				cur.WriteByte(b[0])
				i += 2
			} else {
				cur.WriteByte(s[i+1])
				i++
			}
		case c == '=' && !inValue:
			typ = strings.ToLower(strings.TrimSpace(cur.String()))
			cur.Reset()
			inValue = true
		case c == ',' || c == ';':
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// String writes the DN in a canonical form: types and values in lower case,
// values escaped as RFC 4514 requires. Two spellings of one DN (case,
// spaces, \, or \2C) give the same string, which makes it an index key.
func (d dnName) String() string {
	var b strings.Builder
	for i, r := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.typ)
		b.WriteByte('=')
		v := strings.ToLower(r.value)
		for j := 0; j < len(v); j++ {
			c := v[j]
			switch {
			case strings.IndexByte(`,+"\<>;=`, c) >= 0,
				c == '#' && j == 0,
				c == ' ' && (j == 0 || j == len(v)-1):
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20:
				fmt.Fprintf(&b, `\%02x`, c)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// under reports whether d is base or an object below it.
func (d dnName) under(base dnName) bool {
	if len(base) > len(d) {
		return false
	}
	off := len(d) - len(base)
	for i, r := range base {
		o := d[off+i]
		if o.typ != r.typ || !strings.EqualFold(o.value, r.value) {
			return false
		}
	}
	return true
}

// domain returns the DNS name of the domain holding d, from its DC=
// components: CN=x,OU=y,DC=corp,DC=example,DC=com is corp.example.com.
func (d dnName) domain() string {
	var parts []string
	for _, r := range d {
		if r.typ == "dc" {
			parts = append(parts, strings.ToLower(r.value))
		}
	}
	return strings.Join(parts, ".")
}

// leafValue returns the value of the first RDN (the object's cn or ou).
func (d dnName) leafValue() string {
	if len(d) == 0 {
		return ""
	}
	return d[0].value
}

// canonicalDN returns the canonical form of s, or s lower-cased when it
// does not parse (an index key must exist for every object).
func canonicalDN(s string) string {
	d, err := parseDN(s)
	if err != nil {
		return strings.ToLower(s)
	}
	return d.String()
}

// isConflictRDN reports whether an object's leaf RDN value (unescaped)
// names a replication-conflict object: AD renames the loser of a naming
// conflict to "<name>\0ACNF:<guid>", a line feed inside the RDN, and Entra
// Connect never syncs such objects
// (https://learn.microsoft.com/entra/identity/hybrid/connect/concept-azure-ad-connect-sync-default-configuration).
func isConflictRDN(leaf string) bool {
	return strings.Contains(strings.ToUpper(leaf), "\nCNF:")
}
