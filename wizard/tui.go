package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// host is the bubbletea model of the terminal UI: it runs a flow (setup or
// the task menu) in a command's goroutine and shows the screens the flow
// asks for, one at a time, under a common header and help line. The flow
// sends requests (askReq, runReq, browseReq) on a channel; the host shows
// each and answers through the request's reply channel.
type host struct {
	flow   func(ctx context.Context, u ui) error
	ctx    context.Context
	cancel context.CancelFunc
	reqs   chan any
	done   chan struct{} // closed when the flow has returned
	now    func() time.Time

	st            *styles
	isDark        bool
	width, height int
	spin          spinner.Model
	help          help.Model

	cur     screen
	confirm *confirmPrompt
	final   string // the last page as plain text
	banner  string // said in the header's rule (Options.Banner)

	flowErr error // the flow's result, once done is closed

	// drawn is the last view drawn; tests read it while the program runs.
	drawnMu stdsync.Mutex
	drawn   string

	// trace, when set (tests), hears "ask", "run" or "browse" and the
	// page title each time a screen is shown, and "msg:" and the type of
	// every message.
	trace func(event string)
}

// screen is one kind of screen the host shows.
type screen interface {
	// kind names the screen: "ask", "run" or "browse".
	kind() string
	// frame is the page around the screen.
	frame() frame
	// init starts the screen; resize tells it its size.
	init(h *host) tea.Cmd
	resize(h *host, width, height int) tea.Cmd
	// update handles a message the host does not; it returns whether
	// the screen is finished (it has replied to the flow).
	update(h *host, msg tea.Msg) tea.Cmd
	// view draws the screen's content area.
	view(h *host, width, height int) string
	// keys are the screen's key bindings, for the help line.
	keys() []key.Binding
	// interrupt handles Ctrl-C; esc handles Esc.
	interrupt(h *host) tea.Cmd
	esc(h *host) tea.Cmd
}

// confirmPrompt is a yes/no question drawn over the help line.
type confirmPrompt struct {
	question string
	yes      func() tea.Cmd
}

// Messages the host handles.
type (
	flowDoneMsg  struct{}
	interruptMsg struct{} // SIGINT, translated by the program filter
)

// Host key bindings.
var (
	keyBack   = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "previous page"))
	keyQuit   = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
	keyYes    = key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes"))
	keyNo     = key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no"))
	keyScroll = key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "scroll"))
)

// headerHeight and footerHeight are the lines around the content area.
const (
	headerHeight = 3
	footerHeight = 1
)

// newHost returns a host that runs flow.
func newHost(ctx context.Context, flow func(ctx context.Context, u ui) error, now func() time.Time) *host {
	ctx, cancel := context.WithCancel(ctx)
	h := &host{
		flow: flow, ctx: ctx, cancel: cancel,
		reqs: make(chan any), done: make(chan struct{}), now: now,
		isDark: true, width: 80, height: 24,
		spin: spinner.New(spinner.WithSpinner(spinner.Dot)),
		help: help.New(),
	}
	h.setStyles()
	return h
}

// setStyles rebuilds the styles for the background.
func (h *host) setStyles() {
	h.st = newStyles(h.isDark)
	h.help.Styles = help.DefaultStyles(h.isDark)
}

// Init starts the flow and waits for its first request.
func (h *host) Init() tea.Cmd {
	return tea.Batch(h.runFlow, h.waitReq, tea.RequestBackgroundColor, h.spin.Tick)
}

// runFlow runs the flow to its end; its goroutine is the flow's.
func (h *host) runFlow() tea.Msg {
	h.flowErr = h.flow(h.ctx, &tuiUI{reqs: h.reqs, now: h.now})
	close(h.done)
	return flowDoneMsg{}
}

// waitReq waits for the flow's next request.
func (h *host) waitReq() tea.Msg {
	select {
	case r := <-h.reqs:
		return r
	case <-h.ctx.Done():
		return nil
	}
}

// Update routes messages: requests change the screen, Ctrl-C and Esc are
// the host's, the rest goes to the screen.
func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if h.trace != nil {
		h.trace(fmt.Sprintf("msg:%T", msg))
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		h.width, h.height = msg.Width, msg.Height
		return h, h.resize()
	case tea.BackgroundColorMsg:
		h.isDark = msg.IsDark()
		h.setStyles()
		if h.cur != nil {
			return h, h.cur.update(h, msg)
		}
		return h, nil
	case askReq, runReq, browseReq:
		h.confirm = nil
		h.cur = newScreen(msg)
		cmd := tea.Batch(h.cur.init(h), h.resize(), h.waitReq)
		if h.trace != nil {
			h.trace(h.cur.kind() + ":" + h.cur.frame().title)
		}
		return h, cmd
	case flowDoneMsg:
		if h.cur != nil {
			h.final = h.plain()
		}
		return h, tea.Quit
	case spinner.TickMsg:
		var cmd tea.Cmd
		h.spin, cmd = h.spin.Update(msg)
		return h, cmd
	case interruptMsg:
		return h, h.interrupt()
	case tea.KeyPressMsg:
		if h.confirm != nil {
			switch {
			case key.Matches(msg, keyYes):
				c := h.confirm
				h.confirm = nil
				return h, c.yes()
			case key.Matches(msg, keyNo), key.Matches(msg, keyQuit):
				h.confirm = nil
			}
			return h, nil
		}
		switch {
		case key.Matches(msg, keyQuit):
			return h, h.interrupt()
		case key.Matches(msg, keyBack) && h.cur != nil:
			return h, h.cur.esc(h)
		}
	}
	if h.cur == nil {
		return h, nil
	}
	return h, h.cur.update(h, msg)
}

// interrupt handles Ctrl-C or SIGINT on the current screen.
func (h *host) interrupt() tea.Cmd {
	if h.cur == nil {
		h.cancel()
		return tea.Quit
	}
	return h.cur.interrupt(h)
}

// ask shows question over the help line; yes runs on "y".
func (h *host) ask(question string, yes func() tea.Cmd) tea.Cmd {
	if question == "" {
		return yes()
	}
	h.confirm = &confirmPrompt{question: question, yes: yes}
	return nil
}

// resize tells the screen its content area.
func (h *host) resize() tea.Cmd {
	if h.cur == nil {
		return nil
	}
	return h.cur.resize(h, h.contentWidth(), h.contentHeight())
}

// contentWidth and contentHeight are the content area's size.
func (h *host) contentWidth() int  { return max(h.width-2, 20) }
func (h *host) contentHeight() int { return max(h.height-headerHeight-footerHeight, 3) }

// View draws the header, the screen and the help line, in exactly the
// terminal's height.
func (h *host) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if h.cur == nil {
		v.SetContent(h.fit(h.header(frame{app: "entrasync"}), "", h.footer()))
		return v
	}
	content := h.cur.view(h, h.contentWidth(), h.contentHeight())
	if h.confirm != nil {
		content = h.withQuestion(content)
	}
	v.SetContent(h.fit(h.header(h.cur.frame()), content, h.footer()))
	h.drawnMu.Lock()
	h.drawn = v.Content
	h.drawnMu.Unlock()
	return v
}

// lastDrawn returns the last view drawn.
func (h *host) lastDrawn() string {
	h.drawnMu.Lock()
	defer h.drawnMu.Unlock()
	return h.drawn
}

// withQuestion puts the pending question at the bottom of the content.
func (h *host) withQuestion(content string) string {
	q := h.st.warn.Render(wrap(h.confirm.question, h.contentWidth()))
	keep := max(h.contentHeight()-lines(q)-1, 0)
	ls := strings.Split(content, "\n")
	if len(ls) > keep {
		ls = ls[:keep]
	}
	for len(ls) < keep {
		ls = append(ls, "")
	}
	return strings.Join(ls, "\n") + "\n\n" + q
}

// fit stacks header, content and footer in the terminal's size, content
// indented by one column and cut to its height.
func (h *host) fit(header, content, footer string) string {
	lines := strings.Split(content, "\n")
	ch := h.contentHeight()
	if len(lines) > ch {
		lines = lines[:ch]
	}
	for len(lines) < ch {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if l = strings.TrimRight(l, " "); l != "" {
			l = " " + l
		}
		lines[i] = l
	}
	return header + "\n" + strings.Join(lines, "\n") + "\n" + footer
}

// header draws the program part, the step, the title and a rule.
func (h *host) header(f frame) string {
	left := h.st.app.Render(or(f.app, "entrasync"))
	right := ""
	if f.steps > 0 {
		right = h.st.step.Render(stepText(f))
	}
	line1 := " " + left
	if right != "" {
		gap := max(1, h.width-2-lipgloss.Width(left)-lipgloss.Width(right))
		line1 += strings.Repeat(" ", gap) + right
	}
	line2 := " " + h.st.title.Render(f.title)
	return line1 + "\n" + line2 + "\n" + h.rule()
}

// rule draws the line under the title, with the banner in it when one is
// set: "── entrasync demo — nothing here … ─────".
func (h *host) rule() string {
	width := max(h.width, 1)
	if h.banner == "" || width < 8 {
		return h.st.rule.Render(strings.Repeat("─", width))
	}
	text := " " + truncate(h.banner, width-6) + " "
	rest := max(width-2-lipgloss.Width(text), 0)
	return h.st.rule.Render("──") + h.st.warn.Bold(true).Render(text) + h.st.rule.Render(strings.Repeat("─", rest))
}

// stepText is "Step 4 of 8".
func stepText(f frame) string {
	return "Step " + itoa(f.step) + " of " + itoa(f.steps)
}

// itoa formats a small int.
func itoa(n int) string { return count(n) }

// footer draws the help line, or the pending question.
func (h *host) footer() string {
	if h.confirm != nil {
		return " " + h.help.ShortHelpView([]key.Binding{keyYes, keyNo})
	}
	if h.cur == nil {
		return ""
	}
	h.help.SetWidth(max(h.width-2, 10))
	return " " + truncate(h.help.ShortHelpView(helpKeys(h.cur.keys())), h.width-2)
}

// helpNoise are huh's bindings the help line leaves out for room.
var helpNoise = []string{"/", "ctrl+a", "g/home", "G/end", "ctrl+u", "ctrl+d", "ctrl+e"}

// helpKeys drops the noise from a screen's bindings.
func helpKeys(ks []key.Binding) []key.Binding {
	out := ks[:0:0]
	for _, k := range ks {
		if !slices.Contains(helpNoise, k.Help().Key) {
			out = append(out, k)
		}
	}
	return out
}

// plain is the current screen as plain text, left on the terminal after
// the alternate screen closes.
func (h *host) plain() string {
	f := h.cur.frame()
	w := min(h.contentWidth(), 78)
	var b strings.Builder
	b.WriteString(f.title + "\n\n")
	if f.body != nil {
		b.WriteString(trimLines(stripANSI(f.body(h.st, w))) + "\n")
	}
	return b.String()
}

// newScreen returns the screen for a request.
func newScreen(req any) screen {
	switch r := req.(type) {
	case askReq:
		return newFormScreen(r)
	case runReq:
		return newRunScreen(r)
	case browseReq:
		return newBrowseScreen(r)
	}
	return nil
}

// tuiUI is the flow's side of the host: it sends requests and waits for
// the answers.
type tuiUI struct {
	reqs chan<- any
	now  func() time.Time
}

// askReq asks the host to show a form.
type askReq struct {
	f     frame
	form  *huh.Form
	reply chan nav
}

// runReq asks the host to show a running task; stop cancels it.
type runReq struct {
	f    frame
	t    task
	st   *status
	stop func(nav)
}

// browseReq asks the host to show a table.
type browseReq struct {
	f     frame
	t     table
	reply chan browseReply
}

// browseReply is the administrator's choice in a table.
type browseReply struct {
	row int
	nav nav
}

// send hands a request to the host.
func (u *tuiUI) send(ctx context.Context, req any) error {
	select {
	case u.reqs <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ask implements ui.
func (u *tuiUI) ask(ctx context.Context, f frame, form *huh.Form) (nav, error) {
	form.WithTheme(theme).WithShowHelp(false).WithKeyMap(formKeyMap())
	reply := make(chan nav, 1)
	if err := u.send(ctx, askReq{f: f, form: form, reply: reply}); err != nil {
		return navCancel, err
	}
	select {
	case n := <-reply:
		return n, nil
	case <-ctx.Done():
		return navCancel, ctx.Err()
	}
}

// run implements ui: the task runs here, in the flow's goroutine, while
// the host shows its status.
func (u *tuiUI) run(ctx context.Context, f frame, t task) (nav, error) {
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var want atomic.Int32
	st := newStatus(u.now, nil)
	stop := func(n nav) {
		want.Store(int32(n))
		cancel()
	}
	if err := u.send(ctx, runReq{f: f, t: t, st: st, stop: stop}); err != nil {
		return navCancel, err
	}
	err := t.fn(tctx, st)
	if ctx.Err() != nil {
		return navCancel, err
	}
	return nav(want.Load()), err
}

// browse implements ui.
func (u *tuiUI) browse(ctx context.Context, f frame, t table) (int, nav, error) {
	reply := make(chan browseReply, 1)
	if err := u.send(ctx, browseReq{f: f, t: t, reply: reply}); err != nil {
		return -1, navCancel, err
	}
	select {
	case r := <-reply:
		return r.row, r.nav, nil
	case <-ctx.Done():
		return -1, navCancel, ctx.Err()
	}
}

// formKeyMap is huh's key map without its own Ctrl-C: the host asks
// before quitting.
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit.SetEnabled(false)
	for _, b := range []*key.Binding{&km.Input.Prev, &km.Select.Prev, &km.MultiSelect.Prev,
		&km.Confirm.Prev, &km.Note.Prev, &km.Text.Prev} {
		b.SetHelp("shift+tab", "previous field")
	}
	return km
}
