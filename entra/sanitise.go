package entra

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lengths past which text from an answer is cut: enough for any message
// Graph writes, short enough that a hostile or broken answer cannot flood
// a log line.
const (
	maxMessageRunes = 400
	maxCodeRunes    = 100
)

// secretPatterns find credentials an answer might echo: bearer tokens,
// JWTs (access, id and assertion tokens) and secret-bearing parameters.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bbearer\s+[^\s,;"']+`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
	regexp.MustCompile(`(?i)\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|sig)=[^&\s"']+`),
}

// sanitise makes text from an answer safe to show and log: broken UTF-8
// becomes U+FFFD, control characters become spaces, secrets are redacted
// and the result is cut to limit runes (marked with "…").
func sanitise(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	for _, re := range secretPatterns {
		s = re.ReplaceAllStringFunc(s, redact)
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// redact keeps the name of a "name=value" or "Bearer value" match and
// hides the value.
func redact(m string) string {
	if i := strings.IndexByte(m, '='); i >= 0 {
		return m[:i+1] + "[redacted]"
	}
	if strings.HasPrefix(strings.ToLower(m), "bearer") {
		return m[:len("bearer")] + " [redacted]"
	}
	return "[redacted token]"
}

// sanitise cleans what Graph said in place.
func (e *GraphError) sanitise() {
	e.Code = sanitise(e.Code, maxCodeRunes)
	e.Message = sanitise(e.Message, maxMessageRunes)
	e.Target = sanitise(e.Target, maxCodeRunes)
	e.RequestID = sanitise(e.RequestID, maxCodeRunes)
	e.Date = sanitise(e.Date, maxCodeRunes)
}
