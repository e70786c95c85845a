package wizard

import (
	"context"

	"charm.land/huh/v2"
)

// kit builds the fields of the pages the same way for both UIs, and runs
// the checks between pages.
type kit struct {
	u ui
	// accessible is set for line prompts; ttyIn when the input is a
	// terminal (passwords are then read without echo).
	accessible, ttyIn bool
}

// form makes a form of one group of fields.
func form(fields ...huh.Field) *huh.Form {
	return huh.NewForm(huh.NewGroup(fields...))
}

// button is a form with a single button labelled label.
func (k kit) button(label string) *huh.Form {
	n := huh.NewNote().Next(true).NextLabel(label)
	if k.accessible {
		n.Title("")
	}
	return form(n)
}

// input is a text field bound to v and checked by validate (nil: none).
// Line prompts do not show the current value, so it goes into the title
// there, and an empty answer keeps it.
func (k kit) input(title string, v *string, validate func(string) error) *huh.Input {
	in := huh.NewInput().Value(v)
	def := *v
	if k.accessible && def != "" {
		title += " [" + def + "]"
	}
	if validate != nil {
		in.Validate(func(s string) error {
			if k.accessible && s == "" && def != "" {
				return nil
			}
			return validate(s)
		})
	}
	return in.Title(title)
}

// secret is a password field bound to v. A line prompt reads it without
// echo from a terminal; from a pipe there is no echo to hide.
func (k kit) secret(title string, v *string) *huh.Input {
	in := huh.NewInput().Title(title).Value(v)
	if !k.accessible || k.ttyIn {
		in.EchoMode(huh.EchoModePassword)
	}
	if k.accessible && *v != "" {
		in.Title(title + " [press Enter to keep the one given]")
	}
	return in
}

// checkbox is a tick box bound to v: a one-option multi-select on the
// full screen (Space or x ticks, Enter goes on), a yes/no question in line
// prompts, where a multi-select needs a loop of numbers.
func (k kit) checkbox(title, label string, v *bool) huh.Field {
	if k.accessible {
		return huh.NewConfirm().Title(label).Value(v)
	}
	return huh.NewMultiSelect[bool]().Title(title).
		Options(huh.NewOption(label, true)).
		Accessor(tick{v}).
		Filterable(false).
		Height(2)
}

// tick is a multi-select's value as one bool: ticked or not.
type tick struct{ v *bool }

// Get returns the ticked options.
func (t tick) Get() []bool {
	if *t.v {
		return []bool{true}
	}
	return nil
}

// Set records whether the option is ticked.
func (t tick) Set(vs []bool) { *t.v = len(vs) > 0 }

// multiSelect is a multi-select of opts bound to v, tall enough to show
// every option (huh otherwise shows one fewer) up to a screenful.
func multiSelect[T comparable](title string, opts []huh.Option[T], v *[]T) *huh.MultiSelect[T] {
	return huh.NewMultiSelect[T]().Title(title).Options(opts...).Value(v).Height(min(len(opts), 14) + 1)
}

// checkResult is how a check between pages ended.
type checkResult int

// The ends of a check.
const (
	checkOK    checkResult = iota // it succeeded
	checkAgain                    // show the page again (with the problem, if any)
	checkQuit                     // the administrator quit
)

// check runs fn under a spinner on page f. It returns checkOK when fn
// succeeded; checkAgain with fn's error, or with nil when the
// administrator stopped it to go back; checkQuit when they quit, with the
// context's error when the context ended.
func (k kit) check(ctx context.Context, f frame, label string, fn func(ctx context.Context, st *status) error) (checkResult, error) {
	f.problem = nil
	n, err := k.u.run(ctx, f, task{label: label, back: true, fn: fn})
	switch {
	case n == navCancel:
		return checkQuit, ctx.Err()
	case n == navBack:
		return checkAgain, nil
	case err != nil:
		return checkAgain, err
	}
	return checkOK, nil
}
