package memdc

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestSDRoundTrip(t *testing.T) {
	user := mustSID("S-1-5-21-1-2-3-1105")
	sd := sdWith(sidAdministrators, sidAdministrators,
		newACE(true, aceFlagContainerInherit, rightGenericAll, sidSystem, nil, nil),
		newACE(true, 0, rightControlAccess, user, &rightGetChangesGUID, nil),
		newACE(false, aceFlagContainerInherit|aceFlagInheritOnly, rightWriteProperty, user, &attrConsistencyGUID, &classUserGUID))
	b := sd.bytes()
	back, err := parseSD(b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if again := back.bytes(); !bytes.Equal(again, b) {
		t.Fatalf("marshal(parse(x)) differs:\n% x\n% x", again, b)
	}
	if back.dacl.revision != aclRevisionDS || len(back.dacl.aces) != 3 {
		t.Fatalf("DACL: revision %d, %d ACEs; want 4 and 3", back.dacl.revision, len(back.dacl.aces))
	}
	a := back.dacl.aces[1]
	if a.typ != aceAllowedObject || a.objectType != rightGetChangesGUID || string(a.sid) != string(user) {
		t.Fatalf("object ACE: got %+v", a)
	}
	// The GUID's first three fields are little-endian on the wire
	// (MS-DTYP §2.3.4.2).
	if got := hex.EncodeToString(rightGetChangesGUID[:]); got != "aaf63111079cd111f79f00c04fc2dcd2" {
		t.Fatalf("wire form of 1131f6aa-9c07-11d1-f79f-00c04fc2dcd2: got %s", got)
	}
	if rightGetChangesGUID.String() != "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2" {
		t.Fatalf("GUID string: got %s", rightGetChangesGUID)
	}
	if got := mustSID("S-1-5-21-1-2-3-1105").String(); got != "S-1-5-21-1-2-3-1105" {
		t.Fatalf("SID round trip: got %s", got)
	}
	for _, bad := range [][]byte{nil, {1}, b[:19], append([]byte{2}, b[1:]...), b[:len(b)-4]} {
		if _, err := parseSD(bad); err == nil {
			t.Errorf("parseSD(% x) succeeded, want an error", bad)
		}
	}
}

func TestAccessInheritance(t *testing.T) {
	s, err := newServer(Options{Seed: SampleCompany("corp.example.com"), RandomSeed: 1})
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	defer s.cleanup()
	d := s.dir
	base := s.baseDN
	ou := d.lookup(mustDN("OU=Marketing,OU=Users,OU=Corp," + base))
	zoe := d.lookup(mustDN("CN=Zoë Müller,OU=Marketing,OU=Users,OU=Corp," + base))
	group := d.lookup(mustDN("CN=SG-Marketing,OU=Groups,OU=Corp," + base))
	connector := d.lookup(mustDN("CN=Dana Whitfield,OU=Sales,OU=Users,OU=Corp," + base))
	p := d.token(connector)
	if d.allowed(p, zoe, rightWriteProperty, &attrConsistencyGUID, "ms-ds-consistencyguid") {
		t.Fatalf("a plain user may write another user's mS-DS-ConsistencyGuid before any grant")
	}
	// Inherit-only, for users: the grant reaches users below, not the OU
	// itself or groups.
	d.domain.sd.dacl.aces = append(d.domain.sd.dacl.aces,
		newACE(true, aceFlagContainerInherit|aceFlagInheritOnly, rightWriteProperty, connector.sid(), &attrConsistencyGUID, &classUserGUID))
	for _, tc := range []struct {
		name string
		e    *entry
		attr *guid
		want bool
	}{
		{"user below", zoe, &attrConsistencyGUID, true},
		{"another attribute", zoe, &attrUPNGUID, false},
		{"the OU", ou, &attrConsistencyGUID, false},
		{"a group", group, &attrConsistencyGUID, false},
		{"the domain object", d.domain, &attrConsistencyGUID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.allowed(p, tc.e, rightWriteProperty, tc.attr, ""); got != tc.want {
				t.Fatalf("allowed: got %v, want %v", got, tc.want)
			}
		})
	}
	// A protected DACL stops inheritance.
	zoe.sd.control |= sdDACLProtect
	if d.allowed(p, zoe, rightWriteProperty, &attrConsistencyGUID, "") {
		t.Fatalf("an inherited grant applies through a protected DACL")
	}
	zoe.sd.control &^= sdDACLProtect
	// An explicit deny wins over the inherited allow.
	zoe.sd.dacl.aces = append(zoe.sd.dacl.aces, newACE(false, 0, rightWriteProperty, connector.sid(), &attrConsistencyGUID, nil))
	if d.allowed(p, zoe, rightWriteProperty, &attrConsistencyGUID, "") {
		t.Fatalf("an explicit deny did not win over an inherited allow")
	}
	// What a client reads: explicit ACEs, then the inherited ones flagged.
	sd, err := parseSD(d.readSD(zoe, secinfoDACL))
	if err != nil {
		t.Fatalf("parse the read descriptor: %v", err)
	}
	explicit, inherited := 0, 0
	for _, a := range sd.dacl.aces {
		if a.flags&aceFlagInherited != 0 {
			inherited++
		} else if inherited > 0 {
			t.Fatalf("an explicit ACE follows an inherited one")
		} else {
			explicit++
		}
	}
	if explicit != 1 || inherited == 0 {
		t.Fatalf("read DACL: %d explicit, %d inherited ACEs; want 1 and some", explicit, inherited)
	}
	if sd.owner != nil {
		t.Fatalf("SD_FLAGS DACL only: the owner came back")
	}
}

func FuzzParseSD(f *testing.F) {
	f.Add(sdWith(sidAdministrators, sidSystem, newACE(true, 2, rightGenericAll, sidSystem, &classUserGUID, &classGroupGUID)).bytes())
	f.Add([]byte{1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 4, 0, 8, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := parseSD(b)
		if err != nil {
			return
		}
		again, err := parseSD(sd.bytes())
		if err != nil {
			t.Fatalf("a parsed descriptor does not parse after marshalling: %v", err)
		}
		if !bytes.Equal(again.bytes(), sd.bytes()) {
			t.Fatalf("marshalling is not stable")
		}
	})
}
