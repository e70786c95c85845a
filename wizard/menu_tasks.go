package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/huh/v2"
	"github.com/entrasync/entrasync/sync"
)

// syncNow runs a delta or full sync with live progress, then sums it up.
func (m *menu) syncNow(ctx context.Context, kind SyncKind) (nav, error) {
	title := map[SyncKind]string{SyncDelta: "Sync now", SyncFull: "Full sync"}[kind]
	f := m.frame(title)
	var sum RunSummary
	n, err := m.u.run(ctx, f, task{
		label:   "Synchronizing (" + kind.String() + ")",
		stopAsk: "Stop the sync? It stops cleanly after the current batch; what was applied is recorded.",
		fn: func(ctx context.Context, st *status) error {
			var err error
			sum, err = m.b.Sync(ctx, kind, st.setProgress)
			return err
		},
	})
	if ctx.Err() != nil {
		return navCancel, ctx.Err()
	}
	m.readLastRun(ctx)
	f.problem = err
	if n == navCancel {
		f.problem = WithFix(errors.New("stopped by the administrator"), "what was applied is recorded; the next run goes on from there")
	}
	f.body = func(st *styles, w int) string {
		if sum.ID == "" && err != nil {
			return ""
		}
		parts := []string{renderRunSummary(sum)}
		if len(sum.Warnings) > 0 {
			parts = append(parts, section(st, "Warnings", st.warn.Render(bullets(w, warningLines(sum.Warnings, m.cfg.Entra.InitialDomain, nil)...))))
		}
		if sum.Errors > 0 {
			parts = append(parts, wrap("Run history and errors lists the objects that failed and why.", w))
		}
		return strings.Join(parts, "\n\n")
	}
	return m.done(ctx, f, "Back to the menu")
}

// planColumns are the columns of a plan's table.
var planColumns = []column{
	{title: "Change", width: 6},
	{title: "Kind", width: 5},
	{title: "Object", width: 16},
	{title: "Details", width: 10},
}

// planRows are a plan's changes as table rows.
func planRows(p Plan) [][]string {
	rows := make([][]string, len(p.Changes))
	for i, c := range p.Changes {
		rows[i] = []string{string(c.Op), c.Kind, c.Object, c.Detail}
	}
	return rows
}

// planSummary counts a plan's changes by kind: "3 creates, 1 update".
func planSummary(p Plan) string {
	if len(p.Changes) == 0 {
		return "Nothing to change: Entra matches AD."
	}
	counts := map[Op]int{}
	for _, c := range p.Changes {
		counts[c.Op]++
	}
	var parts []string
	for _, op := range []Op{OpCreate, OpUpdate, OpDelete, OpAddMember, OpRemoveMember} {
		if counts[op] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, counts[op]))
		}
	}
	return plural(len(p.Changes), "change", "changes") + " pending: " + strings.Join(parts, ", ") + "."
}

// planBody introduces a plan's table.
func planBody(p Plan) func(*styles, int) string {
	return func(st *styles, w int) string {
		s := wrap(planSummary(p), w)
		if p.Blocked != "" {
			s += "\n" + st.bad.Render(wrap(markFailed+" The engine would refuse this plan: "+p.Blocked, w))
		}
		return s
	}
}

// preview shows the pending changes in a scrollable, filterable table.
func (m *menu) preview(ctx context.Context) (nav, error) {
	f := m.frame("Preview pending changes")
	var p Plan
	res, err := m.check(ctx, f, "Importing from AD and planning", func(ctx context.Context, _ *status) error {
		var err error
		p, err = m.b.Plan(ctx)
		return err
	})
	switch {
	case res == checkQuit:
		return navCancel, err
	case res == checkAgain && err == nil:
		return navBack, nil
	case res == checkAgain:
		f.problem = err
		return m.done(ctx, f, "Back to the menu")
	}
	f.body = planBody(p)
	_, n, err := m.u.browse(ctx, f, table{columns: planColumns, rows: planRows(p), empty: "Nothing to change."})
	return n, err
}

// view shows the saved configuration.
func (m *menu) view(ctx context.Context) (nav, error) {
	f := m.frame("View configuration")
	f.body = func(st *styles, w int) string { return configText(st, m.cfg, w) }
	return m.done(ctx, f, "Back to the menu")
}

// configText describes a configuration field by field, secrets by file.
func configText(st *styles, c sync.Config, w int) string {
	adLines := []string{
		"Domain controller:  " + c.AD.Host + portText(c.AD.Port) + " (" + or(c.AD.Transport, TransportLDAPS) + ")",
		"Trusted CAs:        " + or(c.AD.CAFile, "the system's"),
		"Connector account:  " + c.AD.BindUser,
		"Its password:       " + c.AD.PasswordFile,
	}
	if c.AD.InsecureSkipVerify {
		adLines = append(adLines, st.bad.Render("Certificate verification is OFF (insecureSkipVerify)"))
	}
	cred := "Certificate:        " + c.Entra.CertificateFile
	if c.Entra.CertificateFile == "" {
		cred = "Client secret:      " + c.Entra.ClientSecretFile
	}
	entraLines := []string{
		"Tenant:             " + c.Entra.InitialDomain,
		"Tenant ID:          " + c.Entra.TenantID,
		"Sync application:   " + c.Entra.ClientID,
		cred,
	}
	a := AnswersFromConfig(c)
	parts := []string{
		section(st, "Active Directory", indentLines(w, adLines...)),
		section(st, "Entra ID", indentLines(w, entraLines...)),
		section(st, "Synchronization", indentLines(w, settingsLines(a)...)),
	}
	if len(c.AD.Scope.Include)+len(c.AD.Scope.Exclude) > 0 {
		var scope []string
		for _, dn := range c.AD.Scope.Include {
			scope = append(scope, "include "+dn)
		}
		for _, dn := range c.AD.Scope.Exclude {
			scope = append(scope, "exclude "+dn)
		}
		parts = append(parts, section(st, "Scope", indentLines(w, scope...)))
	}
	if c.Metrics.Listen != "" {
		parts = append(parts, section(st, "Metrics", "Listening on "+c.Metrics.Listen))
	}
	return strings.Join(parts, "\n\n")
}

// portText is ":636", or "" for the default port.
func portText(p int) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf(":%d", p)
}

// indentLines joins lines, each indented and wrapped to width under its
// value.
func indentLines(w int, lines ...string) string {
	for i, l := range lines {
		lines[i] = wrap("  "+l, w)
	}
	return strings.Join(lines, "\n")
}

// customizable are the settings the menu can change, with their pages.
var customizable = []struct {
	name string
	page pageID
}{
	{"Organizational units", pageOUs},
	{"Object types", pageObjectTypes},
	{"Optional attributes", pageAttributes},
	{"Schedule", pageSchedule},
	{"Deletion thresholds", pageThresholds},
}

// customize walks only the pages of the settings chosen, shows the plan
// the change causes, and saves the configuration after a confirmation.
func (m *menu) customize(ctx context.Context) (nav, error) {
	answers := AnswersFromConfig(m.cfg)
	c := &settings{kit: m.kit, b: m.b, a: &answers, cfg: func() sync.Config { return answers.ApplyTo(m.cfg) }}
	var chosen []pageID
	pick := func(ctx context.Context) (nav, error) {
		f := m.frame("Customize synchronization options")
		var problem error
		for {
			f.problem = problem
			f.body = func(_ *styles, w int) string {
				return wrap("Choose what to change. The source anchor cannot change after the first sync.", w)
			}
			opts := make([]huh.Option[pageID], len(customizable))
			for i, s := range customizable {
				opts[i] = huh.NewOption(s.name, s.page)
			}
			n, err := m.u.ask(ctx, f, form(multiSelect("Settings to change", opts, &chosen)))
			if n != navNext || len(chosen) > 0 {
				return n, err
			}
			problem = errors.New("nothing chosen: tick the settings to change, or go back")
		}
	}
	steps := []walkStep{{run: pick}}
	for _, s := range customizable {
		page := s.page
		steps = append(steps, walkStep{
			skip: func() bool { return !containsPage(chosen, page) },
			run: func(ctx context.Context) (nav, error) {
				return c.page(ctx, m.frame(page.String()), page)
			},
		})
	}
	steps = append(steps, walkStep{run: func(ctx context.Context) (nav, error) {
		return m.confirmChange(ctx, "Customize synchronization options", answers.ApplyTo(m.cfg))
	}})
	return walk(ctx, steps)
}

// containsPage says whether ps holds p.
func containsPage(ps []pageID, p pageID) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// page shows one customize page.
func (c *settings) page(ctx context.Context, f frame, p pageID) (nav, error) {
	switch p {
	case pageOUs:
		return c.ous(ctx, f)
	case pageObjectTypes:
		return c.objectTypes(ctx, f)
	case pageAttributes:
		return c.attributes(ctx, f)
	case pageSourceAnchor:
		return c.sourceAnchor(ctx, f)
	case pageSoftMatch:
		return c.softMatch(ctx, f)
	case pageSchedule:
		return c.schedule(ctx, f)
	case pageThresholds:
		return c.thresholds(ctx, f)
	default:
		return c.staging(ctx, f)
	}
}

// walkStep is one page of a menu task; skip, when set and true, passes
// it by in the direction of travel.
type walkStep struct {
	skip func() bool
	run  func(context.Context) (nav, error)
}

// walk runs steps in order with Back between them: Back from the first
// returns navBack, Next from the last navNext.
func walk(ctx context.Context, steps []walkStep) (nav, error) {
	i, dir := 0, navNext
	for i >= 0 && i < len(steps) {
		if steps[i].skip == nil || !steps[i].skip() {
			n, err := steps[i].run(ctx)
			if err != nil || n == navCancel {
				return navCancel, err
			}
			dir = n
		}
		if dir == navBack {
			i--
		} else {
			i++
		}
	}
	if i < 0 {
		return navBack, nil
	}
	return navNext, nil
}

// confirmChange shows the plan that cfg would cause and saves cfg after a
// confirmation.
func (m *menu) confirmChange(ctx context.Context, title string, cfg sync.Config) (nav, error) {
	f := m.frame(title)
	var p Plan
	res, err := m.check(ctx, f, "Planning the change", func(ctx context.Context, _ *status) error {
		var err error
		p, err = m.b.PlanChange(ctx, cfg)
		return err
	})
	switch {
	case res == checkQuit:
		return navCancel, err
	case res == checkAgain && err == nil:
		return navBack, nil
	case res == checkAgain:
		f.problem = err
		f.body = func(_ *styles, w int) string {
			return wrap("The plan is not available, so the change is not saved.", w)
		}
		return m.done(ctx, f, "Back")
	}
	f.body = func(st *styles, w int) string {
		s := planBody(p)(st, w)
		if len(p.Changes) > 0 {
			s = wrap("The next sync will make these changes:", w) + "\n" + s + "\n\n" +
				strings.Join(renderTable(st, planColumns, planRows(p), w), "\n")
		}
		return s
	}
	save := false
	n, err := m.u.ask(ctx, f, form(huh.NewConfirm().Title("Save the new settings?").
		Affirmative("Save").Negative("Cancel").Value(&save)))
	if n != navNext || !save {
		return n, err
	}
	res, err = m.check(ctx, f, "Saving the configuration", func(ctx context.Context, _ *status) error {
		return m.b.SaveConfig(ctx, cfg)
	})
	switch {
	case res == checkQuit:
		return navCancel, err
	case res == checkAgain && err == nil:
		return navBack, nil
	case res == checkAgain:
		f.problem, f.body = err, nil
		return m.done(ctx, f, "Back to the menu")
	}
	m.cfg = cfg
	return navNext, nil
}

// staging turns staging mode on or off, showing what turning it off
// would export.
func (m *menu) staging(ctx context.Context) (nav, error) {
	f := m.frame("Staging mode")
	on := m.cfg.Sync.StagingMode
	f.body = func(_ *styles, w int) string {
		state := "off: runs write to Entra."
		if on {
			state = "on: runs import and plan, and write nothing to Entra."
		}
		return wrap("Staging mode is "+state, w)
	}
	title, yes := "Turn staging mode on?", "Turn on"
	if on {
		title, yes = "Turn staging mode off? The next run writes the pending changes to Entra.", "Turn off"
	}
	change := false
	n, err := m.u.ask(ctx, f, form(huh.NewConfirm().Title(title).Affirmative(yes).Negative("Cancel").Value(&change)))
	if n != navNext || !change {
		return n, err
	}
	cfg := m.cfg
	cfg.Sync.StagingMode = !on
	return m.confirmChange(ctx, "Staging mode", cfg)
}

// adminSetup is a setup value for the menu tasks that need an
// administrator: the UPN suffix actions and Uninstall reuse setup's
// Connect pages.
func (m *menu) adminSetup() *setup {
	s := newSetup(m.kit, m.b, AnswersFromConfig(m.cfg))
	s.a.AD = ADConnection{Host: m.cfg.AD.Host, Port: m.cfg.AD.Port, Transport: or(m.cfg.AD.Transport, TransportLDAPS), CAFile: m.cfg.AD.CAFile}
	s.tenant = Tenant{ID: m.cfg.Entra.TenantID, InitialDomain: m.cfg.Entra.InitialDomain}
	s.a.Admin = m.admin
	s.inMenu = true
	return s
}

// suffixes connects to AD as an Enterprise Admin, then shows the UPN
// suffix page with its two AD actions.
func (m *menu) suffixes(ctx context.Context) (nav, error) {
	s := m.adminSetup()
	return walk(ctx, []walkStep{
		{run: func(ctx context.Context) (nav, error) { return s.ad(ctx, m.frame("UPN suffixes: connect to AD DS")) }},
		{run: func(ctx context.Context) (nav, error) { return s.suffixes(ctx, m.frame("UPN suffixes")) }},
	})
}

// rotate replaces the connector password and the application's
// certificate. Like Uninstall, it needs both administrators (the
// connector may not reset its own password, nor the application change
// its own certificates), so after a confirmation it walks the Connect
// pages, then runs the rotation with one line per action.
func (m *menu) rotate(ctx context.Context) (nav, error) {
	f := m.frame("Rotate credentials")
	s := m.adminSetup()
	steps := []walkStep{
		{run: func(ctx context.Context) (nav, error) {
			f.body = func(_ *styles, w int) string {
				return paragraphs(w,
					"Replaces the AD connector account's password and the Entra application's certificate, "+
						"then removes the old certificate. Syncing goes on with the new ones.",
					"It needs a Global Administrator of the tenant and an Enterprise Admin of the forest: "+
						"the connector account may not reset its own password, nor the application change its own certificates.")
			}
			sure := false
			n, err := m.u.ask(ctx, f, form(huh.NewConfirm().Title("Rotate both credentials now?").
				Affirmative("Rotate").Negative("Cancel").Value(&sure)))
			if n == navNext && !sure {
				return navBack, err
			}
			return n, err
		}},
		{run: func(ctx context.Context) (nav, error) {
			return s.entra(ctx, m.frame("Rotate credentials: connect to Entra ID"))
		}},
		{run: func(ctx context.Context) (nav, error) {
			return s.ad(ctx, m.frame("Rotate credentials: connect to AD DS"))
		}},
	}
	n, err := walk(ctx, steps)
	if n != navNext || err != nil {
		return n, err
	}
	f.body = nil
	n, _, err = m.actions(ctx, f, "Rotating credentials", m.b.RotateCredentials)
	return n, err
}

// actions runs a task that reports actions, then shows how it went. It
// returns the task's error apart from the page's.
func (m *menu) actions(ctx context.Context, f frame, label string, fn func(context.Context, func(ActionEvent)) error) (n nav, taskErr, err error) {
	var lines []actionLine
	n, taskErr = m.u.run(ctx, f, task{
		label:   label,
		stopAsk: "Stop now? The actions done so far stay done.",
		fn: func(ctx context.Context, st *status) error {
			err := fn(ctx, st.event)
			lines = st.snap().actions
			return err
		},
	})
	if ctx.Err() != nil {
		return navCancel, taskErr, ctx.Err()
	}
	if n == navCancel && taskErr == nil {
		taskErr = errors.New("stopped by the administrator")
	}
	f.problem = taskErr
	f.body = func(st *styles, w int) string {
		if len(lines) == 0 {
			return ""
		}
		return renderActions(st, lines, w, "›")
	}
	n, err = m.done(ctx, f, "Back to the menu")
	return n, taskErr, err
}

// historyColumns and errorColumns are the run history's tables.
var (
	historyColumns = []column{
		{title: "Started", width: 16},
		{title: "Kind", width: 7},
		{title: "Status", width: 10},
		{title: "Changes", width: 7, right: true},
		{title: "Errors", width: 6, right: true},
	}
	errorColumns = []column{
		{title: "Object", width: 16},
		{title: "Change", width: 6},
		{title: "Code", width: 8},
		{title: "Message", width: 16},
	}
)

// history lists the runs; choosing one lists its per-object errors.
func (m *menu) history(ctx context.Context) (nav, error) {
	f := m.frame("Run history and errors")
	var runs []RunSummary
	res, err := m.check(ctx, f, "Reading the run history", func(ctx context.Context, _ *status) error {
		var err error
		runs, err = m.b.History(ctx, historyLimit)
		return err
	})
	switch {
	case res == checkQuit:
		return navCancel, err
	case res == checkAgain && err == nil:
		return navBack, nil
	case res == checkAgain:
		f.problem = err
		return m.done(ctx, f, "Back to the menu")
	}
	rows := make([][]string, len(runs))
	for i, r := range runs {
		rows[i] = []string{r.Started.Local().Format("2006-01-02 15:04"), r.Kind.String(), or(r.Status, "finished"),
			count(r.Created + r.Updated + r.Deleted), count(r.Errors)}
	}
	f.body = func(_ *styles, w int) string {
		return wrap(fmt.Sprintf("The last %s, newest first. Open one to see its errors.", plural(len(runs), "run", "runs")), w)
	}
	for {
		row, n, err := m.u.browse(ctx, f, table{columns: historyColumns, rows: rows, selectable: true, empty: "No run yet."})
		if n != navNext || err != nil {
			return n, err
		}
		if n, err := m.runErrors(ctx, runs[row]); n == navCancel || err != nil {
			return n, err
		}
	}
}

// historyLimit is how many runs the history shows.
const historyLimit = 50

// runErrors lists one run's per-object errors.
func (m *menu) runErrors(ctx context.Context, r RunSummary) (nav, error) {
	f := m.frame("Errors of the " + r.Kind.String() + " sync of " + r.Started.Local().Format("2006-01-02 15:04"))
	var errs []ObjectError
	res, err := m.check(ctx, f, "Reading the run's errors", func(ctx context.Context, _ *status) error {
		var err error
		errs, err = m.b.RunErrors(ctx, r.ID)
		return err
	})
	switch {
	case res == checkQuit:
		return navCancel, err
	case res == checkAgain && err == nil:
		return navBack, nil
	case res == checkAgain:
		f.problem = err
		return m.done(ctx, f, "Back")
	}
	rows := make([][]string, len(errs))
	for i, e := range errs {
		rows[i] = []string{e.Object, string(e.Op), e.Code, e.Message}
	}
	f.body = func(st *styles, w int) string {
		return renderRunSummary(r)
	}
	_, n, err := m.u.browse(ctx, f, table{columns: errorColumns, rows: rows, empty: "This run had no per-object errors."})
	return n, err
}

// uninstall removes what setup created, after a confirmation and the
// administrators' sign-ins. leave is set once it has run.
func (m *menu) uninstall(ctx context.Context) (leave bool, err error) {
	f := m.frame("Uninstall")
	s := m.adminSetup()
	steps := []walkStep{
		{run: func(ctx context.Context) (nav, error) {
			f.body = func(st *styles, w int) string {
				return paragraphs(w,
					"Uninstall removes what setup created: the Entra application with its service principal and "+
						"certificate, the AD connector account, the configuration, the secrets and the state on this machine.",
					"Synced users and groups stay in Entra as cloud objects; nothing is deleted from AD but the connector account.",
					"It needs a Global Administrator of the tenant and an Enterprise Admin of the forest.")
			}
			sure := false
			n, err := m.u.ask(ctx, f, form(huh.NewConfirm().Title("Uninstall entrasync?").
				Affirmative("Uninstall").Negative("Cancel").Value(&sure)))
			if n == navNext && !sure {
				return navBack, err
			}
			return n, err
		}},
		{run: func(ctx context.Context) (nav, error) { return s.entra(ctx, m.frame("Uninstall: connect to Entra ID")) }},
		{run: func(ctx context.Context) (nav, error) { return s.ad(ctx, m.frame("Uninstall: connect to AD DS")) }},
	}
	n, err := walk(ctx, steps)
	if n != navNext || err != nil {
		return n == navCancel, err
	}
	n, taskErr, err := m.actions(ctx, m.frame("Uninstall"), "Uninstalling", m.b.Uninstall)
	// Once uninstalled there is no configuration left for the menu.
	return n == navCancel || taskErr == nil, err
}

// done shows a page that ends a task, with one button and no Back or
// Cancel: every way out leads back.
func (m *menu) done(ctx context.Context, f frame, label string) (nav, error) {
	f.noBack, f.noCancel = true, true
	return m.u.ask(ctx, f, m.button(label))
}
