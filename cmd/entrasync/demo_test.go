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
	tm.waitText("== Step 1 of 8: Welcome ==", 30*time.Second)
	tm.waitText("Enter a number between 1 and 2:", 10*time.Second)
	tm.send("2", keyEnter) // 2. Cancel
	tm.waitText("Quit setup? Nothing has been changed. [y/N]", 10*time.Second)
	tm.send("y", keyEnter)
	if code := tm.exitCode(30 * time.Second); code != exitInterrupted {
		t.Errorf("exit code: got %d, want %d (cancelled)", code, exitInterrupted)
	}
	tm.waitLog("entrasync: cancelled", time.Second)
}
