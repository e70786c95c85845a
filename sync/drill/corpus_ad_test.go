package drill

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// adTimeout bounds one sync of the directory cases.
const adTimeout = 3 * time.Minute

// runADCorpus loads every directory case into one OU beside a few sound
// users and a group, then runs the real `entrasync sync --full` twice.
// Each case must be reported in the run's output and history (a warning
// or a per-object error whose message holds its "want" and whose objects
// name its "named"), each of its objects must be in Entra exactly once
// (or not at all with "entra: absent"), with the "attr" values given; the
// sound objects must all be synced, no UPN twice, nothing deleted, and
// the second run must have nothing left to write.
func runADCorpus(t *testing.T, cases []corpusCase, tally func(corpusCase, bool)) {
	w := newWorld(t)
	sound := seedDirectory(t, w.dc, w.ou, 6, 1, 3, rand.New(rand.NewPCG(5, 5)))
	vars := w.dc.Vars()
	vars["OU"] = w.ou
	vars["INITIAL"] = w.cfg.Entra.InitialDomain
	dnsOf := map[string][]string{}
	loaded := map[string]bool{}
	for _, c := range cases {
		body := expand(t, c, c.Body, vars)
		for _, line := range strings.Split(string(body), "\n") {
			if dn, ok := strings.CutPrefix(line, "dn: "); ok && !slices.Contains(dnsOf[c.Name], strings.TrimSpace(dn)) {
				dnsOf[c.Name] = append(dnsOf[c.Name], strings.TrimSpace(dn))
			}
		}
		// A case the DC refuses tests Samba, not entrasync: it fails its
		// own check below, and the others go on.
		loaded[c.Name] = t.Run("load/"+c.Name, func(t *testing.T) { w.dc.LoadLDIF(t, string(body), nil) })
	}
	exp := readExpected(t, w.dc, w.ou)
	mark := w.mark()
	first, hung := w.execTimeout(adTimeout, "sync", "--full")
	t.Logf("first sync: exit %d\n%s", first.Code, first.Stderr)
	if hung || panicked(first.Stderr) || first.Code > 1 {
		t.Fatalf("the sync of the corpus: exit %d (hung: %v), want 0, or 1 for per-object errors", first.Code, hung)
	}
	summary := w.lastRun()
	if n := w.deletesSince(mark); n > 0 {
		t.Errorf("the sync deleted %d objects, want none", n)
	}
	second := w.mark()
	again, _ := w.execTimeout(adTimeout, "sync", "--full")
	if again.Code != first.Code || panicked(again.Stderr) {
		t.Errorf("the second sync: exit %d, want %d like the first:\n%s", again.Code, first.Code, again.Stderr)
	}
	if wr := w.writesSince(second); first.Code == 0 && len(wr) > 0 {
		t.Errorf("the second sync wrote %d times, want none (first: %s %s)", len(wr), wr[0].Method, wr[0].Path)
	}
	idx := indexTenant(w.srv, w.baseline)
	for _, dup := range idx.dupUPNs {
		t.Errorf("two users hold the UPN %s", dup)
	}
	t.Run("sound objects", func(t *testing.T) {
		for _, dn := range append(slices.Clone(sound.Users), sound.Groups...) {
			o := exp.ByDN[strings.ToLower(dn)]
			if o == nil {
				t.Fatalf("%s is not in the directory", dn)
			}
			if n := len(idx.byAnchor[o.Anchor]); n != 1 {
				t.Errorf("%s: %d copies in Entra, want 1", dn, n)
			}
		}
	})
	report := first.Stderr + first.Stdout
	for _, c := range cases {
		tally(c, t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			skipIfBug(t, c)
			if !loaded[c.Name] {
				t.Fatalf("the DC refused the input (see load/%s): the corpus may only hold data AD can store", c.Name)
			}
			checkADCase(t, c, dnsOf[c.Name], exp, idx, summary, report, vars)
		}))
	}
}

// checkADCase checks one directory case against the run's report and the
// tenant.
func checkADCase(t *testing.T, c corpusCase, dns []string, exp *expected, idx tenantIndex, s sync.RunSummary, report string, vars map[string]string) {
	t.Helper()
	var named []string // any of them
	for _, n := range c.all("named") {
		named = append(named, expandString(t, c, n, vars))
	}
	for _, want := range c.all("want") {
		want = expandString(t, c, want, vars)
		if !strings.Contains(report, want) {
			t.Errorf("the sync's output does not say %q", want)
		}
		if !reported(s, want, named) {
			t.Errorf("the run's history has no warning or error %q naming any of %q: %s", want, named, describeReport(s))
		}
	}
	if a := c.get("anchor", ""); a != "" {
		if n := len(idx.byAnchor[a]); n != 1 {
			t.Errorf("%d objects in Entra with the anchor %s, want 1", n, a)
		}
		return
	}
	absent := c.get("entra", "synced") == "absent"
	for i, dn := range dns {
		o := exp.ByDN[strings.ToLower(dn)]
		if o == nil {
			continue // not a user or group (an OU, a contact)
		}
		found := idx.byAnchor[o.Anchor]
		switch {
		case absent && len(found) > 0:
			t.Errorf("%s is in Entra (%s), want it left out", dn, found[0].ID)
		case !absent && len(found) != 1:
			t.Errorf("%s: %d copies in Entra, want 1", dn, len(found))
		case !absent && i == 0:
			for attr, want := range c.attrs() {
				want = expandString(t, c, want, vars)
				if got := fmt.Sprint(found[0].Properties[attr]); got != want {
					t.Errorf("%s: Entra %s = %q, want %q", dn, attr, got, want)
				}
			}
		}
	}
}

// reported reports whether the run holds a warning or per-object error
// whose message contains want and that names one of named (any object
// when named is empty).
func reported(s sync.RunSummary, want string, named []string) bool {
	is := func(object string) bool {
		return len(named) == 0 || slices.ContainsFunc(named, func(n string) bool { return names(object, n) })
	}
	for _, w := range s.Warnings {
		if strings.Contains(w.Message, want) && (len(named) == 0 || slices.ContainsFunc(w.Objects, is)) {
			return true
		}
	}
	for _, e := range s.Errors {
		if strings.Contains(e.Message, want) && is(e.Object) {
			return true
		}
	}
	return false
}

// names reports whether a warning's object entry ("upn", "upn → new upn"
// or "DN: upn → new upn") names the object named, by its DN or its UPN.
func names(entry, named string) bool {
	first, _, _ := strings.Cut(entry, " → ")
	if dn, upn, ok := strings.Cut(first, ": "); ok && strings.EqualFold(strings.TrimSpace(dn), named) {
		return true
	} else if ok {
		first = upn
	}
	return strings.EqualFold(strings.TrimSpace(first), named)
}

// describeReport lists a run's warnings and errors for a failure message.
func describeReport(s sync.RunSummary) string {
	var b bytes.Buffer
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "\n  warning %s: %q %v", w.Code, w.Message, w.Objects)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(&b, "\n  error %s: %q", e.Object, e.Message)
	}
	for r, n := range s.Excluded {
		fmt.Fprintf(&b, "\n  excluded %d: %q", n, r)
	}
	return b.String()
}

// tenantIndex is the tenant's users and groups by anchor.
type tenantIndex struct {
	byAnchor map[string][]entratest.Object
	dupUPNs  []string
}

// indexTenant indexes the emulator's users (by onPremisesImmutableId)
// and groups (by the anchor in their mailNickname), leaving out the
// tenant's own users.
func indexTenant(srv *entratest.Server, baseline map[string]bool) tenantIndex {
	idx := tenantIndex{byAnchor: map[string][]entratest.Object{}}
	upns := map[string]int{}
	for _, u := range srv.Users() {
		upns[strings.ToLower(u.String("userPrincipalName"))]++
		if a := u.String("onPremisesImmutableId"); a != "" && !baseline[u.ID] {
			idx.byAnchor[a] = append(idx.byAnchor[a], u)
		}
	}
	for upn, n := range upns {
		if n > 1 {
			idx.dupUPNs = append(idx.dupUPNs, upn)
		}
	}
	for _, g := range srv.Groups() {
		if a := sync.AnchorFromGroupNickname(g.String("mailNickname")); a != "" {
			idx.byAnchor[a] = append(idx.byAnchor[a], g)
		}
	}
	return idx
}
