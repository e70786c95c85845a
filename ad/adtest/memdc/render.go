package memdc

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// partialAttr is one attribute of a search result entry.
type partialAttr struct {
	name string
	vals []string
}

// reqAttr is one attribute description of a search request.
type reqAttr struct {
	def    *attrDef
	base   string // lower-case, options removed
	ranged bool
	lo, hi int // hi < 0: to the end ("*")
}

// selection is a search request's attribute list (RFC 4511 §4.5.1.8).
type selection struct {
	all       bool // "*", or no attributes
	ops       bool // "+": operational attributes too
	reqs      []reqAttr
	typesOnly bool
}

func (s *Server) parseSelection(attrs []string, typesOnly bool) *selection {
	sel := &selection{typesOnly: typesOnly}
	if len(attrs) == 0 {
		sel.all = true
	}
	for _, a := range attrs {
		switch a {
		case "*":
			sel.all = true
			continue
		case "+":
			sel.ops = true
			continue
		case "1.1", "":
			continue
		}
		r := reqAttr{base: strings.ToLower(a), hi: -1}
		if i := strings.IndexByte(a, ';'); i >= 0 {
			r.base = strings.ToLower(a[:i])
			for _, opt := range strings.Split(a[i+1:], ";") {
				if lo, hi, ok := parseRange(opt); ok {
					r.ranged, r.lo, r.hi = true, lo, hi
				}
			}
		}
		r.def = s.attr(r.base)
		sel.reqs = append(sel.reqs, r)
	}
	return sel
}

// parseRange reads an AD range option, "range=0-1499" or "range=1500-*".
func parseRange(opt string) (lo, hi int, ok bool) {
	v, found := strings.CutPrefix(strings.ToLower(opt), "range=")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(v, "-")
	if !found {
		return 0, 0, false
	}
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	if b == "*" {
		return lo, -1, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// named reports whether the request names the attribute explicitly.
func (sel *selection) named(name string) bool {
	for _, r := range sel.reqs {
		if r.base == strings.ToLower(name) {
			return true
		}
	}
	return false
}

// request returns the explicit request for def, if any.
func (sel *selection) request(def *attrDef) (reqAttr, bool) {
	for _, r := range sel.reqs {
		if r.def == def {
			return r, true
		}
	}
	return reqAttr{}, false
}

func (sel *selection) wantsRootAttr(name string) bool { return sel.all || sel.named(name) }

// wants reports whether def belongs in an entry: "*" returns ordinary
// attributes, "+" the operational and constructed ones that cost nothing
// to compute, and anything can be named.
func (sel *selection) wants(def *attrDef) bool {
	if def.is(flagNoRead) {
		return false
	}
	if _, ok := sel.request(def); ok {
		return true
	}
	op := def.is(flagOperational) || def.is(flagConstructed)
	if sel.all && !op {
		return true
	}
	return sel.ops && op && !strings.EqualFold(def.name, "tokenGroups")
}

// readCtx carries what rendering an entry depends on beyond the entry.
type readCtx struct {
	who        *principal
	sdFlags    uint32
	extendedDN int
}

// formatDN writes a DN as a client reads it, with AD's extended form when
// the extended DN control asked for it (MS-ADTS §3.1.1.3.4.1.5).
func formatDN(e *entry, ext int) string {
	if ext < 0 {
		return e.dn.String()
	}
	var b strings.Builder
	b.WriteString("<GUID=")
	if ext == 1 {
		b.WriteString(e.guid.String())
	} else {
		b.WriteString(hex.EncodeToString(e.guid[:]))
	}
	b.WriteString(">;")
	if sd := e.sid(); len(sd) > 0 {
		b.WriteString("<SID=")
		if ext == 1 {
			b.WriteString(sd.String())
		} else {
			b.WriteString(hex.EncodeToString(sd))
		}
		b.WriteString(">;")
	}
	b.WriteString(e.dn.String())
	return b.String()
}

// storedValues returns an attribute's values as filters see them: stored,
// derived from the object's fields, or the DNs of its links.
func (s *Server) storedValues(e *entry, def *attrDef) []string {
	return s.attrValues(e, def, readCtx{who: systemPrincipal, extendedDN: -1})
}

// attrValues returns the values of def on e as rc's client reads them.
func (s *Server) attrValues(e *entry, def *attrDef, rc readCtx) []string {
	d := s.dir
	lname := def.lname
	switch lname {
	case "distinguishedname":
		return []string{formatDN(e, rc.extendedDN)}
	case "name":
		return []string{e.rdnValue()}
	case "objectguid":
		return []string{string(e.guid[:])}
	case "whencreated", "createtimestamp":
		return []string{generalizedTime(e.created)}
	case "whenchanged", "modifytimestamp":
		return []string{generalizedTime(e.changed)}
	case "usncreated":
		return []string{strconv.FormatInt(e.usnCreated, 10)}
	case "usnchanged":
		return []string{strconv.FormatInt(e.usnChanged, 10)}
	case "isdeleted":
		if e.deleted {
			return []string{"TRUE"}
		}
		return nil
	case "ntsecuritydescriptor":
		flags := rc.sdFlags
		if flags&secinfoSACL != 0 && !rc.who.isAdmin() {
			return nil // AD returns nothing rather than a partial descriptor
		}
		if sd := d.readSD(e, flags); sd != nil {
			return []string{string(sd)}
		}
		return nil
	case "tokengroups":
		if !e.isClass("user") && !e.isClass("group") {
			return nil
		}
		var out []string
		for _, g := range d.tokenGroups(e) {
			out = append(out, string(g))
		}
		return out
	case "parentguid":
		if e.parent == nil || e.isNCHead() {
			return nil
		}
		return []string{string(e.parent.guid[:])}
	case "canonicalname":
		return []string{canonicalName(e)}
	case "structuralobjectclass":
		if e.class != nil {
			return e.class.chain
		}
		return nil
	case "subschemasubentry":
		return []string{"CN=Aggregate," + d.schemaNC.dn.String()}
	case "msds-user-account-control-computed":
		if !e.isClass("user") {
			return nil
		}
		v := int64(0)
		if e.int("lockoutTime") != 0 {
			v |= uacLockout
		}
		if s.passwordExpired(e, d.now()) && e.first("pwdLastSet") != "0" {
			v |= uacPasswordExpired
		}
		return []string{strconv.FormatInt(v, 10)}
	}
	if len(e.dn) > 0 && strings.EqualFold(e.dn[0].attr, def.name) {
		return []string{e.rdnValue()} // the RDN attribute (cn, ou, dc)
	}
	switch {
	case def.is(flagLink):
		var out []string
		for _, t := range d.linkTargets(e, lname) {
			out = append(out, formatDN(t, rc.extendedDN))
		}
		return out
	case def.is(flagBackLink):
		var out []string
		for _, src := range d.backLinkSources(e, lname) {
			out = append(out, formatDN(src, rc.extendedDN))
		}
		return out
	case def.is(flagConstructed):
		return nil
	}
	vals := e.attrs[lname]
	if def.syntax == synDN && rc.extendedDN >= 0 {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = v
			if n, err := parseDN(v); err == nil {
				if t := d.lookup(n); t != nil {
					out[i] = formatDN(t, rc.extendedDN)
				}
			}
		}
		return out
	}
	return vals
}

// canonicalName is the object's canonical name: the NC's DNS name and the
// RDN values below it, "corp.example.com/Users/Jane Doe".
func canonicalName(e *entry) string {
	var parts []string
	for p := e; p != nil && !p.isNCHead(); p = p.parent {
		parts = append(parts, strings.ReplaceAll(p.rdnValue(), "/", `\/`))
	}
	var dns []string
	for _, r := range e.nc.dn {
		if strings.EqualFold(r.attr, "dc") {
			dns = append(dns, r.value)
		}
	}
	head := strings.Join(dns, ".")
	if !strings.EqualFold(e.nc.dn[0].attr, "dc") {
		for i := len(e.nc.dn) - len(dns) - 1; i >= 0; i-- {
			head += "/" + e.nc.dn[i].value
		}
	}
	out := head + "/"
	for i := len(parts) - 1; i >= 0; i-- {
		out += parts[i]
		if i > 0 {
			out += "/"
		}
	}
	return out
}

// renderEntry returns the attributes of e that sel asks for, ranged as AD
// ranges multi-valued attributes (MaxValRange).
func (s *Server) renderEntry(e *entry, sel *selection, rc readCtx) []partialAttr {
	var out []partialAttr
	for _, def := range schemaOrder {
		if !s.knows(def) || !sel.wants(def) {
			continue
		}
		vals := s.attrValues(e, def, rc)
		if len(vals) == 0 {
			continue
		}
		name := def.name
		r, explicit := sel.request(def)
		if explicit && r.ranged || len(vals) > s.opts.MaxValRange {
			lo, hi := 0, -1
			if explicit && r.ranged {
				lo, hi = r.lo, r.hi
			}
			vals, name = s.valueRange(def.name, vals, lo, hi)
		}
		if sel.typesOnly {
			vals = nil
		}
		out = append(out, partialAttr{name, vals})
	}
	return out
}

// valueRange cuts values lo..hi (hi < 0: to the end) to at most MaxValRange
// and names the result as AD does: "member;range=0-1499" while more remain,
// "member;range=1500-*" for the last part.
func (s *Server) valueRange(name string, vals []string, lo, hi int) ([]string, string) {
	n := len(vals)
	if lo >= n {
		return nil, name + ";range=" + strconv.Itoa(lo) + "-*"
	}
	end := n - 1
	if hi >= 0 && hi < end {
		end = hi
	}
	if end-lo+1 > s.opts.MaxValRange {
		end = lo + s.opts.MaxValRange - 1
	}
	label := strconv.Itoa(end)
	if end == n-1 {
		label = "*"
	}
	return vals[lo : end+1], name + ";range=" + strconv.Itoa(lo) + "-" + label
}
