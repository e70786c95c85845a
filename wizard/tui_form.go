package wizard

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// formScreen shows a page's text, its last problem and its huh form. The
// text scrolls (PgUp/PgDn) when the form leaves it too little room.
type formScreen struct {
	req     askReq
	vp      viewport.Model
	body    string
	problem string
	replied bool
}

// newFormScreen returns the screen for an ask request.
func newFormScreen(r askReq) *formScreen {
	return &formScreen{req: r, vp: viewport.New()}
}

func (s *formScreen) kind() string { return "ask" }
func (s *formScreen) frame() frame { return s.req.f }

func (s *formScreen) init(*host) tea.Cmd { return s.req.form.Init() }

// resize renders the text for the width and gives the form the height
// the text's first lines leave.
func (s *formScreen) resize(h *host, width, height int) tea.Cmd {
	f := s.req.f
	s.body, s.problem = "", ""
	if f.body != nil {
		s.body = f.body(h.st, width)
	}
	if f.problem != nil {
		s.problem = renderProblem(h.st, f.problem, width)
	}
	s.vp.SetContent(s.body)
	s.vp.SetWidth(width)
	budget := height - s.problemHeight() - min(lines(s.body), 4) - 1
	s.req.form.WithWidth(width)
	return s.forward(tea.WindowSizeMsg{Width: width, Height: max(budget, 3)})
}

// problemHeight is the height of the problem block with its gap.
func (s *formScreen) problemHeight() int {
	if s.problem == "" {
		return 0
	}
	return lipgloss.Height(s.problem) + 1
}

// lines counts the lines of s; 0 for "".
func lines(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}

func (s *formScreen) update(_ *host, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, keyScroll) {
		if k.String() == "pgup" {
			s.vp.PageUp()
		} else {
			s.vp.PageDown()
		}
		return nil
	}
	return s.forward(msg)
}

// forward passes msg to the form and replies once the form completes.
func (s *formScreen) forward(msg tea.Msg) tea.Cmd {
	if s.replied {
		return nil
	}
	m, cmd := s.req.form.Update(msg)
	if f, ok := m.(*huh.Form); ok {
		s.req.form = f
	}
	if s.req.form.State == huh.StateCompleted {
		s.reply(navNext)
		return nil
	}
	return cmd
}

// reply answers the flow once.
func (s *formScreen) reply(n nav) {
	if !s.replied {
		s.replied = true
		s.req.reply <- n
	}
}

func (s *formScreen) view(h *host, width, height int) string {
	form := s.req.form.View()
	var parts []string
	if s.problem != "" {
		parts = append(parts, s.problem, "")
	}
	if s.body != "" {
		room := height - s.problemHeight() - lipgloss.Height(form) - 1
		more := lines(s.body) > room
		if more {
			room-- // for the "more" line
		}
		s.vp.SetHeight(max(room, 1))
		s.vp.SetWidth(width)
		parts = append(parts, strings.TrimRight(s.vp.View(), " \n"))
		switch {
		case more && !s.vp.AtBottom():
			parts = append(parts, h.st.dim.Render("↓ more below (pgdn)"))
		case more:
			parts = append(parts, h.st.dim.Render("↑ more above (pgup)"))
		}
		parts = append(parts, "")
	}
	parts = append(parts, form)
	return strings.Join(parts, "\n")
}

func (s *formScreen) keys() []key.Binding {
	var ks []key.Binding
	if !s.replied {
		ks = append(ks, s.req.form.KeyBinds()...)
	}
	if s.vp.TotalLineCount() > s.vp.Height() {
		ks = append(ks, keyScroll)
	}
	if !s.req.f.noBack {
		ks = append(ks, keyBack)
	}
	if !s.req.f.noCancel {
		ks = append(ks, keyQuit)
	}
	return ks
}

// interrupt asks before cancelling; on pages without Cancel it finishes.
func (s *formScreen) interrupt(h *host) tea.Cmd {
	if s.req.f.noCancel {
		s.reply(navNext)
		return nil
	}
	return h.ask(s.req.f.cancelAsk, func() tea.Cmd {
		s.reply(navCancel)
		return nil
	})
}

// esc goes back, unless a list is being filtered (Esc ends the filter).
func (s *formScreen) esc(*host) tea.Cmd {
	if f, ok := s.req.form.GetFocusedField().(interface{ GetFiltering() bool }); ok && f.GetFiltering() {
		return s.forward(tea.KeyPressMsg{Code: tea.KeyEscape})
	}
	if !s.req.f.noBack {
		s.reply(navBack)
	}
	return nil
}
