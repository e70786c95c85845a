package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	stdsync "sync"
	"time"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"
)

// errInputEnded is returned when the accessible UI's input ends before the
// flow does: an unattended script ran out of answers.
var errInputEnded = errors.New("wizard: input ended before the wizard finished: answer every prompt, or run unattended with --non-interactive")

// lineUI is the accessible UI: huh's line-by-line prompts and plain lines
// of text, no redrawing, no colour. After each page it asks whether to
// continue, go back or cancel, since line prompts have no Esc.
type lineUI struct {
	in         *lineReader
	out        io.Writer
	now        func() time.Time
	interrupts func() (<-chan os.Signal, func())
	st         *styles
	width      int

	mu stdsync.Mutex // serialises lines from tasks' goroutines
}

// newLineUI returns an accessible UI reading in and writing plain text to
// out. interrupts subscribes to Ctrl-C while a task runs.
func newLineUI(in io.Reader, out io.Writer, now func() time.Time, interrupts func() (<-chan os.Signal, func())) *lineUI {
	return &lineUI{
		in:         &lineReader{r: in},
		out:        &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY},
		now:        now,
		interrupts: interrupts,
		st:         newStyles(true),
		width:      78,
	}
}

// printf writes to the output, one writer at a time.
func (u *lineUI) printf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintf(u.out, format, args...)
}

// printFrame writes the page's heading, text and problem.
func (u *lineUI) printFrame(f frame) {
	head := f.title
	if f.steps > 0 {
		head = stepText(f) + ": " + f.title
	}
	u.printf("\n== %s ==\n", head)
	if f.body != nil {
		u.printf("%s\n", trimLines(stripANSI(f.body(u.st, u.width))))
	}
	if f.problem != nil {
		msg, fix := problemParts(f.problem)
		u.printf("Error: %s\n", msg)
		if fix != "" {
			u.printf("Fix: %s\n", fix)
		}
	}
	u.printf("\n")
}

// form prepares a form for line prompts on this UI's streams.
func (u *lineUI) form(form *huh.Form) *huh.Form {
	return form.WithTheme(theme).WithAccessible(true).WithInput(u.in).WithOutput(u.out)
}

// ask implements ui.
func (u *lineUI) ask(ctx context.Context, f frame, form *huh.Form) (nav, error) {
	u.printFrame(f)
	if err := u.form(form).RunWithContext(ctx); err != nil {
		return navCancel, err
	}
	if u.in.ended() {
		return navCancel, errInputEnded
	}
	return u.navigate(ctx, f)
}

// navigate asks where to go from a page, confirming a cancel.
func (u *lineUI) navigate(ctx context.Context, f frame) (nav, error) {
	opts := []huh.Option[nav]{huh.NewOption(or(f.next, "Continue"), navNext)}
	if !f.noBack {
		opts = append(opts, huh.NewOption("Back", navBack))
	}
	if !f.noCancel {
		opts = append(opts, huh.NewOption("Cancel", navCancel))
	}
	if len(opts) == 1 {
		return navNext, nil
	}
	for {
		n := navNext
		sel := huh.NewSelect[nav]().Title("Next step").Options(opts...).Value(&n)
		if err := u.form(huh.NewForm(huh.NewGroup(sel))).RunWithContext(ctx); err != nil {
			return navCancel, err
		}
		if u.in.ended() {
			return navCancel, errInputEnded
		}
		if n != navCancel || f.cancelAsk == "" {
			return n, nil
		}
		sure := false
		c := huh.NewConfirm().Title(f.cancelAsk).Value(&sure)
		if err := u.form(huh.NewForm(huh.NewGroup(c))).RunWithContext(ctx); err != nil {
			return navCancel, err
		}
		if u.in.ended() || sure {
			return navCancel, nil
		}
	}
}

// run implements ui: the task runs in its own goroutine so that Ctrl-C
// can be answered while it works.
func (u *lineUI) run(ctx context.Context, f frame, t task) (nav, error) {
	u.printf("%s…\n", t.label)
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := newStatus(u.now, func(line string) { u.printf("%s\n", line) })
	done := make(chan error, 1)
	go func() { done <- t.fn(tctx, st) }()

	sigs, stop := u.interrupts()
	defer stop()
	n, asked := navNext, false
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				n = navCancel
			}
			return n, err
		case <-sigs:
			if t.stopAsk != "" && !asked {
				asked = true
				u.printf("%s Press Ctrl-C again to stop; otherwise setup goes on.\n", t.stopAsk)
				continue
			}
			if n != navCancel {
				u.printf("Stopping cleanly…\n")
				n = navCancel
				cancel()
			}
		}
	}
}

// browse implements ui: it prints the table; a selectable one is then
// chosen from by number.
func (u *lineUI) browse(ctx context.Context, f frame, t table) (int, nav, error) {
	u.printFrame(f)
	if len(t.rows) == 0 {
		u.printf("%s\n", or(t.empty, "Nothing to show."))
	} else {
		u.printf("%s\n", strings.Join(renderTable(u.st, t.columns, t.rows, u.width), "\n"))
	}
	if !t.selectable || len(t.rows) == 0 {
		return -1, navBack, nil
	}
	opts := []huh.Option[int]{huh.NewOption("Back", -1)}
	for i, r := range t.rows {
		opts = append(opts, huh.NewOption(strings.Join(r[:min(2, len(r))], "  "), i))
	}
	row := -1
	sel := huh.NewSelect[int]().Title("Open").Options(opts...).Value(&row)
	if err := u.form(huh.NewForm(huh.NewGroup(sel))).RunWithContext(ctx); err != nil {
		return -1, navCancel, err
	}
	if u.in.ended() {
		return -1, navCancel, errInputEnded
	}
	if row < 0 {
		return -1, navBack, nil
	}
	return row, navNext, nil
}

// lineReader reads one byte at a time, so that each of huh's prompts,
// which wraps the input in a fresh bufio.Scanner, takes exactly one line
// and leaves the rest for the next prompt. It remembers hitting the end.
type lineReader struct {
	r   io.Reader
	eof bool
}

// Read reads at most one byte.
func (l *lineReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	n, err := l.r.Read(p)
	if err != nil {
		l.eof = true
	}
	return n, err
}

// ended says whether the input has ended.
func (l *lineReader) ended() bool { return l.eof }

// Fd returns the input's file descriptor when it is a file, so that huh
// reads passwords from a terminal without echo.
func (l *lineReader) Fd() uintptr {
	if f, ok := l.r.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}
