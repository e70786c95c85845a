package ad

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// DeltaMode is how a [Cursor] follows changes.
type DeltaMode string

// Delta modes.
const (
	// ModeDirSync uses the DirSync control (MS-ADTS §3.1.1.3.4.1.3), which
	// needs the Replicating Directory Changes right.
	ModeDirSync DeltaMode = "dirsync"
	// ModeUSN searches for uSNChanged above the last USN seen on one DC:
	// any account may, but deletions need read access to CN=Deleted
	// Objects, which only administrators have by default.
	ModeUSN DeltaMode = "usn"
)

// Cursor marks where the last delta ended. It is valid only on the DC and
// database incarnation (invocationId) that issued it, and for the same
// scope and kinds. Store it as JSON; its fields are exported for that.
type Cursor struct {
	Mode DeltaMode `json:"mode"`
	// DC is the dnsHostName of the DC that issued the cursor.
	DC string `json:"dc"`
	// InvocationID of the DC's database when the cursor was issued.
	InvocationID GUID `json:"invocationId"`
	// USN is the DC's highestCommittedUSN read before the last round: the
	// uSNChanged polling restarts above it (also after a fallback from
	// DirSync).
	USN int64 `json:"usn"`
	// Cookies are the DirSync cookies, by domain partition DN.
	Cookies map[string][]byte `json:"cookies,omitempty"`
	// Scope is a fingerprint of the scope and kinds the cursor follows.
	Scope string `json:"scope"`
}

// FullImportError says why a cursor cannot be used; the caller reads
// everything again ([Client.Enumerate]) and starts a new cursor.
type FullImportError struct{ Reason string }

// Error says why a full import is required.
func (e *FullImportError) Error() string { return "ad: full import required: " + e.Reason }

// Unwrap returns ErrFullImportRequired.
func (e *FullImportError) Unwrap() error { return ErrFullImportRequired }

// scopeFingerprint identifies a scope and kinds, whatever the order or
// case of their DNs.
func scopeFingerprint(s Scope, kinds []Kind) string {
	norm := func(dns []string) []string {
		out := make([]string, len(dns))
		for i, d := range dns {
			out[i] = strings.ToLower(d)
		}
		sort.Strings(out)
		return out
	}
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = k.String()
	}
	sort.Strings(ks)
	h := sha256.Sum256([]byte(fmt.Sprintf("%q|%q|%q", norm(s.Include), norm(s.Exclude), ks)))
	return hex.EncodeToString(h[:8])
}

// check returns a FullImportError when the cursor does not fit the DC or
// the options.
func (cur Cursor) check(f Forest, fingerprint string) error {
	switch {
	case cur.Mode != ModeDirSync && cur.Mode != ModeUSN:
		return &FullImportError{Reason: fmt.Sprintf("the cursor has no valid mode (%q): it is empty or damaged", cur.Mode)}
	case !strings.EqualFold(cur.DC, f.DC.DNSHostName):
		return &FullImportError{Reason: fmt.Sprintf("the cursor comes from DC %s, but this is %s: USNs and cookies are per DC", cur.DC, f.DC.DNSHostName)}
	case cur.InvocationID != f.DC.InvocationID:
		return &FullImportError{Reason: fmt.Sprintf("the invocationId of %s changed from %v to %v: the DC was restored from a backup", f.DC.DNSHostName, cur.InvocationID, f.DC.InvocationID)}
	case cur.USN > f.DC.HighestCommittedUSN:
		return &FullImportError{Reason: fmt.Sprintf("the cursor's USN %d is above the DC's highest committed USN %d: the database was rolled back", cur.USN, f.DC.HighestCommittedUSN)}
	case cur.Scope != fingerprint:
		return &FullImportError{Reason: "the scope or object kinds changed since the cursor was issued"}
	}
	return nil
}
