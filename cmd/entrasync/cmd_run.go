package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/entrasync/entrasync/sync"
)

func newRunCmd(a *app, runF func(context.Context, *app) error) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the sync service in the foreground (what the systemd unit runs)",
		Long: `Run the sync service in the foreground: a sync at once, then a delta sync
every sync.interval and a full one at least every sync.fullInterval, with a
capped backoff after failures. It logs to standard error without colours
(the journal adds the time under systemd).

SIGTERM finishes the batch in flight, records it and exits 0; SIGINT
(Ctrl-C) does the same and exits 130. SIGUSR1 asks for a delta sync now,
SIGUSR2 for a full one (systemctl kill -s USR1 entrasync).

With metrics.listen set in the configuration (a loopback host:port such as
127.0.0.1:9464), Prometheus metrics are served at /metrics: runs by result,
objects written by action, per-object errors, throttling waits, the last
run's duration and the last success time.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), a)
			}
			return runService(cmd.Context(), a)
		},
	}
}

// runService is `entrasync run`.
func runService(ctx context.Context, a *app) error {
	ctx, which, stop := signalContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	m := newMetrics()
	journal := a.getenv("JOURNAL_STREAM") != ""
	logger := slog.New(throttleHandler{Handler: newLogger(a.Err, a.level(slog.LevelInfo), journal).Handler(), m: m})
	r, done, err := newFileRunner(cfg, d, logger)
	if err != nil {
		return err
	}
	defer done()

	var served chan error // the metrics server's end, when it runs
	if cfg.Metrics.Listen != "" {
		ln, err := listenMetrics(cfg.Metrics.Listen)
		if err != nil {
			return err
		}
		served = make(chan error, 1)
		go func() { served <- serveMetrics(ctx, ln, m) }()
		logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	}

	sched, err := sync.NewScheduler(r, sync.SchedulerOptions{
		Interval:     time.Duration(cfg.Sync.Interval),
		FullInterval: time.Duration(cfg.Sync.FullInterval),
		LastFull:     lastFull(r, logger),
		ManualOnly:   !cfg.Sync.SchedulerEnabled,
		OnEvent: func(e sync.SchedulerEvent) {
			if e.Type == sync.EventRunFinished {
				m.observe(observation(e.Summary))
			}
		},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	triggers := make(chan os.Signal, 1)
	signal.Notify(triggers, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(triggers)
	go func() {
		for {
			select {
			case s := <-triggers:
				kind := sync.RunDelta
				if s == syscall.SIGUSR2 {
					kind = sync.RunFull
				}
				logger.Info("sync requested", "signal", s.String(), "kind", kind)
				sched.Trigger(kind)
			case <-ctx.Done():
				return
			}
		}
	}()

	logger.Info("entrasync service started", "config", d.ConfigFile(), "state", d.State,
		"interval", cfg.Sync.Interval.String(), "full_interval", cfg.Sync.FullInterval.String(), "staging", cfg.Sync.StagingMode)
	if !cfg.Sync.SchedulerEnabled {
		logger.Warn("sync.schedulerEnabled is false: nothing runs on schedule; send SIGUSR1 for a sync, or set it to true")
	}
	err = sched.Run(ctx)
	stop()
	if served != nil {
		err = errors.Join(err, <-served)
	}
	if err != nil {
		return err
	}
	logger.Info("entrasync service stopped")
	if which() == os.Interrupt {
		return errInterrupted
	}
	return nil
}

// lastFull is when the last full run was applied, so that a restart does
// not force a full run; when the store cannot say (another process holds
// it), the first run is a full one.
func lastFull(r *sync.FileRunner, logger *slog.Logger) time.Time {
	t, err := r.LastFull()
	if err != nil {
		logger.Warn("cannot read when the last full run was; the first run will be a full one", "err", err.Error())
		return time.Time{}
	}
	return t
}
