package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// newSuffix names the new certificate file while a rotation proves it.
const newSuffix = ".new"

// The ids of the rotation actions.
const (
	ActionRotatePassword = "ad-password"
	ActionRotateCert     = "entra-cert"
)

// The titles of the rotation actions.
const (
	titleRotatePassword = "Replace the AD connector password"
	titleRotateCert     = "Replace the application certificate"
)

// RotateCredentials replaces the connector account's password and the
// application's certificate, holding the run lock so no sync runs
// meanwhile. The password is reset by the Enterprise Admin (AD keeps one
// password per account, so the old one stops working at once), written to
// its file atomically and proven by a bind. The certificate is registered
// next to the old one, proven by a sign-in, and only then is the old one
// removed from the application and the key file replaced: if anything
// fails, the old certificate still works. Both administrator sessions are
// needed: the connector may not reset its own password, nor the
// application change its own certificates.
func (b *Backend) RotateCredentials(ctx context.Context, events func(wizard.ActionEvent)) error {
	cfg, err := b.savedConfig()
	if err != nil {
		return err
	}
	admin, err := b.needEntraAdmin("rotating the credentials")
	if err != nil {
		return err
	}
	if b.adAdmin == nil {
		return problem(errors.New("no AD administrator session"), "rotating the credentials needs an Enterprise Admin", "connect to AD DS first (Connect to AD DS)")
	}
	lock, err := sync.AcquireRunLock(b.opts.Dirs.LockFile())
	if err != nil {
		return syncProblem(err)
	}
	defer lock.Release()
	rec, _, err := b.loadRecord()
	if err != nil {
		return err
	}
	// Both actions are listed before the first runs, as on the
	// Configuring page.
	events(wizard.ActionEvent{ID: ActionRotatePassword, Title: titleRotatePassword, State: wizard.ActionPending})
	events(wizard.ActionEvent{ID: ActionRotateCert, Title: titleRotateCert, State: wizard.ActionPending})
	step := func(id, title string, fn func() (string, error)) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionRunning})
		detail, err := fn()
		if err != nil {
			b.log.Warn("rotate: action failed", "action", id, "err", err.Error())
			events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionFailed, Err: err})
			return err
		}
		b.log.Info("rotate: action done", "action", id, "detail", detail)
		events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionDone, Detail: detail})
		return nil
	}
	if err := step(ActionRotatePassword, titleRotatePassword, func() (string, error) {
		return b.rotatePassword(ctx, cfg, rec)
	}); err != nil {
		return err
	}
	return step(ActionRotateCert, titleRotateCert, func() (string, error) {
		return b.rotateCertificate(ctx, admin, cfg, rec)
	})
}

// rotatePassword resets the connector's password, saves it and binds
// with it.
func (b *Backend) rotatePassword(ctx context.Context, cfg sync.Config, rec *record) (string, error) {
	var dn string
	var sid ad.SID
	if rec != nil && rec.Account != nil && strings.EqualFold(rec.Account.DownLevel, cfg.AD.BindUser) {
		dn = rec.Account.DN
		sid, _ = ad.ParseSID(rec.Account.SID)
	}
	if dn == "" {
		// No record of the account: ask the DC who the connector is.
		o, err := b.connectorOptions(cfg)
		if err != nil {
			return "", err
		}
		c, err := ad.Dial(ctx, o)
		if err != nil {
			return "", adProblem(err, o.Username)
		}
		id, err := c.WhoAmI(ctx)
		c.Close()
		if err != nil {
			return "", adProblem(err, o.Username)
		}
		dn, sid = id.DN, id.SID
	}
	c, err := b.dialAdmin(ctx, "rotating the connector password")
	if err != nil {
		return "", err
	}
	pw, err := c.RotateConnectorPassword(ctx, dn)
	c.Close()
	if err != nil {
		return "", adProblem(err, c.User())
	}
	path := sync.SecretPath(b.opts.Dirs.State, cfg.AD.PasswordFile)
	if err := sync.WriteSecret(path, []byte(pw)); err != nil {
		return "", fmt.Errorf("live: the password of %s was reset but could not be saved (rotate again to fix it): %w", cfg.AD.BindUser, err)
	}
	if err := b.verifyConnector(ctx, cfg, sid); err != nil {
		return "", err
	}
	return fmt.Sprintf("new password of %s saved in %s and proven by a bind", cfg.AD.BindUser, path), nil
}

// rotateCertificate replaces the application's certificate and key file.
func (b *Backend) rotateCertificate(ctx context.Context, admin *entra.Client, cfg sync.Config, rec *record) (string, error) {
	if cfg.Entra.CertificateFile == "" {
		return "", problem(errors.New("no certificate file"), "the application signs in with a client secret, which entrasync does not rotate",
			"rotate the secret in the Entra admin center, or set up again to use a certificate")
	}
	app, err := b.findApp(ctx, admin, cfg, rec)
	if err != nil {
		return "", err
	}
	certPEM, keyPEM, err := entra.NewCertificate(b.AppName(), CertificateValidity)
	if err != nil {
		return "", err
	}
	pem := append(append([]byte{}, certPEM...), keyPEM...)
	cred, err := entra.CertificateCredential(pem, nil)
	if err != nil {
		return "", err
	}
	path := sync.SecretPath(b.opts.Dirs.State, cfg.Entra.CertificateFile)
	if err := sync.WriteSecret(path+newSuffix, pem); err != nil {
		return "", fmt.Errorf("live: write the new key: %w", err)
	}
	if err := admin.RotateSyncAppCertificate(ctx, app, cred, b.opts.AppReadyTimeout); err != nil {
		_ = os.Remove(path + newSuffix)
		return "", entraProblem(err)
	}
	if err := os.Rename(path+newSuffix, path); err != nil {
		return "", fmt.Errorf("live: the new certificate is registered but its key could not replace %s (move %s there by hand): %w", path, path+newSuffix, err)
	}
	cert := cred.Certificate()
	return fmt.Sprintf("certificate %s valid until %s; the old one was removed", entra.Thumbprint(cert), cert.NotAfter.Format(time.DateOnly)), nil
}

// findApp returns the sync application of cfg, from the record or by name.
func (b *Backend) findApp(ctx context.Context, admin *entra.Client, cfg sync.Config, rec *record) (entra.SyncApp, error) {
	if rec != nil && rec.App != nil && rec.App.ObjectID != "" && strings.EqualFold(rec.App.AppID, cfg.Entra.ClientID) {
		return entra.SyncApp{DisplayName: rec.App.DisplayName, AppID: rec.App.AppID, ObjectID: rec.App.ObjectID,
			ServicePrincipalID: rec.App.ServicePrincipalID, TenantID: cfg.Entra.TenantID}, nil
	}
	app, err := admin.FindSyncApp(ctx, b.AppName())
	if err != nil {
		return entra.SyncApp{}, entraProblem(err)
	}
	if !strings.EqualFold(app.AppID, cfg.Entra.ClientID) {
		return entra.SyncApp{}, problem(errors.New("application mismatch"),
			fmt.Sprintf("%s has application id %s, but the configuration uses %s", app.DisplayName, app.AppID, cfg.Entra.ClientID),
			"run entrasync on the server that set it up, or set up again")
	}
	return app, nil
}
