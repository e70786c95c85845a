package drill

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/entrasync/entrasync/ad/adtest"
)

// seeded is what seedDirectory put in an OU.
type seeded struct {
	Users  []string // DNs
	Groups []string // DNs
	// Memberships counts the member values of all groups.
	Memberships int
}

// groupSeq keeps group names unique across seeds.
var groupSeq atomic.Int64

// seedDirectory bulk-loads users and security groups into ou: users with
// ldbadd (adtest.SeedUsers, about 2 ms each), groups in chunks of 500
// whose member counts are drawn uniformly from 0..2*avgMembers, so they
// average avgMembers. Every tenth group also holds the group before it,
// so nested groups are synced too.
func seedDirectory(tb testing.TB, dc *adtest.DC, ou string, users, groups, avgMembers int, rng *rand.Rand) seeded {
	tb.Helper()
	s := seeded{Users: dc.SeedUsers(tb, ou, users)}
	tag := fmt.Sprintf("g%d", groupSeq.Add(1))
	const chunk = 500
	var b strings.Builder
	for g := range groups {
		dn := fmt.Sprintf("CN=Group %s-%05d,%s", tag, g, ou)
		fmt.Fprintf(&b, "dn: %s\nobjectClass: group\nsAMAccountName: %s-%05d\ngroupType: -2147483646\ndescription: seeded\n", dn, tag, g)
		n := 0
		if users > 0 {
			n = rng.IntN(2*avgMembers + 1)
		}
		for _, i := range rng.Perm(users)[:min(n, users)] {
			fmt.Fprintf(&b, "member: %s\n", s.Users[i])
			s.Memberships++
		}
		if g%10 == 9 {
			fmt.Fprintf(&b, "member: %s\n", s.Groups[g-1])
			s.Memberships++
		}
		b.WriteString("\n")
		s.Groups = append(s.Groups, dn)
		if (g+1)%chunk == 0 || g == groups-1 {
			dc.LoadLDIF(tb, b.String(), nil)
			b.Reset()
		}
	}
	return s
}

// adObject is a user or group as the drills expect to find it in Entra.
type adObject struct {
	DN, Anchor, UPN, DisplayName string
	Group                        bool
	Members                      []string // member DNs
}

// expected is the directory under an OU, read back from the DC: what the
// tenant must hold once a sync converged.
type expected struct {
	Users, Groups []adObject
	ByDN          map[string]*adObject // lower-case DN
}

// readExpected reads the users and groups under ou with a paged search as
// Administrator (a connection of its own: seeding may outlast adtest's).
func readExpected(tb testing.TB, dc *adtest.DC, ou string) *expected {
	tb.Helper()
	c, err := ldap.DialURL(dc.LDAPSURL(), ldap.DialWithTLSConfig(dc.TLSConfig()))
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(dc.AdminUPN, dc.AdminPassword); err != nil {
		tb.Fatal(err)
	}
	exp := &expected{ByDN: map[string]*adObject{}}
	req := ldap.NewSearchRequest(ou, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(|(&(objectCategory=person)(objectClass=user))(objectCategory=group))",
		[]string{"objectGUID", "userPrincipalName", "displayName", "objectClass", "member"}, nil)
	res, err := c.SearchWithPaging(req, 500)
	if err != nil {
		tb.Fatalf("read %s back: %v", ou, err)
	}
	for _, e := range res.Entries {
		o := adObject{
			DN: e.DN, Anchor: base64.StdEncoding.EncodeToString(e.GetRawAttributeValue("objectGUID")),
			UPN: e.GetAttributeValue("userPrincipalName"), DisplayName: e.GetAttributeValue("displayName"),
		}
		for _, cl := range e.GetAttributeValues("objectClass") {
			if strings.EqualFold(cl, "group") {
				o.Group = true
			}
		}
		if o.Group {
			o.Members = e.GetAttributeValues("member")
			exp.Groups = append(exp.Groups, o)
		} else {
			exp.Users = append(exp.Users, o)
		}
	}
	for i := range exp.Users {
		exp.ByDN[strings.ToLower(exp.Users[i].DN)] = &exp.Users[i]
	}
	for i := range exp.Groups {
		exp.ByDN[strings.ToLower(exp.Groups[i].DN)] = &exp.Groups[i]
	}
	return exp
}
