package ad

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// GUID is a Windows GUID in its wire (binary) byte order, as objectGUID
// and the GUIDs in security descriptors are stored: Data1 (4 bytes),
// Data2 and Data3 (2 bytes each) little-endian, then 8 bytes as written.
// String and ParseGUID use the usual text form, so
// 6d6f2f2a-... in text is 2a 2f 6f 6d ... on the wire.
type GUID [16]byte

// ParseGUID parses the text form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx,
// with or without braces, in either case.
func ParseGUID(s string) (GUID, error) {
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return GUID{}, fmt.Errorf("ad: %q is not a GUID (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): %w", s, ErrInvalidInput)
	}
	var text [16]byte
	if _, err := hex.Decode(text[:], []byte(t[0:8]+t[9:13]+t[14:18]+t[19:23]+t[24:36])); err != nil {
		return GUID{}, fmt.Errorf("ad: %q is not a GUID: %w", s, ErrInvalidInput)
	}
	return GUID{
		text[3], text[2], text[1], text[0],
		text[5], text[4],
		text[7], text[6],
		text[8], text[9], text[10], text[11], text[12], text[13], text[14], text[15],
	}, nil
}

// MustParseGUID is [ParseGUID] for constants; it panics on a malformed GUID.
func MustParseGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// GUIDFromBytes converts 16 wire-order bytes, as read from objectGUID.
func GUIDFromBytes(b []byte) (GUID, error) {
	if len(b) != 16 {
		return GUID{}, fmt.Errorf("ad: a GUID is 16 bytes, got %d: %w", len(b), ErrInvalidInput)
	}
	return GUID(b), nil
}

// String returns the lower-case text form.
func (g GUID) String() string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
		g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// IsZero reports whether g is all zeros (absent).
func (g GUID) IsZero() bool { return g == GUID{} }

// LDAPDN returns the <GUID=...> form AD accepts wherever a DN is expected,
// so an object is found even after a rename or move.
func (g GUID) LDAPDN() string { return "<GUID=" + g.String() + ">" }

// filterValue is g as the value of an LDAP filter: every byte escaped.
func (g GUID) filterValue() string {
	var b strings.Builder
	for _, x := range g {
		fmt.Fprintf(&b, "\\%02x", x)
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (g GUID) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (g *GUID) UnmarshalText(b []byte) error {
	v, err := ParseGUID(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}
