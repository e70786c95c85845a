package entra

import (
	"strings"
	"testing"
)

// TestSanitise checks what text from an answer may reach an error message.
func TestSanitise(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "Invalid value specified for property 'usageLocation'.", 400, "Invalid value specified for property 'usageLocation'."},
		{"broken utf-8 (a run becomes one U+FFFD)", "bad \xff\xfe value", 400, "bad \uFFFD value"},
		{"control characters", "line one\nline\x00two\x1b[31m", 400, "line one line two [31m"},
		{"bearer token", "header Authorization: Bearer abc.def-ghi refused", 400, "header Authorization: Bearer [redacted] refused"},
		{"jwt", "token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig-nature expired", 400, "token [redacted token] expired"},
		{"secret parameters", "client_secret=s3cr3t&client_id=1 password=p@ss", 400, "client_secret=[redacted]&client_id=1 password=[redacted]"},
		{"cut on a rune", "ééééé", 3, "ééé…"},
		{"not cut at the limit", "abc", 3, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitise(tt.in, tt.limit); got != tt.want {
				t.Errorf("sanitise(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
	if got := sanitise(strings.Repeat("x", 1000), maxMessageRunes); len([]rune(got)) != maxMessageRunes+1 {
		t.Errorf("long message: got %d runes, want %d and the ellipsis", len([]rune(got)), maxMessageRunes)
	}
}
