package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
)

// syncOptions are `entrasync sync`'s flags.
type syncOptions struct {
	a *app

	Full                bool
	DryRun              bool
	PlanFile            string
	ApplyFile           string
	AllowDeletes        int
	AllowMemberRemovals int
}

// newSyncCmd builds `entrasync sync`; runF, when set, replaces the run
// (tests of the flags).
func newSyncCmd(a *app, runF func(context.Context, *syncOptions) error) *cobra.Command {
	o := &syncOptions{a: a}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Run one sync now",
		Long: `Run one sync now, in the foreground: import from Active Directory, plan,
check the safety guards, and apply the changes to Entra ID.

A delta sync reads what changed since the last run; --full reads everything
and also repairs what was changed in Entra ID by hand. --dry-run prints the
plan and writes nothing; --plan FILE also saves it, and --apply FILE applies
exactly that plan later, refusing if the directory moved on since.

Only one run happens at a time, across processes: while the service (or
another terminal) runs one, sync says so and exits 1.

Exit codes: 0 the run finished without errors, 1 it failed or some objects
failed (see "entrasync history --errors RUN"), 3 a safety guard stopped it
(nothing was written; the message prints the override), 130 interrupted
(the batch in flight is finished and recorded first).`,
		Example: `  entrasync sync
  entrasync sync --full
  entrasync sync --dry-run --plan plan.json    # review plan.json, then:
  entrasync sync --apply plan.json
  entrasync sync --allow-deletes=120           # after reviewing 120 deletes`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ApplyFile != "" && (o.DryRun || o.PlanFile != "" || o.Full) {
				return usagef("--apply cannot be combined with --dry-run, --plan or --full: the saved plan says what kind of run it is")
			}
			if o.AllowDeletes < 0 || o.AllowMemberRemovals < 0 {
				return usagef("--allow-deletes and --allow-member-removals take a count of 0 or more")
			}
			if o.PlanFile != "" {
				o.DryRun = true
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSync(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Full, "full", false, "import everything and repair changes made in Entra ID (default: only what changed)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the plan and write nothing")
	f.StringVar(&o.PlanFile, "plan", "", "with --dry-run (implied), also save the plan to `FILE` for --apply")
	f.StringVar(&o.ApplyFile, "apply", "", "apply exactly the plan saved in `FILE`, if it still matches")
	f.IntVar(&o.AllowDeletes, "allow-deletes", 0, "let up to `N` deletes through the deletion guards, after reviewing them")
	f.IntVar(&o.AllowMemberRemovals, "allow-member-removals", 0, "let up to `N` group member removals through their guard")
	return cmd
}

// runSync runs `entrasync sync`.
func runSync(ctx context.Context, o *syncOptions) error {
	ctx, _, stop := signalContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, cfg, err := o.a.loadConfig()
	if err != nil {
		return err
	}
	logger := newLogger(o.a.Err, o.a.level(slog.LevelWarn), false)
	r, done, err := newFileRunner(cfg, d, logger)
	if err != nil {
		return err
	}
	defer done()

	opts := sync.RunOptions{
		Kind:                sync.RunDelta,
		DryRun:              o.DryRun,
		AllowDeletes:        o.AllowDeletes,
		AllowMemberRemovals: o.AllowMemberRemovals,
		Trigger:             "manual",
	}
	if o.Full {
		opts.Kind = sync.RunFull
	}
	if o.ApplyFile != "" {
		p, err := readPlanFile(o.ApplyFile)
		if err != nil {
			return err
		}
		opts.Plan = p
		if p.Full {
			opts.Kind = sync.RunFull
		}
	}
	pr := newProgressLine(o.a.Err)
	opts.Progress = pr.syncProgress

	if o.DryRun {
		p, _, err := r.Plan(ctx, opts)
		pr.end()
		if err != nil {
			return err
		}
		if err := p.WriteTable(o.a.Out); err != nil {
			return err
		}
		if o.PlanFile != "" {
			if err := writePlanFile(o.PlanFile, p); err != nil {
				return err
			}
			fmt.Fprintf(o.a.Err, "Plan saved to %s. Review it, then apply it with: %s sync --apply %s\n", o.PlanFile, o.a.cmdPrefix(), shellQuote(o.PlanFile))
		}
		return nil
	}
	sum, err := r.Run(ctx, opts)
	pr.end()
	if sum.ID != "" {
		printRunSummary(o.a.Err, sum)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(o.a.Err, "The batch in flight was finished; what was applied is recorded, and the next run goes on from there.")
		}
		return err
	}
	if sum.Status == sync.StatusWithErrors {
		return fmt.Errorf("%d objects failed and are retried at the next run: see `entrasync history --errors %s`", sum.ErrorCount, sum.ID)
	}
	return nil
}

// newFileRunner returns a runner of cfg over the domain controller and the
// tenant, with the state in d's files. It refuses secret files that others
// can read before connecting anywhere.
func newFileRunner(cfg sync.Config, d sync.Dirs, logger *slog.Logger) (*sync.FileRunner, func(), error) {
	if err := cfg.CheckSecrets(d.State); err != nil {
		return nil, nil, err
	}
	if cfg.AD.InsecureSkipVerify {
		logger.Warn("ad.insecureSkipVerify is set: the domain controller's certificate is not verified; set ad.caFile instead")
	}
	src, err := sync.NewADSourceFromConfig(cfg, d.State, logger)
	if err != nil {
		return nil, nil, err
	}
	tgt, err := sync.NewEntraTargetFromConfig(cfg, d.State, logger)
	if err != nil {
		return nil, nil, err
	}
	r := &sync.FileRunner{Config: cfg, Dirs: d, Source: src, Target: tgt, Options: []sync.Option{sync.WithLogger(logger)}}
	return r, tgt.Close, nil
}

// readPlanFile reads a plan `sync --plan` saved.
func readPlanFile(path string) (*sync.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the plan: %w", err)
	}
	defer f.Close()
	p, err := sync.ReadPlanJSON(f)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w (was it written by `entrasync sync --dry-run --plan`?)", path, err)
	}
	return p, nil
}

// writePlanFile saves a plan as JSON, mode 0600: it names people.
func writePlanFile(path string, p *sync.Plan) error {
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save the plan: %w", err)
	}
	return nil
}
