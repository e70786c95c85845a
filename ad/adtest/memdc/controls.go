package memdc

import (
	ber "github.com/go-asn1-ber/asn1-ber"
)

// Control OIDs memdc understands (MS-ADTS §3.1.1.3.4.1, RFC 2696).
const (
	oidPaging          = "1.2.840.113556.1.4.319"
	oidSDFlags         = "1.2.840.113556.1.4.801"
	oidShowDeleted     = "1.2.840.113556.1.4.417"
	oidDirSync         = "1.2.840.113556.1.4.841"
	oidExtendedDN      = "1.2.840.113556.1.4.529"
	oidTreeDelete      = "1.2.840.113556.1.4.805"
	oidPermissive      = "1.2.840.113556.1.4.1413"
	oidLazyCommit      = "1.2.840.113556.1.4.619"
	oidDomainScope     = "1.2.840.113556.1.4.1339"
	oidSearchOptions   = "1.2.840.113556.1.4.1340"
	oidRangeNoErr      = "1.2.840.113556.1.4.1948"
	oidShowRecycled    = "1.2.840.113556.1.4.2064"
	oidStartTLS        = "1.3.6.1.4.1.1466.20037"
	oidWhoAmI          = "1.3.6.1.4.1.4203.1.11.3"
	oidMatchBitAnd     = "1.2.840.113556.1.4.803"
	oidMatchBitOr      = "1.2.840.113556.1.4.804"
	oidMatchInChain    = "1.2.840.113556.1.4.1941"
	oidNoticeOfDisconn = "1.3.6.1.4.1.1466.20036"
)

// supportedControls are advertised in the rootDSE: exactly the controls
// memdc implements (AD advertises more; see the package documentation).
var supportedControls = []string{
	oidPaging, oidSDFlags, oidShowDeleted, oidDirSync, oidExtendedDN, oidTreeDelete,
	oidPermissive, oidLazyCommit, oidDomainScope, oidSearchOptions, oidRangeNoErr, oidShowRecycled,
}

// opControls are the request controls of one operation, decoded.
type opControls struct {
	paging      *pagingRequest
	dirSync     *dirSyncRequest
	sdFlags     uint32
	hasSDFlags  bool
	showDeleted bool
	extendedDN  int // -1: none; 0: hex form; 1: string form
	treeDelete  bool
	permissive  bool
}

type pagingRequest struct {
	size   int
	cookie string
}

type dirSyncRequest struct {
	flags    uint32
	maxBytes int
	cookie   []byte
	critical bool
}

// op kinds, for deciding which controls apply.
const (
	opSearch = iota
	opModify
	opAdd
	opDelete
	opModDN
	opOther
)

func errCriticalExt(oid string) *ldapError {
	return newErr(codeUnavailableCriticalExt,
		"00000057: LdapErr: DSID-0C090A71, comment: Error processing control %s, data 0, v4563", oid)
}

func errControlValue(oid string) *ldapError {
	return newErr(codeProtocolError,
		"00000057: LdapErr: DSID-0C090A71, comment: Error processing control %s, data 0, v4563", oid)
}

// parseControls decodes the controls of a request for operation kind op.
// Unknown or inapplicable controls are ignored unless critical, as RFC 4511
// §4.1.11 requires.
func parseControls(p *ber.Packet, op int) (*opControls, *ldapError) {
	oc := &opControls{extendedDN: -1}
	if p == nil {
		return oc, nil
	}
	for _, c := range p.Children {
		if len(c.Children) == 0 {
			return nil, newErr(codeProtocolError, "malformed control")
		}
		oid, err := octetString(c.Children[0])
		if err != nil {
			return nil, newErr(codeProtocolError, "malformed control type")
		}
		critical := false
		var value []byte
		hasValue := false
		for _, f := range c.Children[1:] {
			switch {
			case f.ClassType == ber.ClassUniversal && f.Tag == ber.TagBoolean:
				critical, _ = boolean(f)
			case f.ClassType == ber.ClassUniversal && f.Tag == ber.TagOctetString:
				value, hasValue = f.Data.Bytes(), true
			}
		}
		applies := true
		switch oid {
		case oidPaging:
			if applies = op == opSearch; !applies {
				break
			}
			v, err := decodeValue(value)
			if err != nil || len(v.Children) < 2 {
				return nil, errControlValue(oid)
			}
			size, err1 := integer(v.Children[0])
			cookie, err2 := octetString(v.Children[1])
			if err1 != nil || err2 != nil || size < 0 {
				return nil, errControlValue(oid)
			}
			oc.paging = &pagingRequest{size: int(size), cookie: cookie}
		case oidDirSync:
			if applies = op == opSearch; !applies {
				break
			}
			v, err := decodeValue(value)
			if err != nil || len(v.Children) < 3 {
				return nil, errControlValue(oid)
			}
			flags, err1 := integer(v.Children[0])
			maxBytes, err2 := integer(v.Children[1])
			cookie, err3 := octetString(v.Children[2])
			if err1 != nil || err2 != nil || err3 != nil {
				return nil, errControlValue(oid)
			}
			// AD reads the flags as a 32-bit unsigned value: go-ldap and
			// ldapsearch send 0x80000000 as a negative INTEGER.
			oc.dirSync = &dirSyncRequest{flags: uint32(flags), maxBytes: int(maxBytes), cookie: []byte(cookie), critical: critical}
		case oidSDFlags:
			if !hasValue {
				return nil, errControlValue(oid)
			}
			v, err := decodeValue(value)
			if err != nil || len(v.Children) < 1 {
				return nil, errControlValue(oid)
			}
			flags, err := integer(v.Children[0])
			if err != nil {
				return nil, errControlValue(oid)
			}
			oc.sdFlags, oc.hasSDFlags = uint32(flags)&0xf, true
		case oidShowDeleted, oidShowRecycled:
			oc.showDeleted = true
		case oidExtendedDN:
			if applies = op == opSearch; !applies {
				break
			}
			oc.extendedDN = 0
			if hasValue && len(value) > 0 {
				v, err := decodeValue(value)
				if err != nil || len(v.Children) < 1 {
					return nil, errControlValue(oid)
				}
				n, err := integer(v.Children[0])
				if err != nil || n < 0 || n > 1 {
					return nil, errControlValue(oid)
				}
				oc.extendedDN = int(n)
			}
		case oidTreeDelete:
			oc.treeDelete = true
			applies = op == opDelete
		case oidPermissive:
			oc.permissive = true
			applies = op == opModify
		case oidLazyCommit, oidDomainScope, oidSearchOptions, oidRangeNoErr:
			// Accepted with no effect: memdc commits at once, has one
			// domain, and never fails a range request.
		default:
			applies = false
		}
		if !applies && critical {
			return nil, errCriticalExt(oid)
		}
	}
	return oc, nil
}

// pagingResponse encodes the paged results response control value.
func pagingResponse(cookie string) control {
	var e encoder
	e.open(tagSequence)
	e.integer(tagInteger, 0) // AD does not estimate the result size
	e.str(cookie)
	e.close()
	return control{oid: oidPaging, value: e.b}
}

// dirSyncResponse encodes the DirSync response control value: a non-zero
// flag means more data is waiting (MS-ADTS §3.1.1.3.4.1.3).
func dirSyncResponse(more bool, cookie []byte) control {
	var e encoder
	e.open(tagSequence)
	if more {
		e.integer(tagInteger, 1)
	} else {
		e.integer(tagInteger, 0)
	}
	e.integer(tagInteger, 0)
	e.octets(tagOctetString, string(cookie))
	e.close()
	return control{oid: oidDirSync, value: e.b}
}
