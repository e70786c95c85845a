package memdc

import (
	"fmt"
	"strings"
)

// Change is one change Mutate made, for the demo to show.
type Change struct {
	// Kind is one of "title", "phone", "department", "rename", "disable",
	// "enable", "hire", "leave", "join" and "part".
	Kind string
	// DN is the object's DN after the change (the tombstone's for "leave").
	DN string
	// Detail says what changed, in a sentence.
	Detail string
}

// String formats the change for a log line.
func (c Change) String() string { return c.Kind + ": " + c.Detail }

// mutation kinds, weighted: everyday edits are more frequent than hires
// and leavers.
var mutations = []struct {
	kind   string
	weight int
}{
	{"title", 4}, {"phone", 2}, {"department", 2}, {"rename", 1}, {"disable", 1}, {"enable", 1},
	{"hire", 2}, {"leave", 1}, {"join", 2}, {"part", 1},
}

// Mutate makes n changes to users and groups below the seed's ChangeBase, as
// a working company would between two sync runs: promotions, moves between
// departments, a marriage, a leaver, a hire, group changes. Each change is
// an ordinary directory write with its own USN, so DirSync and uSNChanged
// polling both see it. Choices come from Options.RandomSeed. An error means a
// change that should have worked failed; the changes made before it stay.
func (s *Server) Mutate(n int) ([]Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, m := range mutations {
		total += m.weight
	}
	var out []Change
	for attempts := 0; len(out) < n && attempts < 20*n+20; attempts++ {
		pick := s.rng.IntN(total)
		kind := ""
		for _, m := range mutations {
			if pick < m.weight {
				kind = m.kind
				break
			}
			pick -= m.weight
		}
		c, ok, err := s.mutateOne(kind)
		if err != nil {
			return out, fmt.Errorf("memdc: mutate (%s): %w", kind, err)
		}
		if ok {
			s.logf("memdc: %s", c)
			out = append(out, c)
		}
	}
	return out, nil
}

// mutable returns the live users Mutate may change, in creation order.
func (s *Server) mutable(filter func(*entry) bool) []*entry {
	d := s.dir
	base := d.domain
	if s.changeBase != "" {
		if b, lerr := d.resolve(s.changeBase, false); lerr == nil {
			base = b
		}
	}
	var out []*entry
	for _, e := range d.order {
		if e.deleted || !e.isUser() || !e.under(base) || e.parent.class == nil || e.parent.class.name != "organizationalUnit" ||
			e.first("isCriticalSystemObject") == "TRUE" || !e.has("givenName") {
			continue
		}
		if filter == nil || filter(e) {
			out = append(out, e)
		}
	}
	return out
}

func (s *Server) pickUser(filter func(*entry) bool) *entry {
	users := s.mutable(filter)
	if len(users) == 0 {
		return nil
	}
	return users[s.rng.IntN(len(users))]
}

func enabled(e *entry) bool { return e.int("userAccountControl")&uacAccountDisable == 0 }

// leads reports whether someone holds a leadership title, which Mutate
// neither copies for a hire nor moves between departments.
func leads(e *entry) bool {
	t := e.first("title")
	for _, w := range []string{"Chief", "Vice President", "Head of", "Director", "General Counsel", "Manager"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// departmentOUs are the OUs holding the mutable users, by department name.
func (s *Server) departmentOUs() map[string]*entry {
	out := map[string]*entry{}
	for _, u := range s.mutable(enabled) {
		if dep := u.first("department"); dep != "" && out[dep] == nil && u.parent.dn[0].value != "Disabled Accounts" {
			out[dep] = u.parent
		}
	}
	return out
}

func (s *Server) mutateOne(kind string) (Change, bool, error) {
	d := s.dir
	set := func(e *entry, kv ...string) *ldapError {
		var ch []change
		for i := 0; i+1 < len(kv); i += 2 {
			ch = append(ch, change{op: modReplace, name: kv[i], vals: []string{kv[i+1]}})
		}
		return s.modifyObject(systemCtx, e.dn.String(), ch)
	}
	done := func(kind string, e *entry, format string, args ...any) (Change, bool, error) {
		return Change{Kind: kind, DN: e.dn.String(), Detail: fmt.Sprintf(format, args...)}, true, nil
	}
	fail := func(lerr *ldapError) (Change, bool, error) { return Change{}, false, lerr }

	switch kind {
	case "title":
		u := s.pickUser(enabled)
		if u == nil {
			return Change{}, false, nil
		}
		old := u.first("title")
		title := promotion(old)
		if title == "" {
			return Change{}, false, nil
		}
		if lerr := set(u, "title", title); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s is now %s (was %s)", u.first("displayName"), title, old)
	case "phone":
		u := s.pickUser(func(e *entry) bool { return enabled(e) && len(e.first("telephoneNumber")) > 4 })
		if u == nil {
			return Change{}, false, nil
		}
		phone := newPhone(u.first("telephoneNumber"), s.rng.IntN(90))
		if lerr := set(u, "telephoneNumber", phone); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s has a new desk phone, %s", u.first("displayName"), phone)
	case "department":
		u := s.pickUser(func(e *entry) bool { return enabled(e) && !leads(e) })
		ous := s.departmentOUs()
		if u == nil || len(ous) < 2 {
			return Change{}, false, nil
		}
		var names []string
		for name := range ous {
			if name != u.first("department") {
				names = append(names, name)
			}
		}
		names = sortStrings(names)
		dep := names[s.rng.IntN(len(names))]
		to := ous[dep]
		if d.lookup(to.dn.child("CN", u.rdnValue())) != nil {
			return Change{}, false, nil
		}
		from := u.first("department")
		if lerr := s.renameObject(systemCtx, u.dn.String(), "CN="+escapeDNValue(u.rdnValue()), true, to.dn.String(), true); lerr != nil {
			return fail(lerr)
		}
		kv := []string{"department", dep}
		if head := s.headOf(to, u); head != nil {
			kv = append(kv, "manager", head.dn.String())
		}
		if lerr := set(u, kv...); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s moved from %s to %s", u.first("displayName"), from, dep)
	case "rename":
		u := s.pickUser(func(e *entry) bool { return enabled(e) && e.has("userPrincipalName") && e.has("mail") })
		if u == nil {
			return Change{}, false, nil
		}
		sn := surnames[s.rng.IntN(len(surnames))]
		given := u.first("givenName")
		display := given + " " + sn
		if sn == u.first("sn") || d.lookup(u.parent.dn.child("CN", display)) != nil {
			return Change{}, false, nil
		}
		upnSuffix := u.first("userPrincipalName")[strings.LastIndexByte(u.first("userPrincipalName"), '@')+1:]
		nick := ascii(given) + "." + ascii(sn)
		if d.byUPN[foldString(nick+"@"+upnSuffix)] != nil {
			return Change{}, false, nil
		}
		old := u.first("displayName")
		if lerr := s.renameObject(systemCtx, u.dn.String(), "CN="+escapeDNValue(display), true, "", false); lerr != nil {
			return fail(lerr)
		}
		proxies := []string{"SMTP:" + nick + "@example.com"}
		for _, p := range u.attrs["proxyaddresses"] {
			proxies = append(proxies, "smtp:"+p[5:])
		}
		lerr := s.modifyObject(systemCtx, u.dn.String(), []change{
			{op: modReplace, name: "sn", vals: []string{sn}},
			{op: modReplace, name: "displayName", vals: []string{display}},
			{op: modReplace, name: "userPrincipalName", vals: []string{nick + "@" + upnSuffix}},
			{op: modReplace, name: "mail", vals: []string{nick + "@example.com"}},
			{op: modReplace, name: "proxyAddresses", vals: dedupe(proxies)},
		})
		if lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s is now %s (%s)", old, display, nick+"@"+upnSuffix)
	case "disable":
		u := s.pickUser(func(e *entry) bool { return enabled(e) && !leads(e) })
		if u == nil {
			return Change{}, false, nil
		}
		if lerr := set(u, "userAccountControl", fmt.Sprint(u.int("userAccountControl")|uacAccountDisable)); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s's account was disabled", u.first("displayName"))
	case "enable":
		u := s.pickUser(func(e *entry) bool {
			return !enabled(e) && e.parent.rdnValue() != "Disabled Accounts" && e.pwHash != nil && !accountExpired(e, d.now())
		})
		if u == nil {
			return Change{}, false, nil
		}
		if lerr := set(u, "userAccountControl", fmt.Sprint(u.int("userAccountControl")&^uacAccountDisable)); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s's account was enabled again", u.first("displayName"))
	case "hire":
		return s.hire()
	case "leave":
		u := s.pickUser(func(e *entry) bool {
			return len(d.backLinkSources(e, "directreports")) == 0 && !leads(e)
		})
		if u == nil {
			return Change{}, false, nil
		}
		name := u.first("displayName")
		if lerr := s.deleteObject(systemCtx, u.dn.String()); lerr != nil {
			return fail(lerr)
		}
		return done(kind, u, "%s left the company (account deleted)", name)
	case "join", "part":
		groups := s.mutableGroups()
		if len(groups) == 0 {
			return Change{}, false, nil
		}
		g := groups[s.rng.IntN(len(groups))]
		if kind == "join" {
			u := s.pickUser(func(e *entry) bool { return enabled(e) && !d.hasLink(g, "member", e.guid) })
			if u == nil {
				return Change{}, false, nil
			}
			if lerr := s.modifyObject(systemCtx, g.dn.String(), []change{{op: modAdd, name: "member", vals: []string{u.dn.String()}}}); lerr != nil {
				return fail(lerr)
			}
			return done(kind, g, "%s joined %s", u.first("displayName"), g.rdnValue())
		}
		var users []*entry
		for _, m := range d.linkTargets(g, "member") {
			if m.isUser() {
				users = append(users, m)
			}
		}
		if len(users) == 0 {
			return Change{}, false, nil
		}
		u := users[s.rng.IntN(len(users))]
		if lerr := s.modifyObject(systemCtx, g.dn.String(), []change{{op: modDelete, name: "member", vals: []string{u.dn.String()}}}); lerr != nil {
			return fail(lerr)
		}
		return done(kind, g, "%s left %s", u.first("displayName"), g.rdnValue())
	}
	return Change{}, false, nil
}

// hire adds a new employee to a department, with a manager, a mailbox and a
// UPN on the department's usual suffix.
func (s *Server) hire() (Change, bool, error) {
	d := s.dir
	colleague := s.pickUser(func(e *entry) bool {
		return enabled(e) && !leads(e) && e.has("userPrincipalName") && e.has("mail") && e.parent.rdnValue() != "Disabled Accounts"
	})
	if colleague == nil {
		return Change{}, false, nil
	}
	given := givenNames[s.rng.IntN(len(givenNames))]
	sn := surnames[s.rng.IntN(len(surnames))]
	display := given + " " + sn
	ou := colleague.parent
	nick := ascii(given) + "." + ascii(sn)
	upn := colleague.first("userPrincipalName")
	suffix := upn[strings.LastIndexByte(upn, '@')+1:]
	sam := truncate(ascii(given)[:1]+ascii(sn), 20)
	if d.lookup(ou.dn.child("CN", display)) != nil || d.byUPN[foldString(nick+"@"+suffix)] != nil || d.bySAM[foldString(sam)] != nil {
		return Change{}, false, nil
	}
	attrs := []attrValues{
		{"objectClass", []string{"user"}},
		{"sAMAccountName", []string{sam}},
		{"userPrincipalName", []string{nick + "@" + suffix}},
		{"givenName", []string{given}},
		{"sn", []string{sn}},
		{"displayName", []string{display}},
		{"title", []string{colleague.first("title")}},
		{"department", []string{colleague.first("department")}},
		{"company", []string{"Example Corp"}},
		{"mail", []string{nick + "@example.com"}},
		{"proxyAddresses", []string{"SMTP:" + nick + "@example.com"}},
		{"userAccountControl", []string{"512"}},
		{"unicodePwd", []string{encodeUnicodePwd(s.randomPassword(24))}},
	}
	if s.knows(schema["mailnickname"]) {
		attrs = append(attrs, attrValues{"mailNickname", []string{nick}})
	}
	if p := colleague.first("telephoneNumber"); len(p) > 4 {
		attrs = append(attrs, attrValues{"telephoneNumber", []string{newPhone(p, s.rng.IntN(90))}})
	}
	for _, a := range []string{"physicalDeliveryOfficeName", "streetAddress", "l", "st", "postalCode", "c", "co", "countryCode"} {
		if v := colleague.first(a); v != "" {
			attrs = append(attrs, attrValues{a, []string{v}})
		}
	}
	if head := s.headOf(ou, nil); head != nil {
		attrs = append(attrs, attrValues{"manager", []string{head.dn.String()}})
	}
	e, lerr := s.addObject(systemCtx, ou.dn.child("CN", display).String(), attrs)
	if lerr != nil {
		return Change{}, false, lerr
	}
	return Change{Kind: "hire", DN: e.dn.String(),
		Detail: fmt.Sprintf("%s joined %s as %s (%s)", display, e.first("department"), e.first("title"), nick+"@"+suffix)}, true, nil
}

// headOf returns the manager of an OU's people: the person most of them
// report to, other than except.
func (s *Server) headOf(ou *entry, except *entry) *entry {
	counts := map[*entry]int{}
	var best *entry
	for c := range ou.children {
		if !c.isUser() || c.deleted || c == except {
			continue
		}
		for _, m := range s.dir.linkTargets(c, "manager") {
			if m == except {
				continue
			}
			counts[m]++
			if best == nil || counts[m] > counts[best] || counts[m] == counts[best] && m.usnCreated < best.usnCreated {
				best = m
			}
		}
	}
	return best
}

// mutableGroups are the security groups below ChangeBase.
func (s *Server) mutableGroups() []*entry {
	d := s.dir
	base := d.domain
	if s.changeBase != "" {
		if b, lerr := d.resolve(s.changeBase, false); lerr == nil {
			base = b
		}
	}
	var out []*entry
	for _, e := range d.order {
		if !e.deleted && e.isClass("group") && e.under(base) && uint32(e.int("groupType"))&groupSecurityEnabled != 0 &&
			e.first("isCriticalSystemObject") != "TRUE" {
			out = append(out, e)
		}
	}
	return out
}

// promotion returns the next title on a career ladder.
func promotion(title string) string {
	switch {
	case strings.HasPrefix(title, "Distinguished "):
		return "" // the top of the ladder
	case strings.HasPrefix(title, "Principal "):
		return "Distinguished " + strings.TrimPrefix(title, "Principal ")
	case strings.HasPrefix(title, "Senior "):
		return "Lead " + strings.TrimPrefix(title, "Senior ")
	case strings.HasPrefix(title, "Lead "), strings.HasPrefix(title, "Staff "), strings.Contains(title, "Manager"),
		strings.Contains(title, "Director"), strings.HasPrefix(title, "Head"), strings.HasPrefix(title, "Vice"),
		strings.HasPrefix(title, "Chief"), strings.HasPrefix(title, "General"):
		return "Principal " + title
	case title == "":
		return "Associate"
	}
	return "Senior " + title
}

// newPhone gives a number in the same office range as phone: its last two
// digits replaced.
func newPhone(phone string, n int) string {
	return phone[:len(phone)-2] + fmt.Sprintf("%02d", 10+n%90)
}

func dedupe(vals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		k := strings.ToLower(v[strings.IndexByte(v, ':')+1:])
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
