package wizard

import (
	"context"
	"fmt"
	"strings"

	"github.com/entrasync/entrasync/sync"
)

// settingsLines describes the sync settings, one per line.
func settingsLines(a Answers) []string {
	scope := "every domain and OU"
	if len(a.Scope.Include) > 0 || len(a.Scope.Exclude) > 0 {
		scope = fmt.Sprintf("%s, %s excluded", plural(max(len(a.Scope.Include), 1), "domain or OU", "domains or OUs"), plural(len(a.Scope.Exclude), "OU", "OUs"))
		if len(a.Scope.Include) == 0 {
			scope = fmt.Sprintf("every domain, %s excluded", plural(len(a.Scope.Exclude), "OU", "OUs"))
		}
	}
	all := len(sync.AllOptionalAttributes())
	attrs := fmt.Sprintf("%d of %d optional attributes", len(a.OptionalAttributes), all)
	if len(a.OptionalAttributes) == all {
		attrs = "every optional attribute"
	}
	staging := "off"
	if a.StagingMode {
		staging = "on: plans are made, nothing is written to Entra"
	}
	pct := "no percentage limit"
	if a.DeletionThresholdPercent > 0 {
		pct = fmt.Sprintf("%d %%", a.DeletionThresholdPercent)
	}
	adopt := "never (conflicts are reported)"
	if len(a.SoftMatch) > 0 {
		adopt = "on " + strings.Join(a.SoftMatch, " or ")
	}
	return []string{
		"Scope:          " + scope,
		"Adopt existing: " + adopt,
		"Objects:        " + strings.Join(a.ObjectTypes, ", ") + "; " + attrs,
		"Source anchor:  " + a.SourceAnchor,
		"Schedule:       delta every " + interval(a.Interval) + ", full every " + interval(a.FullInterval),
		fmt.Sprintf("Deletions:      at most %d objects or %s per run; %d member removals", a.DeletionThreshold, pct, a.MemberRemovalThreshold),
		"Staging mode:   " + staging,
	}
}

// readyBody is the Ready to configure page's summary of every change.
func (s *setup) readyBody(st *styles, w int) string {
	var b strings.Builder
	b.WriteString(st.bold.Render("Install will") + "\n")
	for i, a := range s.plan {
		line := fmt.Sprintf("%d. %s", i+1, a.Title)
		b.WriteString("  " + wrap(line, w-2) + "\n")
		if a.Detail != "" {
			b.WriteString(st.dim.Render("     "+wrap(a.Detail, w-5)) + "\n")
		}
	}
	b.WriteString(fmt.Sprintf("  %d. Run the initial synchronization, when ticked below\n", len(s.plan)+1))
	b.WriteString("\n" + st.bold.Render("Entra ID") + "\n")
	b.WriteString(fmt.Sprintf("  %s (%s), as %s\n", s.tenant.Name, s.tenant.InitialDomain, s.tenant.Account))
	b.WriteString(st.bold.Render("Active Directory") + "\n")
	b.WriteString(fmt.Sprintf("  %s via %s (%s), as %s\n", s.forest.RootDomain, or(s.forest.DC, s.a.AD.Host), s.a.AD.Transport, s.a.Admin.User))
	b.WriteString(st.bold.Render("Settings") + "\n")
	for _, l := range settingsLines(*s.a) {
		b.WriteString("  " + l + "\n")
	}
	if s.report != nil {
		for _, u := range unmatchedSuffixes(*s.report) {
			b.WriteString("\n" + st.warn.Render(wrap(fmt.Sprintf("! %s on %s will get a UPN on %s: %s is not a verified domain.",
				plural(u.Users, "user", "users"), u.Name, s.tenant.InitialDomain, u.Name), w)))
		}
	}
	for _, c := range s.result.ADChanges {
		b.WriteString("\n" + st.dim.Render(wrap("Already done in AD: "+c+".", w)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// ready sums up every change Install makes and asks whether to start
// syncing when it completes.
func (s *setup) ready(ctx context.Context, f frame) (nav, error) {
	for {
		var plan []Action
		res, err := s.check(ctx, f, "Preparing the plan", func(ctx context.Context, _ *status) error {
			var err error
			plan, err = s.b.SetupPlan(ctx, s.config())
			return err
		})
		switch {
		case res == checkQuit:
			return navCancel, err
		case res == checkAgain && err == nil:
			return navBack, nil
		case res == checkAgain:
			failed := f
			failed.problem = err
			if n, err := s.u.ask(ctx, failed, s.button("Retry")); n != navNext {
				return n, err
			}
			continue
		}
		s.plan = plan
		f.body = s.readyBody
		f.next = "Install"
		start := s.a.StartSync
		n, err := s.u.ask(ctx, f, form(
			s.checkbox("Press Enter to install", "Start the synchronization process when configuration completes", &start),
		))
		if n == navNext {
			s.a.StartSync = start
		}
		return n, err
	}
}

// initialSyncID is the Configuring page's action for the first sync.
const initialSyncID = "initial-sync"

// configuring runs the setup actions and the initial sync, one line per
// action. Ctrl-C asks, then stops cleanly; what was created is recorded
// by the backend and listed on the Complete page.
func (s *setup) configuring(ctx context.Context, f frame) (nav, error) {
	cfg := s.config()
	n, err := s.u.run(ctx, f, task{
		label:   "Configuring",
		stopAsk: "Stop the configuration? What was created so far is recorded, and `entrasync uninstall` removes it.",
		fn: func(ctx context.Context, st *status) error {
			st.setActions(s.plan)
			if s.a.StartSync {
				st.addAction(Action{ID: initialSyncID, Title: "Run the initial synchronization"})
			}
			created, err := s.b.Configure(ctx, &cfg, st.event)
			s.result.Setup = created
			if err != nil {
				return err
			}
			s.result.Config = cfg
			if !s.a.StartSync {
				return nil
			}
			st.event(ActionEvent{ID: initialSyncID, State: ActionRunning})
			sum, err := s.b.Sync(ctx, SyncInitial, st.setProgress)
			s.result.InitialSync = &sum
			if err != nil {
				st.event(ActionEvent{ID: initialSyncID, State: ActionFailed, Err: err})
				return err
			}
			st.event(ActionEvent{ID: initialSyncID, State: ActionDone, Detail: sum.Status})
			return nil
		},
	})
	if ctx.Err() != nil {
		return navCancel, ctx.Err()
	}
	switch {
	case n == navCancel:
		s.failure = fmt.Errorf("stopped by the administrator: %w", orAborted(err))
	case err != nil:
		s.failure = err
	}
	return navNext, nil
}
