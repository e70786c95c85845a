package ad

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

func TestSIDBinaryAndText(t *testing.T) {
	tests := []struct{ b64, text string }{
		// objectSid of a Samba domain's Administrator.
		{"AQUAAAAAAAUVAAAAYvPc+fh7R4+DOCiN9AEAAA==", "S-1-5-21-4192007010-2403826680-2368223363-500"},
		{"AQEAAAAAAAEAAAAA", "S-1-1-0"},              // Everyone
		{"AQIAAAAAAAUgAAAAIAIAAA==", "S-1-5-32-544"}, // BUILTIN\Administrators
		{"AQAAAAAAAAA=", "S-1-0"},                    // no sub-authority: valid binary, degenerate text
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			raw, _ := base64.StdEncoding.DecodeString(tt.b64)
			sid, err := SIDFromBytes(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(sid.SubAuthorities) > 0 && sid.String() != tt.text {
				t.Errorf("String() = %q, want %q", sid.String(), tt.text)
			}
			if got := sid.appendTo(nil); !bytes.Equal(got, raw) {
				t.Errorf("binary round trip = %x, want %x", got, raw)
			}
			parsed, err := ParseSID(tt.text)
			if err != nil || !parsed.Equal(sid) {
				t.Errorf("ParseSID(%q) = %v, %v; want %v", tt.text, parsed, err, sid)
			}
		})
	}
}

func TestSIDHelpers(t *testing.T) {
	dom := MustParseSID("S-1-5-21-1-2-3")
	da := dom.Child(RIDDomainAdmins)
	if da.String() != "S-1-5-21-1-2-3-512" || da.RID() != 512 || len(dom.SubAuthorities) != 4 {
		t.Errorf("Child(512) = %v (RID %d); domain now %v", da, da.RID(), dom)
	}
	if dom.Equal(da) || !da.Equal(MustParseSID("s-1-5-21-1-2-3-512")) {
		t.Error("Equal is wrong")
	}
	var z SID
	if !z.IsZero() || z.String() != "" || z.Bytes() != nil || z.RID() != 0 {
		t.Errorf("zero SID: %q %x", z.String(), z.Bytes())
	}
	var u SID
	if err := u.UnmarshalText([]byte("S-1-5-18")); err != nil || u.String() != "S-1-5-18" {
		t.Errorf("UnmarshalText: %v %v", u, err)
	}
	if txt, _ := u.MarshalText(); string(txt) != "S-1-5-18" {
		t.Errorf("MarshalText = %q", txt)
	}
}

func TestSIDErrors(t *testing.T) {
	for _, s := range []string{"", "S-1", "X-1-5", "S-2-5-1", "S-1-x-1", "S-1-5-4294967296", "S-1-281474976710656-1",
		"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"} {
		if _, err := ParseSID(s); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ParseSID(%q) error = %v, want ErrInvalidInput", s, err)
		}
	}
	for _, b := range [][]byte{nil, {1}, {2, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 5}, {1, 16, 0, 0, 0, 0, 0, 5},
		append(MustParseSID("S-1-5-18").Bytes(), 0)} {
		if _, err := SIDFromBytes(b); err == nil {
			t.Errorf("SIDFromBytes(%x) accepted", b)
		}
	}
}

func TestGUID(t *testing.T) {
	wire := GUID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	const text = "03020100-0504-0706-0809-0a0b0c0d0e0f"
	if wire.String() != text {
		t.Errorf("String() = %s, want %s", wire, text)
	}
	for _, in := range []string{text, "{" + text + "}", "03020100-0504-0706-0809-0A0B0C0D0E0F"} {
		if g, err := ParseGUID(in); err != nil || g != wire {
			t.Errorf("ParseGUID(%q) = %v, %v", in, g, err)
		}
	}
	// DS-Replication-Get-Changes as it is stored in an object ACE.
	gc := MustParseGUID("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2")
	if want := []byte{0xaa, 0xf6, 0x31, 0x11, 0x07, 0x9c, 0xd1, 0x11, 0xf7, 0x9f, 0x00, 0xc0, 0x4f, 0xc2, 0xdc, 0xd2}; !bytes.Equal(gc[:], want) {
		t.Errorf("wire bytes = %x, want %x", gc[:], want)
	}
	for _, bad := range []string{"", "0302010005040706080900a0b0c0d0e0f", "03020100-0504-0706-0809-0a0b0c0d0e0g", "{03020100-0504-0706-0809-0a0b0c0d0e0f"} {
		if _, err := ParseGUID(bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ParseGUID(%q) error = %v, want ErrInvalidInput", bad, err)
		}
	}
	if _, err := GUIDFromBytes([]byte{1, 2}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("GUIDFromBytes(2 bytes) error = %v", err)
	}
	if wire.LDAPDN() != "<GUID="+text+">" || wire.IsZero() || !(GUID{}).IsZero() {
		t.Error("LDAPDN or IsZero is wrong")
	}
	var g GUID
	if err := g.UnmarshalText([]byte(text)); err != nil || g != wire {
		t.Errorf("UnmarshalText: %v %v", g, err)
	}
}
