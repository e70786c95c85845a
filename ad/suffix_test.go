package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

var suffixSeq atomic.Int64

// freshSuffix returns a suffix no other test uses.
func freshSuffix(what string) string {
	return fmt.Sprintf("%s-%d.example", what, suffixSeq.Add(1))
}

func TestUPNSuffixes(t *testing.T) {
	dc, c := admin(t)
	ou := dc.NewOU(t, "suffix count")
	unlisted := freshSuffix("unlisted")
	dc.Add(t, "CN=Ursula,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"ursula"}, "userPrincipalName": {"ursula@" + strings.ToUpper(unlisted)}})

	rep, err := c.UPNSuffixes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]UPNSuffix{}
	var order []string
	for _, s := range rep.Suffixes {
		got[s.Name] = s
		order = append(order, s.Name)
	}
	tests := []struct {
		name   string
		source SuffixSource
		users  int
	}{
		{adtest.DNSDomain, SuffixDomain, -1}, // other tests add users here: at least the fixtures
		{adtest.AltSuffix, SuffixAlternative, 4},
		{adtest.LocalSuffix, SuffixAlternative, 1},
		{unlisted, SuffixUnlisted, 1},
	}
	for _, tt := range tests {
		s, ok := got[tt.name]
		switch {
		case !ok:
			t.Errorf("suffix %s missing from %q", tt.name, order)
		case s.Source != tt.source:
			t.Errorf("%s: source %v, want %v", tt.name, s.Source, tt.source)
		case tt.users >= 0 && s.Users != tt.users:
			t.Errorf("%s: %d users, want %d", tt.name, s.Users, tt.users)
		case tt.users < 0 && s.Users < adtest.LargeGroupSize+4:
			t.Errorf("%s: %d users, want at least %d", tt.name, s.Users, adtest.LargeGroupSize+4)
		}
	}
	if order[0] != adtest.DNSDomain {
		t.Errorf("first suffix %q, want the forest's domain first (%q)", order[0], order)
	}
	if rep.WithoutUPN < 1 || rep.Users < adtest.LargeGroupSize+10 {
		t.Errorf("Users %d, WithoutUPN %d: want dave (no UPN) and the fixtures counted", rep.Users, rep.WithoutUPN)
	}
}

func TestAddRemoveUPNSuffix(t *testing.T) {
	dc, c := admin(t)
	ctx := context.Background()
	s := freshSuffix("Added")
	if err := c.AddUPNSuffix(ctx, strings.ToUpper(s)+"."); err != nil {
		t.Fatal(err)
	}
	if err := c.AddUPNSuffix(ctx, s); err != nil {
		t.Errorf("adding %s again: %v, want nil (idempotent)", s, err)
	}
	if !containsFold(dc.Attr(t, "CN=Partitions,CN=Configuration,"+dc.BaseDN, "uPNSuffixes"), s) {
		t.Fatalf("uPNSuffixes lacks %s after AddUPNSuffix", s)
	}
	if err := c.AddUPNSuffix(ctx, dc.DNSDomain); err != nil {
		t.Errorf("adding the domain's own name: %v, want nil (already a suffix)", err)
	}

	ou := dc.NewOU(t, "suffix in use")
	dc.Add(t, "CN=Sue,"+ou, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {fmt.Sprintf("sue%d", suffixSeq.Load())}, "userPrincipalName": {"sue@" + s}})
	err := c.RemoveUPNSuffix(ctx, s)
	if !errors.Is(err, ErrConstraint) || !strings.Contains(err.Error(), "1 users still have it") || !strings.Contains(err.Error(), "sue@"+s) {
		t.Errorf("removing a suffix in use: %v, want ErrConstraint naming the user", err)
	}
	dc.Replace(t, "CN=Sue,"+ou, "userPrincipalName", "sue@"+dc.DNSDomain)
	if err := c.RemoveUPNSuffix(ctx, s); err != nil {
		t.Fatal(err)
	}
	if containsFold(dc.Attr(t, "CN=Partitions,CN=Configuration,"+dc.BaseDN, "uPNSuffixes"), s) {
		t.Errorf("uPNSuffixes still has %s", s)
	}
	if err := c.RemoveUPNSuffix(ctx, s); err != nil {
		t.Errorf("removing %s again: %v, want nil", s, err)
	}
	if err := c.RemoveUPNSuffix(ctx, dc.DNSDomain); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("removing the domain's name: %v, want ErrInvalidInput", err)
	}
}

func TestValidateSuffix(t *testing.T) {
	good := map[string]string{"Example.COM": "example.com", "corp.local.": "corp.local", "xn--bcher-kva.example": "xn--bcher-kva.example", "a-b.c1": "a-b.c1"}
	for in, want := range good {
		if got, err := ValidateSuffix(in); err != nil || got != want {
			t.Errorf("ValidateSuffix(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"": "empty", "localhost": "at least two labels", "a..b": "empty label", "-a.com": "hyphen", "a-.com": "hyphen",
		"a_b.com": `'_'`, "bücher.example": "punycode", "10.0.0.1": "all digits", "a b.com": `' '`,
		strings.Repeat("a", 64) + ".com": "63", strings.Repeat("abcdefgh.", 29) + "com": "253",
		"x@y.com": `'@'`, "(a).com": `'('`,
	}
	for in, want := range bad {
		_, err := ValidateSuffix(in)
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateSuffix(%q) = %v, want ErrInvalidInput mentioning %s", in, err, want)
		}
	}
}

func TestNonAdminCannotChangeSuffixes(t *testing.T) {
	dc := adtest.Start(t)
	bob := dial(t, userOptions(dc, "bob@"+dc.DNSDomain))
	err := bob.AddUPNSuffix(context.Background(), freshSuffix("by-bob"))
	if !errors.Is(err, ErrInsufficientRights) {
		t.Fatalf("AddUPNSuffix as bob: %v, want ErrInsufficientRights", err)
	}
	if !strings.Contains(err.Error(), "bob@"+dc.DNSDomain+" lacks the right") || !strings.Contains(err.Error(), "CN=Partitions") {
		t.Errorf("message %q does not name the account and the object", err)
	}
}

func TestSuffixMove(t *testing.T) {
	dc, c := admin(t)
	ctx := context.Background()
	from, to := freshSuffix("from"), freshSuffix("to")
	for _, s := range []string{from, to} {
		if err := c.AddUPNSuffix(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ou := dc.NewOU(t, "suffix move")
	sub := "OU=Skip," + ou
	dc.Add(t, sub, map[string][]string{"objectClass": {"organizationalUnit"}})
	user := func(cn, parent, upn string) string {
		dn := "CN=" + cn + "," + parent
		dc.Add(t, dn, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {cn + suffixTag(from)}, "userPrincipalName": {upn}})
		return dn
	}
	ann := user("ann", ou, "ann@"+from)
	ben := user("ben", ou, "Ben.B@"+strings.ToUpper(from))
	cat := user("cat", ou, "taken@"+from)
	user("taken", ou, "taken@"+to)
	user("skip", sub, "skip@"+from)
	user("other", ou, "other@"+from+".example") // a longer suffix ending the same way

	plan, err := c.PlanSuffixMove(ctx, from, to, Scope{Include: []string{ou}, Exclude: []string{sub}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]SuffixChange{
		ann: {OldUPN: "ann@" + from, NewUPN: "ann@" + to},
		ben: {OldUPN: "Ben.B@" + strings.ToUpper(from), NewUPN: "Ben.B@" + to},
		cat: {OldUPN: "taken@" + from, NewUPN: "taken@" + to, Conflict: "already has the UPN taken@" + to},
	}
	if len(plan.Changes) != len(want) {
		t.Fatalf("plan has %d changes, want %d: %+v", len(plan.Changes), len(want), plan.Changes)
	}
	for _, ch := range plan.Changes {
		w, ok := want[ch.DN]
		if !ok || ch.OldUPN != w.OldUPN || ch.NewUPN != w.NewUPN || (w.Conflict == "") != (ch.Conflict == "") || !strings.Contains(ch.Conflict, w.Conflict) {
			t.Errorf("change %+v, want %+v", ch, w)
		}
	}
	if n := len(plan.Conflicts()); n != 1 {
		t.Errorf("%d conflicts, want 1", n)
	}
	if got := dc.Attr(t, ann, "userPrincipalName"); got[0] != "ann@"+from {
		t.Fatalf("the plan changed ann's UPN to %q", got)
	}

	// ben changes behind the plan's back: his change must fail, not overwrite.
	dc.Replace(t, ben, "userPrincipalName", "ben.manual@"+from)
	res, err := c.ApplySuffixMove(ctx, plan.Changes, false)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 changes failed") || !strings.Contains(err.Error(), "changed since the plan") {
		t.Errorf("ApplySuffixMove error = %v, want one failure for ben", err)
	}
	if len(res.Applied) != 1 || res.Applied[0].DN != ann || len(res.Failed) != 1 || res.Failed[0].Change.DN != ben || len(res.Skipped) != 1 || res.Skipped[0].DN != cat {
		t.Errorf("result = %+v, want ann applied, ben failed, cat skipped", res)
	}
	if got := dc.Attr(t, ann, "userPrincipalName"); got[0] != "ann@"+to {
		t.Errorf("ann's UPN = %q, want ann@%s", got, to)
	}
	if got := dc.Attr(t, ben, "userPrincipalName"); got[0] != "ben.manual@"+from {
		t.Errorf("ben's UPN = %q, want it untouched", got)
	}

	// Stop on the first error: what follows is skipped.
	stale := []SuffixChange{{DN: ann, OldUPN: "ann@" + from, NewUPN: "ann2@" + to}, want[cat], {DN: ben, OldUPN: "ben.manual@" + from, NewUPN: "ben.manual@" + to}}
	stale[1].Conflict = ""
	res, err = c.ApplySuffixMove(ctx, stale, true)
	if err == nil || len(res.Applied) != 0 || len(res.Failed) != 1 || len(res.Skipped) != 2 {
		t.Errorf("stop on error: %v, result %+v; want 1 failed, 2 skipped", err, res)
	}

	if _, err := c.PlanSuffixMove(ctx, from, freshSuffix("unlisted"), Scope{Include: []string{ou}}); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "add it first") {
		t.Errorf("moving to an unlisted suffix: %v, want ErrInvalidInput", err)
	}
	if _, err := c.PlanSuffixMove(ctx, "bad..suffix", to, Scope{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("moving from an invalid suffix: %v", err)
	}
	if _, err := c.PlanSuffixMove(ctx, from, to, Scope{Include: []string{"not a DN"}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("a scope that is not a DN: %v", err)
	}
}

// suffixTag makes sAMAccountNames unique per suffix test (20 characters at most).
func suffixTag(suffix string) string {
	return "-" + strings.TrimSuffix(strings.TrimPrefix(suffix, "from-"), ".example")
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
