package sync

import (
	"reflect"
	"testing"
)

func TestParseDN(t *testing.T) {
	tests := []struct {
		in, canonical, domain, leaf string
		wantErr                     bool
	}{
		{in: "CN=Alice,OU=Staff,DC=corp,DC=example,DC=com", canonical: "cn=alice,ou=staff,dc=corp,dc=example,dc=com", domain: "corp.example.com", leaf: "Alice"},
		{in: `CN=Smith\, John, OU=Staff ,DC=corp`, canonical: `cn=smith\, john,ou=staff,dc=corp`, domain: "corp", leaf: "Smith, John"},
		{in: `CN=Smith\2C John,OU=Staff,DC=corp`, canonical: `cn=smith\, john,ou=staff,dc=corp`, domain: "corp", leaf: "Smith, John"},
		{in: `CN=bob\0ACNF:1234,OU=x`, canonical: `cn=bob\0acnf:1234,ou=x`, leaf: "bob\nCNF:1234"},
		{in: `CN=a\+b\=c\\d,DC=x`, canonical: `cn=a\+b\=c\\d,dc=x`, domain: "x", leaf: `a+b=c\d`},
		{in: "", wantErr: true},
		{in: "Staff", wantErr: true},
		{in: "OU=a,", wantErr: true},
		{in: "=x,OU=a", wantErr: true},
		{in: `CN=a\`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := parseDN(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseDN(%q) = %v, want an error", tt.in, d)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDN(%q): %v", tt.in, err)
			}
			if got := d.String(); got != tt.canonical {
				t.Errorf("canonical = %q, want %q", got, tt.canonical)
			}
			if got := d.domain(); got != tt.domain {
				t.Errorf("domain = %q, want %q", got, tt.domain)
			}
			if got := d.leafValue(); got != tt.leaf {
				t.Errorf("leaf = %q, want %q", got, tt.leaf)
			}
		})
	}
}

func TestDNUnder(t *testing.T) {
	base, _ := parseDN("OU=Staff,DC=corp,DC=com")
	for dn, want := range map[string]bool{
		"CN=a,OU=Staff,DC=corp,DC=com":      true,
		"OU=Staff,DC=corp,DC=com":           true,
		"cn=a,ou=STAFF,dc=CORP,dc=com":      true,
		"CN=a,OU=Staff2,DC=corp,DC=com":     false,
		"CN=a,OU=Staff,DC=corp,DC=com,DC=x": false,
		"DC=corp,DC=com":                    false,
	} {
		d, err := parseDN(dn)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.under(base); got != want {
			t.Errorf("%q under %q = %v, want %v", dn, base, got, want)
		}
	}
}

func TestGUIDRoundTrip(t *testing.T) {
	const s = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	g := MustParseGUID(s)
	// AD stores the first three fields little-endian.
	if g[0] != 0x3c || g[3] != 0x0f || g[4] != 0x5a || g[8] != 0x87 {
		t.Errorf("bytes = % x, want AD's mixed-endian order", g[:])
	}
	if g.String() != s {
		t.Errorf("String = %q, want %q", g.String(), s)
	}
	if _, err := ParseGUID("not-a-guid"); err == nil {
		t.Error("ParseGUID(not-a-guid) succeeded")
	}
}

// TestSourceHashCoversEveryField sets each field of SourceObject in turn:
// the snapshot digest must change, or an edit of that field would be lost
// when the engine skips rewriting an unchanged snapshot.
func TestSourceHashCoversEveryField(t *testing.T) {
	base := (&SourceObject{}).hash()
	typ := reflect.TypeFor[SourceObject]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var o SourceObject
		v := reflect.ValueOf(&o).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Uint8, reflect.Uint32:
			v.SetUint(1)
		case reflect.Array: // GUID
			v.Index(0).SetUint(1)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			if e := v.Index(0); e.Kind() == reflect.Uint8 {
				e.SetUint(1)
			} else if e.Kind() == reflect.String {
				e.SetString("x")
			} else {
				e.FieldByName("DN").SetString("x")
			}
		case reflect.Struct: // Ref
			v.FieldByName("DN").SetString("x")
		default:
			t.Fatalf("field %s: kind %s not covered by this test", f.Name, v.Kind())
		}
		if o.hash() == base {
			t.Errorf("setting %s does not change the snapshot digest", f.Name)
		}
	}
}
