package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
)

// statusOptions are `entrasync status`'s flags.
type statusOptions struct {
	a    *app
	JSON bool
}

func newStatusCmd(a *app, runF func(context.Context, *statusOptions) error) *cobra.Command {
	o := &statusOptions{a: a}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the configuration, the last run and what needs attention",
		Long: `Show where entrasync syncs from and to, its schedule, how many objects it
manages, how many are waiting to be retried after an error, and the last run.
With --json the same as one JSON object on standard output.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runStatus(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for programs")
	return cmd
}

// statusReport is what `status` shows; its JSON is the --json output.
type statusReport struct {
	ConfigFile       string             `json:"configFile"`
	StateDir         string             `json:"stateDir"`
	TenantID         string             `json:"tenantId"`
	InitialDomain    string             `json:"initialDomain"`
	ClientID         string             `json:"clientId"`
	ADHost           string             `json:"adHost"`
	ADPort           int                `json:"adPort"`
	ADTransport      string             `json:"adTransport"`
	BindUser         string             `json:"bindUser"`
	SchedulerEnabled bool               `json:"schedulerEnabled"`
	Interval         string             `json:"interval"`
	FullInterval     string             `json:"fullInterval"`
	StagingMode      bool               `json:"stagingMode"`
	Running          bool               `json:"running"`
	Managed          int                `json:"managed"`
	WithErrors       int                `json:"withErrors"`
	LastFull         *time.Time         `json:"lastFull,omitempty"`
	LastDelta        *time.Time         `json:"lastDelta,omitempty"`
	LastRun          *sync.RunSummary   `json:"lastRun,omitempty"`
	Pending          []sync.ObjectError `json:"pendingErrors,omitempty"`
}

// maxPending is how many objects waiting for a retry status lists.
const maxPending = 10

func runStatus(o *statusOptions) error {
	d, cfg, err := o.a.loadConfig()
	if err != nil {
		return err
	}
	r := statusReport{
		ConfigFile: d.ConfigFile(), StateDir: d.State,
		TenantID: cfg.Entra.TenantID, InitialDomain: cfg.Entra.InitialDomain, ClientID: cfg.Entra.ClientID,
		ADHost: cfg.AD.Host, ADPort: cfg.AD.Port, ADTransport: cfg.AD.Transport, BindUser: cfg.AD.BindUser,
		SchedulerEnabled: cfg.Sync.SchedulerEnabled, Interval: cfg.Sync.Interval.String(), FullInterval: cfg.Sync.FullInterval.String(),
		StagingMode: cfg.Sync.StagingMode,
	}
	st, err := openStore(d)
	switch {
	case errors.Is(err, sync.ErrStoreBusy):
		r.Running = true
	case err != nil:
		return err
	case st != nil:
		defer st.Close()
		if err := r.read(st); err != nil {
			return err
		}
	}
	if o.JSON {
		return writeJSON(o.a.Out, r)
	}
	return r.write(o.a.Out, o.a.cmdPrefix())
}

// read fills the report from the state store.
func (r *statusReport) read(st sync.Store) error {
	var err error
	if r.Managed, err = st.Len(); err != nil {
		return err
	}
	err = st.ForEachRetry(func(rec *sync.Record) error {
		if rec.Error == nil {
			return nil
		}
		r.WithErrors++
		if len(r.Pending) < maxPending {
			r.Pending = append(r.Pending, *rec.Error)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch c, err := st.Cursor(); {
	case errors.Is(err, sync.ErrNotFound):
	case err != nil:
		return err
	default:
		if !c.LastFull.IsZero() {
			r.LastFull = &c.LastFull
		}
		if !c.LastDelta.IsZero() {
			r.LastDelta = &c.LastDelta
		}
	}
	runs, err := st.Runs(1)
	if err != nil {
		return err
	}
	if len(runs) > 0 {
		r.LastRun = &runs[0]
	}
	return nil
}

// write prints the report for people.
func (r statusReport) write(w io.Writer, cmdPrefix string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("Configuration", "%s", r.ConfigFile)
	row("State", "%s", r.StateDir)
	row("Entra ID", "tenant %s (%s), application %s", r.TenantID, r.InitialDomain, r.ClientID)
	row("Active Directory", "%s:%d (%s) as %s", r.ADHost, r.ADPort, r.ADTransport, r.BindUser)
	switch {
	case r.SchedulerEnabled:
		row("Schedule", "delta every %s, full every %s (by `%s run` or the systemd service)", r.Interval, r.FullInterval, cmdPrefix)
	default:
		row("Schedule", "manual runs only (sync.schedulerEnabled is false)")
	}
	if r.StagingMode {
		row("Staging mode", "on: runs plan but write nothing to Entra ID")
	}
	if r.Running {
		row("Run in progress", "yes: the state store is in use; run status again when it finishes")
		return tw.Flush()
	}
	row("Managed objects", "%d; %d waiting to be retried after an error", r.Managed, r.WithErrors)
	row("Last full import", "%s", when(r.LastFull))
	row("Last delta import", "%s", when(r.LastDelta))
	if l := r.LastRun; l != nil {
		row("Last run", "%s %s %s, %s: %d created, %d updated, %d deleted, %d errors (%s)",
			l.ID, l.Kind, l.Started.Local().Format(time.DateTime), l.Status,
			l.Counts.Created+l.Counts.Adopted, l.Counts.Updated, l.Counts.Deleted, l.ErrorCount, l.Duration.Round(time.Millisecond))
		if l.Error != "" {
			row("", "%s", l.Error)
		}
	} else {
		row("Last run", "none yet: run `%s sync`", cmdPrefix)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Pending) > 0 {
		fmt.Fprintln(w, "\nObjects waiting to be retried:")
		for _, e := range r.Pending {
			fmt.Fprintf(w, "  %s %s: %s: %s (%d attempts since %s)\n", e.Op, e.Object, e.Code, e.Message, e.Attempts, e.Since.Local().Format(time.DateTime))
		}
	}
	return nil
}

// when formats an optional time.
func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format(time.DateTime)
}

// openStore opens the state store; it returns nil and no error when there
// is none yet, and an error matching sync.ErrStoreBusy while a run holds
// it.
func openStore(d sync.Dirs) (*sync.BoltStore, error) {
	if _, err := os.Stat(d.StoreFile()); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return sync.OpenBoltStore(d.StoreFile(), 2*time.Second)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
