package memdc

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// tri is a filter result in RFC 4511 §4.5.1.7's three-valued logic.
type tri uint8

const (
	fFalse tri = iota
	fTrue
	fUndefined
)

func triOf(b bool) tri {
	if b {
		return fTrue
	}
	return fFalse
}

// target is what a filter is evaluated against: a directory object or the
// rootDSE.
type target interface {
	// values returns the values of an attribute and whether the attribute
	// is defined at all.
	values(def *attrDef, name string) ([]string, bool)
	object() *entry // nil for the rootDSE
}

type entryTarget struct {
	s *Server
	e *entry
}

func (t entryTarget) values(def *attrDef, _ string) ([]string, bool) {
	if def == nil || !t.s.knows(def) {
		return nil, false
	}
	return t.s.storedValues(t.e, def), true
}

func (t entryTarget) object() *entry { return t.e }

type rootTarget []partialAttr

func (t rootTarget) values(_ *attrDef, name string) ([]string, bool) {
	return rootDSEValues(t, name)
}

func (t rootTarget) object() *entry { return nil }

// filterNode is one compiled filter item.
type filterNode interface {
	eval(d *directory, t target) tri
}

type andNode []filterNode

func (n andNode) eval(d *directory, t target) tri {
	r := fTrue
	for _, c := range n {
		switch c.eval(d, t) {
		case fFalse:
			return fFalse
		case fUndefined:
			r = fUndefined
		}
	}
	return r
}

type orNode []filterNode

func (n orNode) eval(d *directory, t target) tri {
	r := fFalse
	for _, c := range n {
		switch c.eval(d, t) {
		case fTrue:
			return fTrue
		case fUndefined:
			r = fUndefined
		}
	}
	return r
}

type notNode struct{ c filterNode }

func (n notNode) eval(d *directory, t target) tri {
	switch n.c.eval(d, t) {
	case fTrue:
		return fFalse
	case fFalse:
		return fTrue
	}
	return fUndefined
}

type constNode tri

func (n constNode) eval(*directory, target) tri { return tri(n) }

// presentNode is (attr=*).
type presentNode struct {
	def  *attrDef
	name string
}

func (n presentNode) eval(d *directory, t target) tri {
	if strings.EqualFold(n.name, "objectClass") {
		return fTrue
	}
	vals, ok := t.values(n.def, n.name)
	if !ok {
		return fUndefined
	}
	return triOf(len(vals) > 0)
}

// Comparison operators.
const (
	opEq = iota
	opGE
	opLE
)

// cmpNode is an equality, >=, <= or ~= assertion.
type cmpNode struct {
	def   *attrDef
	name  string
	op    int
	value string
	num   int64  // value as an integer, for integer syntaxes
	numOK bool   // value parsed as an integer
	dnKey string // value as a DN key, for DN syntaxes
	link  *entry // the object a link value names; nil when it does not exist
}

func (n *cmpNode) eval(d *directory, t target) tri {
	e := t.object()
	if e != nil && n.def != nil && n.op == opEq {
		switch {
		case n.def.is(flagLink):
			if n.link == nil {
				return fFalse
			}
			return triOf(d.hasLink(e, strings.ToLower(n.def.name), n.link.guid) && !n.link.deleted)
		case n.def.is(flagBackLink):
			if n.link == nil || n.link.deleted {
				return fFalse
			}
			return triOf(d.hasLink(n.link, strings.ToLower(n.def.forward), e.guid))
		}
	}
	vals, ok := t.values(n.def, n.name)
	if !ok {
		return fUndefined
	}
	syn := synString
	if n.def != nil {
		syn = n.def.syntax
	}
	if (syn == synInt) && !n.numOK {
		return fUndefined
	}
	for _, v := range vals {
		c, valid := compareValue(syn, v, n)
		if !valid {
			continue
		}
		switch {
		case n.op == opEq && c == 0, n.op == opGE && c >= 0, n.op == opLE && c <= 0:
			return fTrue
		}
	}
	return fFalse
}

// compareValue compares an attribute value with the assertion: negative when
// the value sorts first.
func compareValue(syn syntax, v string, n *cmpNode) (int, bool) {
	switch syn {
	case synInt:
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		switch {
		case x < n.num:
			return -1, true
		case x > n.num:
			return 1, true
		}
		return 0, true
	case synDN:
		p, err := parseDN(v)
		if err != nil {
			return 0, false
		}
		return strings.Compare(p.key(), n.dnKey), true
	case synTime:
		a, err1 := parseGeneralizedTime(v)
		b, err2 := parseGeneralizedTime(n.value)
		if err1 != nil || err2 != nil {
			return strings.Compare(v, n.value), true
		}
		return a.Compare(b), true
	case synBinary, synSID, synSD:
		return bytes.Compare([]byte(v), []byte(n.value)), true
	}
	return strings.Compare(foldString(v), foldString(n.value)), true
}

func parseGeneralizedTime(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, "Z")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	return time.Parse("20060102150405", s)
}

// subNode is a substrings assertion, on string syntaxes only (AD does not
// match substrings of DNs).
type subNode struct {
	def     *attrDef
	name    string
	initial string
	any     []string
	final   string
}

func (n subNode) eval(d *directory, t target) tri {
	vals, ok := t.values(n.def, n.name)
	if !ok {
		return fUndefined
	}
	if n.def != nil && n.def.syntax != synString && n.def.syntax != synOID {
		return fFalse
	}
	for _, v := range vals {
		v = foldString(v)
		if !strings.HasPrefix(v, n.initial) {
			continue
		}
		rest := v[len(n.initial):]
		matched := true
		for _, a := range n.any {
			i := strings.Index(rest, a)
			if i < 0 {
				matched = false
				break
			}
			rest = rest[i+len(a):]
		}
		if matched && strings.HasSuffix(rest, n.final) && len(rest) >= len(n.final) {
			return fTrue
		}
	}
	return fFalse
}

// bitNode is LDAP_MATCHING_RULE_BIT_AND or _BIT_OR (MS-ADTS
// §3.1.1.3.4.4.1-2) on an integer attribute.
type bitNode struct {
	def  *attrDef
	name string
	and  bool
	mask uint64
}

func (n bitNode) eval(d *directory, t target) tri {
	vals, ok := t.values(n.def, n.name)
	if !ok {
		return fUndefined
	}
	for _, v := range vals {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		u := uint64(x)
		if n.and && u&n.mask == n.mask || !n.and && u&n.mask != 0 {
			return fTrue
		}
	}
	return fFalse
}

// chainNode is LDAP_MATCHING_RULE_IN_CHAIN (MS-ADTS §3.1.1.3.4.4.3): the
// object reaches target by following a DN-valued link transitively.
type chainNode struct {
	def    *attrDef
	target *entry
}

func (n chainNode) eval(d *directory, t target) tri {
	e := t.object()
	if e == nil || n.target == nil || n.target.deleted {
		return fFalse
	}
	return triOf(d.inChain(e, n.def, n.target))
}

// compileFilter turns a BER filter into nodes, resolving attribute names
// against the schema and DN values against the directory.
func (s *Server) compileFilter(p *ber.Packet) (filterNode, *ldapError) {
	bad := func(what string) (filterNode, *ldapError) {
		return nil, newErr(codeProtocolError, "00000057: LdapErr: DSID-0C0C0D3F, comment: Error in filter: %s, data 0, v4563", what)
	}
	if p == nil || p.ClassType != ber.ClassContext {
		return bad("not a filter choice")
	}
	switch p.Tag {
	case 0, 1:
		var nodes []filterNode
		for _, c := range p.Children {
			n, err := s.compileFilter(c)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		if p.Tag == 0 {
			return andNode(nodes), nil
		}
		return orNode(nodes), nil
	case 2:
		if len(p.Children) != 1 {
			return bad("not needs one filter")
		}
		n, err := s.compileFilter(p.Children[0])
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case 3, 5, 6, 8:
		if len(p.Children) != 2 {
			return bad("assertion needs an attribute and a value")
		}
		name, value := p.Children[0].Data.String(), p.Children[1].Data.String()
		op := opEq
		if p.Tag == 5 {
			op = opGE
		} else if p.Tag == 6 {
			op = opLE
		}
		return s.compileCompare(name, op, value), nil
	case 4:
		if len(p.Children) != 2 {
			return bad("substrings needs an attribute and parts")
		}
		name := p.Children[0].Data.String()
		n := subNode{def: s.attr(name), name: name}
		for _, part := range p.Children[1].Children {
			v := foldString(part.Data.String())
			switch part.Tag {
			case 0:
				n.initial = v
			case 1:
				n.any = append(n.any, v)
			case 2:
				n.final = v
			}
		}
		return n, nil
	case 7:
		name := p.Data.String()
		return presentNode{def: s.attr(name), name: name}, nil
	case 9:
		var rule, name, value string
		for _, c := range p.Children {
			switch c.Tag {
			case 1:
				rule = c.Data.String()
			case 2:
				name = c.Data.String()
			case 3:
				value = c.Data.String()
			}
		}
		def := s.attr(name)
		switch rule {
		case oidMatchBitAnd, oidMatchBitOr:
			v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if def == nil || def.syntax != synInt || err != nil {
				return constNode(fUndefined), nil
			}
			return bitNode{def: def, name: name, and: rule == oidMatchBitAnd, mask: uint64(v)}, nil
		case oidMatchInChain:
			if def == nil || !(def.is(flagLink) || def.is(flagBackLink)) {
				return constNode(fUndefined), nil
			}
			t, _ := s.dir.resolve(value, true)
			return chainNode{def: def, target: t}, nil
		case "":
			return s.compileCompare(name, opEq, value), nil
		}
		return constNode(fUndefined), nil
	}
	return bad("unknown filter choice " + strconv.Itoa(int(p.Tag)))
}

// attr resolves an attribute description (options stripped) to the schema,
// nil when the forest does not define it.
func (s *Server) attr(name string) *attrDef {
	def := lookupAttr(name)
	if def == nil || !s.knows(def) {
		return nil
	}
	return def
}

// knows reports whether the forest's schema holds def.
func (s *Server) knows(def *attrDef) bool {
	return !(def.is(flagExchange) && s.opts.WithoutExchangeSchema)
}

func (s *Server) compileCompare(name string, op int, value string) filterNode {
	def := s.attr(name)
	n := &cmpNode{def: def, name: name, op: op, value: value}
	if def == nil {
		return n
	}
	switch def.syntax {
	case synInt:
		v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		n.num, n.numOK = v, err == nil
	case synSID:
		if strings.HasPrefix(strings.ToUpper(value), "S-1-") {
			if b, err := parseSIDString(value); err == nil {
				n.value = string(b)
			}
		}
	case synDN:
		if strings.EqualFold(def.name, "objectCategory") && !strings.Contains(value, "=") {
			value = s.categoryDN(s.categoryFor(value))
			n.value = value
		}
		if p, err := parseDN(value); err == nil {
			n.dnKey = p.key()
		} else if !strings.HasPrefix(value, "<") {
			return constNode(fFalse)
		}
		if def.is(flagLink) || def.is(flagBackLink) {
			n.link, _ = s.dir.resolve(value, true)
		}
	}
	return n
}

// categoryFor resolves a short objectCategory name as AD does: a class's
// lDAPDisplayName stands for its defaultObjectCategory, so (objectCategory=user)
// matches Person objects, contacts included.
func (s *Server) categoryFor(name string) string {
	if c, ok := categoryAliases[strings.ToLower(name)]; ok {
		return c
	}
	if c := classes[strings.ToLower(name)]; c != nil {
		return c.category
	}
	return name
}
