package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// storeTimeout bounds the wait for the state store, which a running sync
// holds.
const storeTimeout = 3 * time.Second

// savedConfig loads the saved configuration; an error wraps
// wizard.ErrNotConfigured when there is none.
func (b *Backend) savedConfig() (sync.Config, error) {
	path := b.opts.Dirs.ConfigFile()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return sync.Config{}, fmt.Errorf("live: no configuration at %s: %w", path, wizard.ErrNotConfigured)
	}
	cfg, err := sync.LoadConfig(path)
	if err != nil {
		return sync.Config{}, &wizard.Problem{Err: err, Fix: "correct the file, or run `entrasync uninstall` and set up again"}
	}
	return cfg, nil
}

// SavedConfig returns the saved configuration, or an error wrapping
// wizard.ErrNotConfigured when there is none.
func (b *Backend) SavedConfig(context.Context) (sync.Config, error) {
	return b.savedConfig()
}

// appCredential reads the sync application's credential of cfg.
func (b *Backend) appCredential(cfg sync.Config) (entra.Credential, error) {
	e := cfg.Entra
	switch {
	case e.CertificateFile != "":
		path := sync.SecretPath(b.opts.Dirs.State, e.CertificateFile)
		pem, err := sync.ReadSecret(path)
		if err != nil {
			return entra.Credential{}, syncProblem(err)
		}
		cred, err := entra.CertificateCredential(pem, nil)
		if err != nil {
			return entra.Credential{}, problem(err, fmt.Sprintf("the application's certificate file %s is unusable: %v", path, err),
				"rotate the credentials, or run setup again")
		}
		return cred, nil
	case e.ClientSecretFile != "":
		secret, err := sync.ReadSecret(sync.SecretPath(b.opts.Dirs.State, e.ClientSecretFile))
		if err != nil {
			return entra.Credential{}, syncProblem(err)
		}
		return entra.SecretCredential(string(secret)), nil
	}
	return entra.Credential{}, errors.New("live: the configuration names no credential for the sync application")
}

// appClient returns a client signing in as the sync application of cfg.
func (b *Backend) appClient(cfg sync.Config) (*entra.Client, error) {
	cred, err := b.appCredential(cfg)
	if err != nil {
		return nil, err
	}
	opts, err := b.entraOptions(&cfg.Entra)
	if err != nil {
		return nil, err
	}
	c, err := entra.NewAppClient(opts, cfg.Entra.TenantID, cfg.Entra.ClientID, cred)
	if err != nil {
		return nil, fmt.Errorf("live: the sync application's client: %w", err)
	}
	return c, nil
}

// entraDomains reads the tenant's domains: as the administrator when
// signed in, else as the saved configuration's sync application.
func (b *Backend) entraDomains(ctx context.Context) ([]entra.Domain, error) {
	c := b.admin
	if c == nil {
		cfg, err := b.savedConfig()
		if err != nil {
			return nil, problem(err, "reading the tenant's domains needs an Entra ID administrator or a saved configuration", "sign in to Entra ID first (Connect to Entra ID)")
		}
		if c, err = b.appClient(cfg); err != nil {
			return nil, err
		}
		defer c.Close()
	}
	ds, err := c.Domains(ctx)
	if err != nil {
		return nil, entraProblem(err)
	}
	return ds, nil
}

// runner returns a runner of cfg over the connector account and the sync
// application: one run at a time across processes (the run lock), the
// state store opened for the run only.
func (b *Backend) runner(cfg sync.Config) (*sync.FileRunner, func(), error) {
	if err := cfg.CheckSecrets(b.opts.Dirs.State); err != nil {
		return nil, nil, syncProblem(err)
	}
	if _, err := b.connectorOptions(cfg); err != nil {
		return nil, nil, err
	}
	// Each import dials anew and reads the password again, so a rotation
	// between runs is picked up.
	dial := func(ctx context.Context) (*ad.Client, error) {
		o, err := b.connectorOptions(cfg)
		if err != nil {
			return nil, err
		}
		c, err := ad.Dial(ctx, o)
		if err != nil {
			return nil, adProblem(err, o.Username)
		}
		return c, nil
	}
	client, err := b.appClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	src := sync.NewADSource(dial, sync.ADSourceOptions{SourceAnchor: cfg.Sync.SourceAnchor, Logger: b.log})
	tgt := sync.NewEntraTarget(client, sync.EntraTargetOptions{Managers: slices.Contains(cfg.Sync.OptionalAttributes, sync.AttrManager), Logger: b.log})
	r := &sync.FileRunner{Config: cfg, Dirs: b.opts.Dirs, Source: src, Target: tgt, Options: []sync.Option{sync.WithLogger(b.log)}, StoreTimeout: storeTimeout}
	return r, tgt.Close, nil
}

// Sync runs one sync under the saved configuration, reporting progress a
// few times a second at most. The initial sync of setup is a full one.
// The summary is filled in also with an error.
func (b *Backend) Sync(ctx context.Context, kind wizard.SyncKind, progress func(wizard.Progress)) (wizard.RunSummary, error) {
	cfg, err := b.savedConfig()
	if err != nil {
		return wizard.RunSummary{Kind: kind}, err
	}
	r, done, err := b.runner(cfg)
	if err != nil {
		return wizard.RunSummary{Kind: kind}, err
	}
	defer done()
	opts := sync.RunOptions{Kind: sync.RunDelta, Trigger: "manual"}
	switch kind {
	case wizard.SyncFull:
		opts.Kind = sync.RunFull
	case wizard.SyncInitial:
		opts.Kind, opts.Trigger = sync.RunFull, triggerSetup
	}
	if progress != nil {
		opts.Progress = newProgress(b.now, b.lastImported(), progress).report
	}
	sum, err := r.Run(ctx, opts)
	out := runSummary(sum)
	if err != nil {
		b.log.Warn("sync: run ended with an error", "run_id", sum.ID, "status", sum.Status, "err", err.Error())
		return out, syncProblem(err)
	}
	b.log.Info("sync: run finished", "run_id", sum.ID, "status", sum.Status, "created", sum.Counts.Created, "updated", sum.Counts.Updated, "deleted", sum.Counts.Deleted, "errors", sum.ErrorCount)
	return out, nil
}

// Plan computes the changes the next sync would make, without applying
// them (a dry run; it appears in the run history as such).
func (b *Backend) Plan(ctx context.Context) (wizard.Plan, error) {
	cfg, err := b.savedConfig()
	if err != nil {
		return wizard.Plan{}, err
	}
	return b.plan(ctx, cfg)
}

// PlanChange computes the changes the next sync would make if cfg replaced
// the saved configuration, without saving or applying anything.
func (b *Backend) PlanChange(ctx context.Context, cfg sync.Config) (wizard.Plan, error) {
	if _, err := b.savedConfig(); err != nil {
		return wizard.Plan{}, err
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return wizard.Plan{}, &wizard.Problem{Err: err, Fix: "correct the settings"}
	}
	return b.plan(ctx, cfg)
}

func (b *Backend) plan(ctx context.Context, cfg sync.Config) (wizard.Plan, error) {
	r, done, err := b.runner(cfg)
	if err != nil {
		return wizard.Plan{}, err
	}
	defer done()
	p, _, err := r.Plan(ctx, sync.RunOptions{Kind: sync.RunDelta, Trigger: "preview"})
	if err != nil {
		return wizard.Plan{}, syncProblem(err)
	}
	return plan(p), nil
}

// SaveConfig validates cfg and replaces the saved configuration.
func (b *Backend) SaveConfig(_ context.Context, cfg sync.Config) error {
	cfg.SetDefaults()
	if err := sync.SaveConfig(b.opts.Dirs.ConfigFile(), cfg); err != nil {
		return &wizard.Problem{Err: err, Fix: "correct the settings"}
	}
	b.log.Info("configuration saved", "path", b.opts.Dirs.ConfigFile())
	return nil
}

// openStore opens the state store for reading; ok is false when there is
// none yet (no run so far).
func (b *Backend) openStore() (st *sync.BoltStore, ok bool, err error) {
	if _, err := os.Stat(b.opts.Dirs.StoreFile()); errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	st, err = sync.OpenBoltStore(b.opts.Dirs.StoreFile(), storeTimeout)
	if err != nil {
		return nil, false, syncProblem(err)
	}
	return st, true, nil
}

// History lists the most recent runs, newest first.
func (b *Backend) History(_ context.Context, limit int) ([]wizard.RunSummary, error) {
	st, ok, err := b.openStore()
	if !ok {
		return nil, err
	}
	defer st.Close()
	runs, err := st.Runs(limit)
	if err != nil {
		return nil, fmt.Errorf("live: read the run history: %w", err)
	}
	out := make([]wizard.RunSummary, len(runs))
	for i, r := range runs {
		out[i] = runSummary(r)
	}
	return out, nil
}

// RunErrors lists the per-object errors of the run runID (the first
// sync.MaxRunErrors of them).
func (b *Backend) RunErrors(_ context.Context, runID string) ([]wizard.ObjectError, error) {
	st, ok, err := b.openStore()
	if !ok {
		if err == nil {
			err = fmt.Errorf("live: run %s: %w", runID, sync.ErrNotFound)
		}
		return nil, err
	}
	defer st.Close()
	r, err := st.Run(runID)
	if err != nil {
		return nil, fmt.Errorf("live: run %s: %w", runID, err)
	}
	out := make([]wizard.ObjectError, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = wizard.ObjectError{Object: e.Object, Op: changeOp(e.Op), Code: e.Code, Message: e.Message}
	}
	return out, nil
}

// lastImported is how many objects the last run imported, the progress
// bar's total for the next; 0 when unknown.
func (b *Backend) lastImported() int {
	st, ok, err := b.openStore()
	if !ok || err != nil {
		return 0
	}
	defer st.Close()
	runs, err := st.Runs(1)
	if err != nil || len(runs) == 0 {
		return 0
	}
	return runs[0].Counts.Imported
}
