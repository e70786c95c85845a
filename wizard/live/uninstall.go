package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// The ids of the uninstall actions.
const (
	ActionRemoveApp     = "remove-app"
	ActionRemoveAccount = "remove-account"
	ActionRemoveFiles   = "remove-files"
)

// Uninstall removes what setup created, as the setup record lists it (or,
// without a record, as the saved configuration names it): the Entra
// application and its service principal, the AD connector account and its
// permissions, then the configuration, the secrets, the state store and
// the record. It needs both administrator sessions for what exists on
// their side. What is already gone is skipped, so it is safe to run again;
// local files stay until both remote objects are gone, so a retry still
// knows what to remove. Synced users and groups stay in Entra.
func (b *Backend) Uninstall(ctx context.Context, events func(wizard.ActionEvent)) error {
	rec, ok, err := b.loadRecord()
	if err != nil {
		return err
	}
	if !ok {
		if rec, err = b.recordFromConfig(ctx); err != nil {
			return err
		}
	}
	lock, err := sync.AcquireRunLock(b.opts.Dirs.LockFile())
	if err != nil {
		return syncProblem(err)
	}
	defer lock.Release()

	var errs []error
	run := func(id, title string, skip string, fn func() (string, error)) {
		if skip != "" {
			events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionSkipped, Detail: skip})
			return
		}
		events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionRunning})
		detail, err := fn()
		if err != nil {
			b.log.Warn("uninstall: action failed", "action", id, "err", err.Error())
			errs = append(errs, err)
			events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionFailed, Err: err})
			return
		}
		b.log.Info("uninstall: action done", "action", id, "detail", detail)
		events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionDone, Detail: detail})
	}
	skipIf := func(none bool, why string) string {
		if none {
			return why
		}
		return ""
	}
	run(ActionRemoveApp, "Delete the Entra application", skipIf(rec.App == nil, "setup created none"), func() (string, error) {
		detail, err := b.removeApp(ctx, rec.App)
		if err == nil {
			rec.App = nil
			err = b.saveRecordIfAny(rec)
		}
		return detail, err
	})
	run(ActionRemoveAccount, "Delete the AD connector account and its permissions", skipIf(rec.Account == nil, "setup created none"), func() (string, error) {
		detail, err := b.removeAccount(ctx, rec.Account)
		if err == nil {
			rec.Account = nil
			err = b.saveRecordIfAny(rec)
		}
		return detail, err
	})
	if len(errs) > 0 {
		events(wizard.ActionEvent{ID: ActionRemoveFiles, Title: "Remove the configuration, secrets and state", State: wizard.ActionSkipped,
			Detail: "kept until the application and the account are removed, so that uninstall can run again"})
		return fmt.Errorf("live: uninstall: %w", errors.Join(errs...))
	}
	run(ActionRemoveFiles, "Remove the configuration, secrets and state", "", func() (string, error) {
		return b.removeFiles(rec, lock)
	})
	if len(errs) > 0 {
		return fmt.Errorf("live: uninstall: %w", errors.Join(errs...))
	}
	return nil
}

// saveRecordIfAny rewrites the record when one is on disk.
func (b *Backend) saveRecordIfAny(rec *record) error {
	if _, err := os.Stat(b.recordPath()); err != nil {
		return nil
	}
	return b.saveRecord(rec)
}

// recordFromConfig makes up a record from the saved configuration, for an
// installation whose record is gone. It names the connector account only
// when setup could have made it (its name starts with
// ad.ConnectorAccountPrefix): an account an administrator made is never
// deleted.
func (b *Backend) recordFromConfig(ctx context.Context) (*record, error) {
	rec := &record{Version: recordVersion, Host: b.opts.Host}
	cfg, err := b.savedConfig()
	if errors.Is(err, wizard.ErrNotConfigured) {
		return rec, nil
	}
	if err != nil {
		return nil, err
	}
	rec.TenantID = cfg.Entra.TenantID
	rec.App = &appRecord{DisplayName: b.AppName(), AppID: cfg.Entra.ClientID}
	if _, name, ok := strings.Cut(cfg.AD.BindUser, `\`); ok && strings.HasPrefix(strings.ToUpper(name), ad.ConnectorAccountPrefix) {
		a := &accountRecord{Name: name, DownLevel: cfg.AD.BindUser}
		if o, err := b.connectorOptions(cfg); err == nil {
			if c, err := ad.Dial(ctx, o); err == nil {
				if id, err := c.WhoAmI(ctx); err == nil {
					a.DN, a.SID = id.DN, id.SID.String()
				}
				c.Close()
			}
		}
		if a.DN == "" && b.adAdmin != nil && b.forest.Root.DN != "" {
			a.DN = "CN=" + ad.EscapeDN(name) + ",CN=Users," + b.forest.Root.DN
		}
		if a.DN != "" {
			rec.Account = a
		}
	}
	for _, f := range []string{cfg.AD.PasswordFile, cfg.Entra.CertificateFile, cfg.Entra.ClientSecretFile} {
		if f != "" {
			rec.addFile(sync.SecretPath(b.opts.Dirs.State, f))
		}
	}
	return rec, nil
}

// removeSetup removes the remote objects and the files rec lists (the
// cleanup before a new setup).
func (b *Backend) removeSetup(ctx context.Context, rec *record) error {
	if rec.App != nil {
		if _, err := b.removeApp(ctx, rec.App); err != nil {
			return err
		}
		rec.App = nil
		if err := b.saveRecord(rec); err != nil {
			return err
		}
	}
	if rec.Account != nil {
		if _, err := b.removeAccount(ctx, rec.Account); err != nil {
			return err
		}
		rec.Account = nil
		if err := b.saveRecord(rec); err != nil {
			return err
		}
	}
	for _, f := range rec.Files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("live: remove %s: %w", f, err)
		}
	}
	return nil
}

// removeApp deletes the application of a (and its service principal).
// An application whose ids are not recorded is looked up by name; one
// that was never created, or is gone, is no error.
func (b *Backend) removeApp(ctx context.Context, a *appRecord) (string, error) {
	admin, err := b.needEntraAdmin("deleting the Entra application")
	if err != nil {
		return "", err
	}
	app := entra.SyncApp{DisplayName: a.DisplayName, AppID: a.AppID, ObjectID: a.ObjectID, ServicePrincipalID: a.ServicePrincipalID}
	if app.ObjectID == "" || app.ServicePrincipalID == "" {
		found, err := admin.FindSyncApp(ctx, a.DisplayName)
		switch {
		case err == nil && (app.AppID == "" || strings.EqualFold(found.AppID, app.AppID)):
			app = found
		case err != nil && !errors.Is(err, entra.ErrNotFound):
			return "", entraProblem(err)
		}
	}
	if app.ObjectID == "" {
		return a.DisplayName + " does not exist", nil
	}
	if err := admin.DeleteSyncApp(ctx, app); err != nil {
		return "", entraProblem(err)
	}
	return fmt.Sprintf("%s (application id %s) and its service principal; restorable from deleted items for 30 days", app.DisplayName, app.AppID), nil
}

// removeAccount deletes the connector account of a and its ACEs on every
// domain root. An account that was never created is no error.
func (b *Backend) removeAccount(ctx context.Context, a *accountRecord) (string, error) {
	c, err := b.dialAdmin(ctx, "deleting the AD connector account")
	if err != nil {
		return "", err
	}
	defer c.Close()
	acct := ad.ConnectorAccount{DN: a.DN, SAMAccountName: a.Name}
	if a.SID != "" {
		if acct.SID, err = ad.ParseSID(a.SID); err != nil {
			return "", fmt.Errorf("live: the setup record's SID of %s: %w", a.DN, err)
		}
	}
	err = c.RemoveConnectorAccount(ctx, acct)
	if errors.Is(err, ad.ErrNoSuchObject) && acct.SID.IsZero() {
		return a.DN + " does not exist", nil
	}
	if err != nil {
		return "", adProblem(err, c.User())
	}
	return a.DownLevel + " (" + a.DN + ") and its permissions", nil
}

// removeFiles removes the configuration, the secrets, the state store and
// the setup record, then the directories if that left them empty.
func (b *Backend) removeFiles(rec *record, lock *sync.RunLock) (string, error) {
	d := b.opts.Dirs
	files := slices.Clone(rec.Files)
	for _, f := range []string{
		d.ConfigFile(), d.StoreFile(),
		sync.SecretPath(d.State, PasswordFile), sync.SecretPath(d.State, CertificateFile), sync.SecretPath(d.State, CertificateFile) + newSuffix,
	} {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	var removed []string
	for _, f := range files {
		switch err := os.Remove(f); {
		case err == nil:
			removed = append(removed, filepath.Base(f))
		case !errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("live: remove %s: %w", f, err)
		}
	}
	if err := lock.Release(); err != nil {
		return "", err
	}
	for _, f := range []string{d.LockFile(), b.recordPath()} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("live: remove %s: %w", f, err)
		}
	}
	for _, dir := range []string{d.State, d.Config} {
		_ = os.Remove(dir) // only when empty: something else may live there
	}
	if len(removed) == 0 {
		return "nothing left on this machine", nil
	}
	return strings.Join(removed, ", ") + " removed", nil
}
