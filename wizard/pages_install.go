package wizard

import (
	"context"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
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
// Long lines wrap under their own text: numbered actions under their
// titles, details under themselves, settings under their values.
func (s *setup) readyBody(st *styles, w int) string {
	var b strings.Builder
	line := func(style *lipgloss.Style, text string) {
		text = wrap(text, w)
		if style != nil {
			text = style.Render(text)
		}
		b.WriteString(text + "\n")
	}
	line(&st.bold, "Install will")
	for i, a := range s.plan {
		line(nil, fmt.Sprintf("  %d. %s", i+1, a.Title))
		if a.Detail != "" {
			line(&st.dim, "     "+a.Detail)
		}
	}
	line(nil, fmt.Sprintf("  %d. Run the initial synchronization, when ticked below", len(s.plan)+1))
	b.WriteString("\n")
	line(&st.bold, "Entra ID")
	line(nil, fmt.Sprintf("  %s (%s), as %s", s.tenant.Name, s.tenant.InitialDomain, s.tenant.Account))
	line(&st.bold, "Active Directory")
	line(nil, fmt.Sprintf("  %s via %s (%s), as %s", s.forest.RootDomain, or(s.forest.DC, s.a.AD.Host), s.a.AD.Transport, s.a.Admin.User))
	line(&st.bold, "Settings")
	for _, l := range settingsLines(*s.a) {
		line(nil, "  "+l)
	}
	if s.report != nil {
		for _, u := range unmatchedSuffixes(*s.report) {
			b.WriteString("\n")
			line(&st.warn, fmt.Sprintf("! %s on %s will get a UPN on %s: %s is not a verified domain.",
				plural(u.Users, "user", "users"), u.Name, s.tenant.InitialDomain, u.Name))
		}
	}
	for _, c := range s.result.ADChanges {
		b.WriteString("\n")
		line(&st.dim, "Already done in AD: "+c+".")
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
