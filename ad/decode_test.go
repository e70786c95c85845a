package ad

import (
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func entry(dn string, attrs map[string][]string) *ldap.Entry {
	e := &ldap.Entry{DN: dn}
	for k, vs := range attrs {
		a := &ldap.EntryAttribute{Name: k, Values: vs}
		for _, v := range vs {
			a.ByteValues = append(a.ByteValues, []byte(v))
		}
		e.Attributes = append(e.Attributes, a)
	}
	return e
}

// TestDecodeOddData feeds malformed values: each is reported as a warning
// and read as well as it can be, never a panic or an error.
func TestDecodeOddData(t *testing.T) {
	o := decodeObject(entry("CN=odd,DC=x", map[string][]string{
		"objectGUID":         {"short"},
		"objectSid":          {"\x01\x05\x00"},
		"displayName":        {"Bad \xff\xfe UTF-8"},
		"userAccountControl": {"not a number"},
		"groupType":          {"99999999999"},
		"whenChanged":        {"yesterday"},
		"mail":               {"a@x", "b@x"},
		"objectClass":        {"top", "person", "organizationalPerson", "user"},
		"objectCategory":     {"CN=Person,CN=Schema,CN=Configuration,DC=x"},
	}))
	if o.Kind != KindUser || o.DN != "CN=odd,DC=x" {
		t.Errorf("kind %v dn %q", o.Kind, o.DN)
	}
	if !o.GUID.IsZero() || !o.SID.IsZero() || o.UserAccountControl != 0 || o.GroupType != 0 || !o.WhenChanged.IsZero() {
		t.Errorf("malformed values were not left empty: %+v", o)
	}
	if o.DisplayName != "Bad \uFFFD UTF-8" || o.Mail != "a@x" {
		t.Errorf("displayName %q, mail %q", o.DisplayName, o.Mail)
	}
	for _, want := range []string{"objectGUID has 5 bytes", "objectSid is malformed", "displayName is not valid UTF-8",
		"userAccountControl \"not a number\"", "groupType \"99999999999\" is not a 32-bit", "whenChanged \"yesterday\"", "mail has 2 values"} {
		found := false
		for _, w := range o.Warnings {
			found = found || strings.Contains(w, want)
		}
		if !found {
			t.Errorf("no warning containing %q in %q", want, o.Warnings)
		}
	}
}

func TestDecodeGoodData(t *testing.T) {
	g := MustParseGUID("01234567-89ab-cdef-0123-456789abcdef")
	o := decodeObject(entry("CN=g,DC=x", map[string][]string{
		"objectGUID":             {string(g[:])},
		"groupType":              {"-2147483646"},
		"whenChanged":            {"20261126200830.0Z"},
		"isCriticalSystemObject": {"TRUE"},
		"uSNChanged":             {"12345"},
		"objectClass":            {"top", "group"},
	}))
	if o.GUID != g || o.Kind != KindGroup || !o.SecurityGroup() || o.GroupType != -2147483646 || !o.CriticalSystemObject || o.USNChanged != 12345 {
		t.Errorf("%+v", o)
	}
	if want := time.Date(2026, 11, 26, 20, 8, 30, 0, time.UTC); !o.WhenChanged.Equal(want) {
		t.Errorf("whenChanged %v, want %v", o.WhenChanged, want)
	}
	if len(o.Warnings) != 0 {
		t.Errorf("warnings %q", o.Warnings)
	}
}

func TestKindOf(t *testing.T) {
	person := "CN=Person,CN=Schema,CN=Configuration,DC=x"
	tests := []struct {
		classes  []string
		category string
		want     Kind
	}{
		{[]string{"top", "person", "organizationalPerson", "user"}, person, KindUser},
		{[]string{"top", "person", "organizationalPerson", "user", "computer"}, "CN=Computer,CN=Schema,DC=x", KindUnknown},
		{[]string{"top", "person", "organizationalPerson", "user"}, "CN=ms-DS-Managed-Service-Account,CN=Schema,DC=x", KindUnknown},
		{[]string{"top", "person", "organizationalPerson", "contact"}, person, KindContact},
		{[]string{"top", "GROUP"}, "", KindGroup},
		{[]string{"top", "organizationalUnit"}, "", KindUnknown},
	}
	for _, tt := range tests {
		if got := kindOf(tt.classes, tt.category); got != tt.want {
			t.Errorf("kindOf(%q, %q) = %v, want %v", tt.classes, tt.category, got, tt.want)
		}
	}
}

func TestRangedValues(t *testing.T) {
	tests := []struct {
		name     string
		attrs    map[string][]string
		wantN    int
		wantNext int
		wantDone bool
		wantErr  bool
	}{
		{"no members", nil, 0, 0, true, false},
		{"plain attribute (DC ignored the range)", map[string][]string{"member": {"a", "b"}}, 2, 0, true, false},
		{"last range", map[string][]string{"member;range=1500-*": {"a"}}, 1, 0, true, false},
		{"more to come", map[string][]string{"Member;Range=0-1499": {"a", "b"}}, 2, 1500, false, false},
		{"DC with a lower limit", map[string][]string{"member;range=0-999": {"a"}}, 1, 1000, false, false},
		{"malformed", map[string][]string{"member;range=x": {"a"}}, 0, 0, false, true},
		{"backwards", map[string][]string{"member;range=9-3": {"a"}}, 0, 0, false, true},
		{"empty middle range", map[string][]string{"member;range=0-1499": {}}, 0, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, next, done, err := rangedValues(entry("CN=g", tt.attrs), "member")
			if (err != nil) != tt.wantErr || len(vals) != tt.wantN || next != tt.wantNext || done != tt.wantDone {
				t.Errorf("got %d values, next %d, done %v, err %v; want %d, %d, %v, err %v", len(vals), next, done, err, tt.wantN, tt.wantNext, tt.wantDone, tt.wantErr)
			}
		})
	}
}

func TestKindFilter(t *testing.T) {
	f, err := kindFilter(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ldap.CompileFilter(f); err != nil {
		t.Errorf("kindFilter(nil) = %q does not compile: %v", f, err)
	}
	if f, _ := kindFilter([]Kind{KindGroup}); f != "(objectCategory=group)" {
		t.Errorf("groups only: %q", f)
	}
}
