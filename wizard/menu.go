package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/entrasync/entrasync/sync"
)

// RunMenu runs the task menu for the saved configuration until the
// administrator leaves it. It returns an error wrapping [ErrNotConfigured]
// when there is no configuration, and ctx's error when ctx ends.
func RunMenu(ctx context.Context, b Backend, opts Options) error {
	o := opts.withDefaults()
	cfg, err := b.SavedConfig(ctx)
	if err != nil {
		return err
	}
	m := newMenu(o.kit(), b, cfg)
	if opts.Answers != nil {
		m.admin = opts.Answers.Admin
	}
	return o.drive(ctx, m.run, false)
}

// menuTask is one entry of the task menu.
type menuTask int

// The task menu's entries, in DESIGN.md's order.
const (
	taskSyncNow menuTask = iota
	taskFullSync
	taskPreview
	taskView
	taskCustomize
	taskStaging
	taskSuffixes
	taskRotate
	taskHistory
	taskUninstall
	taskExit
)

// menuTasks are the entries in order.
var menuTasks = []menuTask{
	taskSyncNow, taskFullSync, taskPreview, taskView, taskCustomize,
	taskStaging, taskSuffixes, taskRotate, taskHistory, taskUninstall, taskExit,
}

// String labels the entry.
func (t menuTask) String() string {
	return [...]string{
		"Sync now (delta)", "Full sync", "Preview pending changes", "View configuration",
		"Customize synchronization options", "Staging mode", "UPN suffixes", "Rotate credentials",
		"Run history and errors", "Uninstall", "Exit",
	}[t]
}

// menu is the task menu's state: the saved configuration and the last run.
type menu struct {
	kit
	b       Backend
	cfg     sync.Config
	lastRun *RunSummary
	choice  menuTask
	// admin fills in the Connect to AD DS page (Options.Answers.Admin).
	admin Credentials
}

// newMenu returns the task menu over b for the saved configuration cfg.
func newMenu(k kit, b Backend, cfg sync.Config) *menu {
	return &menu{kit: k, b: b, cfg: cfg}
}

// frame is the frame of a menu page.
func (m *menu) frame(title string) frame {
	return frame{app: "entrasync", title: title}
}

// run shows the menu until the administrator leaves, or uninstalls.
func (m *menu) run(ctx context.Context, u ui) error {
	m.u = u
	m.readLastRun(ctx)
	for {
		f := m.frame("Task menu")
		f.noBack = true
		f.next = "Open"
		f.body = m.statusBody
		choice := m.choice
		opts := make([]huh.Option[menuTask], len(menuTasks))
		for i, t := range menuTasks {
			opts[i] = huh.NewOption(t.String(), t)
		}
		sel := huh.NewSelect[menuTask]().Title("What do you want to do?").Options(opts...).Value(&choice)
		n, err := m.u.ask(ctx, f, form(sel))
		if err != nil || n != navNext || choice == taskExit {
			return ignoreQuit(err)
		}
		m.choice = choice
		leave, err := m.do(ctx, choice)
		if err != nil || leave {
			return ignoreQuit(err)
		}
	}
}

// ignoreQuit is nil for the administrator's quitting, which ends the
// menu normally, and err otherwise.
func ignoreQuit(err error) error {
	if err == nil || errors.Is(err, ErrAborted) {
		return nil
	}
	return err
}

// do runs one task. leave is set when the menu should end: the
// administrator quit, or uninstalled.
func (m *menu) do(ctx context.Context, t menuTask) (leave bool, err error) {
	var n nav
	switch t {
	case taskSyncNow:
		n, err = m.syncNow(ctx, SyncDelta)
	case taskFullSync:
		n, err = m.syncNow(ctx, SyncFull)
	case taskPreview:
		n, err = m.preview(ctx)
	case taskView:
		n, err = m.view(ctx)
	case taskCustomize:
		n, err = m.customize(ctx)
	case taskStaging:
		n, err = m.staging(ctx)
	case taskSuffixes:
		n, err = m.suffixes(ctx)
	case taskRotate:
		n, err = m.rotate(ctx)
	case taskHistory:
		n, err = m.history(ctx)
	case taskUninstall:
		return m.uninstall(ctx)
	}
	return n == navCancel, err
}

// readLastRun reads the newest run for the status lines; a failure only
// leaves them without it.
func (m *menu) readLastRun(ctx context.Context) {
	runs, err := m.b.History(ctx, 1)
	m.lastRun = nil
	if err == nil && len(runs) > 0 {
		m.lastRun = &runs[0]
	}
}

// statusBody sums up the configuration and the last run.
func (m *menu) statusBody(st *styles, w int) string {
	c := m.cfg
	scheduler := "the scheduler runs a delta sync every " + interval(time.Duration(c.Sync.Interval))
	if !c.Sync.SchedulerEnabled {
		scheduler = "the scheduler is off: manual runs only"
	}
	staging := ""
	if c.Sync.StagingMode {
		staging = "\n" + st.warn.Render("Staging mode is on: runs plan, nothing is written to Entra.")
	}
	last := "no run yet"
	if r := m.lastRun; r != nil {
		last = fmt.Sprintf("%s, %s: %s, %s, %s", r.Started.Local().Format("2006-01-02 15:04"), r.Kind,
			or(r.Status, "finished"), plural(r.Created+r.Updated+r.Deleted, "change", "changes"), plural(r.Errors, "error", "errors"))
	}
	lines := []string{
		"Entra ID:  " + c.Entra.InitialDomain,
		"AD DS:     " + c.AD.Host + " as " + c.AD.BindUser,
		"Schedule:  " + scheduler,
		"Last run:  " + last,
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n") + staging
}
