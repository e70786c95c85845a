package wizard

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/sync"
)

// The OU tree picker shows every domain and OU with a tick; these
// functions translate between the ticks and the configuration's
// include/exclude lists, in which an object is in scope when it is under
// an included DN (or Include is empty) and under no excluded DN.

// ouTree indexes the OUs of [Backend.OUTree] by DN.
type ouTree struct {
	ous    []OU
	byDN   map[string]int // lowercased DN -> index
	depths []int
}

// newOUTree indexes ous, which list parents before children.
func newOUTree(ous []OU) *ouTree {
	t := &ouTree{ous: ous, byDN: make(map[string]int, len(ous)), depths: make([]int, len(ous))}
	for i, ou := range ous {
		t.byDN[strings.ToLower(ou.DN)] = i
		if p, ok := t.parent(i); ok {
			t.depths[i] = t.depths[p] + 1
		}
	}
	return t
}

// parent returns the index of ous[i]'s parent, if it is in the tree.
func (t *ouTree) parent(i int) (int, bool) {
	if t.ous[i].Parent == "" {
		return 0, false
	}
	p, ok := t.byDN[strings.ToLower(t.ous[i].Parent)]
	return p, ok
}

// label is how the picker shows ous[i]: indented by depth, with its user
// count when known.
func (t *ouTree) label(i int) string {
	ou := t.ous[i]
	s := strings.Repeat("  ", t.depths[i]) + ou.Name
	if ou.Users >= 0 {
		s += " (" + plural(ou.Users, "user", "users") + ")"
	}
	return s
}

// inScope says whether ous[i] is in scope: it or an ancestor is included
// (or the include list is empty) and neither it nor any ancestor is
// excluded.
func (t *ouTree) inScope(i int, scope sync.ScopeConfig) bool {
	contains := func(list []string, dn string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, dn) })
	}
	included, excluded := len(scope.Include) == 0, false
	for j, ok := i, true; ok; j, ok = t.parent(j) {
		dn := t.ous[j].DN
		if contains(scope.Exclude, dn) {
			excluded = true
		}
		if contains(scope.Include, dn) {
			included = true
		}
	}
	return included && !excluded
}

// selection returns the DNs of the OUs in scope, in tree order.
func (t *ouTree) selection(scope sync.ScopeConfig) []string {
	var dns []string
	for i, ou := range t.ous {
		if t.inScope(i, scope) {
			dns = append(dns, ou.DN)
		}
	}
	return dns
}

// scope returns the include/exclude lists that put exactly the selected
// OUs in scope: every selected OU whose parent is not selected is
// included, every unselected OU whose parent is selected is excluded, and
// an include list naming every domain becomes empty ("everything"). A
// selected OU below an unselected one below a selected one cannot be
// expressed; the error says which tick to change.
func (t *ouTree) scope(selected []string) (sync.ScopeConfig, error) {
	sel := make([]bool, len(t.ous))
	for _, dn := range selected {
		i, ok := t.byDN[strings.ToLower(dn)]
		if !ok {
			return sync.ScopeConfig{}, fmt.Errorf("%s is not in the forest's OU tree: refresh the page", dn)
		}
		sel[i] = true
	}
	if !slices.Contains(sel, true) {
		return sync.ScopeConfig{}, errors.New("nothing is selected: select at least one domain or OU")
	}
	var scope sync.ScopeConfig
	allRoots := true
	for i, ou := range t.ous {
		p, hasParent := t.parent(i)
		switch {
		case sel[i] && (!hasParent || !sel[p]):
			scope.Include = append(scope.Include, ou.DN)
		case !sel[i] && hasParent && sel[p]:
			scope.Exclude = append(scope.Exclude, ou.DN)
		}
		if !hasParent && !sel[i] {
			allRoots = false
		}
	}
	if allRoots {
		// Every domain is selected: "everything" is the empty include
		// list. A nested include can only sit below an exclusion, which
		// the check below reports.
		scope.Include = nil
	}
	for i := range t.ous {
		if sel[i] != t.inScope(i, scope) {
			return sync.ScopeConfig{}, t.conflict(i, sel)
		}
	}
	return scope, nil
}

// conflict explains why OU i cannot be selected as sel says: it is
// selected under an unselected OU that is itself under a selected one.
func (t *ouTree) conflict(i int, sel []bool) error {
	for j, ok := t.parent(i); ok; j, ok = t.parent(j) {
		if !sel[j] {
			return fmt.Errorf("%s is selected but %s above it is not: select %s too, or clear %s",
				t.ous[i].Name, t.ous[j].Name, t.ous[j].Name, t.ous[i].Name)
		}
	}
	return fmt.Errorf("%s cannot be selected this way: select its parent too", t.ous[i].Name)
}
