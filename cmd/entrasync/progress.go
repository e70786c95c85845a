package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// progressLine shows a running sync on one line of a terminal, rewritten
// in place; off a terminal it stays silent (the logs tell the story).
type progressLine struct {
	w     io.Writer
	tty   bool
	shown bool
	last  time.Time
}

func newProgressLine(w io.Writer) *progressLine {
	return &progressLine{w: w, tty: isTerminal(w)}
}

// show rewrites the line, at most a few times a second.
func (p *progressLine) show(text string, force bool) {
	if !p.tty || (!force && time.Since(p.last) < 200*time.Millisecond) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", text)
	p.shown = true
}

// syncProgress is a sync.RunOptions.Progress.
func (p *progressLine) syncProgress(e sync.Progress) {
	text := fmt.Sprintf("%s sync: %s", e.Kind, e.Phase)
	switch e.Phase {
	case sync.PhaseImport:
		text += fmt.Sprintf(": %d objects read", e.Done)
	case sync.PhasePlan, sync.PhaseApply:
		text += fmt.Sprintf(": %d of %d", e.Done, e.Total)
	}
	text += fmt.Sprintf(" (%s)", e.Elapsed.Round(time.Second))
	p.show(text, e.Phase == sync.PhaseDone)
}

// wizardProgress is the progress callback of wizard.Backend.Sync.
func (p *progressLine) wizardProgress(e wizard.Progress) {
	p.show(fmt.Sprintf("initial sync: %s: %d imported, %d planned, %d exported, %d errors",
		e.Phase, e.Imported, e.Planned, e.Exported, e.Errors), false)
}

// end finishes the line so that what follows starts on its own.
func (p *progressLine) end() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// printRunSummary tells people how a run went.
func printRunSummary(w io.Writer, s sync.RunSummary) {
	c := s.Counts
	fmt.Fprintf(w, "%s sync %s: %s in %s: %d imported, %d created, %d updated, %d deleted, %d member changes, %d errors\n",
		capitalize(string(s.Kind)), s.ID, s.Status, s.Duration.Round(time.Millisecond),
		c.Imported, c.Created+c.Adopted, c.Updated, c.Deleted, c.MembersAdded+c.MembersRemoved, s.ErrorCount)
	for _, x := range s.Warnings {
		fmt.Fprintf(w, "  warning: %d x %s", x.Count, x.Message)
		if len(x.Objects) > 0 {
			fmt.Fprintf(w, " (%s", strings.Join(x.Objects[:min(3, len(x.Objects))], ", "))
			if x.Count > 3 {
				fmt.Fprint(w, ", ...")
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
