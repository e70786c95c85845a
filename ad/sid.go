package ad

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SID is a Windows security identifier (MS-DTYP §2.4.2), such as
// S-1-5-21-1004336348-1177238915-682003330-512. The zero SID is empty and
// means "none".
type SID struct {
	// Authority is the 48-bit identifier authority: 5 for NT AUTHORITY.
	Authority uint64
	// SubAuthorities follow the authority; a domain account's last one is
	// its relative ID (RID).
	SubAuthorities []uint32
}

// maxSubAuthorities is the most a SID may have (MS-DTYP §2.4.2).
const maxSubAuthorities = 15

// Well-known relative IDs the package checks for.
const (
	RIDDomainAdmins     = 512
	RIDEnterpriseAdmins = 519
)

// ParseSID parses the string form S-1-<authority>-<sub>-... .
func ParseSID(s string) (SID, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return SID{}, fmt.Errorf("ad: %q is not a SID (want S-1-<authority>-<sub-authority>...): %w", s, ErrInvalidInput)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return SID{}, fmt.Errorf("ad: SID %q: bad identifier authority: %w", s, ErrInvalidInput)
	}
	if len(parts)-3 > maxSubAuthorities {
		return SID{}, fmt.Errorf("ad: SID %q has more than %d sub-authorities: %w", s, maxSubAuthorities, ErrInvalidInput)
	}
	sid := SID{Authority: auth, SubAuthorities: make([]uint32, 0, len(parts)-3)}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return SID{}, fmt.Errorf("ad: SID %q: bad sub-authority %q: %w", s, p, ErrInvalidInput)
		}
		sid.SubAuthorities = append(sid.SubAuthorities, uint32(v))
	}
	return sid, nil
}

// MustParseSID is [ParseSID] for constants; it panics on a malformed SID.
func MustParseSID(s string) SID {
	sid, err := ParseSID(s)
	if err != nil {
		panic(err)
	}
	return sid
}

var errShortSID = errors.New("truncated SID")

// SIDFromBytes decodes the binary form (as in objectSid and tokenGroups).
// Bytes after the SID are an error.
func SIDFromBytes(b []byte) (SID, error) {
	sid, n, err := readSID(b)
	if err != nil {
		return SID{}, err
	}
	if n != len(b) {
		return SID{}, fmt.Errorf("%d bytes after the SID", len(b)-n)
	}
	return sid, nil
}

// readSID decodes a SID at the start of b and returns its length.
func readSID(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, errShortSID
	}
	if b[0] != 1 {
		return SID{}, 0, fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > maxSubAuthorities {
		return SID{}, 0, fmt.Errorf("SID with %d sub-authorities, at most %d allowed", n, maxSubAuthorities)
	}
	size := 8 + 4*n
	if len(b) < size {
		return SID{}, 0, errShortSID
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	sid := SID{Authority: auth, SubAuthorities: make([]uint32, n)}
	for i := range n {
		sid.SubAuthorities[i] = binary.LittleEndian.Uint32(b[8+4*i:])
	}
	return sid, size, nil
}

// Bytes returns the binary form; nil for the zero SID.
func (s SID) Bytes() []byte {
	if s.IsZero() {
		return nil
	}
	return s.appendTo(nil)
}

func (s SID) appendTo(b []byte) []byte {
	b = append(b, 1, byte(len(s.SubAuthorities)))
	for i := 5; i >= 0; i-- {
		b = append(b, byte(s.Authority>>(8*i)))
	}
	for _, v := range s.SubAuthorities {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// String returns the S-1-... form; "" for the zero SID.
func (s SID) String() string {
	if s.IsZero() {
		return ""
	}
	var b strings.Builder
	b.WriteString("S-1-")
	b.WriteString(strconv.FormatUint(s.Authority, 10))
	for _, v := range s.SubAuthorities {
		b.WriteByte('-')
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
	return b.String()
}

// IsZero reports whether s is the zero (absent) SID.
func (s SID) IsZero() bool { return s.Authority == 0 && len(s.SubAuthorities) == 0 }

// Equal reports whether s and o are the same SID.
func (s SID) Equal(o SID) bool {
	if s.Authority != o.Authority || len(s.SubAuthorities) != len(o.SubAuthorities) {
		return false
	}
	for i, v := range s.SubAuthorities {
		if o.SubAuthorities[i] != v {
			return false
		}
	}
	return true
}

// RID returns the last sub-authority (the relative ID of a domain
// account), or 0 when there is none.
func (s SID) RID() uint32 {
	if len(s.SubAuthorities) == 0 {
		return 0
	}
	return s.SubAuthorities[len(s.SubAuthorities)-1]
}

// Child returns the SID of the account rid in the domain s, such as
// domain.Child(512) for Domain Admins.
func (s SID) Child(rid uint32) SID {
	sub := make([]uint32, len(s.SubAuthorities), len(s.SubAuthorities)+1)
	copy(sub, s.SubAuthorities)
	return SID{Authority: s.Authority, SubAuthorities: append(sub, rid)}
}

// MarshalText implements encoding.TextMarshaler with the S-1-... form.
func (s SID) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; empty text is the zero SID.
func (s *SID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = SID{}
		return nil
	}
	v, err := ParseSID(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
