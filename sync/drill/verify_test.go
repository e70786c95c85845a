package drill

import (
	"fmt"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// tenantCheck compares what the tenant holds with what the directory
// says it should: each AD user and group exactly once (users by
// onPremisesImmutableId, groups by the anchor the Entra target keeps in
// mailNickname), no two users with one UPN, nothing else carrying an
// anchor, UPNs and display names as in AD, and each group's members.
type tenantCheck struct {
	Users, Groups, Memberships int // found right
	Duplicates                 []string
	DuplicateUPNs              []string
	Missing                    []string
	Extra                      []string
	Wrong                      []string // an attribute or a member list differs
}

// ok reports whether the tenant is what the directory says.
func (c tenantCheck) ok() bool {
	return len(c.Duplicates)+len(c.DuplicateUPNs)+len(c.Missing)+len(c.Extra)+len(c.Wrong) == 0
}

// String sums the check up in one line.
func (c tenantCheck) String() string {
	s := fmt.Sprintf("%s users, %s groups, %s memberships right; %d duplicates, %d duplicate UPNs, %d missing, %d extra, %d wrong",
		thousands(c.Users), thousands(c.Groups), thousands(c.Memberships), len(c.Duplicates), len(c.DuplicateUPNs), len(c.Missing), len(c.Extra), len(c.Wrong))
	for _, l := range [][]string{c.Duplicates, c.DuplicateUPNs, c.Missing, c.Extra, c.Wrong} {
		if len(l) > 0 {
			s += "\n  " + strings.Join(l[:min(len(l), 10)], "\n  ")
		}
	}
	return s
}

// single returns the one object found for the AD object dn of kind, or
// records it as missing or duplicated.
func (c *tenantCheck) single(kind, dn string, found []entratest.Object) (entratest.Object, bool) {
	switch len(found) {
	case 0:
		c.Missing = append(c.Missing, kind+" "+dn)
	case 1:
		return found[0], true
	default:
		c.Duplicates = append(c.Duplicates, fmt.Sprintf("%s %s: %d copies", kind, dn, len(found)))
	}
	return entratest.Object{}, false
}

// checkTenant compares the emulator's users and groups with exp. Users in
// baseline (the tenant's own, before any sync) are not entrasync's.
func checkTenant(srv *entratest.Server, exp *expected, baseline map[string]bool) tenantCheck {
	var c tenantCheck
	users, groups := srv.Users(), srv.Groups()
	byAnchor := map[string][]entratest.Object{}
	upns := map[string]int{}
	for _, u := range users {
		upns[strings.ToLower(u.String("userPrincipalName"))]++
		if baseline[u.ID] {
			continue
		}
		if a := u.String("onPremisesImmutableId"); a != "" {
			byAnchor[a] = append(byAnchor[a], u)
		}
	}
	for upn, n := range upns {
		if n > 1 {
			c.DuplicateUPNs = append(c.DuplicateUPNs, fmt.Sprintf("UPN %s held by %d users", upn, n))
		}
	}
	groupsByNick := map[string][]entratest.Object{}
	for _, g := range groups {
		if a := sync.AnchorFromGroupNickname(g.String("mailNickname")); a != "" {
			groupsByNick[a] = append(groupsByNick[a], g)
		}
	}
	idToAnchor := map[string]string{}
	for a, us := range byAnchor {
		for _, u := range us {
			idToAnchor[u.ID] = a
		}
	}
	for a, gs := range groupsByNick {
		for _, g := range gs {
			idToAnchor[g.ID] = a
		}
	}
	want := map[string]bool{}
	for _, u := range exp.Users {
		want[u.Anchor] = true
		got, ok := c.single("user", u.DN, byAnchor[u.Anchor])
		if !ok {
			continue
		}
		switch {
		case u.UPN != "" && !strings.EqualFold(got.String("userPrincipalName"), u.UPN):
			c.Wrong = append(c.Wrong, fmt.Sprintf("user %s: UPN %q, want %q", u.DN, got.String("userPrincipalName"), u.UPN))
		case u.DisplayName != "" && got.String("displayName") != u.DisplayName:
			c.Wrong = append(c.Wrong, fmt.Sprintf("user %s: displayName %q, want %q", u.DN, got.String("displayName"), u.DisplayName))
		default:
			c.Users++
		}
	}
	for _, g := range exp.Groups {
		want[g.Anchor] = true
		got, ok := c.single("group", g.DN, groupsByNick[g.Anchor])
		if !ok {
			continue
		}
		var wantMembers, gotMembers []string
		for _, m := range g.Members {
			if o := exp.ByDN[strings.ToLower(m)]; o != nil {
				wantMembers = append(wantMembers, o.Anchor)
			}
		}
		for _, id := range got.Members {
			a, ok := idToAnchor[id]
			if !ok {
				a = "entra:" + id
			}
			gotMembers = append(gotMembers, a)
		}
		slices.Sort(wantMembers)
		slices.Sort(gotMembers)
		if !slices.Equal(wantMembers, gotMembers) {
			c.Wrong = append(c.Wrong, fmt.Sprintf("group %s: %d members, want %d", g.DN, len(gotMembers), len(wantMembers)))
			continue
		}
		c.Groups++
		c.Memberships += len(wantMembers)
	}
	for a, us := range byAnchor {
		if !want[a] {
			c.Extra = append(c.Extra, fmt.Sprintf("user %s (anchor %s) is in no AD object of the scope", us[0].String("userPrincipalName"), a))
		}
	}
	for a, gs := range groupsByNick {
		if !want[a] {
			c.Extra = append(c.Extra, fmt.Sprintf("group %s (anchor %s) is in no AD object of the scope", gs[0].String("displayName"), a))
		}
	}
	slices.Sort(c.Duplicates)
	slices.Sort(c.DuplicateUPNs)
	slices.Sort(c.Missing)
	slices.Sort(c.Extra)
	slices.Sort(c.Wrong)
	return c
}
