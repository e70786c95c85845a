package wizard

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/entrasync/entrasync/sync"
)

// settings are the customize pages, shared by setup and the task menu's
// "Customize synchronization options". They edit *a.
type settings struct {
	kit
	b    Backend
	a    *Answers
	tree *ouTree
	// cfg is the configuration the answers give, for the soft-match
	// preview.
	cfg func() sync.Config
}

// ous is the OU tree picker.
func (c *settings) ous(ctx context.Context, f frame) (nav, error) {
	var problem error
	for {
		if c.tree == nil {
			var ous []OU
			res, err := c.check(ctx, f, "Reading the forest's OUs", func(ctx context.Context, _ *status) error {
				var err error
				ous, err = c.b.OUTree(ctx)
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
				if n, err := c.u.ask(ctx, failed, c.button("Retry")); n != navNext {
					return n, err
				}
				continue
			}
			c.tree = newOUTree(ous)
		}
		selected := c.tree.selection(c.a.Scope)
		opts := make([]huh.Option[string], len(c.tree.ous))
		for i, ou := range c.tree.ous {
			opts[i] = huh.NewOption(c.tree.label(i), ou.DN)
		}
		f.problem = problem
		f.body = func(_ *styles, w int) string {
			return wrap("Objects in a ticked domain or OU are synchronized. Untick an OU to leave it, "+
				"and what is below it, out.", w)
		}
		ms := multiSelect("Domains and OUs to sync", opts, &selected)
		n, err := c.u.ask(ctx, f, form(ms))
		if n != navNext {
			return n, err
		}
		scope, err := c.tree.scope(selected)
		if err != nil {
			problem = err
			continue
		}
		c.a.Scope = scope
		return navNext, nil
	}
}

// objectTypes picks users, groups or both.
func (c *settings) objectTypes(ctx context.Context, f frame) (nav, error) {
	types := slices.Clone(c.a.ObjectTypes)
	var problem error
	for {
		f.problem = problem
		f.body = func(_ *styles, w int) string {
			return wrap("Security groups are synced with their members; contacts and mail-enabled "+
				"distribution groups cannot be created through Graph and are reported.", w)
		}
		ms := multiSelect("Object types to sync", []huh.Option[string]{
			huh.NewOption("Users", ObjectUsers),
			huh.NewOption("Security groups", ObjectGroups),
		}, &types)
		n, err := c.u.ask(ctx, f, form(ms))
		if n != navNext {
			return n, err
		}
		a := *c.a
		a.ObjectTypes = types
		if problem = a.configProblems("ad.objectTypes"); problem != nil {
			continue
		}
		*c.a = a
		return navNext, nil
	}
}

// attributes picks the optional attributes.
func (c *settings) attributes(ctx context.Context, f frame) (nav, error) {
	attrs := slices.Clone(c.a.OptionalAttributes)
	f.body = func(_ *styles, w int) string {
		return wrap("The display name, mailNickname, the UPN, accountEnabled and group membership are always "+
			"synced. Untick the attributes Entra should not receive.", w)
	}
	all := sync.AllOptionalAttributes()
	opts := make([]huh.Option[string], len(all))
	for i, a := range all {
		opts[i] = huh.NewOption(a, a)
	}
	ms := multiSelect("Optional attributes", opts, &attrs)
	n, err := c.u.ask(ctx, f, form(ms))
	if n == navNext {
		c.a.OptionalAttributes = attrs
	}
	return n, err
}

// sourceAnchor picks the attribute that ties an AD object to its Entra
// object for good.
func (c *settings) sourceAnchor(ctx context.Context, f frame) (nav, error) {
	anchor := c.a.SourceAnchor
	f.body = func(_ *styles, w int) string {
		return paragraphs(w,
			"The source anchor ties each AD object to its Entra object (onPremisesImmutableId) for good: "+
				"it cannot change after the first sync.",
			bullets(w,
				"ms-DS-ConsistencyGuid: its value when set, else objectGUID. Set it to keep the same "+
					"Entra object when a user moves to another forest (Entra Connect's choice).",
				"objectGUID: always objectGUID. A user recreated or migrated in AD becomes a new Entra user.",
			),
		)
	}
	sel := huh.NewSelect[string]().Title("Source anchor").Options(
		huh.NewOption("ms-DS-ConsistencyGuid (recommended)", AnchorConsistencyGUID),
		huh.NewOption("objectGUID", AnchorObjectGUID),
	).Value(&anchor)
	n, err := c.u.ask(ctx, f, form(sel))
	if n == navNext {
		c.a.SourceAnchor = anchor
	}
	return n, err
}

// softMatchColumns are the soft-match preview's columns.
var softMatchColumns = []column{
	{title: "Kind", width: 5},
	{title: "AD object", width: 14},
	{title: "Existing Entra object", width: 14},
	{title: "Matched on", width: 10},
	{title: "Note", width: 6},
}

// softMatch asks whether existing cloud users may be adopted (soft
// match on UPN or mail) and previews which ones the first sync would
// adopt instead of creating new ones.
func (c *settings) softMatch(ctx context.Context, f frame) (nav, error) {
	for {
		by := slices.Clone(c.a.SoftMatch)
		f.problem = nil
		f.body = func(_ *styles, w int) string {
			return paragraphs(w,
				"A cloud user that entrasync did not create may already exist for an AD user, e.g. when "+
					"mailboxes were moved to Exchange Online first. entrasync can adopt it (a soft match) "+
					"and overwrite its values with AD's, or leave it alone and report the conflict.",
				"Cloud users holding an admin role are never adopted.")
		}
		n, err := c.u.ask(ctx, f, form(multiSelect("Adopt existing cloud users that match on", []huh.Option[string]{
			huh.NewOption("userPrincipalName", SoftMatchUPN),
			huh.NewOption("mail (primary SMTP address)", SoftMatchMail),
		}, &by)))
		if n != navNext {
			return n, err
		}
		c.a.SoftMatch = by
		if len(by) == 0 {
			return navNext, nil
		}
		n, err = c.softMatchPreview(ctx, f)
		if n != navBack {
			return n, err
		}
	}
}

// softMatchPreview lists the cloud objects the first sync would adopt.
func (c *settings) softMatchPreview(ctx context.Context, f frame) (nav, error) {
	var matches []SoftMatch
	res, err := c.check(ctx, f, "Looking for matching cloud users", func(ctx context.Context, _ *status) error {
		var err error
		matches, err = c.b.SoftMatches(ctx, c.cfg())
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
			return wrap("The preview is not available; the first sync matches the same way.", w)
		}
		return c.u.ask(ctx, f, c.button("Continue"))
	}
	rows := make([][]string, len(matches))
	for i, m := range matches {
		rows[i] = []string{m.Kind, m.AD, m.Entra, m.MatchOn, or(m.Blocked, m.LastSeen)}
	}
	f.body = func(st *styles, w int) string {
		if len(matches) == 0 {
			return wrap("No existing cloud user matches an AD user: the first sync creates every user.", w)
		}
		return wrap(fmt.Sprintf("The first sync adopts %s instead of creating new ones, and overwrites "+
			"their values with AD's. A match with a note is refused and reported.",
			plural(len(matches), "existing cloud object", "existing cloud objects")), w) +
			"\n\n" + strings.Join(renderTable(st, softMatchColumns, rows, w), "\n")
	}
	return c.u.ask(ctx, f, c.button("Continue"))
}

// schedule sets how often the engine runs.
func (c *settings) schedule(ctx context.Context, f frame) (nav, error) {
	delta, full := interval(c.a.Interval), interval(c.a.FullInterval)
	var problem error
	for {
		f.problem = problem
		f.body = func(_ *styles, w int) string {
			return wrap("A delta sync reads only what changed in AD since the last run. A full sync "+
				"compares everything, also with what Entra holds, and repairs drift.", w)
		}
		n, err := c.u.ask(ctx, f, form(
			c.input("Delta sync every (e.g. 5m, at least 30s)", &delta, validateDuration(sync.MinInterval)),
			c.input("Full sync at least every (e.g. 24h)", &full, validateDuration(sync.MinInterval)),
		))
		if n != navNext {
			return n, err
		}
		a := *c.a
		a.Interval, _ = time.ParseDuration(strings.TrimSpace(delta))
		a.FullInterval, _ = time.ParseDuration(strings.TrimSpace(full))
		if err := a.configProblems("sync."); err != nil {
			problem = err
			continue
		}
		*c.a = a
		return navNext, nil
	}
}

// thresholds sets the guards against mass deletion.
func (c *settings) thresholds(ctx context.Context, f frame) (nav, error) {
	del := strconv.Itoa(c.a.DeletionThreshold)
	pct := strconv.Itoa(c.a.DeletionThresholdPercent)
	mem := strconv.Itoa(c.a.MemberRemovalThreshold)
	var problem error
	for {
		f.problem = problem
		f.body = func(_ *styles, w int) string {
			return wrap("A run that would delete more objects, or remove more group members, than these "+
				"limits stops before writing anything and reports it, as Entra Connect does.", w)
		}
		n, err := c.u.ask(ctx, f, form(
			c.input("Most objects one run may delete (0: none)", &del, validateCount(0, 10_000_000)),
			c.input("Most objects one run may delete, in % (0: no limit)", &pct, validateCount(0, 100)),
			c.input("Most group members one run may remove (0: none)", &mem, validateCount(0, 10_000_000)),
		))
		if n != navNext {
			return n, err
		}
		a := *c.a
		a.DeletionThreshold, _ = strconv.Atoi(strings.TrimSpace(del))
		a.DeletionThresholdPercent, _ = strconv.Atoi(strings.TrimSpace(pct))
		a.MemberRemovalThreshold, _ = strconv.Atoi(strings.TrimSpace(mem))
		if err := a.configProblems("sync."); err != nil {
			problem = err
			continue
		}
		*c.a = a
		return navNext, nil
	}
}

// staging turns staging mode on or off.
func (c *settings) staging(ctx context.Context, f frame) (nav, error) {
	on := c.a.StagingMode
	f.body = func(_ *styles, w int) string {
		return wrap("In staging mode entrasync imports from AD and plans every change, but writes "+
			"nothing to Entra. Review the plan in the task menu, then turn staging mode off.", w)
	}
	n, err := c.u.ask(ctx, f, form(huh.NewConfirm().Title("Enable staging mode?").
		Affirmative("Yes, only plan").Negative("No, write to Entra").Value(&on)))
	if n == navNext {
		c.a.StagingMode = on
	}
	return n, err
}
