package wizard

import (
	"context"
	"fmt"
	"strings"
)

// complete shows what setup created, the first sync's results, the
// warnings and how syncing continues; or, when the configuration did not
// complete, why and what exists.
func (s *setup) complete(ctx context.Context, f frame) (nav, error) {
	if s.failure != nil {
		f.title = "Setup did not complete"
		f.problem = s.failure
		f.body = s.failedBody
	} else {
		f.body = s.completeBody
	}
	return s.u.ask(ctx, f, s.button("Finish"))
}

// section renders a bold heading and its lines.
func section(st *styles, title string, lines ...string) string {
	return st.bold.Render(title) + "\n" + strings.Join(lines, "\n")
}

// createdLines lists what setup created.
func createdLines(w int, rs []Resource) string {
	items := make([]string, len(rs))
	for i, r := range rs {
		items[i] = r.Kind + ": " + r.Name
		if r.Detail != "" {
			items[i] += " (" + r.Detail + ")"
		}
	}
	return bullets(w, items...)
}

// completeBody is the Complete page after a successful configuration.
func (s *setup) completeBody(st *styles, w int) string {
	set, a := s.result.Setup, *s.a
	parts := []string{wrap(st.ok.Render(markDone)+" entrasync is configured for "+s.tenant.InitialDomain+".", w)}
	if len(set.Created) > 0 {
		parts = append(parts, section(st, "Created", createdLines(w, set.Created)))
	}
	if sum := s.result.InitialSync; sum != nil {
		parts = append(parts, section(st, "Initial synchronization", renderRunSummary(*sum)))
	}
	if warns := s.warnings(); len(warns) > 0 {
		parts = append(parts, section(st, "Warnings", st.warn.Render(bullets(w, warns...))))
	}
	parts = append(parts, section(st, "Synchronization from now on", bullets(w, continuation(set, a)...)))
	return strings.Join(parts, "\n\n")
}

// warnings are the setup's and the initial sync's warnings. Each fact
// is said once: when the initial sync ran, its own warnings say which
// users got a UPN on the initial domain (counted by the engine); when it
// did not, the UPN suffix page's report says which will.
func (s *setup) warnings() []string {
	out := append([]string(nil), s.result.Setup.Warnings...)
	examples := map[string]string{}
	if s.report != nil {
		for _, u := range s.report.Suffixes {
			examples[strings.ToLower(u.Name)] = u.ExampleEntra
		}
	}
	if sum := s.result.InitialSync; sum != nil {
		return append(out, warningLines(sum.Warnings, s.tenant.InitialDomain, examples)...)
	}
	if s.report != nil {
		for _, u := range unmatchedSuffixes(*s.report) {
			f := upnFallback{suffix: u.Name, users: u.Users, example: u.ExampleEntra}
			out = append(out, f.text(s.tenant.InitialDomain, false))
		}
	}
	return out
}

// upnFallback is a UPN suffix whose users get a UPN on the tenant's
// initial domain, because the suffix is not a verified domain.
type upnFallback struct {
	suffix  string
	users   int
	objects []string // some of the users, as AD names them
	example string   // what one of them is called in Entra
}

// text says what happened (done) or will happen to the users, why, and
// what to do about it.
func (f upnFallback) text(initialDomain string, done bool) string {
	who := plural(f.users, "user", "users") + " on " + f.suffix
	if len(f.objects) > 0 {
		who += " (" + someOf(f.objects, f.users) + ")"
	}
	what := " will get a UPN on " + initialDomain
	if done {
		what = " got a UPN on " + initialDomain
	}
	if f.example != "" {
		what += ", e.g. " + f.example + ","
	}
	return who + what + " because " + f.suffix + " is not a verified domain in Entra. " +
		"Verify it there, or move the users to a verified suffix; the next sync renames them."
}

// someOf names a few of objects, and how many more there are of total.
func someOf(objects []string, total int) string {
	shown := objects[:min(3, len(objects))]
	s := strings.Join(shown, ", ")
	if more := max(total, len(objects)) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// warningLines renders run warnings with a few of their objects; a UPN
// fallback in the wizard's words, with its example in Entra from
// examples (by lower-case suffix) when known.
func warningLines(ws []Warning, initialDomain string, examples map[string]string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		if w.UPNSuffix != "" {
			f := upnFallback{suffix: w.UPNSuffix, users: max(w.Count, len(w.Objects)), objects: w.Objects,
				example: examples[strings.ToLower(w.UPNSuffix)]}
			out[i] = f.text(initialDomain, true)
			continue
		}
		out[i] = w.Message
		if len(w.Objects) > 0 {
			out[i] += ": " + someOf(w.Objects, len(w.Objects))
		}
	}
	return out
}

// continuation says how syncing continues after setup.
func continuation(set Setup, a Answers) []string {
	var out []string
	switch {
	case !a.StartSync:
		out = append(out, "Synchronization is not started. Run `entrasync` and choose Sync now, or set "+
			"schedulerEnabled: true in the configuration and start `entrasync run`.")
	case set.Service != "":
		out = append(out, fmt.Sprintf("The systemd unit %s runs the engine: a delta sync every %s, a full one every %s. "+
			"Follow it with `journalctl -u %s`.", set.Service, interval(a.Interval), interval(a.FullInterval), set.Service))
	default:
		out = append(out, fmt.Sprintf("Start the engine with `entrasync run` (under systemd or another service manager): "+
			"a delta sync every %s, a full one every %s.", interval(a.Interval), interval(a.FullInterval)))
	}
	if a.StagingMode {
		out = append(out, "Staging mode is on: runs plan, nothing is written to Entra until you turn it off in the task menu.")
	}
	if set.ConfigPath != "" {
		out = append(out, "The configuration is in "+set.ConfigPath+".")
	}
	return append(out, "Run `entrasync` again for the task menu: sync now, preview, history, settings.")
}

// failedBody is the Complete page when the configuration did not complete.
func (s *setup) failedBody(st *styles, w int) string {
	set := s.result.Setup
	var parts []string
	if len(set.Created) == 0 {
		parts = append(parts, wrap("Nothing was created.", w))
	} else {
		parts = append(parts, section(st, "Created so far (recorded for uninstall)", createdLines(w, set.Created)))
	}
	if sum := s.result.InitialSync; sum != nil {
		parts = append(parts, section(st, "Initial synchronization", renderRunSummary(*sum)))
	}
	parts = append(parts, wrap("Run `entrasync setup` again to finish, or `entrasync uninstall` to remove what was created.", w))
	return strings.Join(parts, "\n\n")
}

// renderRunSummary sums up a run in a few lines.
func renderRunSummary(sum RunSummary) string {
	lines := []string{
		fmt.Sprintf("%s, %s sync, %s", or(sum.Status, "finished"), sum.Kind, duration(sum.Duration)),
		fmt.Sprintf("Imported %s · created %s · updated %s · deleted %s · errors %s",
			count(sum.Imported), count(sum.Created), count(sum.Updated), count(sum.Deleted), count(sum.Errors)),
	}
	return strings.Join(lines, "\n")
}
