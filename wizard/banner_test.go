package wizard

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// demoBanner is the banner the demo sets.
const demoBanner = "entrasync demo — nothing here touches a real directory"

// withBanner sets the host's banner, as drive does from Options.Banner.
func withBanner(h *host) { h.banner = demoBanner }

// headerRule returns the third line of the drawn view: the rule under the
// title.
func (tt *tui) headerRule() string {
	tt.t.Helper()
	lines := strings.Split(stripANSI(tt.h.lastDrawn()), "\n")
	if len(lines) < 3 {
		tt.t.Fatalf("the view has %d lines, want a header of 3", len(lines))
	}
	return lines[2]
}

func TestBannerTUI(t *testing.T) {
	s := newSetup(kit{}, newFake(), DefaultAnswers())
	tt := startTUIWith(t, s.run, fixedNow, withBanner)
	for _, screen := range []struct{ event, focus string }{
		{"ask:Welcome", "Continue"},
		{"ask:Express settings", "Settings"},
		{"ask:Connect to Entra ID", "Sign in"},
	} {
		tt.waitScreen(screen.event)
		if rule := tt.headerRule(); !strings.HasPrefix(rule, "── "+demoBanner+" ──") || ansi.StringWidth(rule) != 80 {
			t.Errorf("%s: header rule %q, want the banner in an 80-column rule", screen.event, rule)
		}
		tt.on(screen.focus, "enter")
	}
	// A narrow terminal cuts the banner, not the layout.
	tt.tm.Send(tea.WindowSizeMsg{Width: 40, Height: 24})
	tt.settle()
	if rule := tt.headerRule(); ansi.StringWidth(rule) != 40 || !strings.HasPrefix(rule, "── entrasync demo") || !strings.Contains(rule, "…") {
		t.Errorf("at 40 columns: header rule %q, want the banner cut to fit 40 columns", rule)
	}
}

func TestGoldenBanner(t *testing.T) {
	b := newMenuFake()
	m := newMenu(kit{}, b, *b.saved)
	tt := startTUIWith(t, m.run, fixedNow, withBanner)
	tt.waitScreen("ask:Task menu")
	tt.on("What do you want to do?")
	requireGolden(t, tt.quitView())
}

// TestBannerAccessible: line prompts say the banner once, first.
func TestBannerAccessible(t *testing.T) {
	run := map[string]func(context.Context, Options) error{
		"setup": func(ctx context.Context, o Options) error {
			_, err := RunSetup(ctx, newFake(), o)
			return err
		},
		"menu": func(ctx context.Context, o Options) error { return RunMenu(ctx, newMenuFake(), o) },
	}
	inputs := map[string][]string{"setup": expressLines(), "menu": menuExit}
	for name, fn := range run {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := fn(ctx, Options{
				In: strings.NewReader(strings.Join(inputs[name], "\n") + "\n"), Out: &out,
				Accessible: true, Now: fixedNow, Interrupts: make(chan os.Signal), Banner: demoBanner,
			})
			if err != nil {
				t.Fatalf("%s: %v\noutput:\n%s", name, err, out.String())
			}
			lines := strings.Split(out.String(), "\n")
			if lines[0] != demoBanner || strings.Count(out.String(), demoBanner) != 1 {
				t.Errorf("got first line %q and the banner %d times, want it once, first", lines[0], strings.Count(out.String(), demoBanner))
			}
		})
	}
}
