package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// adOptions are the options to dial the DC of conn as user.
func (b *Backend) adOptions(conn wizard.ADConnection, user, password string, timeout time.Duration) (ad.Options, error) {
	tr := ad.LDAPS
	if conn.Transport != "" {
		var err error
		if tr, err = ad.ParseTransport(conn.Transport); err != nil {
			return ad.Options{}, problem(err, err.Error(), `use "ldaps" or "starttls"`)
		}
	}
	if tr == ad.Plain {
		return ad.Options{}, problem(ad.ErrStrongAuthRequired, "plain LDAP would send the passwords in clear text", "use LDAPS (port 636) or StartTLS (port 389)")
	}
	o := ad.Options{
		Host: strings.TrimSpace(conn.Host), Port: conn.Port, Transport: tr, CAFile: strings.TrimSpace(conn.CAFile),
		Timeout: timeout, Username: user, Password: password, Logger: b.log,
	}
	if b.opts.ADRootCAs != nil {
		o.RootCAs = b.opts.ADRootCAs.Clone() // ad adds CAFile to it
	}
	return o, nil
}

// CheckAD binds to the domain controller as the administrator, checks that
// the account is an Enterprise Admin of the forest, and keeps the
// credentials in memory for the setup calls that follow: each dials anew,
// so a long pause on a page never finds a connection the DC has closed.
// Errors carry their likely fix.
func (b *Backend) CheckAD(ctx context.Context, conn wizard.ADConnection, admin wizard.Credentials) (wizard.Forest, error) {
	user := strings.TrimSpace(admin.User)
	if user == "" || admin.Password == "" {
		return wizard.Forest{}, problem(ad.ErrInvalidInput, "the Enterprise Admin's name or password is empty", `enter DOMAIN\user (or user@domain) and the password`)
	}
	o, err := b.adOptions(conn, user, admin.Password, 0)
	if err != nil {
		return wizard.Forest{}, err
	}
	c, err := ad.Dial(ctx, o)
	if err != nil {
		return wizard.Forest{}, adProblem(err, user)
	}
	defer c.Close()
	id, err := c.WhoAmI(ctx)
	if err != nil {
		return wizard.Forest{}, adProblem(err, user)
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return wizard.Forest{}, adProblem(err, user)
	}
	who := id.Domain.NetBIOS + `\` + id.SAMAccountName
	if !id.EnterpriseAdmin {
		b.log.Info("ad: the account is not an Enterprise Admin", "user", who, "forest", f.Root.DNSName)
		return wizard.Forest{}, problem(errors.New("not an Enterprise Admin"),
			fmt.Sprintf("%s is not an Enterprise Admin of %s", who, f.Root.DNSName),
			"sign in as a member of Enterprise Admins: setup creates the connector account and grants it rights in every domain")
	}
	b.adAdmin, b.forest, b.adminID = &o, f, id
	b.log.Info("ad: Enterprise Admin connected", "user", who, "dc", f.DC.DNSHostName, "forest", f.Root.DNSName)
	out := wizard.Forest{RootDomain: f.Root.DNSName, NetBIOS: f.Root.NetBIOS, DC: f.DC.DNSHostName, Admin: who}
	for _, d := range f.Domains {
		out.Domains = append(out.Domains, d.DNSName)
	}
	return out, nil
}

// dialAdmin connects as the Enterprise Admin of CheckAD.
func (b *Backend) dialAdmin(ctx context.Context, what string) (*ad.Client, error) {
	if b.adAdmin == nil {
		return nil, problem(errors.New("no AD administrator session"), what+" needs an Enterprise Admin",
			"connect to AD DS first (Connect to AD DS)")
	}
	c, err := ad.Dial(ctx, *b.adAdmin)
	if err != nil {
		return nil, adProblem(err, b.adAdmin.Username)
	}
	return c, nil
}

// connectorOptions are the options to dial as the connector account of
// cfg, reading its password from the state directory.
func (b *Backend) connectorOptions(cfg sync.Config) (ad.Options, error) {
	pw, err := sync.ReadSecret(sync.SecretPath(b.opts.Dirs.State, cfg.AD.PasswordFile))
	if err != nil {
		return ad.Options{}, syncProblem(err)
	}
	conn := wizard.ADConnection{Host: cfg.AD.Host, Port: cfg.AD.Port, Transport: cfg.AD.Transport, CAFile: cfg.AD.CAFile}
	o, err := b.adOptions(conn, cfg.AD.BindUser, string(pw), time.Duration(cfg.AD.Timeout))
	if err != nil {
		return ad.Options{}, err
	}
	o.InsecureSkipVerify = cfg.AD.InsecureSkipVerify
	return o, nil
}

// dialReader connects to AD to read it: as the Enterprise Admin when
// CheckAD was called, else as the saved configuration's connector account.
func (b *Backend) dialReader(ctx context.Context) (*ad.Client, error) {
	if b.adAdmin != nil {
		return b.dialAdmin(ctx, "reading AD")
	}
	cfg, err := b.savedConfig()
	if err != nil {
		return nil, problem(err, "reading AD needs an Enterprise Admin or a saved configuration", "connect to AD DS first (Connect to AD DS)")
	}
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
