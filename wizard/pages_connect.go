package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"charm.land/huh/v2"
)

// welcome says what setup will do, what it creates and its limits.
func (s *setup) welcome(ctx context.Context, f frame) (nav, error) {
	perms := s.b.GraphPermissions()
	f.body = func(st *styles, w int) string {
		return paragraphs(w,
			"entrasync synchronizes users and groups from your Active Directory forest to "+
				"Microsoft Entra ID. It writes only through LDAP and Microsoft Graph.",
			st.bold.Render("Setup will")+"\n"+bullets(w,
				"sign you in to Entra ID with a device code and check your role;",
				"connect to a domain controller as an Enterprise Admin and check the forest's UPN suffixes;",
				"create an AD connector account: not an admin, a random password, only the rights sync needs;",
				"create an Entra application with a certificate and grant it "+strings.Join(perms, ", ")+";",
				"save the configuration and the two secrets on this machine, then run the first sync.",
			),
			"Nothing is written anywhere until you choose Install on the Ready to configure page.",
			st.bold.Render("Limits")+"\n"+bullets(w,
				"No password hash sync: Graph cannot sync passwords. Synced users get a random initial "+
					"password and sign in through self-service password reset, a Temporary Access Pass, or federation.",
				"Synced users and groups are cloud objects that entrasync manages. Contacts and mail-enabled "+
					"distribution groups cannot be created through Graph: they are counted and reported.",
			),
		)
	}
	return s.u.ask(ctx, f, s.button("Continue"))
}

// express lists the express settings and offers to customize them.
func (s *setup) express(ctx context.Context, f frame) (nav, error) {
	d := DefaultAnswers()
	f.body = func(_ *styles, w int) string {
		return paragraphs(w,
			"Express settings:",
			bullets(w,
				"one forest, every domain and OU",
				"users and security groups",
				"every mapped attribute: names, mail, job, address, phones, employeeId, manager",
				"source anchor "+d.SourceAnchor+" (objectGUID when it is empty)",
				"existing cloud users are never adopted: a conflict is reported instead",
				fmt.Sprintf("a delta sync every %s, a full sync every %s", interval(d.Interval), interval(d.FullInterval)),
				fmt.Sprintf("no run deletes more than %d objects (or %d %% of them)", d.DeletionThreshold, d.DeletionThresholdPercent),
				"the initial sync right after configuration",
			),
			"Customize to choose OUs, object types, attributes, the source anchor, the schedule, "+
				"thresholds or staging mode.",
		)
	}
	customize := s.a.Customize
	sel := huh.NewSelect[bool]().Title("Settings").Options(
		huh.NewOption("Use express settings", false),
		huh.NewOption("Customize", true),
	).Value(&customize)
	n, err := s.u.ask(ctx, f, form(sel))
	if n == navNext {
		s.a.Customize = customize
	}
	return n, err
}

// entra signs the administrator in with a device code and checks the
// account's roles; a sign-in that fails or lacks a role shows the page
// again with why.
func (s *setup) entra(ctx context.Context, f frame) (nav, error) {
	var problem error
	for {
		if s.signedIn {
			n, again, err := s.entraSignedIn(ctx, f)
			if n != navNext || !again {
				return n, err
			}
			s.signedIn = false
		}
		f.problem = problem
		f.body = func(st *styles, w int) string {
			return paragraphs(w,
				"Sign in with an account of the tenant to sync to. It must be a Global Administrator, or a "+
					"Hybrid Identity Administrator who also holds Privileged Role Administrator (to grant the "+
					"sync application its Microsoft Graph permissions).",
				"You sign in on any device with a browser: this page shows the address and a code. "+
					"The sign-in is used for setup only and never saved.",
			)
		}
		n, err := s.u.ask(ctx, f, s.button("Sign in"))
		if n != navNext {
			return n, err
		}
		var t Tenant
		waiting := f
		waiting.body = nil // room for the code and its QR code
		res, err := s.check(ctx, waiting, "Waiting for you to sign in", func(ctx context.Context, st *status) error {
			var err error
			t, err = s.b.SignInEntra(ctx, st.setDevice)
			return err
		})
		switch res {
		case checkQuit:
			return navCancel, err
		case checkAgain:
			problem = err
			continue
		}
		s.tenant, s.signedIn, problem = t, true, nil
	}
}

// entraSignedIn shows the signed-in tenant and the role verdict. again is
// set when the administrator wants to sign in with another account.
func (s *setup) entraSignedIn(ctx context.Context, f frame) (n nav, again bool, err error) {
	ok, verdict := roleVerdict(s.tenant)
	t := s.tenant
	f.body = func(st *styles, w int) string {
		mark := st.ok.Render(markDone)
		if !ok {
			mark = st.bad.Render(markFailed)
		}
		rows := []string{
			"Tenant:  " + t.Name + " (" + t.InitialDomain + ")",
			"         " + t.ID,
			"Account: " + t.Account,
			"Roles:   " + or(strings.Join(t.Roles, ", "), "none active"),
		}
		return wrap(strings.Join(rows, "\n")+"\n\n"+mark+" "+verdict, w)
	}
	choice := !ok
	var opts []huh.Option[bool]
	if ok {
		opts = append(opts, huh.NewOption("Continue as "+t.Account, false))
	}
	opts = append(opts, huh.NewOption("Sign in with another account", true))
	sel := huh.NewSelect[bool]().Title("Account").Options(opts...).Value(&choice)
	n, err = s.u.ask(ctx, f, form(sel))
	return n, choice, err
}

// ad asks how to reach a domain controller and for the Enterprise Admin,
// then checks both; a failure shows the page again with the error.
func (s *setup) ad(ctx context.Context, f frame) (nav, error) {
	host := s.a.AD.Host
	if s.a.AD.Port != 0 {
		host = fmt.Sprintf("%s:%d", host, s.a.AD.Port)
	}
	transport := or(s.a.AD.Transport, TransportLDAPS)
	ca, user, password := s.a.AD.CAFile, s.a.Admin.User, s.a.Admin.Password
	var problem error
	for {
		f.problem = problem
		f.body = func(_ *styles, w int) string {
			return wrap("The Enterprise Admin is used for setup only and never saved.", w)
		}
		fields := []huh.Field{
			s.input("Domain controller (host or host:port)", &host, validateHost),
			huh.NewSelect[string]().Title("Connection").Options(
				huh.NewOption("LDAPS, port 636 (recommended)", TransportLDAPS),
				huh.NewOption("StartTLS, port 389", TransportStartTLS),
			).Value(&transport),
			s.input("CA certificate file (PEM; empty: the system's CAs)", &ca, nil),
			s.input(`Enterprise Admin (DOMAIN\user or user@domain)`, &user, validateAccount),
			s.secret("Password", &password),
		}
		n, err := s.u.ask(ctx, f, form(fields...))
		if n != navNext {
			return n, err
		}
		h, port, err := splitHostPort(host)
		s.a.AD = ADConnection{Host: h, Port: port, Transport: transport, CAFile: strings.TrimSpace(ca)}
		s.a.Admin = Credentials{User: strings.TrimSpace(user), Password: password}
		if err == nil {
			err = errors.Join(s.a.configProblems("ad."), s.a.validateAdmin(), checkCAFile(s.a.AD.CAFile))
		}
		if err != nil {
			problem = err
			continue
		}
		var forest Forest
		res, err := s.check(ctx, f, "Checking "+h, func(ctx context.Context, _ *status) error {
			var err error
			forest, err = s.b.CheckAD(ctx, s.a.AD, s.a.Admin)
			return err
		})
		switch res {
		case checkQuit:
			return navCancel, err
		case checkAgain:
			problem = err
			continue
		}
		if s.forest.RootDomain != forest.RootDomain {
			s.report, s.tree = nil, nil // another forest: read it again
		}
		s.forest = forest
		return navNext, nil
	}
}

// checkCAFile checks that a CA file, when given, is a readable file.
func checkCAFile(path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return WithFix(fmt.Errorf("CA certificate file %s: %w", path, err),
			"give the PEM file of the CA that signed the domain controller's certificate, or leave it empty to use the system's CAs")
	case fi.IsDir():
		return WithFix(fmt.Errorf("CA certificate file %s is a directory", path), "give the PEM file itself")
	}
	return nil
}
