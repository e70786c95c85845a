package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// SuffixChange is one user's planned UPN change.
type SuffixChange struct {
	DN             string
	SAMAccountName string
	OldUPN         string
	NewUPN         string
	// Conflict, when not empty, says why the change cannot be made (the
	// new UPN is taken); ApplySuffixMove skips it.
	Conflict string
}

// SuffixMovePlan is the dry run of moving users from one UPN suffix to
// another: every change, listed before anything is written.
type SuffixMovePlan struct {
	From, To string
	Changes  []SuffixChange
}

// Conflicts returns the changes that cannot be made.
func (p SuffixMovePlan) Conflicts() []SuffixChange {
	var out []SuffixChange
	for _, c := range p.Changes {
		if c.Conflict != "" {
			out = append(out, c)
		}
	}
	return out
}

// PlanSuffixMove lists, without changing anything, the UPN change of every
// user in scope whose UPN ends in @from: the same prefix @to. to must be a
// suffix of the forest (a domain name or in uPNSuffixes). A change whose
// new UPN another object already has, or that two users would get, is
// marked with a Conflict.
func (c *Client) PlanSuffixMove(ctx context.Context, from, to string, s Scope) (SuffixMovePlan, error) {
	f, t, err := c.checkMove(ctx, from, to)
	if err != nil {
		return SuffixMovePlan{}, err
	}
	sc, err := s.resolve(f)
	if err != nil {
		return SuffixMovePlan{}, err
	}
	users, err := c.usersWithSuffixIn(ctx, sc, f2l(from))
	if err != nil {
		return SuffixMovePlan{}, err
	}
	// Every UPN already in the target suffix, forest-wide (UPNs must be
	// unique in the forest, not only in the scope).
	all, err := Scope{}.resolve(f)
	if err != nil {
		return SuffixMovePlan{}, err
	}
	taken := map[string]string{}
	existing, err := c.usersWithSuffixIn(ctx, all, t)
	if err != nil {
		return SuffixMovePlan{}, err
	}
	for _, u := range existing {
		taken[strings.ToLower(u.userPrincipalName)] = u.dn
	}
	plan := SuffixMovePlan{From: f2l(from), To: t}
	for _, u := range users {
		prefix := u.userPrincipalName[:strings.LastIndexByte(u.userPrincipalName, '@')]
		ch := SuffixChange{DN: u.dn, SAMAccountName: u.sAMAccountName, OldUPN: u.userPrincipalName, NewUPN: prefix + "@" + t}
		key := strings.ToLower(ch.NewUPN)
		if other, ok := taken[key]; ok {
			ch.Conflict = fmt.Sprintf("%s already has the UPN %s", other, ch.NewUPN)
		} else {
			taken[key] = u.dn
		}
		plan.Changes = append(plan.Changes, ch)
	}
	return plan, nil
}

func f2l(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// checkMove validates both suffixes: to must be listed in the forest.
func (c *Client) checkMove(ctx context.Context, from, to string) (Forest, string, error) {
	if _, err := ValidateSuffix(from); err != nil {
		return Forest{}, "", err
	}
	t, err := ValidateSuffix(to)
	if err != nil {
		return Forest{}, "", err
	}
	if t == f2l(from) {
		return Forest{}, "", fmt.Errorf("ad: move UPN suffix: from and to are both %s: %w", t, ErrInvalidInput)
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return Forest{}, "", err
	}
	listed, err := c.listedSuffixes(ctx, f)
	if err != nil {
		return Forest{}, "", err
	}
	for _, s := range listed {
		if s.Name == t {
			return f, t, nil
		}
	}
	return Forest{}, "", fmt.Errorf("ad: move UPN suffix to %s: it is not a UPN suffix of the forest; add it first (AddUPNSuffix): %w", t, ErrInvalidInput)
}

// FailedChange is a change the DC refused.
type FailedChange struct {
	Change SuffixChange
	Err    error
}

// SuffixMoveResult reports what [Client.ApplySuffixMove] did with each change.
type SuffixMoveResult struct {
	Applied []SuffixChange
	Failed  []FailedChange
	Skipped []SuffixChange // conflicts, and what was left after a stop
}

// ApplySuffixMove writes the changes of a plan, one modify per user that
// deletes the old UPN and adds the new one, so a user whose UPN changed
// since the plan is refused rather than overwritten. Conflicts are
// skipped. With stopOnError the first failure ends the run (the rest is
// Skipped); otherwise every change is tried. The error is nil only when
// every change without a conflict was applied.
func (c *Client) ApplySuffixMove(ctx context.Context, changes []SuffixChange, stopOnError bool) (SuffixMoveResult, error) {
	var res SuffixMoveResult
	for i, ch := range changes {
		if ch.Conflict != "" {
			res.Skipped = append(res.Skipped, ch)
			continue
		}
		if _, err := ValidateSuffix(ch.NewUPN[strings.LastIndexByte(ch.NewUPN, '@')+1:]); err != nil || !strings.Contains(ch.NewUPN, "@") {
			res.Failed = append(res.Failed, FailedChange{ch, fmt.Errorf("ad: new UPN %q of %s is malformed: %w", ch.NewUPN, ch.DN, ErrInvalidInput)})
		} else {
			m := ldap.NewModifyRequest(ch.DN, nil)
			m.Delete("userPrincipalName", []string{ch.OldUPN})
			m.Add("userPrincipalName", []string{ch.NewUPN})
			err := c.modify(ctx, "change UPN "+ch.OldUPN+" to "+ch.NewUPN+" of", m)
			var oe *OpError
			if errors.As(err, &oe) && oe.ResultCode == ldap.LDAPResultNoSuchAttribute {
				err = fmt.Errorf("ad: change UPN of %s: its UPN is no longer %s (changed since the plan); plan again: %w", ch.DN, ch.OldUPN, ErrConstraint)
			}
			if err == nil {
				res.Applied = append(res.Applied, ch)
				continue
			}
			res.Failed = append(res.Failed, FailedChange{ch, err})
		}
		if stopOnError || ctx.Err() != nil {
			res.Skipped = append(res.Skipped, changes[i+1:]...)
			break
		}
	}
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("ad: move UPN suffix: %d of %d changes failed, the first: %w",
			len(res.Failed), len(res.Failed)+len(res.Applied), res.Failed[0].Err)
	}
	return res, nil
}
