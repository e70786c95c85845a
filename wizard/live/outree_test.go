package live

import (
	"fmt"
	"slices"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/wizard"
)

func TestSplitDN(t *testing.T) {
	tests := []struct {
		dn, first, rest, value string
	}{
		{"OU=Sales,DC=corp,DC=example,DC=com", "OU=Sales", "DC=corp,DC=example,DC=com", "Sales"},
		{`CN=Smith\, John \"JJ\" \<Jr.\>\; a\+b\=c \\ d,OU=People`, `CN=Smith\, John \"JJ\" \<Jr.\>\; a\+b\=c \\ d`, "OU=People", `Smith, John "JJ" <Jr.>; a+b=c \ d`},
		{`CN=\#1 Fan,OU=People`, `CN=\#1 Fan`, "OU=People", "#1 Fan"},
		{`OU=Caf\C3\A9\2C Bar, DC=x`, `OU=Caf\C3\A9\2C Bar`, "DC=x", "Café, Bar"},
		{"DC=com", "DC=com", "", "com"},
		{"CN=王小明,OU=People", "CN=王小明", "OU=People", "王小明"},
	}
	for _, tt := range tests {
		t.Run(tt.dn, func(t *testing.T) {
			first, rest := splitDN(tt.dn)
			if first != tt.first || rest != tt.rest {
				t.Errorf("splitDN: got %q, %q, want %q, %q", first, rest, tt.first, tt.rest)
			}
			if got := rdnValue(first); got != tt.value {
				t.Errorf("rdnValue(%q): got %q, want %q", first, got, tt.value)
			}
		})
	}
}

func TestTree(t *testing.T) {
	tr := newTree()
	tr.addRoot("DC=corp,DC=example,DC=com", "corp.example.com")
	tr.addObject("CN=Ann,OU=Sales,OU=Staff,DC=corp,DC=example,DC=com", true)
	tr.addObject("CN=Bob,OU=Sales,OU=Staff,DC=CORP,DC=example,DC=com", true) // AD's DNs are case-insensitive
	tr.addObject("CN=Grp,OU=Admins,OU=Staff,DC=corp,DC=example,DC=com", false)
	tr.addObject("CN=Eve,CN=Users,DC=corp,DC=example,DC=com", true)
	tr.addObject("CN=Out,OU=X,DC=other,DC=com", true) // another forest: ignored
	tr.addContainer("OU=Empty,OU=Staff,DC=corp,DC=example,DC=com")
	tr.addContainer("OU=Sales,OU=Staff,DC=corp,DC=example,DC=com") // listed once
	tr.addContainer("OU=Y,DC=other,DC=com")                        // another forest: ignored
	var got []string
	for _, o := range tr.list() {
		got = append(got, fmt.Sprintf("%s|%s|%d", o.Name, o.Parent, o.Users))
	}
	want := []string{
		"corp.example.com||3",
		"Staff|DC=corp,DC=example,DC=com|2",
		"Admins|OU=Staff,DC=corp,DC=example,DC=com|0",
		"Empty|OU=Staff,DC=corp,DC=example,DC=com|0",
		"Sales|OU=Staff,DC=corp,DC=example,DC=com|2",
		"Users|DC=corp,DC=example,DC=com|1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOUTree(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	ou := w.dc.NewOU(t, "")
	sub := "OU=Sub," + ou
	w.dc.Add(t, sub, map[string][]string{"objectClass": {"organizationalUnit"}})
	// An empty OU is listed too: it may hold users later.
	empty := "OU=Empty," + ou
	w.dc.Add(t, empty, map[string][]string{"objectClass": {"organizationalUnit"}})
	// A container AD hides (showInAdvancedViewOnly) is listed when it
	// holds users, since they are synced.
	hidden := "CN=Hidden," + ou
	w.dc.Add(t, hidden, map[string][]string{"objectClass": {"container"}, "showInAdvancedViewOnly": {"TRUE"}})
	w.dc.Add(t, "CN=Empty Hidden,"+ou, map[string][]string{"objectClass": {"container"}, "showInAdvancedViewOnly": {"TRUE"}})
	w.addUser(hidden, "Hal Hidden", "hal"+w.b.opts.Host, "hal."+w.b.opts.Host+"@"+adtest.AltSuffix, nil)
	w.addUser(ou, "Tia Tree", "tia"+w.b.opts.Host, "tia."+w.b.opts.Host+"@"+adtest.AltSuffix, nil)
	w.addUser(sub, "Ted Tree", "ted"+w.b.opts.Host, "ted."+w.b.opts.Host+"@"+adtest.AltSuffix, nil)
	ous, err := w.b.OUTree(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	index := func(dn string) int {
		return slices.IndexFunc(ous, func(o wizard.OU) bool { return o.DN == dn })
	}
	if len(ous) == 0 || ous[0].DN != adtest.BaseDN || ous[0].Parent != "" || ous[0].Name != adtest.DNSDomain {
		t.Fatalf("first: got %+v, want the domain root", ous)
	}
	i, j := index(ou), index(sub)
	if i < 0 || j < 0 || j < i {
		t.Fatalf("got %s at %d and %s at %d, want both, parent first", ou, i, sub, j)
	}
	if ous[i].Users != 3 || ous[i].Parent != adtest.BaseDN || ous[j].Users != 1 || ous[j].Parent != ou || ous[j].Name != "Sub" {
		t.Errorf("got %+v and %+v, want 3 users below the OU and 1 in Sub", ous[i], ous[j])
	}
	if k := index(empty); k < 0 || ous[k].Users != 0 || ous[k].Parent != ou || ous[k].Name != "Empty" {
		t.Errorf("empty OU: got %v, want %s listed with no users", ous[max(k, 0)], empty)
	}
	if k := index(hidden); k < 0 || ous[k].Users != 1 {
		t.Errorf("hidden container with a user: got index %d, want %s listed with 1 user", k, hidden)
	}
	if k := index("CN=Empty Hidden," + ou); k >= 0 {
		t.Errorf("empty hidden container listed: %+v", ous[k])
	}
	if k := index("CN=System," + adtest.BaseDN); k >= 0 {
		t.Errorf("CN=System listed: %+v", ous[k])
	}
	if k := index("CN=Users," + adtest.BaseDN); k < 0 {
		t.Error("CN=Users not listed")
	}
	for k, o := range ous[1:] {
		if p := index(o.Parent); p < 0 || p > k {
			t.Errorf("%s comes before its parent %s", o.DN, o.Parent)
		}
	}
}
