package ad

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

var (
	getChanges = MustParseGUID("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2")
	userClass  = MustParseGUID("bf967aba-0de6-11d0-a285-00aa003049e2")
	testSID    = MustParseSID("S-1-5-21-1-2-3-1104")
)

// refSD encodes, independently of the codec and straight from MS-DTYP
// §2.4, a descriptor with owner BA, group DU, and a DACL (revision 4) of
// two ACEs: (A;;RC;;;WD) and (OA;CI;CR;<getChanges>;<user>;testSID).
func refSD() []byte {
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	sid := func(auth byte, subs ...uint32) []byte {
		b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, auth}
		for _, s := range subs {
			b = append(b, le32(s)...)
		}
		return b
	}
	everyone := sid(1, 0)
	ace1 := append(append([]byte{0x00, 0x00}, le16(uint16(4+4+len(everyone)))...), append(le32(0x20000), everyone...)...)
	trustee := sid(5, 21, 1, 2, 3, 1104)
	body := append(le32(0x100), le32(3)...)
	body = append(body, []byte{0xaa, 0xf6, 0x31, 0x11, 0x07, 0x9c, 0xd1, 0x11, 0xf7, 0x9f, 0x00, 0xc0, 0x4f, 0xc2, 0xdc, 0xd2}...)
	body = append(body, []byte{0xba, 0x7a, 0x96, 0xbf, 0xe6, 0x0d, 0xd0, 0x11, 0xa2, 0x85, 0x00, 0xaa, 0x00, 0x30, 0x49, 0xe2}...)
	body = append(body, trustee...)
	ace2 := append(append([]byte{0x05, 0x02}, le16(uint16(4+len(body)))...), body...)
	aces := append(ace1, ace2...)
	dacl := append([]byte{4, 0}, le16(uint16(8+len(aces)))...)
	dacl = append(append(append(dacl, le16(2)...), 0, 0), aces...)
	owner, group := sid(5, 32, 544), sid(5, 21, 1, 2, 3, 513)
	hdr := []byte{1, 0}
	hdr = append(hdr, le16(SESelfRelative|SEDACLPresent)...)
	// Windows' order: (no SACL) DACL, owner, group.
	hdr = append(hdr, le32(uint32(20+len(dacl)))...)
	hdr = append(hdr, le32(uint32(20+len(dacl)+len(owner)))...)
	hdr = append(hdr, le32(0)...)
	hdr = append(hdr, le32(20)...)
	return append(append(append(hdr, dacl...), owner...), group...)
}

func TestMarshalMatchesReference(t *testing.T) {
	owner, group := MustParseSID("S-1-5-32-544"), MustParseSID("S-1-5-21-1-2-3-513")
	sd := &SecurityDescriptor{Revision: 1, Control: SESelfRelative | SEDACLPresent, Owner: &owner, Group: &group,
		DACL: &ACL{Revision: ACLRevision, ACEs: []ACE{{Type: ACETypeAccessAllowed, Mask: RightReadControl, SID: MustParseSID("S-1-1-0")}}}}
	if !sd.DACL.Add(NewObjectACE(ACETypeAccessAllowedObject, ACEFlagContainerInherit, RightDSControl, getChanges, userClass, testSID)) {
		t.Fatal("Add refused a new ACE")
	}
	got, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if want := refSD(); !bytes.Equal(got, want) {
		t.Fatalf("Marshal:\n got %x\nwant %x", got, want)
	}
	back, err := ParseSecurityDescriptor(got)
	if err != nil {
		t.Fatal(err)
	}
	a := back.DACL.ACEs[1]
	if a.ObjectType != getChanges || a.InheritedObjectType != userClass || !a.SID.Equal(testSID) || a.Mask != RightDSControl || back.DACL.Revision != ACLRevisionDS {
		t.Errorf("parsed back %v, revision %d", a, back.DACL.Revision)
	}
}

// TestParseSambaDescriptors round-trips descriptors Samba produced: a
// domain root (owner, group, DACL in Samba's order) and a user with a SACL.
func TestParseSambaDescriptors(t *testing.T) {
	files, _ := filepath.Glob("testdata/sd/*.bin")
	if len(files) < 2 {
		t.Fatalf("want the Samba descriptors in testdata/sd, found %q", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := ParseSecurityDescriptor(raw)
			if err != nil {
				t.Fatal(err)
			}
			if sd.Owner == nil || sd.Group == nil || sd.DACL == nil || len(sd.DACL.ACEs) < 10 {
				t.Fatalf("parsed %+v", sd)
			}
			objects := 0
			for _, a := range sd.DACL.ACEs {
				if a.IsObject() {
					objects++
				}
			}
			if objects == 0 {
				t.Error("no object ACEs parsed")
			}
			got, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Errorf("Marshal(Parse(x)) differs from x:\n got %x\nwant %x", got, raw)
			}
		})
	}
}

// TestDescriptorFromTheDC reads the domain root's DACL with SD_FLAGS and
// checks that it round-trips to the DC's bytes.
func TestDescriptorFromTheDC(t *testing.T) {
	dc, c := admin(t)
	e, err := c.readEntry(context.Background(), dc.BaseDN, []string{"nTSecurityDescriptor"}, sdFlagsDACL())
	if err != nil {
		t.Fatal(err)
	}
	raw := e.GetRawAttributeValue("nTSecurityDescriptor")
	sd, err := ParseSecurityDescriptor(raw)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner != nil || sd.Group != nil || sd.DACL == nil {
		t.Errorf("with SD_FLAGS=DACL: owner %v group %v DACL %v; want only the DACL", sd.Owner, sd.Group, sd.DACL != nil)
	}
	if got, _ := sd.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("round trip differs:\n got %x\nwant %x", got, raw)
	}
}

// TestCrossCheckWithSambaNDR compares the codec with Samba's own NDR
// implementation in python3-samba, both ways.
func TestCrossCheckWithSambaNDR(t *testing.T) {
	py := sambaPython(t)
	sddl := "O:BAG:DUD:AI(A;;RPWPCCDCLCSWRCWDWOGA;;;SY)(OA;CIIO;RP;4c164200-20c0-11d0-a768-00aa006e0529;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)" +
		"(OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;S-1-5-21-1-2-3-1104)(OD;;WP;bf967a68-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1105)(A;CIID;RC;;;AU)"
	var fromPy struct {
		B64 string `json:"b64"`
		SD  pyDump `json:"sd"`
	}
	runPython(t, py, &fromPy, "sddl", sddl)
	raw, _ := base64.StdEncoding.DecodeString(fromPy.B64)
	sd, err := ParseSecurityDescriptor(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := dumpSD(sd); !reflect.DeepEqual(got, fromPy.SD) {
		t.Errorf("parsing Samba's bytes:\n got %+v\nwant %+v", got, fromPy.SD)
	}
	if got, _ := sd.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal differs from Samba's ndr_pack:\n got %x\nwant %x", got, raw)
	}

	// The other way: our edit, read by Samba.
	sd.DACL.Add(NewObjectACE(ACETypeAccessAllowedObject, ACEFlagContainerInherit|ACEFlagInheritOnly, RightDSWriteProp,
		MustParseGUID("23773dc2-b63a-11d2-90e1-00c04fd91ab1"), userClass, testSID))
	ours, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var parsed pyDump
	runPython(t, py, &parsed, "parse", base64.StdEncoding.EncodeToString(ours))
	if got := dumpSD(sd); !reflect.DeepEqual(got, parsed) {
		t.Errorf("Samba reads our bytes differently:\n ours  %+v\n samba %+v", got, parsed)
	}
}

type pyACE struct {
	Type   int    `json:"type"`
	Flags  int    `json:"flags"`
	Mask   uint32 `json:"mask"`
	OFlags uint32 `json:"oflags"`
	OType  string `json:"otype"`
	IType  string `json:"itype"`
	SID    string `json:"sid"`
}

type pyDump struct {
	Control int     `json:"control"`
	Owner   string  `json:"owner"`
	Group   string  `json:"group"`
	DACLRev int     `json:"daclrev"`
	DACL    []pyACE `json:"dacl"`
}

func dumpSD(sd *SecurityDescriptor) pyDump {
	d := pyDump{Control: int(sd.Control)}
	if sd.Owner != nil {
		d.Owner = sd.Owner.String()
	}
	if sd.Group != nil {
		d.Group = sd.Group.String()
	}
	if sd.DACL != nil {
		d.DACLRev = int(sd.DACL.Revision)
		for _, a := range sd.DACL.ACEs {
			p := pyACE{Type: int(a.Type), Flags: int(a.Flags), Mask: a.Mask, SID: a.SID.String(), OFlags: a.ObjectFlags}
			if a.ObjectFlags&ACEObjectTypePresent != 0 {
				p.OType = a.ObjectType.String()
			}
			if a.ObjectFlags&ACEInheritedObjectTypePresent != 0 {
				p.IType = a.InheritedObjectType.String()
			}
			d.DACL = append(d.DACL, p)
		}
	}
	return d
}

const pyScript = `
import sys, json, base64
from samba.ndr import ndr_unpack, ndr_pack
from samba.dcerpc import security
def dump(sd):
    d = {"control": sd.type, "owner": str(sd.owner_sid) if sd.owner_sid else "", "group": str(sd.group_sid) if sd.group_sid else "",
         "daclrev": sd.dacl.revision if sd.dacl else 0, "dacl": []}
    for a in (sd.dacl.aces if sd.dacl else []):
        e = {"type": a.type, "flags": a.flags, "mask": a.access_mask, "sid": str(a.trustee), "oflags": 0, "otype": "", "itype": ""}
        if a.type in (5, 6, 7, 8):
            e["oflags"] = a.object.flags
            if a.object.flags & 1: e["otype"] = str(a.object.type)
            if a.object.flags & 2: e["itype"] = str(a.object.inherited_type)
        d["dacl"].append(e)
    return d
if sys.argv[1] == "sddl":
    sd = security.descriptor.from_sddl(sys.argv[2], security.dom_sid("S-1-5-21-1-2-3"))
    print(json.dumps({"b64": base64.b64encode(ndr_pack(sd)).decode(), "sd": dump(sd)}))
else:
    print(json.dumps(dump(ndr_unpack(security.descriptor, base64.b64decode(sys.argv[2])))))
`

// sambaPython returns Debian's python3 when it has the samba module (a
// pyenv python3 on PATH may not). It skips the test otherwise, but fails
// in CI, where Samba's packages are installed.
func sambaPython(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import samba.ndr").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import samba (%v): the python3-samba package comes with samba", py, err)
		}
		t.Skipf("%s cannot import samba: install it with `%s`", py, adtest.InstallCommand)
	}
	return py
}

func runPython(t *testing.T, py string, out any, args ...string) {
	t.Helper()
	b, err := exec.Command(py, append([]string{"-c", pyScript}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("python output %q: %v", b, err)
	}
}

func TestACLAddAndRemove(t *testing.T) {
	inherited := ACE{Type: ACETypeAccessAllowed, Flags: ACEFlagInherited, Mask: RightReadControl, SID: MustParseSID("S-1-5-11")}
	deny := ACE{Type: ACETypeAccessDenied, Mask: RightDSWriteProp, SID: MustParseSID("S-1-1-0")}
	allow := ACE{Type: ACETypeAccessAllowed, Mask: RightGenericRead, SID: MustParseSID("S-1-5-18")}
	acl := &ACL{Revision: ACLRevision, ACEs: []ACE{deny, allow, inherited}}
	mine := NewObjectACE(ACETypeAccessAllowedObject, 0, RightDSControl, getChanges, GUID{}, testSID)
	if !acl.Add(mine) || acl.Add(mine) {
		t.Fatal("Add: want true then false for the same ACE")
	}
	myDeny := ACE{Type: ACETypeAccessDenied, Mask: RightDSWriteProp, SID: testSID}
	acl.Add(myDeny)
	want := []ACE{deny, myDeny, allow, mine, inherited}
	if !reflect.DeepEqual(acl.ACEs, want) || acl.Revision != ACLRevisionDS {
		t.Errorf("order after Add:\n got %s\nwant %s (revision %d)", describeACEs(acl.ACEs), describeACEs(want), acl.Revision)
	}
	if mine.ObjectFlags != ACEObjectTypePresent {
		t.Errorf("NewObjectACE flags %d, want only ACE_OBJECT_TYPE_PRESENT", mine.ObjectFlags)
	}
	inheritedMine := inherited
	inheritedMine.SID = testSID
	acl.ACEs = append(acl.ACEs, inheritedMine)
	if n := acl.RemoveSID(testSID); n != 2 {
		t.Errorf("RemoveSID removed %d, want the 2 explicit ACEs", n)
	}
	if want := []ACE{deny, allow, inherited, inheritedMine}; !reflect.DeepEqual(acl.ACEs, want) {
		t.Errorf("after RemoveSID: %s", describeACEs(acl.ACEs))
	}
	if s := mine.String(); !strings.Contains(s, getChanges.String()) || !strings.Contains(s, testSID.String()) {
		t.Errorf("String() = %s", s)
	}
}

func TestMarshalRefusesDroppedGUID(t *testing.T) {
	sd := &SecurityDescriptor{Revision: 1, Control: SESelfRelative | SEDACLPresent, DACL: &ACL{Revision: ACLRevisionDS, ACEs: []ACE{
		{Type: ACETypeAccessAllowedObject, Mask: RightDSControl, ObjectType: getChanges, SID: testSID}, // ObjectFlags forgotten
	}}}
	if _, err := sd.Marshal(); err == nil || !strings.Contains(err.Error(), "would be dropped") {
		t.Errorf("Marshal of an object ACE without its flag: %v, want an error", err)
	}
}

func TestParseSecurityDescriptorErrors(t *testing.T) {
	good := refSD()
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	tests := map[string][]byte{
		"short":                 good[:19],
		"revision 2":            mutate(func(b []byte) []byte { b[0] = 2; return b }),
		"DACL offset too large": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 5000); return b }),
		"offset in the header":  mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[4:], 8); return b }),
		"ACL size too large":    mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[22:], 4000); return b }),
		"too many ACEs":         mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[24:], 9); return b }),
		"ACE size zero":         mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[30:], 0); return b }),
		"truncated":             good[:len(good)-3],
	}
	for name, b := range tests {
		if _, err := ParseSecurityDescriptor(b); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

// FuzzSecurityDescriptor: whatever parses marshals, and parses back to the
// same descriptor and the same bytes.
func FuzzSecurityDescriptor(f *testing.F) {
	f.Add(refSD())
	files, _ := filepath.Glob("testdata/sd/*.bin")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSecurityDescriptor(b)
		if err != nil {
			return
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed descriptor: %v", err)
		}
		again, err := ParseSecurityDescriptor(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(x)): %v", err)
		}
		if !reflect.DeepEqual(sd, again) {
			t.Fatalf("Parse(Marshal(x)) differs:\n%+v\n%+v", sd, again)
		}
		out2, err := again.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second Marshal differs: %v", err)
		}
	})
}
