package wizard

import (
	"context"
	"fmt"
	"strings"

	"charm.land/huh/v2"
)

// suffixColumns are the UPN suffix table's columns.
var suffixColumns = []column{
	{title: "UPN suffix", width: 12},
	{title: "Users", width: 5, right: true},
	{title: "Entra state", width: 12},
	{title: "A user will be called in Entra", width: 20},
}

// suffixBody draws the UPN suffix table and what it means.
func suffixBody(r SuffixReport, initialDomain string) func(*styles, int) string {
	return func(st *styles, w int) string {
		rows := make([][]string, 0, len(r.Suffixes))
		for _, s := range r.Suffixes {
			state := s.State.String()
			switch s.State {
			case Verified:
				state = st.ok.Render(state)
			default:
				state = st.warn.Render(state)
			}
			example := s.ExampleEntra
			if example == "" {
				example = st.dim.Render("(no users)")
			}
			rows = append(rows, []string{s.Name, count(s.Users), state, example})
		}
		table := strings.Join(renderTable(st, suffixColumns, rows, w), "\n")
		return paragraphs(w,
			"Users keep their UPN in Entra only when its suffix is a verified domain of the tenant. "+
				"The others are called mailNickname@"+initialDomain+" until their suffix is verified.",
		) + "\n\n" + table
	}
}

// unmatchedProblem says which users would be renamed and what to do.
func unmatchedProblem(un []Suffix, initialDomain string) error {
	names, users := make([]string, len(un)), 0
	for i, s := range un {
		names[i] = s.Name
		users += s.Users
	}
	return WithFix(
		fmt.Errorf("%s on %s would get a UPN on %s", plural(users, "user", "users"), strings.Join(names, ", "), initialDomain),
		"verify the domain in Entra, add a verified suffix to AD and move the users, or tick "+
			"\"Continue without matching all UPN suffixes to verified domains\"")
}

// suffixes shows the forest's UPN suffixes and their Entra state, and
// offers the two AD actions that match them to verified domains. They
// write to AD, each after its own confirmation.
func (s *setup) suffixes(ctx context.Context, f frame) (nav, error) {
	var problem error
	for {
		if s.report == nil {
			var r SuffixReport
			res, err := s.check(ctx, f, "Reading UPN suffixes", func(ctx context.Context, _ *status) error {
				var err error
				r, err = s.b.Suffixes(ctx)
				return err
			})
			switch res {
			case checkQuit:
				return navCancel, err
			case checkAgain:
				if err == nil { // stopped to go back
					return navBack, nil
				}
				failed := f
				failed.problem = err
				if n, err := s.u.ask(ctx, failed, s.button("Retry")); n != navNext {
					return n, err
				}
				continue
			}
			s.report = &r
		}
		r := *s.report
		un := unmatchedSuffixes(r)
		f.problem = problem
		f.body = suffixBody(r, s.tenant.InitialDomain)
		action := suffixContinue
		opts := make([]huh.Option[suffixAction], 0, 4)
		for _, a := range suffixChoices(r) {
			label := a.String()
			if a == suffixContinue && s.inMenu {
				label = "Done"
			}
			opts = append(opts, huh.NewOption(label, a))
		}
		groups := []*huh.Group{huh.NewGroup(huh.NewSelect[suffixAction]().Title("Next step").Options(opts...).Value(&action))}
		allow := s.a.AllowUnverifiedSuffixes
		if len(un) > 0 && !s.inMenu {
			groups = append(groups, huh.NewGroup(
				s.checkbox("Press Enter to continue", "Continue without matching all UPN suffixes to verified domains", &allow),
			).WithHideFunc(func() bool { return action != suffixContinue }))
		}
		n, err := s.u.ask(ctx, f, huh.NewForm(groups...))
		if n != navNext {
			return n, err
		}
		problem = nil
		switch action {
		case suffixContinue:
			if len(un) > 0 && !s.inMenu {
				s.a.AllowUnverifiedSuffixes = allow
				if !allow {
					problem = unmatchedProblem(un, s.tenant.InitialDomain)
					continue
				}
			}
			return navNext, nil
		case suffixRefresh:
			s.report = nil
		case suffixAdd:
			problem, err = s.addSuffix(ctx, f, r)
		case suffixMove:
			problem, err = s.moveUsers(ctx, f, r)
		}
		if err != nil {
			return navCancel, err
		}
	}
}

// addSuffix adds a verified domain to the forest's UPN suffixes, after a
// confirmation. It returns the problem to show, or err when the
// administrator quit.
func (s *setup) addSuffix(ctx context.Context, f frame, r SuffixReport) (problem, err error) {
	cands := addCandidates(r)
	pick := cands[0]
	f.body = func(_ *styles, w int) string {
		return paragraphs(w, "Adding a verified domain as a UPN suffix of the forest lets you move users onto it "+
			"(the \"Active Directory Domains and Trusts\" step). It writes to CN=Partitions in AD now.")
	}
	opts := make([]huh.Option[string], len(cands))
	for i, c := range cands {
		opts[i] = huh.NewOption(c, c)
	}
	n, err := s.u.ask(ctx, f, form(huh.NewSelect[string]().Title("Verified domain to add").Options(opts...).Value(&pick)))
	if n != navNext {
		return nil, quitErr(n, err)
	}
	ok := false
	n, err = s.u.ask(ctx, f, form(huh.NewConfirm().Title("Add "+pick+" to the forest's UPN suffixes now?").
		Description("This writes to Active Directory.").Affirmative("Add").Negative("Cancel").Value(&ok)))
	if n != navNext || !ok {
		return nil, quitErr(n, err)
	}
	res, err := s.check(ctx, f, "Adding "+pick+" to AD", func(ctx context.Context, _ *status) error {
		return s.b.AddSuffix(ctx, pick)
	})
	switch res {
	case checkQuit:
		return nil, orAborted(err)
	case checkAgain:
		return err, nil
	}
	s.result.ADChanges = append(s.result.ADChanges, "added the UPN suffix "+pick+" to the forest")
	s.report = nil
	return nil, nil
}

// moveColumns are the UPN move preview's columns.
var moveColumns = []column{
	{title: "User", width: 10},
	{title: "UPN now", width: 16},
	{title: "New UPN", width: 16},
}

// moveUsers moves the users of an unverified suffix to a verified one,
// after showing every change and a confirmation.
func (s *setup) moveUsers(ctx context.Context, f frame, r SuffixReport) (problem, err error) {
	var from []huh.Option[string]
	for _, u := range unmatchedSuffixes(r) {
		from = append(from, huh.NewOption(fmt.Sprintf("%s (%s)", u.Name, plural(u.Users, "user", "users")), u.Name))
	}
	var to []huh.Option[string]
	for _, t := range moveTargets(r) {
		to = append(to, huh.NewOption(t, t))
	}
	src, dst := from[0].Value, to[0].Value
	f.body = func(_ *styles, w int) string {
		return paragraphs(w, "Choose the users' current suffix and the verified suffix to move them to. "+
			"The next page lists every change before anything is written.")
	}
	n, err := s.u.ask(ctx, f, form(
		huh.NewSelect[string]().Title("Move the users of").Options(from...).Value(&src),
		huh.NewSelect[string]().Title("to").Options(to...).Value(&dst),
	))
	if n != navNext {
		return nil, quitErr(n, err)
	}
	var changes []UPNChange
	res, err := s.check(ctx, f, "Listing the users of "+src, func(ctx context.Context, _ *status) error {
		var err error
		changes, err = s.b.PlanUPNMove(ctx, src, dst)
		return err
	})
	switch res {
	case checkQuit:
		return nil, orAborted(err)
	case checkAgain:
		return err, nil
	}
	if len(changes) == 0 {
		return fmt.Errorf("no user has the UPN suffix %s any more", src), nil
	}
	apply, conflicts := splitConflicts(changes)
	f.body = moveBody(apply, conflicts)
	if len(apply) == 0 {
		// Nothing can move: show why, then go back to the suffixes.
		n, err := s.u.ask(ctx, f, s.button("Back"))
		if n == navCancel {
			return nil, orAborted(err)
		}
		return WithFix(fmt.Errorf("no user of %s can move to %s: every new UPN is taken", src, dst),
			"rename the objects that hold those UPNs, or move the users to another suffix"), err
	}
	ok := false
	n, err = s.u.ask(ctx, f, form(huh.NewConfirm().Title(fmt.Sprintf("Change %s in AD now?", plural(len(apply), "UPN", "UPNs"))).
		Description("This writes to Active Directory.").Affirmative("Change").Negative("Cancel").Value(&ok)))
	if n != navNext || !ok {
		return nil, quitErr(n, err)
	}
	applied := 0
	res, err = s.check(ctx, f, fmt.Sprintf("Changing %s", plural(len(apply), "UPN", "UPNs")), func(ctx context.Context, _ *status) error {
		var err error
		applied, err = s.b.ApplyUPNMove(ctx, apply)
		return err
	})
	if applied > 0 {
		done := fmt.Sprintf("moved %s from %s to %s", plural(applied, "user", "users"), src, dst)
		if len(conflicts) > 0 {
			done += fmt.Sprintf(" (%s left on %s: the new UPN is taken)", plural(len(conflicts), "user", "users"), src)
		}
		s.result.ADChanges = append(s.result.ADChanges, done)
		s.report = nil
	}
	switch res {
	case checkQuit:
		return nil, orAborted(err)
	case checkAgain:
		if err != nil {
			return fmt.Errorf("%d of %d UPNs changed, then: %w", applied, len(apply), err), nil
		}
	}
	return nil, nil
}

// splitConflicts separates the changes that can be made from those with a
// conflict.
func splitConflicts(changes []UPNChange) (apply, conflicts []UPNChange) {
	for _, c := range changes {
		if c.Conflict != "" {
			conflicts = append(conflicts, c)
		} else {
			apply = append(apply, c)
		}
	}
	return apply, conflicts
}

// moveBody is the move preview: the changes to make, in a table, and
// those that cannot be made, each with why.
func moveBody(apply, conflicts []UPNChange) func(*styles, int) string {
	return func(st *styles, w int) string {
		var parts []string
		if len(apply) > 0 {
			rows := make([][]string, len(apply))
			for i, c := range apply {
				rows[i] = []string{c.User, c.From, c.To}
			}
			head := fmt.Sprintf("These %d UPNs will change in AD:", len(apply))
			if len(apply) == 1 {
				head = "This UPN will change in AD:"
			}
			parts = append(parts, wrap(head, w)+"\n\n"+
				strings.Join(renderTable(st, moveColumns, rows, w), "\n"))
		}
		if len(conflicts) > 0 {
			items := make([]string, len(conflicts))
			for i, c := range conflicts {
				items[i] = fmt.Sprintf("%s (%s → %s): %s", or(c.User, c.DN), c.From, c.To, c.Conflict)
			}
			head := fmt.Sprintf("These %d UPNs cannot change, and stay as they are:", len(conflicts))
			if len(conflicts) == 1 {
				head = "This UPN cannot change, and stays as it is:"
			}
			parts = append(parts, st.warn.Render(wrap(head, w)+"\n"+bullets(w, items...)))
		}
		return strings.Join(parts, "\n\n")
	}
}

// quitErr turns a sub-page's way out into the error that ends the page:
// nil for Back (return to the page), ErrAborted for a cancel.
func quitErr(n nav, err error) error {
	if n == navCancel {
		return orAborted(err)
	}
	return err
}

// orAborted is err, or ErrAborted when err is nil.
func orAborted(err error) error {
	if err == nil {
		return ErrAborted
	}
	return err
}
