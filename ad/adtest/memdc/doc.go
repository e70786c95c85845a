// Package memdc is an in-process demo forest: one domain controller of a
// one-domain Active Directory forest, serving LDAP and LDAPS on loopback with
// the subset of AD that entrasync's ad package uses, seeded with a sample
// company. It backs `entrasync demo`. The ad package's own tests run against
// a real Samba AD DC instead (package adtest); memdc's tests run the ad
// client, go-ldap and OpenLDAP's tools against it.
//
//	s, err := memdc.Start(memdc.Options{Seed: memdc.SampleCompany("corp.example.com")})
//	...
//	defer s.Close()
//	// ad.Options{Host: s.Host(), Port: s.LDAPSPort(), CAFile: s.CAFile(),
//	//            Username: s.AdminUser(), Password: s.AdminPassword()}
//	changes, err := s.Mutate(5) // every minute, so delta syncs have work
//
// What it does as AD does: simple binds as a DN, a UPN (explicit or
// implicit) or DOMAIN\user, with AD's error 49 sub-codes (52e, 533, 701,
// 773, 775) and strongerAuthRequired on plain LDAP; StartTLS; an anonymous
// rootDSE and nothing else anonymously; AD's filter semantics
// (objectCategory short names, bitwise and in-chain matching rules, binary
// and S-1-… SIDs, three-valued logic); MaxPageSize (1,000) enforced on
// unpaged and paged searches alike, unlike Samba; ranged retrieval past
// MaxValRange (1,500); tokenGroups on base searches only; the extended DN,
// SD_FLAGS, show-deleted, tree-delete and permissive-modify controls;
// continuation references to the configuration NC; DirSync with cookies,
// more-data rounds, tombstones and incremental link values; uSNChanged and
// highestCommittedUSN; SAM defaults on add (objectSid, sAMAccountName,
// userAccountControl 546), unique sAMAccountName and forest-wide unique UPN,
// unicodePwd over TLS only with the default password policy; AD's answers to
// duplicate or missing group members; tombstones without the Recycle Bin;
// DACLs with inheritance and object ACEs, checked on writes and DirSync.
//
// What it does not emulate:
//
//   - Topology: one domain, one DC. No child domains, trusts, global catalog
//     ports, DNS application partitions or replication; a DirSync cookie
//     from another invocationId starts over with a full result.
//   - Authentication: simple binds only; no SASL (Kerberos, NTLM, DIGEST-MD5,
//     EXTERNAL), signing, sealing or channel binding; no password history or
//     OldPasswordAllowedPeriod; lockout only if lockoutThreshold is set on
//     the domain object.
//   - Schema: a fixed subset (about 160 attributes, 25 classes), no schema
//     changes over LDAP, no auxiliary classes; most attributeSchema objects
//     lack attributeID.
//   - Access control: authenticated users read every object and attribute
//     but unicodePwd and SACLs (no confidential attributes or per-property
//     read ACEs); writes and DirSync are checked against DACLs, with a few
//     property sets only, no CREATOR OWNER, OWNER RIGHTS or AdminSDHolder;
//     inherited ACEs are computed on read, not stored.
//   - Search: no VLV, server-side sort, ASQ, notifications, phantom root,
//     time limits or alias dereferencing; paging snapshots the matches at
//     the first page; attributes come in memdc's order; only the
//     constructed attributes listed in schema.go exist.
//   - DirSync: no up-to-dateness vector, DirSync_EX, public-data-only or
//     ancestors-first flags; MaxAttrCount is a byte budget; an object whose
//     requested attributes did not change is skipped (as on Samba).
//   - Writes: no Recycle Bin, undelete or tombstone lifetime; no cross-domain
//     moves; group scope and type rules and sAMAccountName characters are
//     not checked; no modify-increment; only StartTLS and Who Am I among
//     extended operations.
//   - Messages: result codes and Win32 error codes follow AD; the DSIDs and
//     some texts are memdc's own.
package memdc
