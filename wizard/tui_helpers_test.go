package wizard

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// tui is a flow running in the full-screen UI under teatest, at 80×24
// without colour.
type tui struct {
	t      *testing.T
	tm     *teatest.TestModel
	h      *host
	events chan string
	msgs   atomic.Int64 // messages the host has handled
}

// startTUI runs flow in the full-screen UI with the clock now.
func startTUI(t *testing.T, flow func(context.Context, ui) error, now func() time.Time) *tui {
	t.Helper()
	return startTUIWith(t, flow, now, nil)
}

// startTUIWith is startTUI with the host set up by with (nil: as is).
func startTUIWith(t *testing.T, flow func(context.Context, ui) error, now func() time.Time, with func(*host)) *tui {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	h := newHost(ctx, flow, now)
	if with != nil {
		with(h)
	}
	events := make(chan string, 100)
	tt := &tui{t: t, h: h, events: events}
	h.trace = func(ev string) {
		if kind, ok := strings.CutPrefix(ev, "msg:"); ok {
			// Spinner ticks and cursor blinks never stop; they do not
			// move focus either.
			if !strings.Contains(kind, "Tick") && !strings.Contains(strings.ToLower(kind), "blink") {
				tt.msgs.Add(1)
			}
			return
		}
		events <- ev
	}
	tm := teatest.NewTestModel(t, h,
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	tt.tm = tm
	t.Cleanup(func() {
		h.cancel()
		_ = tm.Quit()
	})
	return tt
}

// startSetupTUI runs setup over b in the full-screen UI.
func startSetupTUI(t *testing.T, b Backend, answers Answers) (*tui, *setup) {
	t.Helper()
	s := newSetup(kit{}, b, answers)
	return startTUI(t, s.run, fixedNow), s
}

// waitScreen waits until a screen whose event ("ask:Welcome") starts with
// want is shown, then until the output settles (huh moves focus through
// asynchronous commands, so keys sent earlier land on the previous field).
func (tt *tui) waitScreen(want string) {
	tt.t.Helper()
	deadline := time.After(5 * time.Second)
	var seen []string
	for {
		select {
		case ev := <-tt.events:
			seen = append(seen, ev)
			if strings.HasPrefix(ev, want) {
				tt.settle()
				tt.checkHelp(ev)
				return
			}
		case <-deadline:
			tt.t.Fatalf("screen %q not shown; shown: %q", want, seen)
		}
	}
}

// checkHelp checks that the screen ends with its keyboard help.
func (tt *tui) checkHelp(screen string) {
	tt.t.Helper()
	lines := strings.Split(stripANSI(tt.h.lastDrawn()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "ctrl+c") && !strings.Contains(last, "enter") {
		tt.t.Errorf("%s: no keyboard help on the last line %q", screen, last)
	}
}

// settle waits until the program has handled no message and written
// nothing for 100 ms (two seconds at most).
func (tt *tui) settle() {
	quiet, last := 0, tt.msgs.Load()
	for start := time.Now(); quiet < 4 && time.Since(start) < 2*time.Second; {
		time.Sleep(25 * time.Millisecond)
		b, _ := io.ReadAll(tt.tm.Output())
		n := tt.msgs.Load()
		if len(b) == 0 && n == last {
			quiet++
		} else {
			quiet = 0
		}
		last = n
	}
}

// on waits until the field titled title (or the button labelled so) has
// the focus, then sends keys. huh moves the focus through asynchronous
// commands, so a key sent too early lands on the previous field; huh
// draws the focused field with a thick left border, which is what this
// waits for.
func (tt *tui) on(title string, keys ...string) {
	tt.t.Helper()
	tt.see(func(line string) bool { return strings.Contains(line, "┃") && strings.Contains(line, title) },
		"the focus on "+title)
	tt.key(keys...)
}

// see waits until a line of the drawn view satisfies ok.
func (tt *tui) see(ok func(line string) bool, what string) {
	tt.t.Helper()
	var view string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		view = stripANSI(tt.h.lastDrawn())
		for _, l := range strings.Split(view, "\n") {
			if ok(l) {
				return
			}
		}
	}
	tt.t.Fatalf("never saw %s; the screen:\n%s", what, view)
}

// seeText waits until the drawn view holds s.
func (tt *tui) seeText(s string) {
	tt.t.Helper()
	tt.see(func(line string) bool { return strings.Contains(line, s) }, strconv.Quote(s))
}

// key sends named keys ("enter", "esc", "tab", "down", "ctrl+c", or a
// single character), letting the output settle after each.
func (tt *tui) key(keys ...string) {
	for _, k := range keys {
		tt.tm.Send(keyMsg(k))
		tt.settle()
	}
}

// typeText types s, one settle at the end.
func (tt *tui) typeText(s string) {
	tt.tm.Type(s)
	tt.settle()
}

// keyMsg builds the key press message for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// finish waits for the program to end and returns the host.
func (tt *tui) finish() *host {
	tt.t.Helper()
	return tt.tm.FinalModel(tt.t, teatest.WithFinalTimeout(5*time.Second)).(*host)
}

// quitView quits the program and returns its last view, without styling.
func (tt *tui) quitView() string {
	tt.t.Helper()
	_ = tt.tm.Quit()
	return stripANSI(tt.finish().View().Content)
}

// requireGolden compares view with testdata/<test name>.golden; go test
// -update rewrites it.
func requireGolden(t *testing.T, view string) {
	t.Helper()
	golden.RequireEqual(t, []byte(view))
}
