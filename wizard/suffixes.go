package wizard

import (
	"slices"
	"strings"
)

// unmatchedSuffixes returns the suffixes whose users would not keep their
// UPN in Entra: they have users and are not a verified domain there.
func unmatchedSuffixes(r SuffixReport) []Suffix {
	var out []Suffix
	for _, s := range r.Suffixes {
		if s.Users > 0 && s.State != Verified {
			out = append(out, s)
		}
	}
	return out
}

// addCandidates returns the tenant's verified custom domains that are not
// yet UPN suffixes of the forest: adding one to AD is the first step of
// moving users onto it. The .onmicrosoft.com domains are left out: users
// on an unverified suffix get one of those anyway.
func addCandidates(r SuffixReport) []string {
	var out []string
	for _, d := range r.VerifiedDomains {
		if strings.HasSuffix(strings.ToLower(d), ".onmicrosoft.com") {
			continue
		}
		if slices.ContainsFunc(r.Suffixes, func(s Suffix) bool { return strings.EqualFold(s.Name, d) }) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// moveTargets returns the forest's suffixes that are verified in Entra,
// where users may be moved.
func moveTargets(r SuffixReport) []string {
	var out []string
	for _, s := range r.Suffixes {
		if s.State == Verified {
			out = append(out, s.Name)
		}
	}
	return out
}

// suffixActions are the choices of the UPN suffix page.
type suffixAction int

// The actions of the UPN suffix page.
const (
	suffixContinue suffixAction = iota
	suffixAdd
	suffixMove
	suffixRefresh
)

// suffixChoices lists the actions the page offers for r: adding a suffix
// only when a verified domain is missing from the forest, moving users
// only when some are on an unverified suffix and a verified one exists.
func suffixChoices(r SuffixReport) []suffixAction {
	acts := []suffixAction{suffixContinue}
	if len(addCandidates(r)) > 0 {
		acts = append(acts, suffixAdd)
	}
	if len(unmatchedSuffixes(r)) > 0 && len(moveTargets(r)) > 0 {
		acts = append(acts, suffixMove)
	}
	return append(acts, suffixRefresh)
}

// String labels the action.
func (a suffixAction) String() string {
	switch a {
	case suffixAdd:
		return "Add a UPN suffix to AD"
	case suffixMove:
		return "Move users to a verified suffix"
	case suffixRefresh:
		return "Refresh"
	default:
		return "Continue"
	}
}
