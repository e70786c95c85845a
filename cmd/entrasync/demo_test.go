package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDemoStartsAndQuits runs `entrasync demo` in a terminal: the banner
// says it is a demo, the wizard's first page comes up with the demo forest
// and tenant behind it, and quitting leaves nothing behind.
func TestDemoStartsAndQuits(t *testing.T) {
	tmp := t.TempDir()
	tm := startTerm(t, ptyEnv("TMPDIR="+tmp), "demo")
	tm.waitLog("=== entrasync DEMO: nothing here touches a real directory ===", 30*time.Second)
	tm.waitText("Step 1 of 8", 30*time.Second)
	tm.waitText("Welcome", time.Second)
	tm.waitText(demoScreenBanner, time.Second) // on the wizard's screen too
	tm.waitFocus("")
	tm.send(keyCtrlC)
	tm.waitText("Quit setup? Nothing has been changed.", 10*time.Second)
	tm.send("y")
	if code := tm.exitCode(30 * time.Second); code != exitInterrupted {
		t.Errorf("exit code: got %d, want %d (cancelled)", code, exitInterrupted)
	}
	left, err := filepath.Glob(filepath.Join(tmp, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("the demo left %v behind in its temporary directory", left)
	}
	_ = os.RemoveAll(tmp)
}

// TestDemoAccessible runs the demo with ENTRASYNC_ACCESSIBLE=1: the wizard
// asks line by line, and choosing Cancel (and confirming) ends it as
// cancelled.
func TestDemoAccessible(t *testing.T) {
	tm := startTerm(t, ptyEnv("TMPDIR="+t.TempDir(), "ENTRASYNC_ACCESSIBLE=1"), "demo")
	// Line by line, the page's header scrolls off the 24 rows once the
	// whole page is printed: look for it in everything printed.
	tm.waitLog("== Step 1 of 8: Welcome ==", 30*time.Second)
	tm.waitText("Enter a number between 1 and 2:", 10*time.Second)
	tm.send("2", keyEnter) // 2. Cancel
	tm.waitText("Quit setup? Nothing has been changed. [y/N]", 10*time.Second)
	tm.send("y", keyEnter)
	if code := tm.exitCode(30 * time.Second); code != exitInterrupted {
		t.Errorf("exit code: got %d, want %d (cancelled)", code, exitInterrupted)
	}
	tm.waitLog("entrasync: cancelled", time.Second)
}

// TestDemoExpressSetupThenSyncNow walks the demo as a newcomer would: the
// answers are filled in and the sign-in approves itself, so Enter through
// the express path sets up against the demo forest and tenant; the menu
// follows, where Sync now runs; leaving it ends the demo.
func TestDemoExpressSetupThenSyncNow(t *testing.T) {
	tm := startTerm(t, ptyEnv("TMPDIR="+t.TempDir()), "demo")
	tm.waitText("Step 1 of 8", 30*time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)
	tm.waitText("Step 2 of 8", 10*time.Second)
	tm.waitFocus("Settings")
	tm.send(keyEnter)
	tm.waitText("Step 3 of 8", 10*time.Second)
	tm.waitText("Sign in", 10*time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)
	tm.waitText("Continue as "+demoAdmin, time.Minute) // approved by the demo tenant
	tm.waitText("Example Corp (DEMO tenant)", time.Second)
	tm.waitFocus("Account")
	tm.send(keyEnter)
	tm.waitText("Step 4 of 8", 10*time.Second)
	for _, field := range []string{"Domain controller", "Connection", "CA certificate file", "Enterprise Admin", "Password"} {
		tm.waitFocus(field) // filled in by the demo
		tm.send(keyEnter)
	}
	tm.waitText("Step 5 of 8", time.Minute)
	tm.waitText("corp.local", time.Minute)
	tm.waitFocus("Next step")
	tm.send(keyEnter)
	tm.waitFocus("Press Enter to continue")
	tm.send("x")
	tm.waitText("✓ Continue without matching", 10*time.Second)
	tm.send(keyEnter)
	tm.waitText("Step 6 of 8", time.Minute)
	tm.waitFocus("Press Enter to install")
	tm.send(keyEnter)
	tm.waitText("Step 8 of 8", 3*time.Minute)
	tm.waitText("Finish", time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)

	tm.waitText("Task menu", 30*time.Second)
	tm.waitFocus("What do you want to do?")
	tm.send(keyEnter) // Sync now (delta)
	tm.waitText("Back to the menu", 3*time.Minute)
	// Every object of the sample company is creatable, the second Sam
	// Taylor under a quarantine UPN (prefix_NNNN@), so the run succeeds.
	tm.waitText("success, delta sync, ", time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)
	tm.waitFocus("What do you want to do?")
	tm.send(keyCtrlC)
	if code := tm.exitCode(30 * time.Second); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
	tm.waitLog("The demo is over", time.Second)
}
