package wizard

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// runScreen shows a running task: the page's text, the task's live status
// and a spinner with the task's label.
type runScreen struct {
	req      runReq
	stopping string
}

// newRunScreen returns the screen for a run request.
func newRunScreen(r runReq) *runScreen { return &runScreen{req: r} }

func (s *runScreen) kind() string                   { return "run" }
func (s *runScreen) frame() frame                   { return s.req.f }
func (s *runScreen) init(*host) tea.Cmd             { return nil }
func (s *runScreen) resize(*host, int, int) tea.Cmd { return nil }
func (s *runScreen) update(*host, tea.Msg) tea.Cmd  { return nil }

func (s *runScreen) view(h *host, width, height int) string {
	var parts []string
	if s.req.f.problem != nil {
		parts = append(parts, renderProblem(h.st, s.req.f.problem, width), "")
	}
	if s.req.f.body != nil {
		parts = append(parts, s.req.f.body(h.st, width), "")
	}
	label := h.spin.View() + " " + s.req.t.label + "…"
	if s.stopping != "" {
		label = h.spin.View() + " " + h.st.warn.Render(s.stopping)
	}
	used := lines(strings.Join(parts, "\n")) + 2
	spin := strings.TrimSpace(stripANSI(h.spin.View()))
	st := renderStatus(h.st, s.req.st.snap(), width, height-used, h.isDark, spin)
	if st != "" {
		parts = append(parts, st, "")
	}
	parts = append(parts, label)
	return strings.Join(parts, "\n")
}

func (s *runScreen) keys() []key.Binding {
	var ks []key.Binding
	if s.req.t.back {
		ks = append(ks, keyBack)
	}
	stop := keyQuit
	if s.req.t.stopAsk != "" {
		stop = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop"))
	}
	return append(ks, stop)
}

// interrupt asks whether to stop (or quit), then cancels the task.
func (s *runScreen) interrupt(h *host) tea.Cmd {
	if s.stopping != "" {
		return nil
	}
	q := or(s.req.t.stopAsk, s.req.f.cancelAsk)
	return h.ask(q, func() tea.Cmd {
		s.stopping = "Stopping cleanly…"
		s.req.stop(navCancel)
		return nil
	})
}

// esc stops the task to go back, when the task allows it.
func (s *runScreen) esc(*host) tea.Cmd {
	if s.req.t.back && s.stopping == "" {
		s.stopping = "Going back…"
		s.req.stop(navBack)
	}
	return nil
}
