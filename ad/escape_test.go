package ad

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// nastyValues hold every character RFC 4514 and RFC 4515 treat specially.
var nastyValues = []string{
	`Smith, John`, `a+b`, `"quoted"`, `back\slash`, `<angle>`, `semi;colon`, `equals=sign`,
	`#leading hash`, ` leading space`, `trailing space `, `star*`, `(paren)`, `José Müller`, `王小明`,
	`all ,+"\<>;=#*() of them`, "tab\there", "nul\x00byte", "broken \xff utf-8",
}

func TestEscapeFilter(t *testing.T) {
	tests := map[string]string{
		"plain":       "plain",
		"a*b":         `a\2ab`,
		"(x)":         `\28x\29`,
		`back\slash`:  `back\5cslash`,
		"nul\x00":     `nul\00`,
		"José":        `Jos\c3\a9`,
		"broken\xff":  `broken\ff`,
		"new\nline":   `new\0aline`,
		"":            "",
		"del\x7f":     `del\7f`,
		"a=b,c;d<e>f": "a=b,c;d<e>f",
	}
	for in, want := range tests {
		if got := EscapeFilter(in); got != want {
			t.Errorf("EscapeFilter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeDN(t *testing.T) {
	tests := map[string]string{
		"plain":           "plain",
		"Smith, John":     `Smith\, John`,
		`a+b"c\d<e>f;g=h`: `a\+b\"c\\d\<e\>f\;g\=h`,
		"#1":              `\#1`,
		"a#1":             "a#1",
		" lead":           `\ lead`,
		"trail ":          `trail\ `,
		" ":               `\ `,
		"mid dle":         "mid dle",
		"nul\x00":         `nul\00`,
		"José":            "José",
		"bad\xff":         `bad\ff`,
		"":                "",
	}
	for in, want := range tests {
		if got := EscapeDN(in); got != want {
			t.Errorf("EscapeDN(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEscapingAgainstSamba creates an object per nasty name with
// EscapeDN, reads its cn back, and finds it by that name with
// EscapeFilter: exactly one match, never a wildcard.
func TestEscapingAgainstSamba(t *testing.T) {
	dc, c := admin(t)
	ou := dc.NewOU(t, "escaping")
	ctx := context.Background()
	for _, name := range nastyValues {
		if strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			continue // AD refuses NUL and broken UTF-8 in names; the unit tests cover them
		}
		t.Run(name, func(t *testing.T) {
			dn := "CN=" + EscapeDN(name) + "," + ou
			dc.Add(t, dn, map[string][]string{"objectClass": {"contact"}, "displayName": {name}})
			e, err := c.readEntry(ctx, dn, []string{"cn"})
			if err != nil {
				t.Fatalf("read %s: %v", dn, err)
			}
			// Samba keeps leading and trailing spaces of an escaped value.
			if got := e.GetAttributeValue("cn"); got != name {
				t.Errorf("cn = %q, want %q", got, name)
			}
			entries, err := c.search(ctx, &ldap.SearchRequest{BaseDN: ou, Scope: ldap.ScopeWholeSubtree,
				Filter: "(displayName=" + EscapeFilter(name) + ")", Attributes: []string{"1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || !dnEqual(entries[0].DN, dn) {
				t.Errorf("filter on %q found %d entries", name, len(entries))
			}
		})
	}
	entries, err := c.search(ctx, &ldap.SearchRequest{BaseDN: ou, Scope: ldap.ScopeWholeSubtree,
		Filter: "(displayName=" + EscapeFilter("*") + ")", Attributes: []string{"1.1"}})
	if err != nil || len(entries) != 0 {
		t.Errorf("an escaped * matched %d entries (%v), want none", len(entries), err)
	}
}

// FuzzEscapeDN checks that any value, escaped, parses back to itself as
// the value of an RDN.
func FuzzEscapeDN(f *testing.F) {
	for _, v := range nastyValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if v == "" {
			return
		}
		dn := "CN=" + EscapeDN(v) + ",DC=example"
		p, err := ldap.ParseDN(dn)
		if err != nil {
			t.Fatalf("ParseDN(%q) of the escaped %q: %v", dn, v, err)
		}
		if len(p.RDNs) != 2 || len(p.RDNs[0].Attributes) != 1 {
			t.Fatalf("%q parsed to %d RDNs", dn, len(p.RDNs))
		}
		if got := p.RDNs[0].Attributes[0].Value; got != v {
			t.Fatalf("value %q came back as %q from %q", v, got, dn)
		}
	})
}

// FuzzEscapeFilter checks that any value, escaped, compiles into an
// equality filter holding exactly that value.
func FuzzEscapeFilter(f *testing.F) {
	for _, v := range nastyValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		filter := "(cn=" + EscapeFilter(v) + ")"
		p, err := ldap.CompileFilter(filter)
		if err != nil {
			t.Fatalf("CompileFilter(%q) of the escaped %q: %v", filter, v, err)
		}
		if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
			t.Fatalf("%q compiled to tag %d with %d children, want an equality match", filter, p.Tag, len(p.Children))
		}
		if got := p.Children[1].Data.String(); got != v {
			t.Fatalf("value %q came back as %q from %q", v, got, filter)
		}
	})
}
