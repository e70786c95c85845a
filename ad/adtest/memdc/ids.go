package memdc

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// sid is a binary security identifier (MS-DTYP §2.4.2.2).
type sid []byte

// parseSIDString parses "S-1-5-21-…".
func parseSIDString(s string) (sid, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	subs := parts[3:]
	if len(subs) > 15 {
		return nil, fmt.Errorf("invalid SID %q", s)
	}
	b := make([]byte, 8+4*len(subs))
	b[0] = 1
	b[1] = byte(len(subs))
	for i := 0; i < 6; i++ {
		b[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for i, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid SID %q", s)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, nil
}

func mustSID(s string) sid {
	v, err := parseSIDString(s)
	if err != nil {
		panic(err)
	}
	return v
}

// validSID reports whether b is exactly one well-formed binary SID.
func validSID(b []byte) bool {
	return len(b) >= 8 && b[0] == 1 && int(b[1]) <= 15 && len(b) == 8+4*int(b[1])
}

// String formats the SID as S-1-….
func (s sid) String() string {
	if !validSID(s) {
		return "S-?"
	}
	var auth uint64
	for i := 0; i < 6; i++ {
		auth = auth<<8 | uint64(s[2+i])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "S-1-%d", auth)
	for i := 0; i < int(s[1]); i++ {
		fmt.Fprintf(&b, "-%d", binary.LittleEndian.Uint32(s[8+4*i:]))
	}
	return b.String()
}

// withRID appends a relative identifier to a domain SID.
func (s sid) withRID(rid uint32) sid {
	out := make([]byte, len(s)+4)
	copy(out, s)
	out[1]++
	binary.LittleEndian.PutUint32(out[len(s):], rid)
	return out
}

// rid returns the last sub-authority.
func (s sid) rid() uint32 {
	if !validSID(s) || s[1] == 0 {
		return 0
	}
	return binary.LittleEndian.Uint32(s[len(s)-4:])
}

// guid is a 16-byte GUID in its wire (mixed-endian) order (MS-DTYP §2.3.4.2).
type guid [16]byte

// parseGUID parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func parseGUID(s string) (guid, error) {
	var g guid
	s = strings.Trim(s, "{}")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, fmt.Errorf("invalid GUID %q", s)
	}
	raw, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if err != nil {
		return g, fmt.Errorf("invalid GUID %q", s)
	}
	// Data1, Data2 and Data3 are little-endian on the wire.
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g, nil
}

func mustGUID(s string) guid {
	g, err := parseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// String formats the GUID in its registry form, lower case.
func (g guid) String() string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// Well-known SIDs (MS-DTYP §2.4.2.4).
var (
	sidEveryone         = mustSID("S-1-1-0")
	sidSelf             = mustSID("S-1-5-10")
	sidAuthenticated    = mustSID("S-1-5-11")
	sidSystem           = mustSID("S-1-5-18")
	sidAdministrators   = mustSID("S-1-5-32-544")
	sidEnterpriseDCs    = mustSID("S-1-5-9")
	sidNetwork          = mustSID("S-1-5-2")
	sidThisOrganization = mustSID("S-1-5-15")
	sidBuiltinDomain    = mustSID("S-1-5-32")
)

// Schema and extended-right GUIDs memdc's access model knows
// (learn.microsoft.com/windows/win32/adschema, MS-ADTS §5.1.3.2.1).
var (
	classUserGUID                = mustGUID("bf967aba-0de6-11d0-a285-00aa003049e2")
	classGroupGUID               = mustGUID("bf967a9c-0de6-11d0-a285-00aa003049e2")
	classOUGUID                  = mustGUID("bf967aa5-0de6-11d0-a285-00aa003049e2")
	classContactGUID             = mustGUID("5cb41ed0-0e4c-11d0-a286-00aa003049e2")
	classComputerGUID            = mustGUID("bf967a86-0de6-11d0-a285-00aa003049e2")
	classInetOrgPersonGUID       = mustGUID("4828cc14-1437-45bc-9b07-ad6f015e5f28")
	attrMemberGUID               = mustGUID("bf9679c0-0de6-11d0-a285-00aa003049e2")
	attrConsistencyGUID          = mustGUID("23773dc2-b63a-11d2-90e1-00c04fd91ab1")
	attrUPNGUID                  = mustGUID("28630ebb-41d5-11d1-a9c1-0000f80367c1")
	attrUnicodePwdGUID           = mustGUID("bf9679e1-0de6-11d0-a285-00aa003049e2")
	rightGetChangesGUID          = mustGUID("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2")
	rightGetChangesAllGUID       = mustGUID("1131f6ad-9c07-11d1-f79f-00c04fc2dcd2")
	rightResetPasswordGUID       = mustGUID("00299570-246d-11d0-a768-00aa006e0529")
	rightChangePasswordGUID      = mustGUID("ab721a53-1e2f-11d0-9819-00aa0040529b")
	propSetPersonalInfoGUID      = mustGUID("77b5b886-944a-11d1-aebd-0000f80367c1")
	propSetPublicInfoGUID        = mustGUID("e48d0154-bcf8-11d1-8702-00c04fb96050")
	attrSAMAccountNameGUID       = mustGUID("3e0abfd0-126a-11d0-a060-00aa006c33ed")
	attrUserAccountControlGUID   = mustGUID("bf967a68-0de6-11d0-a285-00aa003049e2")
	attrNTSecurityDescriptorGUID = mustGUID("bf9679e3-0de6-11d0-a285-00aa003049e2")
)
