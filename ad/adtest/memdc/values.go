package memdc

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// errSyntax is AD's answer to a value that does not fit its attribute's
// syntax.
func errSyntax(attr string) *ldapError {
	return errAttr(codeInvalidAttributeSyntax, 0x57, "1005 (CONSTRAINT_ATT_TYPE)", attr)
}

// normalize checks client values against def's syntax and returns them in
// the form memdc stores and returns (AD's canonical forms: decimal integers,
// TRUE/FALSE, DNs with upper-case well-known attribute types).
func normalize(def *attrDef, vals []string) ([]string, *ldapError) {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if v == "" {
			return nil, errSyntax(def.name)
		}
		switch def.syntax {
		case synInt:
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, errSyntax(def.name)
			}
			v = strconv.FormatInt(n, 10)
		case synBool:
			switch strings.ToUpper(v) {
			case "TRUE", "FALSE":
				v = strings.ToUpper(v)
			default:
				return nil, errSyntax(def.name)
			}
		case synTime:
			t, err := parseGeneralizedTime(v)
			if err != nil {
				return nil, errSyntax(def.name)
			}
			v = generalizedTime(t)
		case synDN:
			n, err := parseDN(v)
			if err != nil || len(n) == 0 {
				return nil, errInvalidDN(v)
			}
			v = n.String()
		case synSID:
			if !validSID([]byte(v)) {
				return nil, errSyntax(def.name)
			}
		case synString, synOID:
			if !utf8.ValidString(v) {
				return nil, errSyntax(def.name)
			}
		}
		if def.rangeMax > 0 && lengthFor(def, v) > def.rangeMax {
			return nil, errConstraint(0x2082, def.name)
		}
		out = append(out, v)
	}
	if def.is(flagSingle) && len(out) > 1 {
		return nil, errConstraint(0x2052, def.name)
	}
	seen := make(map[string]bool, len(out))
	for _, v := range out {
		k := valueKey(def, v)
		if seen[k] {
			return nil, errAttr(codeAttributeOrValueExists, 0x2083, "1006 (ATT_OR_VALUE_EXISTS)", def.name)
		}
		seen[k] = true
	}
	return out, nil
}

// lengthFor measures a value as rangeUpper does: bytes for octet strings,
// characters for strings.
func lengthFor(def *attrDef, v string) int {
	if def.syntax == synString {
		return utf8.RuneCountInString(v)
	}
	return len(v)
}

// sameValue compares two values by the attribute's matching rule.
func sameValue(def *attrDef, a, b string) bool { return valueKey(def, a) == valueKey(def, b) }

// valueKey is a value's form under the attribute's matching rule: equal
// keys mean equal values.
func valueKey(def *attrDef, v string) string {
	switch def.syntax {
	case synString, synOID, synBool:
		return foldString(v)
	case synDN:
		if p, err := parseDN(v); err == nil {
			return p.key()
		}
	}
	return v
}

// decodeUnicodePwd reads a unicodePwd value: the password in double quotes,
// encoded as UTF-16LE (MS-ADTS §3.1.1.3.1.5.1).
func decodeUnicodePwd(v string) (string, bool) {
	b := []byte(v)
	if len(b) < 4 || len(b)%2 != 0 {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	s := string(utf16.Decode(u))
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	return s[1 : len(s)-1], true
}

// passwordProblem checks AD's default password policy (minimum length 7,
// complexity): it returns why pw fails, or "" when it passes.
func passwordProblem(pw, samAccountName string) string {
	if utf8.RuneCountInString(pw) < 7 {
		return "it has fewer than 7 characters"
	}
	if len(samAccountName) >= 3 && strings.Contains(strings.ToLower(pw), strings.ToLower(samAccountName)) {
		return "it contains the account name"
	}
	var upper, lower, digit, other, letter bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit, other, letter} {
		if b {
			n++
		}
	}
	if n < 3 {
		return "it needs characters from three of: upper case, lower case, digits, symbols"
	}
	return ""
}
