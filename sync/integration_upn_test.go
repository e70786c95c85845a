package sync

import (
	"regexp"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

// TestIntegrationDuplicateUPN checks Entra's duplicate attribute
// resiliency as entrasync applies it: a UPN already held in the tenant, or
// wanted by two AD users, is quarantined as <prefix>_NNNN@<initial domain>
// and reported, found at planning (full run) or from Graph's conflict
// (delta); the cloud user holding it is never touched, and the AD user gets
// its UPN once the conflict is gone.
func TestIntegrationDuplicateUPN(t *testing.T) {
	h := newHarness(t)
	initial := h.srv.InitialDomain
	quarantined := func(prefix string) *regexp.Regexp {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `_\d{4}@` + regexp.QuoteMeta(initial) + `$`)
	}

	// Held by a cloud user before the first sync (found by the full run's listing).
	cloudID := h.cloudUser(h.upn("ivy", adtest.DNSDomain), "Ivy (cloud)")
	ivy := h.addUser("Ivy Irons", "", "ivy", adtest.DNSDomain, nil)
	// Two AD users whose UPNs both fall back to <prefix>jo@<initial domain>.
	jo1 := h.addUser("Jo One", "", "jo", adtest.AltSuffix, nil)
	jo2 := h.addUser("Jo Two", "", "jo2", adtest.LocalSuffix, map[string][]string{"userPrincipalName": {h.upn("jo", adtest.LocalSuffix)}})

	s := h.run(RunFull)
	if got := h.user(h.anchor(ivy)).String("userPrincipalName"); !quarantined(h.prefix + "ivy").MatchString(got) {
		t.Errorf("Ivy's UPN = %q, want %s_NNNN@%s: the UPN is held by a cloud user", got, h.prefix+"ivy", initial)
	}
	if c, _ := h.srv.Object(cloudID); c.String("userPrincipalName") != h.upn("ivy", adtest.DNSDomain) || c.String("onPremisesImmutableId") != "" || c.String("displayName") != "Ivy (cloud)" {
		t.Errorf("the cloud user holding the UPN was changed: %v", c.Properties)
	}
	u1, u2 := h.user(h.anchor(jo1)).String("userPrincipalName"), h.user(h.anchor(jo2)).String("userPrincipalName")
	plain := h.prefix + "jo@" + initial
	if !(u1 == plain && quarantined(h.prefix+"jo").MatchString(u2) || u2 == plain && quarantined(h.prefix+"jo").MatchString(u1)) {
		t.Errorf("Jo One and Jo Two have UPNs %q and %q, want one %s and the other %s_NNNN@%s", u1, u2, plain, h.prefix+"jo", initial)
	}
	if w, ok := warning(s, WarnUPNDuplicate); !ok || w.Count != 2 {
		t.Errorf("warnings %+v: want %s for 2 objects", s.Warnings, WarnUPNDuplicate)
	} else if names := strings.Join(w.Objects, "\n"); !strings.Contains(names, ivy) || !strings.Contains(names, jo1) && !strings.Contains(names, jo2) {
		t.Errorf("%s names %q, want the AD objects (%s and Jo One or Jo Two)", WarnUPNDuplicate, w.Objects, ivy)
	}

	// Taken in the cloud after the first sync: a delta learns it from
	// Graph's conflict on create and retries under the quarantine name.
	h.cloudUser(h.upn("kim", adtest.DNSDomain), "Kim (cloud)")
	kim := h.addUser("Kim King", "", "kim", adtest.DNSDomain, nil)
	s = h.run(RunDelta)
	if got := h.user(h.anchor(kim)).String("userPrincipalName"); !quarantined(h.prefix + "kim").MatchString(got) {
		t.Errorf("Kim's UPN = %q, want %s_NNNN@%s after Graph's conflict", got, h.prefix+"kim", initial)
	}
	if _, ok := warning(s, WarnUPNDuplicate); !ok {
		t.Errorf("delta warnings %+v: want %s", s.Warnings, WarnUPNDuplicate)
	}

	// The conflict is resolved in the cloud: the next full run gives Ivy
	// her UPN.
	if status, body := h.srv.Do("DELETE", "/users/"+cloudID, nil); status != 204 {
		t.Fatalf("delete the cloud user: %d %v", status, body)
	}
	h.run(RunFull)
	if got := h.user(h.anchor(ivy)).String("userPrincipalName"); got != h.upn("ivy", adtest.DNSDomain) {
		t.Errorf("after the cloud user left, Ivy's UPN = %q, want %q", got, h.upn("ivy", adtest.DNSDomain))
	}
}
