package wizard

import (
	"context"

	"charm.land/huh/v2"
)

// The flows (setup, the task menu) are plain Go that walks pages; they talk
// to the administrator through a ui. Two implement it: the full-screen
// terminal UI (one bubbletea program for the whole flow, so pages change
// without flicker and a header shows where you are) and the accessible UI
// (huh's line-by-line prompts, for screen readers and TERM=dumb). Pages
// build the same huh forms for both.
type ui interface {
	// ask shows f and the form, and returns once the administrator
	// completes the form (navNext), goes back (navBack) or cancels
	// (navCancel, after the confirmation f asks for).
	ask(ctx context.Context, f frame, form *huh.Form) (nav, error)
	// run shows f while t runs, with a spinner and t's live status, and
	// returns t's error. nav is navBack when the administrator stopped t
	// to go back, navCancel when they stopped it to quit (both cancel
	// t's context first), else navNext.
	run(ctx context.Context, f frame, t task) (nav, error)
	// browse shows the table, scrollable and filterable. It returns the
	// chosen row's index (selectable tables) with navNext, or navBack or
	// navCancel.
	browse(ctx context.Context, f frame, t table) (int, nav, error)
}

// frame is what a page shows around its controls.
type frame struct {
	// app names the program part: "entrasync setup", "entrasync".
	app string
	// title is the page's title; step and steps its position in the
	// wizard (steps 0: no position).
	title       string
	step, steps int
	// body renders the page's text for a width: what the page is about,
	// a table, a summary. Nil for none.
	body func(st *styles, width int) string
	// problem is the last failure on this page, shown with its fix.
	problem error
	// next labels the way forward in accessible mode ("Continue",
	// "Install"); empty: "Continue".
	next string
	// noBack hides Back; noCancel hides Cancel (the Complete page).
	noBack, noCancel bool
	// cancelAsk is the question asked before cancelling; empty: cancel
	// without asking.
	cancelAsk string
}

// task is work a page does under a spinner.
type task struct {
	// label says what is happening: "Checking the domain controller".
	label string
	// back lets the administrator stop the task and go back (Esc).
	back bool
	// stopAsk, when set, is asked before Ctrl-C stops the task; the task
	// then stops cleanly and run returns navCancel. When empty, Ctrl-C
	// asks the frame's cancelAsk and quits.
	stopAsk string
	// fn does the work and reports live status through st.
	fn func(ctx context.Context, st *status) error
}

// table is a list the administrator can scroll, filter and choose from.
type table struct {
	columns []column
	rows    [][]string
	// selectable tables return the chosen row; others only scroll.
	selectable bool
	// empty is shown when there are no rows.
	empty string
}

// column is one column of a table.
type column struct {
	title string
	// width is the column's minimum width; the last column takes what is
	// left of the line.
	width int
	// right aligns numbers.
	right bool
}
