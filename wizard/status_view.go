package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
)

// renderStatus draws a task's live status in the terminal UI within
// width × height: the device code (with a QR code when there is room),
// the actions with their marks (spin on the running one), and a sync's
// progress.
func renderStatus(st *styles, sn snapshot, width, height int, isDark bool, spin string) string {
	var parts []string
	if sn.device != nil {
		parts = append(parts, renderDevice(st, *sn.device, width, height, isDark))
	}
	if len(sn.actions) > 0 {
		parts = append(parts, renderActions(st, sn.actions, width, spin))
	}
	if sn.progress != nil {
		parts = append(parts, renderProgress(st, sn, width))
	}
	return strings.Join(parts, "\n\n")
}

// renderDevice draws the device code: the page to open and the code, and
// a QR code of the page beside it, or below it, when it fits.
func renderDevice(st *styles, dc DeviceCode, width, height int, isDark bool) string {
	text := strings.Join([]string{
		"On any device, open",
		"  " + st.bold.Render(dc.URL),
		"and enter the code",
		"  " + st.selected.Render(dc.Code),
	}, "\n")
	if !dc.ExpiresAt.IsZero() {
		text += "\n" + st.dim.Render("The code expires at "+dc.ExpiresAt.Local().Format("15:04")+".")
	}
	code, err := renderQR(dc.URL, isDark)
	if err != nil {
		return text
	}
	tw, qw, qh := lipgloss.Width(text), lipgloss.Width(code), lipgloss.Height(code)
	switch {
	case tw+4+qw <= width && qh <= height:
		return lipgloss.JoinHorizontal(lipgloss.Top, text, "    ", code)
	case qw <= width && lipgloss.Height(text)+1+qh <= height:
		return text + "\n\n" + code
	}
	return text
}

// renderActions draws one line per action: its mark (spin while it
// runs), title and detail.
func renderActions(st *styles, acts []actionLine, width int, spin string) string {
	var b strings.Builder
	for i, a := range acts {
		if i > 0 {
			b.WriteByte('\n')
		}
		var mark string
		switch a.state {
		case ActionDone:
			mark = st.ok.Render(markDone)
		case ActionFailed:
			mark = st.bad.Render(markFailed)
		case ActionSkipped:
			mark = st.dim.Render(markSkipped)
		case ActionRunning:
			mark = st.selected.Render(spin)
		default:
			mark = st.dim.Render(markPending)
		}
		line := a.title
		if a.detail != "" {
			line += st.dim.Render(" — " + a.detail)
		}
		b.WriteString(mark + " " + cut(line, width-2))
		if a.err != nil {
			b.WriteString("\n  " + strings.ReplaceAll(renderProblem(st, a.err, width-2), "\n", "\n  "))
		}
	}
	return b.String()
}

// cut truncates styled text to width cells.
func cut(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	return truncate(s, width)
}

// renderProgress draws a sync's bar, counters, elapsed time and estimate.
func renderProgress(st *styles, sn snapshot, width int) string {
	p := *sn.progress
	bar := progress.New(progress.WithWidth(min(width, 60)), progress.WithoutPercentage(), progress.WithDefaultBlend())
	frac, known := fraction(p)
	head := fmt.Sprintf("Synchronizing: %s", p.Phase)
	lines := []string{head}
	if known {
		lines = append(lines, bar.ViewAs(frac)+fmt.Sprintf(" %3.0f%%", frac*100))
	}
	lines = append(lines, fmt.Sprintf("Imported %s · Planned %s · Exported %s · Errors %s",
		count(p.Imported), count(p.Planned), count(p.Exported), count(p.Errors)))
	if sn.hasTimings {
		t := "Elapsed " + duration(sn.elapsed)
		if left, ok := estimate(p, sn.inPhase); ok {
			t += fmt.Sprintf(" · about %s left in this phase", duration(left))
		}
		lines = append(lines, st.dim.Render(t))
	}
	return strings.Join(lines, "\n")
}
