package entratest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A $filter parser and evaluator for the subset of OData that Graph
// supports on directory objects
// (https://learn.microsoft.com/graph/filter-query-parameter and
// https://learn.microsoft.com/graph/aad-advanced-queries): eq, ne, ge,
// le, gt, lt, in, and, or, not, startswith, endswith, and any() lambdas on
// string collections. Which property supports which operator, with or
// without advanced query parameters, comes from the schema.

type filterNode struct {
	op    string // and, or, not, eq, ne, ge, le, gt, lt, in, startswith, endswith, any
	prop  *propDef
	val   any   // string, bool, float64 or nil
	vals  []any // in
	kids  []*filterNode
	inner string // any(): the operator inside the lambda (eq or startswith)
}

// maxOrClauses is Graph's limit on the clauses of an OR (or in) filter
// on directory objects.
const maxOrClauses = 15

type filterToken struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'p' punctuation
	text string
	pos  int
}

func lexFilter(src string) ([]filterToken, error) {
	var toks []filterToken
	i := 0
	for i < len(src) {
		r := rune(src[i])
		switch {
		case r == ' ' || r == '\t':
			i++
		case r == '(' || r == ')' || r == ',' || r == ':':
			toks = append(toks, filterToken{'p', string(r), i})
			i++
		case r == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, fmt.Errorf("unterminated string literal at position %d", i)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, filterToken{'s', b.String(), i})
			i = j + 1
		case r == '-' || unicode.IsDigit(r):
			j := i + 1
			for j < len(src) && (unicode.IsDigit(rune(src[j])) || src[j] == '.' || src[j] == '-' || src[j] == ':' || src[j] == 'T' || src[j] == 'Z') {
				j++
			}
			toks = append(toks, filterToken{'n', src[i:j], i})
			i = j
		case unicode.IsLetter(r) || r == '_' || r == '$':
			j := i + 1
			for j < len(src) && (unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j])) || strings.ContainsRune("_./$", rune(src[j]))) {
				j++
			}
			toks = append(toks, filterToken{'i', src[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("syntax error at position %d", i)
		}
	}
	return toks, nil
}

type filterParser struct {
	toks     []filterToken
	pos      int
	sch      *schema
	advanced bool
	src      string
	lambda   string // the range variable inside any()
}

// parseFilter parses and validates a $filter expression for sch.
// advanced says whether the advanced query parameters were sent.
func parseFilter(src string, sch *schema, advanced bool) (*filterNode, *graphError) {
	toks, err := lexFilter(src)
	if err != nil {
		return nil, errBadRequestCode("BadRequest", "Invalid filter clause: "+err.Error()+".")
	}
	p := &filterParser{toks: toks, sch: sch, advanced: advanced, src: src}
	n, ge := p.parseOr()
	if ge != nil {
		return nil, ge
	}
	if p.pos < len(p.toks) {
		return nil, p.syntax()
	}
	if c := orClauses(n); c > maxOrClauses {
		return nil, errUnsupportedQuery(fmt.Sprintf("Too many child clauses specified in search filter expression containing 'OR' operators: %d. Max allowed: %d.", c, maxOrClauses))
	}
	return n, nil
}

func (p *filterParser) syntax() *graphError {
	at := len(p.src)
	if p.pos < len(p.toks) {
		at = p.toks[p.pos].pos
	}
	return errBadRequestCode("BadRequest", fmt.Sprintf("Invalid filter clause: syntax error at position %d in '%s'.", at, p.src))
}

func (p *filterParser) peek() *filterToken {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *filterParser) keyword(kw string) bool {
	if t := p.peek(); t != nil && t.kind == 'i' && strings.EqualFold(t.text, kw) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) punct(s string) bool {
	if t := p.peek(); t != nil && t.kind == 'p' && t.text == s {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) parseOr() (*filterNode, *graphError) {
	left, e := p.parseAnd()
	if e != nil {
		return nil, e
	}
	for p.keyword("or") {
		right, e := p.parseAnd()
		if e != nil {
			return nil, e
		}
		left = &filterNode{op: "or", kids: []*filterNode{left, right}}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (*filterNode, *graphError) {
	left, e := p.parseUnary()
	if e != nil {
		return nil, e
	}
	for p.keyword("and") {
		right, e := p.parseUnary()
		if e != nil {
			return nil, e
		}
		left = &filterNode{op: "and", kids: []*filterNode{left, right}}
	}
	return left, nil
}

func (p *filterParser) parseUnary() (*filterNode, *graphError) {
	if p.keyword("not") {
		if !p.advanced {
			return nil, advancedOperator("not")
		}
		k, e := p.parseUnary()
		if e != nil {
			return nil, e
		}
		return &filterNode{op: "not", kids: []*filterNode{k}}, nil
	}
	if p.punct("(") {
		n, e := p.parseOr()
		if e != nil {
			return nil, e
		}
		if !p.punct(")") {
			return nil, p.syntax()
		}
		return n, nil
	}
	t := p.peek()
	if t == nil || t.kind != 'i' {
		return nil, p.syntax()
	}
	if fn := strings.ToLower(t.text); fn == "startswith" || fn == "endswith" {
		p.pos++
		return p.parseFunction(fn)
	}
	return p.parseComparison()
}

// parseFunction parses startswith(prop,'x') or endswith(prop,'x').
func (p *filterParser) parseFunction(fn string) (*filterNode, *graphError) {
	if !p.punct("(") {
		return nil, p.syntax()
	}
	t := p.peek()
	if t == nil || t.kind != 'i' {
		return nil, p.syntax()
	}
	p.pos++
	var prop *propDef
	if p.lambda == "" || t.text != p.lambda {
		var e *graphError
		if prop, e = p.property(t.text); e != nil {
			return nil, e
		}
	}
	if !p.punct(",") {
		return nil, p.syntax()
	}
	lit := p.peek()
	if lit == nil || lit.kind != 's' {
		return nil, p.syntax()
	}
	p.pos++
	if !p.punct(")") {
		return nil, p.syntax()
	}
	n := &filterNode{op: fn, prop: prop, val: lit.text}
	if prop == nil {
		return n, nil // inside a lambda: checked by the lambda
	}
	return n, p.allowed(n)
}

// parseComparison parses prop op literal, prop in (…) and
// prop/any(x:x eq 'v').
func (p *filterParser) parseComparison() (*filterNode, *graphError) {
	t := p.toks[p.pos]
	p.pos++
	name := t.text
	if base, ok := strings.CutSuffix(name, "/any"); ok {
		return p.parseAny(base)
	}
	var prop *propDef
	if p.lambda == "" || name != p.lambda {
		var e *graphError
		if prop, e = p.property(name); e != nil {
			return nil, e
		}
	}
	opTok := p.peek()
	if opTok == nil || opTok.kind != 'i' {
		return nil, p.syntax()
	}
	op := strings.ToLower(opTok.text)
	p.pos++
	n := &filterNode{op: op, prop: prop}
	switch op {
	case "eq", "ne", "ge", "le", "gt", "lt":
		v, ok := p.literal()
		if !ok {
			return nil, p.syntax()
		}
		n.val = v
	case "in":
		if !p.punct("(") {
			return nil, p.syntax()
		}
		for {
			v, ok := p.literal()
			if !ok {
				return nil, p.syntax()
			}
			n.vals = append(n.vals, v)
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return nil, p.syntax()
			}
		}
	default:
		return nil, p.syntax()
	}
	if prop == nil {
		return n, nil
	}
	return n, p.allowed(n)
}

// parseAny parses the rest of prop/any(x: x eq 'v').
func (p *filterParser) parseAny(name string) (*filterNode, *graphError) {
	prop, e := p.property(name)
	if e != nil {
		return nil, e
	}
	if prop.typ != tStrings {
		return nil, errUnsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", prop.name, p.sch.resource))
	}
	if !p.punct("(") {
		return nil, p.syntax()
	}
	v := p.peek()
	if v == nil || v.kind != 'i' || p.lambda != "" {
		return nil, p.syntax()
	}
	p.pos++
	if !p.punct(":") {
		return nil, p.syntax()
	}
	p.lambda = v.text
	inner, ge := p.parseUnary()
	p.lambda = ""
	if ge != nil {
		return nil, ge
	}
	if !p.punct(")") {
		return nil, p.syntax()
	}
	if inner.prop != nil || (inner.op != "eq" && inner.op != "startswith") {
		return nil, errUnsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", prop.name, p.sch.resource))
	}
	n := &filterNode{op: "any", prop: prop, val: inner.val, inner: inner.op}
	if !prop.has(fEq) {
		return nil, errUnsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", prop.name, p.sch.resource))
	}
	return n, nil
}

func (p *filterParser) literal() (any, bool) {
	t := p.peek()
	if t == nil {
		return nil, false
	}
	switch t.kind {
	case 's':
		p.pos++
		return t.text, true
	case 'n':
		p.pos++
		if f, err := strconv.ParseFloat(t.text, 64); err == nil {
			return f, true
		}
		return t.text, true // a date such as 2021-11-01
	case 'i':
		switch strings.ToLower(t.text) {
		case "true":
			p.pos++
			return true, true
		case "false":
			p.pos++
			return false, true
		case "null":
			p.pos++
			return nil, true
		}
	}
	return nil, false
}

func (p *filterParser) property(name string) (*propDef, *graphError) {
	prop := p.sch.prop(name)
	if prop == nil || prop.has(fWriteOnly) {
		return nil, errBadRequestCode("BadRequest", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", name, p.sch.typeName))
	}
	return prop, nil
}

// advancedOperator is the error for an operator that needs the advanced
// query parameters (aad-advanced-queries, "endsWith" example).
func advancedOperator(op string) *graphError {
	return errUnsupportedQuery(fmt.Sprintf("Operator '%s' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information", op))
}

// allowed checks that the property supports the operator, with or without
// advanced query parameters, and that the literal has the property's type.
func (p *filterParser) allowed(n *filterNode) *graphError {
	prop := n.prop
	unsupported := errUnsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", prop.name, p.sch.resource))
	basic, advancedOnly := false, false
	switch n.op {
	case "eq", "in":
		basic = prop.has(fEq)
		if n.op == "eq" && n.val == nil {
			basic, advancedOnly = false, true
		}
	case "startswith":
		basic = prop.has(fStarts)
	case "ne", "endswith", "ge", "le", "gt", "lt":
		advancedOnly = true
	}
	switch {
	case basic:
	case !p.advanced && (advancedOnly || prop.has(fAdvanced)):
		name := n.op
		if name == "endswith" {
			name = "endsWith"
		}
		if n.op == "eq" {
			return unsupported
		}
		return advancedOperator(name)
	case p.advanced && prop.has(fAdvanced):
	default:
		return unsupported
	}
	vals := n.vals
	if n.op != "in" {
		vals = []any{n.val}
	}
	for _, v := range vals {
		if v == nil {
			continue
		}
		switch prop.typ {
		case tBool:
			if _, ok := v.(bool); !ok {
				return errBadRequestCode("BadRequest", fmt.Sprintf("A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and '%s' for operator kind 'Equal'.", edmType(v)))
			}
		case tString, tStrings, tDateTime:
			if _, ok := v.(string); !ok {
				return errBadRequestCode("BadRequest", fmt.Sprintf("A binary operator with incompatible types was detected. Found operand types 'Edm.String' and '%s' for operator kind 'Equal'.", edmType(v)))
			}
		}
	}
	return nil
}

func edmType(v any) string {
	switch v.(type) {
	case bool:
		return "Edm.Boolean"
	case float64:
		return "Edm.Int32"
	}
	return "Edm.String"
}

// orClauses counts the leaf clauses under OR operators and in lists.
func orClauses(n *filterNode) int {
	switch n.op {
	case "or":
		return leaves(n)
	case "in":
		return len(n.vals)
	case "and", "not":
		m := 0
		for _, k := range n.kids {
			m = max(m, orClauses(k))
		}
		return m
	}
	return 0
}

func leaves(n *filterNode) int {
	switch n.op {
	case "or":
		return leaves(n.kids[0]) + leaves(n.kids[1])
	case "in":
		return len(n.vals)
	}
	return 1
}

// eval reports whether o matches the filter. String comparisons ignore
// case, as directory queries do.
func (n *filterNode) eval(o *object) bool {
	switch n.op {
	case "and":
		return n.kids[0].eval(o) && n.kids[1].eval(o)
	case "or":
		return n.kids[0].eval(o) || n.kids[1].eval(o)
	case "not":
		return !n.kids[0].eval(o)
	case "any":
		arr, _ := o.value(n.prop.name).([]any)
		for _, a := range arr {
			s, _ := a.(string)
			want, _ := n.val.(string)
			if n.inner == "eq" && strings.EqualFold(s, want) || n.inner == "startswith" && hasPrefixFold(s, want) {
				return true
			}
		}
		return false
	}
	v := o.value(n.prop.name)
	switch n.op {
	case "eq":
		return equalValue(v, n.val)
	case "ne":
		return !equalValue(v, n.val)
	case "in":
		for _, w := range n.vals {
			if equalValue(v, w) {
				return true
			}
		}
		return false
	case "startswith":
		s, ok := v.(string)
		return ok && hasPrefixFold(s, n.val.(string))
	case "endswith":
		s, ok := v.(string)
		return ok && len(s) >= len(n.val.(string)) && strings.EqualFold(s[len(s)-len(n.val.(string)):], n.val.(string))
	case "ge", "le", "gt", "lt":
		a, aok := v.(string)
		b, bok := n.val.(string)
		if !aok || !bok {
			return false
		}
		c := strings.Compare(strings.ToLower(a), strings.ToLower(b))
		switch n.op {
		case "ge":
			return c >= 0
		case "le":
			return c <= 0
		case "gt":
			return c > 0
		}
		return c < 0
	}
	return false
}

func equalValue(v, want any) bool {
	switch w := want.(type) {
	case nil:
		if arr, ok := v.([]any); ok {
			return len(arr) == 0
		}
		return v == nil
	case string:
		switch x := v.(type) {
		case string:
			return strings.EqualFold(x, w)
		case []any:
			for _, a := range x {
				if s, ok := a.(string); ok && strings.EqualFold(s, w) {
					return true
				}
			}
		}
		return false
	case bool:
		b, ok := v.(bool)
		return ok && b == w
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// indexedCandidates returns the objects that can match n, found through
// the directory's unique indexes, and false when the filter does not pin
// an indexed property (the caller then scans).
func (d *directory) indexedCandidates(k kind, n *filterNode) ([]*object, bool) {
	switch n.op {
	case "and":
		if c, ok := d.indexedCandidates(k, n.kids[0]); ok {
			return c, true
		}
		return d.indexedCandidates(k, n.kids[1])
	case "or":
		a, ok := d.indexedCandidates(k, n.kids[0])
		if !ok {
			return nil, false
		}
		b, ok := d.indexedCandidates(k, n.kids[1])
		if !ok {
			return nil, false
		}
		return append(a, b...), true
	case "eq", "in":
		if n.prop == nil {
			return nil, false
		}
		vals := n.vals
		if n.op == "eq" {
			vals = []any{n.val}
		}
		var out []*object
		for _, v := range vals {
			s, isStr := v.(string)
			if !isStr {
				return nil, false
			}
			o, indexed := d.lookupIndexed(k, n.prop.name, s)
			if !indexed {
				return nil, false
			}
			if o != nil {
				out = append(out, o)
			}
		}
		return out, true
	case "any":
		if n.prop.name != "proxyAddresses" || n.inner != "eq" {
			return nil, false
		}
		s, _ := n.val.(string)
		if o := d.byProxy[strings.ToLower(s)]; o != nil && o.kind == k {
			return []*object{o}, true
		}
		return nil, true
	}
	return nil, false
}

// lookupIndexed finds the live object of kind k whose unique property
// name equals value; indexed is false for a property without an index.
func (d *directory) lookupIndexed(k kind, name, value string) (o *object, indexed bool) {
	switch {
	case name == "id":
		o = d.live(value, k)
	case k == kindUser && name == "userPrincipalName":
		o = d.byUPN[strings.ToLower(value)]
	case k == kindUser && name == "onPremisesImmutableId":
		o = d.byImmutable[strings.ToLower(value)]
	case k == kindApplication && name == "appId":
		o = d.appByAppID[strings.ToLower(value)]
	case k == kindServicePrincipal && name == "appId":
		o = d.spByAppID[strings.ToLower(value)]
	default:
		return nil, false
	}
	if o != nil && (!o.live() || o.kind != k) {
		o = nil
	}
	return o, true
}
