package memdc

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Object is an object to add to the forest, as an LDAP add would create it.
// Attribute names are lDAPDisplayNames; values are strings (binary values as
// their raw bytes). The system sets what AD sets: objectGUID, objectSid,
// sAMAccountName when absent, userAccountControl and the other account
// defaults.
type Object struct {
	// DN is the object's distinguished name; its parent must exist or be
	// added earlier in the same call.
	DN string
	// Attributes must include objectClass. member, manager and managedBy
	// may name objects added later in the same call.
	Attributes map[string][]string
	// Password sets the account's password. An enabled user without one
	// gets a random password nobody knows, as accounts in a real directory
	// have.
	Password string
}

// Seed is a directory's content beyond the built-in objects.
type Seed struct {
	// UPNSuffixes are the alternative UPN suffixes on CN=Partitions
	// ("Active Directory Domains and Trusts").
	UPNSuffixes []string
	// Objects are added in order.
	Objects []Object
	// ChangeBase is the DN of the subtree Mutate changes, so that it never
	// touches built-in objects or what a test or setup created elsewhere.
	ChangeBase string
}

// linkAttrs are the attributes added in a second pass, once every object of
// a batch exists.
var linkAttrs = []string{"member", "manager", "managedby"}

// Add adds objects with system rights, bypassing access checks but not the
// directory's rules (unique names, schema, password policy). It reports the
// first failure; objects added before it stay.
func (s *Server) Add(objs ...Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addObjects(objs)
}

func (s *Server) addObjects(objs []Object) error {
	type later struct {
		dn      string
		changes []change
	}
	var links []later
	for _, o := range objs {
		var attrs []attrValues
		var ch []change
		for _, k := range sortedKeys(o.Attributes) {
			v := o.Attributes[k]
			if isLinkAttr(k) {
				ch = append(ch, change{op: modReplace, name: k, vals: v})
				continue
			}
			attrs = append(attrs, attrValues{name: k, vals: v})
		}
		if o.Password != "" {
			attrs = append(attrs, attrValues{name: "unicodePwd", vals: []string{encodeUnicodePwd(o.Password)}})
		} else if isEnabledUser(o.Attributes) {
			attrs = append(attrs, attrValues{name: "unicodePwd", vals: []string{encodeUnicodePwd(s.randomPassword(24))}})
		}
		if _, lerr := s.addObject(systemCtx, o.DN, attrs); lerr != nil {
			return fmt.Errorf("memdc: add %s: %w", o.DN, lerr)
		}
		if len(ch) > 0 {
			links = append(links, later{o.DN, ch})
		}
	}
	for _, l := range links {
		if lerr := s.modifyObject(systemCtx, l.dn, l.changes); lerr != nil {
			return fmt.Errorf("memdc: set the links of %s: %w", l.dn, lerr)
		}
	}
	return nil
}

func isLinkAttr(name string) bool {
	for _, l := range linkAttrs {
		if strings.EqualFold(name, l) {
			return true
		}
	}
	return false
}

// isEnabledUser reports whether attrs describe a user account that is not
// disabled (and so needs a password).
func isEnabledUser(attrs map[string][]string) bool {
	user, uac := false, ""
	for k, v := range attrs {
		switch strings.ToLower(k) {
		case "objectclass":
			for _, c := range v {
				user = user || strings.EqualFold(c, "user") || strings.EqualFold(c, "inetOrgPerson")
			}
		case "useraccountcontrol":
			if len(v) > 0 {
				uac = v[0]
			}
		}
	}
	if !user || uac == "" {
		return false
	}
	var n int64
	_, err := fmt.Sscan(uac, &n)
	return err == nil && n&(uacAccountDisable|uacPasswdNotReqd) == 0
}

// encodeUnicodePwd encodes a password as unicodePwd expects it.
func encodeUnicodePwd(pw string) string {
	var b strings.Builder
	for _, r := range `"` + pw + `"` {
		if r > 0xFFFF {
			r1, r2 := surrogates(r)
			b.WriteByte(byte(r1))
			b.WriteByte(byte(r1 >> 8))
			b.WriteByte(byte(r2))
			b.WriteByte(byte(r2 >> 8))
			continue
		}
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

func surrogates(r rune) (uint16, uint16) {
	r -= 0x10000
	return uint16(0xD800 + (r>>10)&0x3FF), uint16(0xDC00 + r&0x3FF)
}

// applySeed adds a seed at start.
func (s *Server) applySeed(seed *Seed) error {
	if len(seed.UPNSuffixes) > 0 {
		if err := s.modifyObject(systemCtx, "CN=Partitions,CN=Configuration,"+s.baseDN,
			[]change{{op: modAdd, name: "uPNSuffixes", vals: seed.UPNSuffixes}}); err != nil {
			return fmt.Errorf("memdc: add the UPN suffixes %s: %w", strings.Join(seed.UPNSuffixes, ", "), err)
		}
	}
	if err := s.addObjects(seed.Objects); err != nil {
		return err
	}
	s.changeBase = seed.ChangeBase
	return nil
}

// SetPassword sets an account's password with system rights (the domain's
// password policy still applies) and clears "must change at next logon", so
// tests can bind as the account.
func (s *Server) SetPassword(dn, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, lerr := s.dir.resolve(dn, false)
	if lerr != nil {
		return fmt.Errorf("memdc: set the password of %s: %w", dn, lerr)
	}
	if !e.isClass("user") {
		return fmt.Errorf("memdc: set the password of %s: not a user or computer account", dn)
	}
	if reason := passwordProblem(password, e.first("sAMAccountName")); reason != "" {
		return fmt.Errorf("memdc: set the password of %s: the password does not meet the domain's policy: %s", dn, reason)
	}
	if lerr := s.modifyObject(systemCtx, dn, []change{{op: modReplace, name: "unicodePwd", vals: []string{encodeUnicodePwd(password)}}}); lerr != nil {
		return fmt.Errorf("memdc: set the password of %s: %w", dn, lerr)
	}
	return nil
}

// Entry is a read-only copy of an object, for tests and the demo's screens.
type Entry struct {
	DN         string
	GUID       [16]byte
	Deleted    bool
	USNChanged int64
	Attributes map[string][]string // by lDAPDisplayName; link values as DNs
}

// Get returns a copy of the object with the given DN, <GUID=…> or <SID=…>
// name; deleted objects are found too.
func (s *Server) Get(name string) (Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, lerr := s.dir.resolve(name, true)
	if lerr != nil {
		return Entry{}, fmt.Errorf("memdc: get %s: %w", name, lerr)
	}
	out := Entry{DN: e.dn.String(), GUID: e.guid, Deleted: e.deleted, USNChanged: e.usnChanged, Attributes: map[string][]string{}}
	sel := &selection{all: true}
	for _, a := range s.renderEntry(e, sel, readCtx{who: systemPrincipal, extendedDN: -1}) {
		out.Attributes[a.name] = a.vals
	}
	return out, nil
}

// ErrNoSuchObject is wrapped by errors of Get and SetPassword for names that
// resolve to nothing.
var ErrNoSuchObject = errors.New("no such object")

// UPNSuffixes returns the alternative UPN suffixes on CN=Partitions, sorted.
func (s *Server) UPNSuffixes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.dir.lookup(mustDN("CN=Partitions,CN=Configuration," + s.baseDN))
	out := append([]string(nil), e.attrs["upnsuffixes"]...)
	sort.Strings(out)
	return out
}
