package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanValue makes an AD string fit for Graph: invalid UTF-8 bytes become
// U+FFFD, control characters become spaces (tabs and line breaks in
// addresses) or go, surrounding space goes, and the value is cut to max
// characters (0: no limit). repaired and truncated say what was done, for
// the run's warnings.
func cleanValue(s string, max int) (v string, repaired, truncated bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		repaired = true
	}
	if strings.IndexFunc(s, isControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
				return ' '
			case isControl(r):
				return -1
			}
			return r
		}, s)
		repaired = true
	}
	s = strings.TrimSpace(s)
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(truncateRunes(s, max))
		truncated = true
	}
	return s, repaired, truncated
}

func isControl(r rune) bool { return unicode.IsControl(r) || r == '\uFEFF' }

// truncateRunes cuts s to at most n characters, never inside one.
func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// foldASCII replaces accented Latin letters by their base letters (é → e,
// ß → ss, Ø → O, æ → ae) so names keep their shape in ASCII-only
// properties; other non-ASCII characters are kept for the caller to drop.
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if f, ok := latinFold[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latinFold covers Latin-1 Supplement and Latin Extended-A letters, which
// hold the accented letters of Western, Central and Northern European names.
var latinFold = func() map[rune]string {
	m := map[rune]string{
		'ß': "ss", 'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", 'ø': "o", 'Ø': "O",
		'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "TH", 'ł': "l", 'Ł': "L",
		'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŀ': "l", 'Ŀ': "L", 'ŋ': "n", 'Ŋ': "N", 'ŧ': "t", 'Ŧ': "T",
	}
	groups := []struct {
		base  string
		runes string
	}{
		{"A", "ÀÁÂÃÄÅĀĂĄ"}, {"a", "àáâãäåāăą"}, {"C", "ÇĆĈĊČ"}, {"c", "çćĉċč"},
		{"D", "Ď"}, {"d", "ď"}, {"E", "ÈÉÊËĒĔĖĘĚ"}, {"e", "èéêëēĕėęě"},
		{"G", "ĜĞĠĢ"}, {"g", "ĝğġģ"}, {"H", "Ĥ"}, {"h", "ĥ"}, {"I", "ÌÍÎÏĨĪĬĮİ"}, {"i", "ìíîïĩīĭį"},
		{"J", "Ĵ"}, {"j", "ĵ"}, {"K", "Ķ"}, {"k", "ķĸ"}, {"L", "ĹĻĽ"}, {"l", "ĺļľ"},
		{"N", "ÑŃŅŇ"}, {"n", "ñńņňŉ"}, {"O", "ÒÓÔÕÖŌŎŐ"}, {"o", "òóôõöōŏő"},
		{"R", "ŔŖŘ"}, {"r", "ŕŗř"}, {"S", "ŚŜŞŠ"}, {"s", "śŝşšſ"}, {"T", "ŢŤ"}, {"t", "ţť"},
		{"U", "ÙÚÛÜŨŪŬŮŰŲ"}, {"u", "ùúûüũūŭůűų"}, {"W", "Ŵ"}, {"w", "ŵ"},
		{"Y", "ÝŶŸ"}, {"y", "ýÿŷ"}, {"Z", "ŹŻŽ"}, {"z", "źżž"},
	}
	for _, g := range groups {
		for _, r := range g.runes {
			m[r] = g.base
		}
	}
	return m
}()

// keepOnly keeps the characters allowed by ok, folds accents first, then
// removes leading and trailing dots and collapses runs of dots (which Graph
// refuses in a UPN prefix and Exchange in an alias).
func keepOnly(s string, ok func(byte) bool) string {
	s = foldASCII(s)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !ok(c) {
			continue
		}
		if c == '.' && (len(b) == 0 || b[len(b)-1] == '.') {
			continue
		}
		b = append(b, c)
	}
	return strings.TrimRight(string(b), ".")
}

// mailNicknameChar reports whether Graph accepts c in mailNickname: ASCII
// 0-127 except @ ( ) \ [ ] " ; : < > , and space
// (https://learn.microsoft.com/graph/api/resources/group, mailNickname).
func mailNicknameChar(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte(`@()\[]";:<>,`, c) < 0
}

// upnPrefixChar reports whether Graph accepts c in the part of a
// userPrincipalName before the @: A-Z a-z 0-9 ' . - _ ! # ^ ~
// (https://learn.microsoft.com/graph/api/resources/user, userPrincipalName).
func upnPrefixChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(`'.-_!#^~`, c) >= 0
}

// sanitizeMailNickname turns a candidate into a valid mailNickname, or ""
// when nothing usable is left.
func sanitizeMailNickname(s string) string {
	return strings.TrimRight(truncateRunes(keepOnly(s, mailNicknameChar), maxLen[AttrMailNickname]), ".")
}

// sanitizeUPNPrefix turns a mailNickname into a valid UPN prefix of at most
// max characters, or "".
func sanitizeUPNPrefix(s string, max int) string {
	return strings.TrimRight(truncateRunes(keepOnly(s, upnPrefixChar), max), ".")
}

// validUPNPrefix reports whether p is usable as it is before the @.
func validUPNPrefix(p string) bool {
	if p == "" || len(p) > 64 || p[0] == '.' || p[len(p)-1] == '.' || strings.Contains(p, "..") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !upnPrefixChar(p[i]) {
			return false
		}
	}
	return true
}

// digest returns a short stable digest of data (96 bits, hex): enough to
// tell versions of one object apart, not a security boundary.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}
