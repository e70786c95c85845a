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

// warnings are the setup's and the initial sync's warnings, and why users
// on unverified suffixes got an .onmicrosoft.com UPN.
func (s *setup) warnings() []string {
	out := append([]string(nil), s.result.Setup.Warnings...)
	if s.report != nil {
		for _, u := range unmatchedSuffixes(*s.report) {
			out = append(out, fmt.Sprintf("%s on %s got a UPN on %s (e.g. %s), because %s is not a verified "+
				"domain in Entra. Verify it there, or move the users to a verified suffix; the next sync renames them.",
				plural(u.Users, "user", "users"), u.Name, s.tenant.InitialDomain, or(u.ExampleEntra, "mailNickname@"+s.tenant.InitialDomain), u.Name))
		}
	}
	if sum := s.result.InitialSync; sum != nil {
		out = append(out, warningLines(sum.Warnings)...)
	}
	return out
}

// warningLines renders run warnings with a few of their objects.
func warningLines(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Message
		if len(w.Objects) > 0 {
			shown := w.Objects[:min(3, len(w.Objects))]
			out[i] += ": " + strings.Join(shown, ", ")
			if len(w.Objects) > len(shown) {
				out[i] += fmt.Sprintf(" and %d more", len(w.Objects)-len(shown))
			}
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
