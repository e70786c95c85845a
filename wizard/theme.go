package wizard

import (
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// styles are the wizard's own styles, for the parts huh does not draw.
// Colour is dropped on output when the terminal or NO_COLOR asks (the
// program's colour profile does it), so styles never test for it.
type styles struct {
	app, step, title, rule   lipgloss.Style
	dim, bold, ok, warn, bad lipgloss.Style
	key, help                lipgloss.Style
	selected, header         lipgloss.Style
}

// newStyles builds the styles for a dark or light background.
func newStyles(isDark bool) *styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#7571F9"))
	green := ld(lipgloss.Color("#02BA84"), lipgloss.Color("#02BF87"))
	red := ld(lipgloss.Color("#FF4672"), lipgloss.Color("#ED567A"))
	yellow := ld(lipgloss.Color("#B58900"), lipgloss.Color("#E0C04A"))
	gray := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	return &styles{
		app:      lipgloss.NewStyle().Foreground(accent).Bold(true),
		step:     lipgloss.NewStyle().Foreground(gray),
		title:    lipgloss.NewStyle().Bold(true),
		rule:     lipgloss.NewStyle().Foreground(gray),
		dim:      lipgloss.NewStyle().Foreground(gray),
		bold:     lipgloss.NewStyle().Bold(true),
		ok:       lipgloss.NewStyle().Foreground(green),
		warn:     lipgloss.NewStyle().Foreground(yellow),
		bad:      lipgloss.NewStyle().Foreground(red),
		key:      lipgloss.NewStyle().Foreground(gray).Bold(true),
		help:     lipgloss.NewStyle().Foreground(gray),
		selected: lipgloss.NewStyle().Foreground(accent).Bold(true),
		header:   lipgloss.NewStyle().Bold(true).Underline(true),
	}
}

// theme is the huh theme of every form.
var theme = huh.ThemeFunc(huh.ThemeCharm)

// Marks drawn before actions.
const (
	markDone    = "✓"
	markFailed  = "✗"
	markSkipped = "–"
	markPending = "·"
)
