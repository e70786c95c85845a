package memdc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// setPassword stores a salted hash: memdc never keeps a password in clear.
func (e *entry) setPassword(pw string) {
	e.pwSalt = make([]byte, 16)
	if _, err := rand.Read(e.pwSalt); err != nil {
		panic(err)
	}
	e.pwHash = hashPassword(e.pwSalt, pw)
}

func (e *entry) checkPassword(pw string) bool {
	if e.pwHash == nil {
		return false
	}
	return subtle.ConstantTimeCompare(hashPassword(e.pwSalt, pw), e.pwHash) == 1
}

func hashPassword(salt []byte, pw string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	return h.Sum(nil)
}

// userAccountControl bits (MS-ADTS §2.2.16).
const (
	uacAccountDisable     = 0x0002
	uacLockout            = 0x0010
	uacPasswdNotReqd      = 0x0020
	uacNormalAccount      = 0x0200
	uacWorkstationTrust   = 0x1000
	uacDontExpirePassword = 0x10000
	uacPasswordExpired    = 0x800000
)

// groupType bits (MS-ADTS §2.2.12).
const (
	groupBuiltinLocal    uint32 = 0x00000001
	groupDomainLocal     uint32 = 0x00000004
	groupSecurityEnabled uint32 = 0x80000000
)

// samAccountType for an object (MS-ADTS §2.2.15, MS-SAMR §2.2.1.9).
func samAccountType(e *entry) string {
	switch {
	case e.isClass("computer"):
		return "805306369"
	case e.isClass("user"):
		return "805306368"
	case e.isClass("group"):
		gt := uint32(e.int("groupType"))
		sec := gt&groupSecurityEnabled != 0
		switch {
		case gt&(groupDomainLocal|groupBuiltinLocal) != 0 && sec:
			return "536870912"
		case gt&(groupDomainLocal|groupBuiltinLocal) != 0:
			return "536870913"
		case sec:
			return "268435456"
		default:
			return "268435457"
		}
	}
	return ""
}
