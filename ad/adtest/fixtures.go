package adtest

import (
	_ "embed"
	"fmt"
	"strings"
)

// The domain every DC serves. The template is provisioned with these names,
// so they are the same in every test binary.
const (
	Realm     = "CORP.EXAMPLE.COM" // Kerberos realm
	DNSDomain = "corp.example.com" // DNS name of the forest root domain
	NetBIOS   = "CORP"             // NetBIOS (down-level) domain name
	BaseDN    = "DC=corp,DC=example,DC=com"
	HostName  = "dc1.corp.example.com" // the DC's name, in its certificate; it does not resolve
)

// UPN suffixes of the fixtures besides [DNSDomain]; both are in uPNSuffixes
// on CN=Partitions.
const (
	AltSuffix   = "example.com" // a routable alternative suffix
	LocalSuffix = "corp.local"  // a non-routable suffix, as many old forests have
)

// Fixture OUs and objects, all under OU=Fixtures. Users named here have
// the password [DC.UserPassword] unless said otherwise.
const (
	FixturesOU = "OU=Fixtures," + BaseDN
	PeopleOU   = "OU=People," + FixturesOU
	ExcludedOU = "OU=Excluded," + PeopleOU // holds Hidden Harry, for scope exclusion
	GroupsOU   = "OU=Groups," + FixturesOU
	ContactsOU = "OU=Contacts," + FixturesOU
	LargeOU    = "OU=Large," + FixturesOU // LargeGroupSize users and LargeGroupDN

	AliceDN  = "CN=Alice Adams," + PeopleOU                                // every mapped attribute, UPN in AltSuffix, manager Bob, consistency GUID
	BobDN    = "CN=Bob Brown," + PeopleOU                                  // UPN in DNSDomain
	CarolDN  = "CN=Carol Clark," + PeopleOU                                // UPN in LocalSuffix
	DaveDN   = "CN=Dave Davis," + PeopleOU                                 // no UPN
	ErinDN   = "CN=Erin Evans," + PeopleOU                                 // disabled (userAccountControl 514)
	JoseDN   = "CN=José Müller," + PeopleOU                                // non-ASCII names; no password
	WangDN   = "CN=王小明," + PeopleOU                                        // non-ASCII names; no password
	SmithDN  = `CN=Smith\, John \"JJ\" \<Jr.\>\; a\+b\=c \\ d,` + PeopleOU // RFC 4514 specials; displayName "Star*(paren)\back"; no password
	FanDN    = `CN=\#1 Fan,` + PeopleOU                                    // leading '#'; no password
	HarryDN  = "CN=Hidden Harry," + ExcludedOU
	WS01DN   = "CN=WS01," + PeopleOU // a computer, not a person
	PatDN    = "CN=Pat Partner," + ContactsOU
	SalesDN  = "CN=Sales," + GroupsOU       // global security: Alice, Bob
	StaffDN  = "CN=Staff," + GroupsOU       // universal security: Sales (nested), Carol, José
	AllDN    = "CN=All Company," + GroupsOU // domain local security: Staff (two levels of nesting)
	NewsDN   = "CN=Newsletter," + GroupsOU  // universal distribution with mail: Alice, Pat (a contact)
	EmptyDN  = "CN=Empty," + GroupsOU       // no members
	LargeDN  = "CN=Large Group," + LargeOU  // LargeGroupSize members
	AliceSAM = "alice"
)

// LargeGroupSize is the member count of [LargeDN]: above AD's default
// MaxValRange of 1,500, so reading it takes ranged retrieval.
const LargeGroupSize = 1600

// AliceConsistencyGUID is the ms-DS-ConsistencyGuid of [AliceDN], the
// bytes 0x00..0x0f, as text.
const AliceConsistencyGUID = "03020100-0504-0706-0809-0a0b0c0d0e0f"

//go:embed testdata/fixtures.ldif
var fixturesLDIF string

// expand replaces ${NAME} in text with vars[NAME]; an unknown name is an
// error so a typo in a fixture cannot load silently.
func expand(text string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", excerpt(text[i:]))
		}
		name := text[i+2 : i+j]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("unknown variable ${%s}", name)
		}
		b.WriteString(text[:i])
		b.WriteString(v)
		text = text[i+j+1:]
	}
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
