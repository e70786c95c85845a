package wizard

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// walkTo drives the express path in the full-screen UI until page p is
// shown (pageComplete: to the end).
func (tt *tui) walkTo(p pageID) {
	tt.t.Helper()
	tt.waitScreen("ask:Welcome")
	if p == pageWelcome {
		return
	}
	tt.on("Continue", "enter")
	tt.waitScreen("ask:Express settings")
	if p == pageExpress {
		return
	}
	tt.on("Settings", "enter")
	tt.waitScreen("ask:Connect to Entra ID") // the introduction
	tt.on("Sign in", "enter")
	tt.waitScreen("ask:Connect to Entra ID") // signed in
	if p == pageEntra {
		return
	}
	tt.on("Account", "enter")
	tt.waitScreen("ask:Connect to AD DS")
	if p == pageAD {
		return
	}
	tt.fillAD()
	tt.waitScreen("ask:UPN suffixes")
	if p == pageSuffixes {
		return
	}
	tt.tickContinue()
	tt.waitScreen("ask:Ready to configure")
	if p == pageReady {
		return
	}
	tt.on("Press Enter to install", "enter")
	tt.waitScreen("run:Configuring")
	if p == pageConfiguring {
		return
	}
	tt.waitScreen("ask:Complete")
}

// fillAD fills the AD page and submits it.
func (tt *tui) fillAD() {
	tt.t.Helper()
	tt.on("Domain controller")
	tt.typeText("dc1.corp.example.com")
	tt.key("enter")
	tt.on("Connection", "enter")
	tt.on("CA certificate file", "enter")
	tt.on("Enterprise Admin")
	tt.typeText(`CORP\admin`)
	tt.key("enter")
	tt.on("Password")
	tt.typeText("not-a-real-password")
	tt.key("enter")
}

// tickContinue chooses Continue on the UPN suffix page and ticks
// "Continue without matching all UPN suffixes to verified domains".
func (tt *tui) tickContinue() {
	tt.t.Helper()
	tt.on("Next step", "enter")
	tt.on("Continue without matching", "x")
	tt.seeText("✓ Continue without matching")
	tt.key("enter")
}

// spinnerFrames matches the spinner's glyphs, which depend on timing.
var spinnerFrames = regexp.MustCompile(`[⣾⣽⣻⢿⡿⣟⣯⣷]`)

// stable replaces what depends on timing in a view.
func stable(view string) string {
	return spinnerFrames.ReplaceAllString(view, "*")
}

func TestSetupExpressTUI(t *testing.T) {
	b := newFake()
	tt, s := startSetupTUI(t, b, DefaultAnswers())
	tt.walkTo(pageComplete)
	tt.on("Finish")
	requireGolden(t, tt.quitViewAfter("enter"))
	h := tt.h
	if h.flowErr != nil {
		t.Fatalf("setup: %v", h.flowErr)
	}
	if w := b.writesBefore("Configure"); len(w) != 0 {
		t.Errorf("writes before Install: %q", w)
	}
	want := []string{"SignInEntra", `CheckAD[dc1.corp.example.com 0 ldaps CORP\admin]`, "Suffixes", "SetupPlan", "Configure", "Sync[initial]"}
	if got := b.called(); !slices.Equal(got, want) {
		t.Errorf("calls:\n got %q\nwant %q", got, want)
	}
	if !s.a.AllowUnverifiedSuffixes {
		t.Error("the tick \"Continue without matching\" was not recorded")
	}
	for _, want := range []string{"entrasync is configured for contoso.onmicrosoft.com", "The systemd unit entrasync.service"} {
		if !strings.Contains(h.final, want) {
			t.Errorf("text left on the terminal lacks %q:\n%s", want, h.final)
		}
	}
}

// quitViewAfter sends keys that end the flow and returns the last view.
func (tt *tui) quitViewAfter(keys ...string) string {
	tt.t.Helper()
	view := stable(stripANSI(tt.h.lastDrawn()))
	tt.key(keys...)
	tt.finish()
	return view
}

func TestSetupBackOnEveryPageTUI(t *testing.T) {
	b := newFake()
	tt, _ := startSetupTUI(t, b, DefaultAnswers())
	tt.walkTo(pageReady)
	for _, back := range []string{"ask:UPN suffixes", "ask:Connect to AD DS", "ask:Connect to Entra ID", "ask:Express settings", "ask:Welcome"} {
		tt.key("esc")
		tt.waitScreen(back)
	}
	tt.key("esc") // nothing before Welcome
	tt.on("Continue", "enter")
	tt.waitScreen("ask:Express settings")
	tt.on("Settings", "enter")
	tt.waitScreen("ask:Connect to Entra ID")
	tt.on("Account", "enter")
	tt.waitScreen("ask:Connect to AD DS") // the values are kept
	for _, field := range []string{"Domain controller", "Connection", "CA certificate file", "Enterprise Admin", "Password"} {
		tt.on(field, "enter")
	}
	tt.waitScreen("ask:UPN suffixes")
	tt.on("Next step", "enter")
	tt.seeText("✓ Continue without matching") // the tick is kept
	tt.on("Continue without matching", "enter")
	tt.waitScreen("ask:Ready to configure")
	tt.on("Press Enter to install", "enter")
	tt.waitScreen("ask:Complete")
	tt.on("Finish", "enter")
	h := tt.finish()
	if h.flowErr != nil {
		t.Fatalf("setup: %v", h.flowErr)
	}
	var checks int
	for _, c := range b.called() {
		if strings.HasPrefix(c, "CheckAD[dc1.corp.example.com 0 ldaps CORP\\admin]") {
			checks++
		}
	}
	if checks != 2 {
		t.Errorf("AD checked %d times with the kept values, want 2; calls %q", checks, b.called())
	}
}

func TestSetupCancelTUI(t *testing.T) {
	// Every page in accessible mode: TestSetupCancelEveryPage.
	for _, p := range []pageID{pageWelcome, pageAD, pageSuffixes, pageReady} {
		t.Run(p.String(), func(t *testing.T) {
			b := newFake()
			tt, _ := startSetupTUI(t, b, DefaultAnswers())
			tt.walkTo(p)
			tt.key("ctrl+c", "n") // asked, and declined: the page stays
			tt.key("ctrl+c", "y")
			h := tt.finish()
			if !errors.Is(h.flowErr, ErrAborted) {
				t.Errorf("got %v, want ErrAborted", h.flowErr)
			}
			if w := b.writesBefore(""); len(w) != 0 {
				t.Errorf("writes: %q", w)
			}
		})
	}
}

func TestSetupStopConfiguringTUI(t *testing.T) {
	b := newFake()
	b.blockAt = "grant"
	tt, s := startSetupTUI(t, b, DefaultAnswers())
	tt.walkTo(pageConfiguring)
	<-b.blocked
	tt.seeText("✓ Create the Entra application and certificate")
	tt.key("ctrl+c")
	tt.seeText("Stop the configuration?")
	requireGolden(t, stable(stripANSI(tt.h.lastDrawn())))
	tt.key("y")
	tt.waitScreen("ask:Setup did not complete")
	tt.on("Finish", "enter")
	h := tt.finish()
	if !errors.Is(h.flowErr, ErrStopped) {
		t.Fatalf("got %v, want ErrStopped", h.flowErr)
	}
	if got := len(s.result.Setup.Created); got != 2 {
		t.Errorf("recorded %d created resources, want the 2 made before the stop", got)
	}
	if slices.Contains(b.called(), "Sync[initial]") {
		t.Error("the initial sync ran after the stop")
	}
	if !strings.Contains(h.final, "Created so far (recorded for uninstall)") {
		t.Errorf("final text lacks the record:\n%s", h.final)
	}
}

func TestSetupADFailureTUI(t *testing.T) {
	b := newFake()
	b.adErrs = []error{WithFix(errors.New(`ad: bind as CORP\admin: LDAP Result Code 49 "Invalid Credentials": data 52e`),
		"check the password; the account may also be locked")}
	tt, _ := startSetupTUI(t, b, DefaultAnswers())
	tt.walkTo(pageAD)
	tt.fillAD()
	tt.waitScreen("ask:Connect to AD DS")
	tt.on("Domain controller")
	requireGolden(t, tt.quitView())
}

func TestGoldenWelcome(t *testing.T) {
	tt, _ := startSetupTUI(t, newFake(), DefaultAnswers())
	tt.walkTo(pageWelcome)
	tt.on("Continue")
	requireGolden(t, tt.quitView())
}

func TestGoldenSuffixes(t *testing.T) {
	tt, _ := startSetupTUI(t, newFake(), DefaultAnswers())
	tt.walkTo(pageSuffixes)
	tt.on("Next step")
	requireGolden(t, tt.quitView())
}

func TestGoldenDeviceCode(t *testing.T) {
	b := newFake()
	b.signInWait = true
	tt, _ := startSetupTUI(t, b, DefaultAnswers())
	tt.walkTo(pageExpress)
	tt.on("Settings", "enter")
	tt.waitScreen("ask:Connect to Entra ID")
	tt.on("Sign in", "enter")
	tt.waitScreen("run:Connect to Entra ID")
	tt.seeText("FAKE-CODE")
	requireGolden(t, stable(stripANSI(tt.h.lastDrawn())))
	tt.key("esc") // stop waiting: back to the page, sign-in cancelled
	tt.waitScreen("ask:Connect to Entra ID")
	tt.on("Sign in")
	if got := b.called(); !slices.Equal(got, []string{"SignInEntra"}) {
		t.Errorf("calls: got %q", got)
	}
}

func TestResize(t *testing.T) {
	tt, _ := startSetupTUI(t, newFake(), DefaultAnswers())
	tt.walkTo(pageSuffixes)
	tt.on("Next step")
	before := stripANSI(tt.h.lastDrawn())
	for _, size := range [][2]int{{120, 40}, {60, 20}, {80, 24}} {
		tt.tm.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		tt.settle()
		lines := strings.Split(stripANSI(tt.h.lastDrawn()), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
		if !strings.Contains(lines[2], strings.Repeat("─", size[0])) {
			t.Errorf("%dx%d: the rule does not span the width: %q", size[0], size[1], lines[2])
		}
	}
	if after := stripANSI(tt.h.lastDrawn()); after != before {
		t.Errorf("back at 80x24, the page differs:\n%s\nwas:\n%s", after, before)
	}
}

// TestGoldenReady draws the Ready to configure page with long action
// details at 80 and 100 columns: every wrapped line starts under its own
// line's text.
func TestGoldenReady(t *testing.T) {
	for _, size := range []struct{ width, height int }{{80, 24}, {100, 30}} {
		t.Run(itoa(size.width), func(t *testing.T) {
			b := newFake()
			b.plan = []Action{
				{ID: "ad-account", Title: "Create the AD connector account",
					Detail: `CORP\ESYNC_9AAA4FF3419A in CN=Users,DC=corp,DC=example,DC=com: not an admin, a random 40-character ` +
						"password; may read users, groups and contacts and follow their changes (Replicating Directory Changes) in corp.example.com"},
				{ID: "entra-app", Title: "Create the Entra application",
					Detail: "entrasync-dc1 in contoso.onmicrosoft.com, with its service principal and a certificate valid until " +
						"2028-11-25; the private key stays on this machine in /var/lib/entrasync/entra-app.pem"},
				{ID: "grant", Title: "Grant its Microsoft Graph application permissions", Detail: "User.ReadWrite.All, Group.ReadWrite.All, Domain.Read.All"},
			}
			tt, _ := startSetupTUI(t, b, DefaultAnswers())
			tt.walkTo(pageReady)
			tt.tm.Send(tea.WindowSizeMsg{Width: size.width, Height: size.height})
			tt.settle()
			tt.on("Press Enter to install")
			requireGolden(t, tt.quitView())
		})
	}
}
