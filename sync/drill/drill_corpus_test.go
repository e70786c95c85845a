package drill

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// TestDrillBadInputs feeds entrasync the bad-input corpus of
// testdata/corpus (drill 5 of the proof issue): configuration files and
// command lines to the real binary, odd directory data through a sync of
// the real binary, and malformed Graph answers through a proxy. Each
// input must get a clear message naming the problem, and lose nothing: the
// configuration and the state store stay as they were, every other object
// is synced exactly once, nothing is deleted, and the run after the fault
// converges. The kinds run side by side, each in a world of its own.
func TestDrillBadInputs(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	total := 0
	for _, k := range corpusKinds {
		total += len(corpus[k])
	}
	if total < 50 {
		t.Fatalf("the corpus holds %d inputs, want at least 50", total)
	}
	var (
		mu     stdsync.Mutex
		passed = map[string]int{}
		bugs   []string
	)
	tally := func(c corpusCase, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case c.has("bug"):
			bugs = append(bugs, c.Kind+"/"+c.Name)
		case ok:
			passed[c.Kind]++
		}
	}
	t.Run("kinds", func(t *testing.T) {
		t.Run("local", func(t *testing.T) {
			t.Parallel()
			runLocalCorpus(t, corpus["config"], corpus["flags"], tally)
		})
		t.Run("ad", func(t *testing.T) {
			t.Parallel()
			runADCorpus(t, corpus["ad"], tally)
		})
		t.Run("graph", func(t *testing.T) {
			t.Parallel()
			runGraphCorpus(t, corpus["graph"], tally)
		})
	})
	n := 0
	var parts []string
	for _, k := range corpusKinds {
		n += passed[k]
		parts = append(parts, fmt.Sprintf("%s %d/%d", corpusLabel[k], passed[k], len(corpus[k])))
	}
	known := ""
	if len(bugs) > 0 {
		slices.Sort(bugs)
		known = fmt.Sprintf("; %d skipped as known product bugs: %s", len(bugs), strings.Join(bugs, ", "))
	}
	verdict(t, "drill bad inputs: %d of %d inputs got a clear message and lost nothing (%s)%s", n, total, strings.Join(parts, ", "), known)
}

// corpusLabel names the kinds in the verdict.
var corpusLabel = map[string]string{"config": "config", "flags": "flags", "ad": "AD", "graph": "Graph"}

// execTimeout runs the binary like w.exec, killing it after d: a hang on
// a bad input is a failure, not a stuck test.
func (w *world) execTimeout(d time.Duration, args ...string) (result, bool) {
	w.t.Helper()
	base := w.command(args...)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, base.Path, base.Args[1:]...)
	cmd.Env, cmd.SysProcAttr = base.Env, base.SysProcAttr
	r := runCommand(w.t, cmd)
	return r, errors.Is(ctx.Err(), context.DeadlineExceeded)
}
