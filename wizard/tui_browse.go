package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// browseScreen shows a table that scrolls, filters ("/") and, when the
// table is selectable, returns the row chosen with Enter.
type browseScreen struct {
	req       browseReq
	filter    textinput.Model
	filtering bool
	visible   []int // rows matching the filter
	cursor    int   // index into visible
	offset    int   // first visible row shown
	room      int   // rows that fit, from the last view
	replied   bool
}

// Table key bindings.
var (
	keyUp     = key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up"))
	keyDown   = key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down"))
	keyPgUp   = key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up"))
	keyPgDown = key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "space"), key.WithHelp("pgdn", "page down"))
	keyTop    = key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top"))
	keyBottom = key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom"))
	keyFilter = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	keyOpen   = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	keyDone   = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done"))
	keyApply  = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter"))
)

// newBrowseScreen returns the screen for a browse request.
func newBrowseScreen(r browseReq) *browseScreen {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "filter"
	s := &browseScreen{req: r, filter: ti, room: 10}
	s.refilter()
	return s
}

func (s *browseScreen) kind() string                   { return "browse" }
func (s *browseScreen) frame() frame                   { return s.req.f }
func (s *browseScreen) init(*host) tea.Cmd             { return nil }
func (s *browseScreen) resize(*host, int, int) tea.Cmd { return nil }

// refilter recomputes the rows matching the filter text.
func (s *browseScreen) refilter() {
	q := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	s.visible = s.visible[:0]
	for i, r := range s.req.t.rows {
		if q == "" || strings.Contains(strings.ToLower(strings.Join(r, "\x00")), q) {
			s.visible = append(s.visible, i)
		}
	}
	s.cursor, s.offset = 0, 0
}

func (s *browseScreen) update(_ *host, msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.replied {
		return nil
	}
	if s.filtering {
		if key.Matches(k, keyApply) {
			s.filtering = false
			s.filter.Blur()
			return nil
		}
		var cmd tea.Cmd
		s.filter, cmd = s.filter.Update(msg)
		s.refilter()
		return cmd
	}
	switch {
	case key.Matches(k, keyUp):
		s.move(-1)
	case key.Matches(k, keyDown):
		s.move(1)
	case key.Matches(k, keyPgUp):
		s.move(-s.room)
	case key.Matches(k, keyPgDown):
		s.move(s.room)
	case key.Matches(k, keyTop):
		s.move(-len(s.visible))
	case key.Matches(k, keyBottom):
		s.move(len(s.visible))
	case key.Matches(k, keyFilter):
		s.filtering = true
		return s.filter.Focus()
	case key.Matches(k, keyOpen):
		if s.req.t.selectable && len(s.visible) > 0 {
			s.reply(s.visible[s.cursor], navNext)
		} else if !s.req.t.selectable {
			s.reply(-1, navBack)
		}
	}
	return nil
}

// move moves the cursor by d rows and scrolls to keep it shown.
func (s *browseScreen) move(d int) {
	if len(s.visible) == 0 {
		return
	}
	s.cursor = min(max(s.cursor+d, 0), len(s.visible)-1)
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+s.room {
		s.offset = s.cursor - s.room + 1
	}
}

// reply answers the flow once.
func (s *browseScreen) reply(row int, n nav) {
	if !s.replied {
		s.replied = true
		s.req.reply <- browseReply{row: row, nav: n}
	}
}

func (s *browseScreen) view(h *host, width, height int) string {
	var parts []string
	if s.req.f.problem != nil {
		parts = append(parts, renderProblem(h.st, s.req.f.problem, width), "")
	}
	if s.req.f.body != nil {
		parts = append(parts, s.req.f.body(h.st, width), "")
	}
	if s.filtering || s.filter.Value() != "" {
		parts = append(parts, s.filter.View())
	}
	used := lines(strings.Join(parts, "\n"))
	t := s.req.t
	if len(t.rows) == 0 {
		return strings.Join(append(parts, h.st.dim.Render(or(t.empty, "Nothing to show."))), "\n")
	}
	rows := make([][]string, len(s.visible))
	for i, r := range s.visible {
		rows[i] = t.rows[r]
	}
	table := renderTable(h.st, t.columns, rows, width-2)
	s.room = max(height-used-2, 1) // header and the count line
	s.move(0)
	out := []string{"  " + table[0]}
	for i := s.offset; i < len(rows) && i < s.offset+s.room; i++ {
		line := table[i+1]
		if i == s.cursor && t.selectable {
			out = append(out, h.st.selected.Render("› "+line))
		} else {
			out = append(out, "  "+line)
		}
	}
	for len(out) < s.room+1 {
		out = append(out, "")
	}
	shown := fmt.Sprintf("%d–%d of %s", min(s.offset+1, len(rows)), min(s.offset+s.room, len(rows)), plural(len(rows), "row", "rows"))
	if len(rows) < len(t.rows) {
		shown += fmt.Sprintf(" (filtered from %s)", count(len(t.rows)))
	}
	out = append(out, h.st.dim.Render(shown))
	return strings.Join(append(parts, out...), "\n")
}

func (s *browseScreen) keys() []key.Binding {
	if s.filtering {
		return []key.Binding{keyApply, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter"))}
	}
	ks := []key.Binding{keyUp, keyDown, keyPgDown, keyFilter}
	if s.req.t.selectable {
		ks = append(ks, keyOpen)
	} else {
		ks = append(ks, keyDone)
	}
	return append(ks, keyBack, keyQuit)
}

func (s *browseScreen) interrupt(h *host) tea.Cmd {
	return h.ask(s.req.f.cancelAsk, func() tea.Cmd {
		s.reply(-1, navCancel)
		return nil
	})
}

// esc clears the filter first, then goes back.
func (s *browseScreen) esc(*host) tea.Cmd {
	switch {
	case s.filtering || s.filter.Value() != "":
		s.filtering = false
		s.filter.Blur()
		s.filter.SetValue("")
		s.refilter()
	default:
		s.reply(-1, navBack)
	}
	return nil
}
