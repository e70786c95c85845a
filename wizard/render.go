package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// problemParts splits an error into the message and its likely fix.
func problemParts(err error) (msg, fix string) {
	var p *Problem
	if errors.As(err, &p) {
		fix = p.Fix
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + err.Error(), or(fix, "check that the host is reachable from this machine (DNS, firewall), then try again")
	}
	return err.Error(), fix
}

// problemText is an error and its fix on one line, for the accessible UI
// and action lines.
func problemText(err error) string {
	msg, fix := problemParts(err)
	if fix == "" {
		return msg
	}
	return msg + " (fix: " + fix + ")"
}

// renderProblem draws an error and its fix, wrapped to width.
func renderProblem(st *styles, err error, width int) string {
	msg, fix := problemParts(err)
	s := st.bad.Render(wrap(markFailed+" "+msg, width))
	if fix != "" {
		s += "\n" + st.warn.Render(wrap("→ "+fix, width))
	}
	return s
}

// wrap wraps plain or styled text to width. Each line wraps on its own,
// with a hanging indent: its continuation lines start under the line's
// first text, after its indent and list marker ("  1. ", "• ", "! ",
// "✓ ") or after a label and its padding ("Scope:          "), so lists
// read cleanly at any width.
func wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = wrapLine(l, width)
	}
	return strings.Join(lines, "\n")
}

// wrapLine wraps one line to width with its hanging indent.
func wrapLine(l string, width int) string {
	if ansi.StringWidth(l) <= width {
		return l
	}
	ind := hangIndent(ansi.Strip(l))
	if ind == 0 || ind > width/2 {
		return lipgloss.Wrap(l, width, " ")
	}
	head, rest := ansi.Truncate(l, ind, ""), ansi.TruncateLeft(l, ind, "")
	body := lipgloss.Wrap(rest, width-ind, " ")
	return head + strings.ReplaceAll(body, "\n", "\n"+strings.Repeat(" ", ind))
}

// listMarkers are the marks that start a list item.
var listMarkers = []string{"•", "-", "*", "!", "→", "›", markDone, markFailed, markSkipped, markPending}

// hangIndent is the column where the text of a plain line starts: after
// its leading spaces and a list marker ("• ", "12. ", "3) ") or a label
// padded by two or more spaces ("Roles:   "). Only the leading spaces
// count when the line has neither.
func hangIndent(l string) int {
	rest := strings.TrimLeft(l, " ")
	lead := len(l) - len(rest)
	marker := ""
	for _, m := range listMarkers {
		if strings.HasPrefix(rest, m+" ") {
			marker = m
			break
		}
	}
	if marker == "" {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits > 0 && digits < len(rest)-1 && strings.ContainsRune(".)", rune(rest[digits])) && rest[digits+1] == ' ' {
			marker = rest[:digits+1]
		}
	}
	if marker != "" {
		after := rest[len(marker):]
		return lead + ansi.StringWidth(marker) + len(after) - len(strings.TrimLeft(after, " "))
	}
	if label, after, ok := strings.Cut(rest, ":"); ok && label != "" && len(label) <= 24 && !strings.ContainsAny(label, ".,;") &&
		strings.HasPrefix(after, "  ") {
		return lead + ansi.StringWidth(label) + 1 + len(after) - len(strings.TrimLeft(after, " "))
	}
	return lead
}

// paragraphs joins text blocks with blank lines, wrapping each to width.
func paragraphs(width int, blocks ...string) string {
	out := make([]string, 0, len(blocks))
	for _, b := range blocks {
		if b != "" {
			out = append(out, wrap(b, width))
		}
	}
	return strings.Join(out, "\n\n")
}

// bullets renders items as a list, each wrapped under its bullet.
func bullets(width int, items ...string) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = wrap("• "+it, width)
	}
	return strings.Join(lines, "\n")
}

// renderTable lays rows out in columns fitted to width: a header, then
// one line per row, cells cut with an ellipsis when they do not fit.
func renderTable(st *styles, cols []column, rows [][]string, width int) []string {
	widths := columnWidths(cols, rows, width)
	line := func(cells []string, header bool) string {
		var b strings.Builder
		for i, c := range cols {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			cell = ansi.Truncate(cell, widths[i], "…")
			pad := strings.Repeat(" ", max(0, widths[i]-ansi.StringWidth(cell)))
			if c.right {
				cell = pad + cell
			} else if i < len(cols)-1 {
				cell += pad
			}
			if i > 0 {
				b.WriteString("  ")
			}
			if header {
				cell = st.header.Render(cell)
			}
			b.WriteString(cell)
		}
		return strings.TrimRight(b.String(), " ")
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	out := []string{line(titles, true)}
	for _, r := range rows {
		out = append(out, line(r, false))
	}
	return out
}

// columnWidths gives each column the width of its widest cell (at least
// its minimum) while the line fits; the last column takes what is left,
// and the others shrink toward their minimums when the line is too long.
func columnWidths(cols []column, rows [][]string, width int) []int {
	w := make([]int, len(cols))
	for i, c := range cols {
		w[i] = max(c.width, ansi.StringWidth(c.title))
		for _, r := range rows {
			if i < len(r) {
				w[i] = max(w[i], ansi.StringWidth(r[i]))
			}
		}
	}
	sep := 2 * (len(cols) - 1)
	total := sep
	for _, x := range w {
		total += x
	}
	// Shrink the widest non-minimal columns until the line fits.
	for total > width {
		widest := -1
		for i, c := range cols {
			if w[i] > max(c.width, 1) && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		w[widest]--
		total--
	}
	return w
}

// count formats n with thousands separators: 12,345.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// plural returns "1 user" or "2 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// interval formats a setting's duration: 30s, 5m, 24h, 1h30m.
func interval(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d >= time.Minute && d%time.Minute == 0:
		if d >= time.Hour {
			return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
		}
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return d.String()
}

// trimLines removes the spaces that styled blocks pad lines with.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// duration formats d for people: 45s, 3m05s, 2h10m.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// truncate cuts styled text to width cells, ending with an ellipsis.
func truncate(s string, width int) string { return ansi.Truncate(s, max(width, 1), "…") }

// stripANSI removes styling, for plain-text output.
func stripANSI(s string) string { return ansi.Strip(s) }
