package wizard

import (
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// startMenuTUI runs the task menu over b in the full-screen UI with the
// clock now.
func startMenuTUI(t *testing.T, b *fakeBackend, now func() time.Time) *tui {
	t.Helper()
	m := newMenu(kit{}, b, *b.saved)
	return startTUI(t, m.run, now)
}

// testClock is a clock the test moves.
type testClock struct {
	mu stdsync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestGoldenMenu(t *testing.T) {
	tt := startMenuTUI(t, newMenuFake(), fixedNow)
	tt.waitScreen("ask:Task menu")
	tt.on("What do you want to do?")
	requireGolden(t, tt.quitView())
}

func TestMenuPreviewFilterTUI(t *testing.T) {
	b := newMenuFake()
	tt := startMenuTUI(t, b, fixedNow)
	tt.waitScreen("ask:Task menu")
	tt.on("What do you want to do?", "down", "down")
	tt.seeText("> Preview pending changes")
	tt.key("enter")
	tt.waitScreen("browse:Preview pending changes")
	tt.key("/")
	tt.typeText("carol")
	tt.key("enter")
	tt.seeText("filtered from 3")
	requireGolden(t, stripANSI(tt.h.lastDrawn()))
	tt.key("esc") // clears the filter
	if v := stripANSI(tt.h.lastDrawn()); !strings.Contains(v, "ann@contoso.com") {
		t.Errorf("the filter was not cleared:\n%s", v)
	}
	tt.key("esc")
	tt.waitScreen("ask:Task menu")
}

func TestMenuSyncProgressTUI(t *testing.T) {
	b := newMenuFake()
	b.progress = []Progress{
		{Phase: PhaseImport, Imported: 42, ImportTotal: 42},
		{Phase: PhasePlan, Imported: 42, Planned: 45},
		{Phase: PhaseApply, Imported: 42, Planned: 45, Exported: 20, Errors: 1},
	}
	b.syncBlock = true
	clock := &testClock{t: fixedNow()}
	tt := startMenuTUI(t, b, clock.now)
	tt.waitScreen("ask:Task menu")
	tt.on("What do you want to do?", "enter")
	tt.waitScreen("run:Sync now")
	clock.add(30 * time.Second)
	tt.seeText("about 34s left")
	requireGolden(t, stable(stripANSI(tt.h.lastDrawn())))
	tt.key("ctrl+c", "y")
	tt.waitScreen("ask:Sync now")
	v := stripANSI(tt.h.lastDrawn())
	for _, want := range []string{"stopped by the administrator", "what was applied is recorded"} {
		if !strings.Contains(v, want) {
			t.Errorf("summary lacks %q:\n%s", want, v)
		}
	}
	tt.on("Back to the menu", "enter")
	tt.waitScreen("ask:Task menu")
}

func TestMenuQuitFromTableTUI(t *testing.T) {
	b := newMenuFake()
	tt := startMenuTUI(t, b, fixedNow)
	tt.waitScreen("ask:Task menu")
	tt.on("What do you want to do?", "down", "down")
	tt.seeText("> Preview pending changes")
	tt.key("enter")
	tt.waitScreen("browse:Preview pending changes")
	tt.key("ctrl+c") // the menu quits without asking
	if h := tt.finish(); h.flowErr != nil {
		t.Errorf("got %v, want the menu to end normally", h.flowErr)
	}
}
