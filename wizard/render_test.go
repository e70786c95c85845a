package wizard

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestHangIndent(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"plain text", 0},
		{"   indented text", 3},
		{"• a bullet", 2},
		{"  12. a numbered item", 6},
		{"3) another", 3},
		{"! a warning", 2},
		{"✓ done", 2},
		{"→ the fix", 2},
		{"Scope:          every domain", 16},
		{"  Connector account:  CORP\\x", 22},
		{"Error: one space is prose", 0},
		{"No password hash sync: Graph cannot sync passwords", 0},
		{"2 users on corp.local", 0},
		{"5.0 is a number", 0},
		{"-x is a flag", 0},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := hangIndent(tt.line); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestWrapHangs wraps list lines at 80 and 100 columns: every line fits,
// and continuation lines start under the first line's text.
func TestWrapHangs(t *testing.T) {
	long := "CORP\\ESYNC_9AAA4FF3419A in CN=Users,DC=corp,DC=example,DC=com: not an admin, a random 40-character " +
		"password; may read users, groups and contacts and follow their changes (Replicating Directory Changes) in corp.example.com"
	tests := []struct {
		name, line string
		indent     int
	}{
		{"numbered action", "  1. Create the AD connector account, with a title long enough to wrap at eighty columns and more", 5},
		{"action detail", "     " + long, 5},
		{"bullet", "• " + long, 2},
		{"setting", "  Deletions:      at most 500 objects or 10 % per run; 500 member removals, and " + long, 18},
		{"warning", "! 49 users on corp.local will get a UPN on examplecorp.onmicrosoft.com: corp.local is not a verified domain.", 2},
		{"styled mark", newStyles(true).bad.Render(markFailed) + " " + long, 2},
	}
	for _, tt := range tests {
		for _, width := range []int{78, 98} {
			t.Run(tt.name, func(t *testing.T) {
				lines := strings.Split(wrap(tt.line, width), "\n")
				if len(lines) < 2 && ansi.StringWidth(tt.line) > width {
					t.Fatalf("at %d: not wrapped: %q", width, lines)
				}
				for i, l := range lines {
					plain := ansi.Strip(l)
					if ansi.StringWidth(plain) > width {
						t.Errorf("at %d: line %d is %d wide: %q", width, i, ansi.StringWidth(plain), plain)
					}
					if i > 0 && (strings.TrimLeft(plain, " ") == "" || len(plain)-len(strings.TrimLeft(plain, " ")) != tt.indent) {
						t.Errorf("at %d: line %d %q, want it indented by %d", width, i, plain, tt.indent)
					}
				}
				// Nothing is lost (lines may break after a hyphen).
				squeeze := func(s string) string { return strings.Join(strings.Fields(ansi.Strip(s)), "") }
				if got, want := squeeze(strings.Join(lines, " ")), squeeze(tt.line); got != want {
					t.Errorf("at %d: words changed:\n got %q\nwant %q", width, got, want)
				}
			})
		}
	}
}
