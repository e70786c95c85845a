package memdc

import (
	"fmt"
	"strings"
)

// resultCode is an LDAP result code (RFC 4511 §4.1.9).
type resultCode uint16

// The result codes memdc answers with.
const (
	codeSuccess                  resultCode = 0
	codeOperationsError          resultCode = 1
	codeProtocolError            resultCode = 2
	codeSizeLimitExceeded        resultCode = 4
	codeCompareFalse             resultCode = 5
	codeCompareTrue              resultCode = 6
	codeAuthMethodNotSupported   resultCode = 7
	codeStrongerAuthRequired     resultCode = 8
	codeUnavailableCriticalExt   resultCode = 12
	codeNoSuchAttribute          resultCode = 16
	codeUndefinedAttributeType   resultCode = 17
	codeConstraintViolation      resultCode = 19
	codeAttributeOrValueExists   resultCode = 20
	codeInvalidAttributeSyntax   resultCode = 21
	codeNoSuchObject             resultCode = 32
	codeInvalidDNSyntax          resultCode = 34
	codeInvalidCredentials       resultCode = 49
	codeInsufficientAccessRights resultCode = 50
	codeUnwillingToPerform       resultCode = 53
	codeNamingViolation          resultCode = 64
	codeObjectClassViolation     resultCode = 65
	codeNotAllowedOnNonLeaf      resultCode = 66
	codeNotAllowedOnRDN          resultCode = 67
	codeEntryAlreadyExists       resultCode = 68
	codeOther                    resultCode = 80
)

// ldapError is an operation's failure as it goes on the wire.
type ldapError struct {
	code    resultCode
	matched string
	msg     string
}

// codeNames name the result codes in errors returned to Go callers.
var codeNames = map[resultCode]string{
	codeOperationsError: "operationsError", codeProtocolError: "protocolError", codeSizeLimitExceeded: "sizeLimitExceeded",
	codeAuthMethodNotSupported: "authMethodNotSupported", codeStrongerAuthRequired: "strongerAuthRequired",
	codeUnavailableCriticalExt: "unavailableCriticalExtension", codeNoSuchAttribute: "noSuchAttribute",
	codeUndefinedAttributeType: "undefinedAttributeType", codeConstraintViolation: "constraintViolation",
	codeAttributeOrValueExists: "attributeOrValueExists", codeInvalidAttributeSyntax: "invalidAttributeSyntax",
	codeNoSuchObject: "noSuchObject", codeInvalidDNSyntax: "invalidDNSyntax", codeInvalidCredentials: "invalidCredentials",
	codeInsufficientAccessRights: "insufficientAccessRights", codeUnwillingToPerform: "unwillingToPerform",
	codeNamingViolation: "namingViolation", codeObjectClassViolation: "objectClassViolation",
	codeNotAllowedOnNonLeaf: "notAllowedOnNonLeaf", codeNotAllowedOnRDN: "notAllowedOnRDN",
	codeEntryAlreadyExists: "entryAlreadyExists", codeOther: "other",
}

// Error reads "LDAP result 68 (entryAlreadyExists): 00002071: …".
func (e *ldapError) Error() string {
	return fmt.Sprintf("LDAP result %d (%s): %s", e.code, codeNames[e.code], strings.TrimSpace(e.msg))
}

// Is lets errors.Is match ErrNoSuchObject.
func (e *ldapError) Is(target error) bool {
	return target == ErrNoSuchObject && e.code == codeNoSuchObject
}

func newErr(code resultCode, format string, args ...any) *ldapError {
	return &ldapError{code: code, msg: fmt.Sprintf(format, args...)}
}

// AD's diagnostic messages carry the Win32 error first, then a DSID (the
// source location inside the DC, meaningless outside Microsoft), then a
// problem and data code. Clients (and entrasync's ad package) read the Win32
// error and the data code; memdc gives those as AD does and a fixed DSID.
// The texts of the bind, anonymous and unicodePwd errors are AD's verbatim.

// errInvalidCredentials is AD's answer to a failed simple bind (MS-ADTS
// §3.1.1.3.4.1 / [MS-ERREF]): sub is the reason, 52e a bad user name or
// password, 533 a disabled account, 775 a locked one, 532 an expired
// password, 701 an expired account, 773 a password that must change.
func errInvalidCredentials(sub string) *ldapError {
	return newErr(codeInvalidCredentials,
		"80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data %s, v4563", sub)
}

var errNeedBind = &ldapError{code: codeOperationsError,
	msg: "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563"}

var errStrongerAuth = &ldapError{code: codeStrongerAuthRequired,
	msg: "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563"}

func errNoSuchObject(matched string) *ldapError {
	return &ldapError{code: codeNoSuchObject, matched: matched,
		msg: fmt.Sprintf("0000208D: NameErr: DSID-03100241, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'%s'\n", matched)}
}

// errEntryExists answers an add or rename onto a DN already in use.
func errEntryExists() *ldapError {
	return newErr(codeEntryAlreadyExists, "00002071: UpdErr: DSID-03050504, problem 6005 (ENTRY_EXISTS), data 0\n")
}

// errAccountExists answers a sAMAccountName already used in the domain
// (ERROR_USER_EXISTS).
func errAccountExists() *ldapError {
	return newErr(codeEntryAlreadyExists, "00000524: UpdErr: DSID-031A11E2, problem 6005 (ENTRY_EXISTS), data 0\n")
}

// errUPNNotUnique answers a userPrincipalName already used in the forest
// (ERROR_DS_UPN_VALUE_NOT_UNIQUE_IN_FOREST, enforced since Windows Server
// 2012 R2).
func errUPNNotUnique() *ldapError {
	return errConstraint(0x21C8, "userPrincipalName")
}

// errNaming answers a DN whose RDN or parent does not suit the class.
func errNaming(format string, args ...any) *ldapError {
	return newErr(codeNamingViolation, "00002099: NameErr: DSID-0305109C, problem 2005 (NAMING_VIOLATION), data 0, %s\n", fmt.Sprintf(format, args...))
}

// errObjectClass answers a missing, unknown or non-creatable objectClass.
func errObjectClass(format string, args ...any) *ldapError {
	return newErr(codeObjectClassViolation, "00002014: UpdErr: DSID-030F1B4E, problem 6002 (OBJ_CLASS_VIOLATION), data 0, %s\n", fmt.Sprintf(format, args...))
}

// errNonLeaf answers the deletion of an object that has children.
func errNonLeaf() *ldapError {
	return newErr(codeNotAllowedOnNonLeaf, "00002015: UpdErr: DSID-031A1236, problem 6003 (CANT_ON_NON_LEAF), data 0\n")
}

// errOnRDN answers a modify of the naming attribute (use ModifyDN).
func errOnRDN(attr string) *ldapError {
	return newErr(codeNotAllowedOnRDN, "00002016: UpdErr: DSID-030F1C16, problem 6004 (CANT_ON_RDN), data 0, Att (%s)\n", attr)
}

// errNoSuchAttr answers the removal of a value or attribute that is absent.
func errNoSuchAttr(attr string) *ldapError {
	return errAttr(codeNoSuchAttribute, 0x2080, "16 (NO_ATTRIBUTE_OR_VAL)", attr)
}

func errAccess() *ldapError {
	return newErr(codeInsufficientAccessRights, "00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n")
}

func errWillNotPerform(win32 uint32) *ldapError {
	return newErr(codeUnwillingToPerform, "%08X: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0\n", win32)
}

func errAttr(code resultCode, win32 uint32, problem string, attr string) *ldapError {
	return newErr(code, "%08X: AtrErr: DSID-03151E6E, #1:\n\t0: %08X: DSID-03151E6E, problem %s, data 0, Att 0 (%s)\n", win32, win32, problem, attr)
}

func errConstraint(win32 uint32, attr string) *ldapError {
	return errAttr(codeConstraintViolation, win32, "1005 (CONSTRAINT_ATT_TYPE)", attr)
}

func errUndefinedAttr(attr string) *ldapError {
	return errAttr(codeUndefinedAttributeType, 0x2077, "1002 (ATT_OR_VALUE_DOESNT_EXIST)", attr)
}

func errInvalidDN(s string) *ldapError {
	return newErr(codeInvalidDNSyntax, "00002081: NameErr: DSID-03100225, problem 2003 (BAD_ATT_SYNTAX), data 0, best match of:\n\t'%s'\n", s)
}

func errDirError() *ldapError {
	return newErr(codeOperationsError, "00002120: SvcErr: DSID-03140293, problem 5012 (DIR_ERROR), data 0\n")
}
