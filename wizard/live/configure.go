package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// The ids of the setup actions, in the order Configure takes them.
const (
	ActionCleanup = "cleanup"     // remove what an interrupted setup left
	ActionAccount = "ad-account"  // create the AD connector account
	ActionApp     = "entra-app"   // create the Entra application, its service principal and certificate
	ActionGrant   = "entra-grant" // grant its Microsoft Graph application permissions
	ActionVerify  = "verify"      // prove both identities work
	ActionSave    = "save"        // save the configuration
)

// connectorName returns the connector account's sAMAccountName, chosen
// once per Backend so the Ready page and Configure agree.
func (b *Backend) connectorName() string {
	if b.acctName == "" {
		buf := make([]byte, 6)
		_, _ = rand.Read(buf) // never fails (crypto/rand)
		b.acctName = ad.ConnectorAccountPrefix + strings.ToUpper(hex.EncodeToString(buf))
	}
	return b.acctName
}

// needSetup checks that both administrator sessions are open and that cfg,
// with the fields Configure fills, is a valid configuration that does not
// replace a saved one.
func (b *Backend) needSetup(cfg sync.Config) (*entra.Client, error) {
	admin, err := b.needEntraAdmin("setup")
	if err != nil {
		return nil, err
	}
	if b.adAdmin == nil {
		return nil, problem(errors.New("no AD administrator session"), "setup needs an Enterprise Admin", "connect to AD DS first (Connect to AD DS)")
	}
	if _, err := os.Stat(b.opts.Dirs.ConfigFile()); err == nil {
		return nil, problem(errors.New("already configured"), "entrasync is already configured: "+b.opts.Dirs.ConfigFile(),
			"change the settings from the task menu, or run `entrasync uninstall` before setting up again")
	}
	cfg = b.generated(cfg, entra.SyncApp{AppID: "00000000-0000-0000-0000-000000000000"}, b.forest.Root.NetBIOS+`\`+b.connectorName())
	if err := cfg.Validate(); err != nil {
		return nil, &wizard.Problem{Err: err, Fix: "correct the settings on the pages before"}
	}
	return admin, nil
}

// generated returns cfg with the fields setup fills: the connector
// account, the application, the secret files, the tenant and the Entra
// endpoints of Options.
func (b *Backend) generated(cfg sync.Config, app entra.SyncApp, bindUser string) sync.Config {
	cfg.AD.BindUser, cfg.AD.PasswordFile = bindUser, PasswordFile
	cfg.Entra.TenantID, cfg.Entra.InitialDomain = b.tenant.ID, b.tenant.InitialDomain
	cfg.Entra.ClientID, cfg.Entra.CertificateFile, cfg.Entra.ClientSecretFile = app.AppID, CertificateFile, ""
	if b.opts.AuthorityHost != "" {
		cfg.Entra.AuthorityHost = b.opts.AuthorityHost
	}
	if b.opts.GraphEndpoint != "" {
		cfg.Entra.GraphEndpoint = b.opts.GraphEndpoint
	}
	if b.opts.EntraCAFile != "" {
		if abs, err := filepath.Abs(b.opts.EntraCAFile); err == nil {
			cfg.Entra.CAFile = abs
		}
	}
	cfg.SetDefaults()
	return cfg
}

// SetupPlan lists what Configure will do with cfg. It changes nothing.
func (b *Backend) SetupPlan(_ context.Context, cfg sync.Config) ([]wizard.Action, error) {
	if _, err := b.needSetup(cfg); err != nil {
		return nil, err
	}
	rec, _, err := b.loadRecord()
	if err != nil {
		return nil, err
	}
	var acts []wizard.Action
	if rec.leftovers() {
		acts = append(acts, wizard.Action{ID: ActionCleanup, Title: "Remove what an interrupted setup left", Detail: describeLeftovers(rec)})
	}
	root := b.forest.Root
	var domains []string
	for _, d := range b.forest.Domains {
		domains = append(domains, d.DNSName)
	}
	certPath := sync.SecretPath(b.opts.Dirs.State, CertificateFile)
	var perms []string
	for _, p := range entra.SyncAppPermissions {
		perms = append(perms, p.Name)
	}
	acts = append(acts,
		wizard.Action{ID: ActionAccount, Title: "Create the AD connector account",
			Detail: fmt.Sprintf(`%s\%s in CN=Users,%s: not an admin, a random 40-character password; may read users, groups and contacts and follow their changes (Replicating Directory Changes) in %s`,
				root.NetBIOS, b.connectorName(), root.DN, strings.Join(domains, ", "))},
		wizard.Action{ID: ActionApp, Title: "Create the Entra application",
			Detail: fmt.Sprintf("%s in %s, with its service principal and a certificate valid until %s; the private key stays on this machine in %s",
				b.AppName(), b.tenant.InitialDomain, b.now().Add(CertificateValidity).Format(time.DateOnly), certPath)},
		wizard.Action{ID: ActionGrant, Title: "Grant its Microsoft Graph application permissions", Detail: strings.Join(perms, ", ")},
		wizard.Action{ID: ActionVerify, Title: "Verify both identities",
			Detail: "bind as the connector account and read the directory; sign in as the application and read users, groups and domains"},
		wizard.Action{ID: ActionSave, Title: "Save the configuration",
			Detail: fmt.Sprintf("%s; the secrets in %s and %s (mode 0600)", b.opts.Dirs.ConfigFile(), sync.SecretPath(b.opts.Dirs.State, PasswordFile), certPath)},
	)
	return acts, nil
}

// describeLeftovers names what a record lists.
func describeLeftovers(r *record) string {
	var parts []string
	if r.Account != nil {
		parts = append(parts, "AD account "+r.Account.DN)
	}
	if r.App != nil {
		parts = append(parts, "Entra application "+r.App.DisplayName)
	}
	if n := len(r.Files); n > 0 {
		parts = append(parts, fmt.Sprintf("%d files", n))
	}
	return strings.Join(parts, ", ")
}

// configureRun is one run of Configure.
type configureRun struct {
	b      *Backend
	ctx    context.Context
	admin  *entra.Client
	rec    *record
	events func(wizard.ActionEvent)
	cfg    sync.Config

	acct     ad.ConnectorAccount
	app      entra.SyncApp
	cred     entra.Credential
	notAfter time.Time
}

// step runs one action, reporting it; it stops before running when ctx
// is done.
func (r *configureRun) step(id, title string, fn func() (string, error)) error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("live: setup stopped before %q: %w", title, err)
	}
	r.events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionRunning})
	detail, err := fn()
	if err != nil {
		r.b.log.Warn("setup: action failed", "action", id, "err", err.Error())
		r.events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionFailed, Err: err})
		return err
	}
	r.b.log.Info("setup: action done", "action", id, "detail", detail)
	r.events(wizard.ActionEvent{ID: id, Title: title, State: wizard.ActionDone, Detail: detail})
	return nil
}

func (r *configureRun) save() error { return r.b.saveRecord(r.rec) }

// Configure creates the connector account and the application, grants
// its permissions, proves both work, and saves the configuration and the
// secrets, filling cfg's generated fields. The setup record in the state
// directory names each thing before it is created and is updated the
// moment it exists, so Uninstall removes it even after an interrupted
// setup; a later Configure removes such leftovers first. The Setup lists
// what exists, also with an error.
func (b *Backend) Configure(ctx context.Context, cfg *sync.Config, events func(wizard.ActionEvent)) (wizard.Setup, error) {
	admin, err := b.needSetup(*cfg)
	if err != nil {
		return wizard.Setup{}, err
	}
	if err := b.opts.Dirs.Ensure(); err != nil {
		return wizard.Setup{}, problem(err, "cannot create the configuration and state directories: "+err.Error(), "run setup as a user who may create them (root for /etc and /var/lib), or pass --dir")
	}
	old, _, err := b.loadRecord()
	if err != nil {
		return wizard.Setup{}, err
	}
	r := &configureRun{b: b, ctx: ctx, admin: admin, events: events, cfg: *cfg}
	if old.leftovers() {
		err := r.step(ActionCleanup, "Remove what an interrupted setup left", func() (string, error) {
			what := describeLeftovers(old)
			if err := b.removeSetup(ctx, old); err != nil {
				return "", err
			}
			return "removed " + what, nil
		})
		if err != nil {
			return b.setupResult(old, ""), err
		}
	}
	r.rec = &record{Version: recordVersion, Host: b.opts.Host, Started: b.now().UTC(), TenantID: b.tenant.ID, Forest: b.forest.Root.DNSName}
	if err := r.save(); err != nil {
		return wizard.Setup{}, err
	}
	steps := []struct {
		id, title string
		fn        func() (string, error)
	}{
		{ActionAccount, "Create the AD connector account", r.createAccount},
		{ActionApp, "Create the Entra application", r.createApp},
		{ActionGrant, "Grant its Microsoft Graph application permissions", r.grant},
		{ActionVerify, "Verify both identities", r.verify},
		{ActionSave, "Save the configuration", r.saveConfig},
	}
	for _, s := range steps {
		if err := r.step(s.id, s.title, s.fn); err != nil {
			return b.setupResult(r.rec, ""), err
		}
	}
	*cfg = r.cfg
	out := b.setupResult(r.rec, b.opts.Dirs.ConfigFile())
	out.Warnings = append(out.Warnings, fmt.Sprintf("The application's certificate expires on %s: rotate the credentials before then (task menu: Rotate credentials).",
		r.notAfter.Format(time.DateOnly)))
	return out, nil
}

// createAccount creates the connector account and writes its password.
func (r *configureRun) createAccount() (string, error) {
	b := r.b
	name := b.connectorName()
	root := b.forest.Root
	r.rec.Account = &accountRecord{Name: name, DN: "CN=" + ad.EscapeDN(name) + ",CN=Users," + root.DN, DownLevel: root.NetBIOS + `\` + name}
	if err := r.save(); err != nil {
		return "", err
	}
	c, err := b.dialAdmin(r.ctx, "creating the connector account")
	if err != nil {
		return "", err
	}
	defer c.Close()
	acct, err := c.CreateConnectorAccount(r.ctx, ad.ConnectorAccountOptions{Name: name})
	if err != nil {
		return "", adProblem(err, c.User())
	}
	r.acct = acct
	ra := r.rec.Account
	ra.DN, ra.DownLevel, ra.SID, ra.Domains, ra.Created = acct.DN, acct.DownLevelName, acct.SID.String(), acct.Domains, true
	if err := r.save(); err != nil {
		return "", err
	}
	path := sync.SecretPath(b.opts.Dirs.State, PasswordFile)
	r.rec.addFile(path)
	if err := sync.WriteSecret(path, []byte(acct.Password)); err != nil {
		return "", fmt.Errorf("live: write the connector password: %w", err)
	}
	if err := r.save(); err != nil {
		return "", err
	}
	r.cfg = b.generated(r.cfg, entra.SyncApp{}, acct.DownLevelName)
	return fmt.Sprintf("%s (%s), with read rights in %s", acct.DownLevelName, acct.DN, strings.Join(acct.Domains, "; ")), nil
}

// createApp makes the certificate (its key written here only), then the
// application and its service principal.
func (r *configureRun) createApp() (string, error) {
	b := r.b
	certPEM, keyPEM, err := entra.NewCertificate(b.AppName(), CertificateValidity)
	if err != nil {
		return "", err
	}
	cert, err := entra.ParseCertificatePEM(certPEM)
	if err != nil {
		return "", err
	}
	pem := append(append([]byte{}, certPEM...), keyPEM...)
	if r.cred, err = entra.CertificateCredential(pem, nil); err != nil {
		return "", err
	}
	path := sync.SecretPath(b.opts.Dirs.State, CertificateFile)
	r.rec.addFile(path)
	if err := sync.WriteSecret(path, pem); err != nil {
		return "", fmt.Errorf("live: write the application's key: %w", err)
	}
	r.rec.App = &appRecord{DisplayName: b.AppName()}
	if err := r.save(); err != nil {
		return "", err
	}
	app, err := r.admin.CreateSyncApp(r.ctx, b.AppName(), cert)
	if app.ObjectID != "" {
		ra := r.rec.App
		ra.AppID, ra.ObjectID, ra.ServicePrincipalID, ra.Created = app.AppID, app.ObjectID, app.ServicePrincipalID, true
		if err := r.save(); err != nil {
			return "", err
		}
	}
	if err != nil {
		return "", entraProblem(err)
	}
	r.app, r.notAfter = app, cert.NotAfter
	r.cfg = b.generated(r.cfg, app, r.cfg.AD.BindUser)
	return fmt.Sprintf("%s, application id %s; certificate %s valid until %s", app.DisplayName, app.AppID, entra.Thumbprint(cert), cert.NotAfter.Format(time.DateOnly)), nil
}

// grant grants the application its Microsoft Graph permissions.
func (r *configureRun) grant() (string, error) {
	if err := r.admin.GrantSyncAppPermissions(r.ctx, r.app); err != nil {
		return "", entraProblem(err)
	}
	r.rec.App.Granted = true
	if err := r.save(); err != nil {
		return "", err
	}
	return strings.Join(r.b.GraphPermissions(), ", "), nil
}

// verify proves that the connector account binds and reads, and that the
// application signs in and reads, then leaves the application with this
// setup's certificate only (a reused application may hold others).
func (r *configureRun) verify() (string, error) {
	b := r.b
	if err := b.verifyConnector(r.ctx, r.cfg, r.acct.SID); err != nil {
		return "", err
	}
	ac, err := r.admin.WaitForSyncApp(r.ctx, r.app, r.cred, b.opts.AppReadyTimeout)
	if err != nil {
		return "", entraProblem(err)
	}
	ac.Close()
	certs, err := r.admin.SyncAppCertificates(r.ctx, r.app)
	if err != nil {
		return "", entraProblem(err)
	}
	if len(certs) > 1 {
		if err := r.admin.RotateSyncAppCertificate(r.ctx, r.app, r.cred, b.opts.AppReadyTimeout); err != nil {
			return "", entraProblem(err)
		}
	}
	return fmt.Sprintf("%s bound and read the directory; %s signed in and read users, groups and domains", r.cfg.AD.BindUser, r.app.DisplayName), nil
}

// verifyConnector binds as the connector account of cfg, checks it is the
// account sid, reads one object in scope, and checks, as the Enterprise
// Admin, that every right it needs is granted.
func (b *Backend) verifyConnector(ctx context.Context, cfg sync.Config, sid ad.SID) error {
	o, err := b.connectorOptions(cfg)
	if err != nil {
		return err
	}
	c, err := ad.Dial(ctx, o)
	if err != nil {
		return adProblem(err, o.Username)
	}
	defer c.Close()
	id, err := c.WhoAmI(ctx)
	if err != nil {
		return adProblem(err, o.Username)
	}
	if !sid.IsZero() && !id.SID.Equal(sid) {
		return fmt.Errorf("live: %s bound as %s (%s), not the connector account %s", o.Username, id.DN, id.SID, sid)
	}
	_, err = c.Enumerate(ctx, ad.EnumerateOptions{Scope: ad.Scope{Include: cfg.AD.Scope.Include, Exclude: cfg.AD.Scope.Exclude}, PageSize: 1},
		func(ad.Object) error { return errEnough })
	if err != nil && !errors.Is(err, errEnough) {
		return adProblem(err, o.Username)
	}
	admin, err := b.dialAdmin(ctx, "checking the connector's rights")
	if err != nil {
		return err
	}
	defer admin.Close()
	missing, err := admin.MissingConnectorRights(ctx, id.SID, false)
	if err != nil {
		return adProblem(err, admin.User())
	}
	if len(missing) > 0 {
		var where []string
		for dn := range missing {
			where = append(where, dn)
		}
		return problem(errors.New("connector rights missing"), fmt.Sprintf("%s lacks some of its rights on %s", o.Username, strings.Join(where, "; ")),
			"check that the DC holds every domain of the forest, then run setup again")
	}
	return nil
}

// saveConfig saves the configuration and marks the setup complete.
func (r *configureRun) saveConfig() (string, error) {
	path := r.b.opts.Dirs.ConfigFile()
	r.rec.addFile(path)
	if err := r.save(); err != nil {
		return "", err
	}
	if err := sync.SaveConfig(path, r.cfg); err != nil {
		return "", &wizard.Problem{Err: err, Fix: "correct the settings and run setup again"}
	}
	r.rec.Completed = r.b.now().UTC()
	if err := r.save(); err != nil {
		return "", err
	}
	return path, nil
}

// setupResult lists what rec says exists.
func (b *Backend) setupResult(rec *record, configPath string) wizard.Setup {
	out := wizard.Setup{ConfigPath: configPath}
	if rec == nil {
		return out
	}
	if a := rec.Account; a != nil && a.Created {
		out.Created = append(out.Created,
			wizard.Resource{Kind: "AD account", Name: a.DownLevel, Detail: a.DN},
			wizard.Resource{Kind: "AD permissions", Name: "read and Replicating Directory Changes for " + a.DownLevel, Detail: strings.Join(a.Domains, "; ")})
	}
	if a := rec.App; a != nil && a.Created {
		out.Created = append(out.Created,
			wizard.Resource{Kind: "Entra application", Name: a.DisplayName, Detail: "application id " + a.AppID},
			wizard.Resource{Kind: "Entra service principal", Name: a.DisplayName, Detail: "object id " + a.ServicePrincipalID})
		if a.Granted {
			out.Created = append(out.Created, wizard.Resource{Kind: "Graph permissions", Name: strings.Join(b.GraphPermissions(), ", "), Detail: "granted to " + a.DisplayName})
		}
	}
	for _, f := range rec.Files {
		if _, err := os.Stat(f); err == nil {
			out.Created = append(out.Created, wizard.Resource{Kind: "file", Name: f, Detail: fileRole(filepath.Base(f))})
		}
	}
	out.Created = append(out.Created, wizard.Resource{Kind: "file", Name: b.recordPath(), Detail: "the setup record, which uninstall reads"})
	return out
}

// fileRole says what a file setup writes holds.
func fileRole(name string) string {
	switch name {
	case PasswordFile:
		return "the connector account's password (mode 0600)"
	case CertificateFile:
		return "the application's certificate and private key (mode 0600)"
	case "config.yaml":
		return "the configuration"
	}
	return ""
}
