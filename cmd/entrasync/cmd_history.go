package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
)

// historyOptions are `entrasync history`'s flags.
type historyOptions struct {
	a      *app
	JSON   bool
	Errors string
	Limit  int
}

func newHistoryCmd(a *app, runF func(context.Context, *historyOptions) error) *cobra.Command {
	o := &historyOptions{a: a}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List recent runs, or one run's per-object errors",
		Long: `List the most recent sync runs, newest first: when, what kind, who asked
(schedule, manual, setup), how it ended and what it changed. --errors RUN
lists the objects that failed in that run and why.`,
		Example: `  entrasync history
  entrasync history --errors 20260807T101500-3f9a
  entrasync history --json | jq '.[0].status'`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Limit < 1 {
				return usagef("--limit must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runHistory(o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "print JSON for programs")
	f.StringVar(&o.Errors, "errors", "", "list the per-object errors of the run with id `RUN`")
	f.IntVar(&o.Limit, "limit", 20, "show at most `N` runs")
	return cmd
}

func runHistory(o *historyOptions) error {
	d, err := o.a.dirs()
	if err != nil {
		return err
	}
	if err := checkStateDir(d.State); err != nil {
		return err
	}
	st, err := openStore(d)
	switch {
	case errors.Is(err, sync.ErrStoreBusy):
		return fmt.Errorf("a run is in progress and holds the state store: run history again when it finishes: %w", err)
	case err != nil:
		return err
	}
	if st == nil {
		if o.Errors != "" {
			return fmt.Errorf("no run %s: no run has been recorded yet", o.Errors)
		}
		if o.JSON {
			return writeJSON(o.a.Out, []sync.RunSummary{})
		}
		fmt.Fprintf(o.a.Err, "No runs yet: run `%s sync`.\n", o.a.cmdPrefix())
		return nil
	}
	defer st.Close()
	if o.Errors != "" {
		return o.runErrors(st)
	}
	runs, err := st.Runs(o.Limit)
	if err != nil {
		return err
	}
	if o.JSON {
		if runs == nil {
			runs = []sync.RunSummary{}
		}
		return writeJSON(o.a.Out, runs)
	}
	if len(runs) == 0 {
		fmt.Fprintf(o.a.Err, "No runs yet: run `%s sync`.\n", o.a.cmdPrefix())
		return nil
	}
	tw := tabwriter.NewWriter(o.a.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tKIND\tTRIGGER\tSTATUS\tCREATED\tUPDATED\tDELETED\tERRORS\tDURATION")
	for _, r := range runs {
		kind := string(r.Kind)
		if r.DryRun {
			kind += " (dry run)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Started.Local().Format(time.DateTime), kind, r.Trigger, r.Status,
			r.Counts.Created+r.Counts.Adopted, r.Counts.Updated, r.Counts.Deleted, r.ErrorCount, r.Duration.Round(time.Millisecond))
	}
	return tw.Flush()
}

// runErrors lists one run's per-object errors.
func (o *historyOptions) runErrors(st sync.Store) error {
	r, err := st.Run(o.Errors)
	if errors.Is(err, sync.ErrNotFound) {
		return fmt.Errorf("no run %s in the history: `entrasync history` lists the run ids", o.Errors)
	}
	if err != nil {
		return err
	}
	if o.JSON {
		errs := r.Errors
		if errs == nil {
			errs = []sync.ObjectError{}
		}
		return writeJSON(o.a.Out, errs)
	}
	if r.Error != "" {
		fmt.Fprintf(o.a.Out, "Run %s %s: %s\n", r.ID, r.Status, r.Error)
	}
	if len(r.Errors) == 0 {
		fmt.Fprintf(o.a.Err, "Run %s had no per-object errors.\n", r.ID)
		return nil
	}
	tw := tabwriter.NewWriter(o.a.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OBJECT\tKIND\tOP\tCODE\tATTEMPTS\tMESSAGE")
	for _, e := range r.Errors {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", e.Object, e.Kind, e.Op, e.Code, e.Attempts, e.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.ErrorCount > len(r.Errors) {
		fmt.Fprintf(o.a.Out, "... and %d more (the first %d are kept)\n", r.ErrorCount-len(r.Errors), len(r.Errors))
	}
	return nil
}
