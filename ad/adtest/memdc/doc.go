// Package memdc is an in-process demo forest: one domain controller of a
// one-domain Active Directory forest, serving LDAP and LDAPS on loopback with
// the subset of AD that entrasync's ad package uses, seeded with a sample
// company. It backs `entrasync demo`; tests of the ad package run against a
// real Samba DC instead (package adtest).
//
// memdc speaks the protocol as AD does: simple binds with AD's error
// sub-codes, the rootDSE, paged results capped at MaxPageSize, ranged
// retrieval past MaxValRange, DirSync with cookies, tombstones and
// incremental link values, uSNChanged, tokenGroups, SD_FLAGS and
// nTSecurityDescriptor, unicodePwd over TLS only, and the constraint errors
// AD returns. What it leaves out is listed in README.md.
package memdc
