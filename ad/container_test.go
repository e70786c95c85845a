package ad

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/go-ldap/ldap/v3"
)

// containerTree builds, under an OU of the test's own, OUs and containers
// of every kind Containers must tell apart, and returns the OU's DN.
func containerTree(t *testing.T, dc *adtest.DC) string {
	t.Helper()
	ou := dc.NewOU(t, "containers")
	for _, e := range []struct {
		dn    string
		attrs map[string][]string
	}{
		{"OU=Empty," + ou, map[string][]string{"objectClass": {"organizationalUnit"}, "description": {"nobody here"}}},
		{"OU=Sales," + ou, map[string][]string{"objectClass": {"organizationalUnit"}}},
		{"OU=EMEA,OU=Sales," + ou, map[string][]string{"objectClass": {"organizationalUnit"}}},
		{`OU=R\2C D,` + ou, map[string][]string{"objectClass": {"organizationalUnit"}}},
		// AD hides a new container (the class's defaultHidingValue) unless
		// told otherwise, as CN=Users is.
		{"CN=Stuff," + ou, map[string][]string{"objectClass": {"container"}, "showInAdvancedViewOnly": {"FALSE"}}},
		{"CN=Hidden," + ou, map[string][]string{"objectClass": {"container"}, "showInAdvancedViewOnly": {"TRUE"}}},
		// Below a hidden container, as CN=System's children are.
		{"CN=Inside,CN=Hidden," + ou, map[string][]string{"objectClass": {"container"}, "showInAdvancedViewOnly": {"FALSE"}}},
		{"OU=Excluded," + ou, map[string][]string{"objectClass": {"organizationalUnit"}}},
		{"OU=Below,OU=Excluded," + ou, map[string][]string{"objectClass": {"organizationalUnit"}}},
	} {
		dc.Add(t, e.dn, e.attrs)
	}
	return ou
}

// listContainers returns what Containers lists for opts, by name.
func listContainers(t *testing.T, c *Client, opts ContainersOptions) map[string]Container {
	t.Helper()
	got := map[string]Container{}
	err := c.Containers(context.Background(), opts, func(ct Container) error {
		if _, dup := got[ct.Name]; dup && ct.Name != "" {
			t.Errorf("%s listed twice", ct.DN)
		}
		got[ct.Name] = ct
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestContainers(t *testing.T) {
	dc, c := admin(t)
	ou := containerTree(t, dc)
	ouName := strings.TrimPrefix(strings.SplitN(ou, ",", 2)[0], "OU=")
	tests := []struct {
		name string
		opts ContainersOptions
		want []string
	}{
		{"OU and what it holds", ContainersOptions{Scope: Scope{Include: []string{ou}}},
			[]string{ouName, "Empty", "Sales", "EMEA", "R, D", "Stuff", "Excluded", "Below"}},
		{"an excluded subtree", ContainersOptions{Scope: Scope{Include: []string{ou}, Exclude: []string{"OU=Excluded," + ou}}},
			[]string{ouName, "Empty", "Sales", "EMEA", "R, D", "Stuff"}},
		{"advanced-view containers too", ContainersOptions{Scope: Scope{Include: []string{ou}}, Hidden: true},
			[]string{ouName, "Empty", "Sales", "EMEA", "R, D", "Stuff", "Hidden", "Inside", "Excluded", "Below"}},
		{"one OU down", ContainersOptions{Scope: Scope{Include: []string{"OU=Sales," + ou}}},
			[]string{"Sales", "EMEA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listContainers(t, c, tt.opts)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			slices.Sort(names)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("got %q, want %q", names, want)
			}
		})
	}
	got := listContainers(t, c, ContainersOptions{Scope: Scope{Include: []string{ou}}})
	checks := []struct {
		name, dn, description string
		ou                    bool
	}{
		{"Empty", "OU=Empty," + ou, "nobody here", true},
		{"EMEA", "OU=EMEA,OU=Sales," + ou, "", true},
		{"R, D", `OU=R\2C D,` + ou, "", true},
		{"Stuff", "CN=Stuff," + ou, "", false},
	}
	for _, ck := range checks {
		ct := got[ck.name]
		if !dnEqual(ct.DN, ck.dn) || ct.OU != ck.ou || ct.Description != ck.description {
			t.Errorf("%s: got %+v, want DN %s, OU %v, description %q", ck.name, ct, ck.dn, ck.ou, ck.description)
		}
	}
}

// TestContainersOfTheDomain lists a whole domain: its default containers
// (CN=Users) and OUs (OU=Domain Controllers), not the advanced-view ones
// (CN=System).
func TestContainersOfTheDomain(t *testing.T) {
	dc, c := admin(t)
	got := map[string]Container{}
	err := c.Containers(context.Background(), ContainersOptions{}, func(ct Container) error {
		got[strings.ToLower(ct.DN)] = ct
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dn := range []string{"CN=Users," + dc.BaseDN, "OU=Domain Controllers," + dc.BaseDN, strings.ToLower(adtest.PeopleOU)} {
		if _, ok := got[strings.ToLower(dn)]; !ok {
			t.Errorf("%s not listed", dn)
		}
	}
	if ct := got[strings.ToLower("CN=Users,"+dc.BaseDN)]; ct.OU || ct.Name != "Users" {
		t.Errorf("CN=Users: got %+v, want a container named Users", ct)
	}
	for dn := range got {
		if strings.HasSuffix(dn, strings.ToLower("CN=System,"+dc.BaseDN)) {
			t.Errorf("%s listed: CN=System and what it holds are shown in the advanced view only", dn)
		}
	}
}

// TestContainersPages checks the paging against Samba, which would answer
// unpaged: every request carries the paging control, and no page is
// larger than asked.
func TestContainersPages(t *testing.T) {
	dc, c := admin(t)
	ou := containerTree(t, dc)
	var controls []*ldap.ControlPaging
	c.trace = func(r *ldap.SearchRequest) {
		if p, ok := ldap.FindControl(r.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
			controls = append(controls, p)
		} else if r.Scope == ldap.ScopeWholeSubtree {
			t.Errorf("subtree search of %s without the paging control", r.BaseDN)
		}
	}
	var perPage []int
	err := c.Containers(context.Background(), ContainersOptions{Scope: Scope{Include: []string{ou}}, PageSize: 2}, func(Container) error {
		for len(perPage) < len(controls) {
			perPage = append(perPage, 0)
		}
		perPage[len(perPage)-1]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(controls) < 4 {
		t.Fatalf("%d requests for 8 containers at 2 a page, want 4 or more", len(controls))
	}
	for i, n := range perPage {
		if n > 2 {
			t.Errorf("page %d held %d entries, want at most 2", i, n)
		}
	}
}

// TestContainersStops: an error from the callback ends the listing and is
// returned as is.
func TestContainersStops(t *testing.T) {
	dc, c := admin(t)
	ou := containerTree(t, dc)
	stop := errors.New("enough")
	n := 0
	err := c.Containers(context.Background(), ContainersOptions{Scope: Scope{Include: []string{ou}}, PageSize: 2}, func(Container) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("got %v after %d containers, want %v after 1", err, n, stop)
	}
}
