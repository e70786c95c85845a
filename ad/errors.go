package ad

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Sentinel errors for errors.Is. The typed errors below wrap them and say
// more; every error of this package names the operation and the object.
var (
	// ErrInvalidCredentials: the DC refused the user name and password
	// (LDAP 49); see [BindError] for AD's reason.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrUnreachable: no connection to the DC (DNS, refused, timeout, lost);
	// see [ConnError].
	ErrUnreachable = errors.New("domain controller unreachable")
	// ErrTLS: the TLS handshake failed; see [TLSError] for the certificate
	// problem.
	ErrTLS = errors.New("TLS failure")
	// ErrStrongAuthRequired: the DC refuses simple binds without encryption
	// (LDAP 8).
	ErrStrongAuthRequired = errors.New("strong authentication required")
	// ErrInsufficientRights: the bound account may not do this (LDAP 50).
	ErrInsufficientRights = errors.New("insufficient access rights")
	// ErrNoSuchObject: the DN does not exist (LDAP 32).
	ErrNoSuchObject = errors.New("no such object")
	// ErrAlreadyExists: the DN or a unique value is taken (LDAP 68, or a
	// duplicate sAMAccountName or UPN).
	ErrAlreadyExists = errors.New("already exists")
	// ErrConstraint: the DC refused a value (LDAP 19, 21, 53 for password
	// policy, 65, 67, 69).
	ErrConstraint = errors.New("constraint violation")
	// ErrInvalidInput: an argument was malformed; nothing was sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrFullImportRequired: a delta cursor cannot be used (another DC, a
	// restored DC, another scope); read everything again with
	// [Client.Enumerate] and start a new cursor.
	ErrFullImportRequired = errors.New("full import required")
)

// BindError is a bind the DC refused. For invalid credentials AD adds a
// sub-code ("data 52e") that says why; Reason explains it.
type BindError struct {
	User       string // the bind name as given
	Addr       string // host:port
	ResultCode uint16 // LDAP result code: 49, 8, ...
	SubCode    uint32 // AD's sub-code (0x52e, ...), 0 when absent
	Diagnostic string // the DC's diagnostic message
}

// AD's sub-codes of LDAP 49 (the "data" field of the diagnostic message;
// [MS-ADTS] and the Win32 error codes they map to).
const (
	SubCodeNoSuchUser      = 0x525 // ERROR_NO_SUCH_USER
	SubCodeWrongPassword   = 0x52e // ERROR_LOGON_FAILURE
	SubCodeLogonHours      = 0x530 // ERROR_INVALID_LOGON_HOURS
	SubCodeWorkstation     = 0x531 // ERROR_INVALID_WORKSTATION
	SubCodePasswordExpired = 0x532 // ERROR_PASSWORD_EXPIRED
	SubCodeDisabled        = 0x533 // ERROR_ACCOUNT_DISABLED
	SubCodeAccountExpired  = 0x701 // ERROR_ACCOUNT_EXPIRED
	SubCodeMustChange      = 0x773 // ERROR_PASSWORD_MUST_CHANGE
	SubCodeLockedOut       = 0x775 // ERROR_ACCOUNT_LOCKED_OUT
)

var subCodeReasons = map[uint32]string{
	SubCodeNoSuchUser:      "no such user: check the user name (DOMAIN\\user, user@upn.suffix or a DN)",
	SubCodeWrongPassword:   "wrong password (or unknown user): check the user name and password",
	SubCodeLogonHours:      "the account may not log on at this time (logonHours): allow these hours on the account",
	SubCodeWorkstation:     "the account may not log on from this computer (userWorkstations): allow it on the account",
	SubCodePasswordExpired: "the password has expired: set a new password for the account",
	SubCodeDisabled:        "the account is disabled: enable it in AD",
	SubCodeAccountExpired:  "the account has expired (accountExpires): extend or clear its expiry date",
	SubCodeMustChange:      "the password must be changed at next logon: set a new password, or clear \"must change password\"",
	SubCodeLockedOut:       "the account is locked out: unlock it, or wait for the lockout duration",
}

// Reason describes the failure and its fix in words.
func (e *BindError) Reason() string {
	switch e.ResultCode {
	case ldap.LDAPResultInvalidCredentials:
		if r, ok := subCodeReasons[e.SubCode]; ok {
			return r
		}
		return "invalid credentials: check the user name and password"
	case ldap.LDAPResultStrongAuthRequired:
		return "the DC refuses a simple bind without encryption: use LDAPS or StartTLS"
	case ldap.LDAPResultConfidentialityRequired:
		return "the DC requires encryption: use LDAPS or StartTLS"
	case ldap.LDAPResultInappropriateAuthentication:
		return "the DC refused this kind of bind (an empty password is an anonymous bind)"
	}
	return ldapCodeText(e.ResultCode)
}

// Error says who could not bind to which DC, why, and AD's codes.
func (e *BindError) Error() string {
	code := fmt.Sprintf("LDAP %d", e.ResultCode)
	if e.SubCode != 0 {
		code += fmt.Sprintf(", AD sub-code %x", e.SubCode)
	}
	return fmt.Sprintf("ad: bind as %s to %s: %s (%s)", e.User, e.Addr, e.Reason(), code)
}

// Unwrap returns the sentinel: ErrInvalidCredentials, ErrStrongAuthRequired
// or ErrInsufficientRights.
func (e *BindError) Unwrap() error {
	switch e.ResultCode {
	case ldap.LDAPResultInvalidCredentials, ldap.LDAPResultInappropriateAuthentication:
		return ErrInvalidCredentials
	case ldap.LDAPResultStrongAuthRequired, ldap.LDAPResultConfidentialityRequired:
		return ErrStrongAuthRequired
	case ldap.LDAPResultInsufficientAccessRights:
		return ErrInsufficientRights
	}
	return nil
}

var subCodeRE = regexp.MustCompile(`data ([0-9a-fA-F]+)`)

// parseSubCode reads AD's sub-code from a diagnostic message such as
// "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext
// error, data 52e, v4563".
func parseSubCode(diag string) uint32 {
	m := subCodeRE.FindStringSubmatch(diag)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseUint(m[1], 16, 32)
	if err != nil {
		return 0
	}
	return uint32(v)
}

// ConnError is a failure to reach the DC or a lost connection.
type ConnError struct {
	Addr   string // host:port
	Reason string // what went wrong and what to check
	Err    error  // the network error
}

// Error names the address and what to check.
func (e *ConnError) Error() string {
	return fmt.Sprintf("ad: connect to %s: %s", e.Addr, e.Reason)
}

// Unwrap returns ErrUnreachable and the network error.
func (e *ConnError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// TLSProblem classifies a TLS failure.
type TLSProblem int

// TLS problems a [TLSError] reports.
const (
	TLSOther            TLSProblem = iota // another handshake failure
	TLSUnknownAuthority                   // the certificate's issuer is not trusted
	TLSNameMismatch                       // the certificate is for another name
	TLSExpired                            // expired or not yet valid
	TLSNotTLS                             // the server did not answer in TLS
)

// TLSError is a failed TLS handshake, with the certificate problem named.
type TLSError struct {
	Addr       string     // host:port
	ServerName string     // the name the certificate was checked against
	Problem    TLSProblem // what is wrong
	Detail     string     // the problem and its fix in words
	Err        error      // the crypto/tls or crypto/x509 error
}

// Error names the address, the certificate problem and its fix.
func (e *TLSError) Error() string {
	return fmt.Sprintf("ad: TLS to %s: %s", e.Addr, e.Detail)
}

// Unwrap returns ErrTLS and the underlying error.
func (e *TLSError) Unwrap() []error { return []error{ErrTLS, e.Err} }

// OpError is an LDAP operation the DC refused.
type OpError struct {
	Op         string // "search", "modify", "add", "delete", "password set", ...
	DN         string // the object, or the search base
	ResultCode uint16 // LDAP result code
	Diagnostic string // the DC's diagnostic message
	Hint       string // what to do, when the package knows
}

// Error names the operation, the object, the result code and, when
// known, what to do.
func (e *OpError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ad: %s %s: %s (LDAP %d)", e.Op, e.DN, ldapCodeText(e.ResultCode), e.ResultCode)
	if e.Diagnostic != "" {
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(e.Diagnostic))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; %s", e.Hint)
	}
	return b.String()
}

// Unwrap returns the sentinel matching the result code, if any.
func (e *OpError) Unwrap() error {
	switch e.ResultCode {
	case ldap.LDAPResultInsufficientAccessRights:
		return ErrInsufficientRights
	case ldap.LDAPResultNoSuchObject:
		return ErrNoSuchObject
	case ldap.LDAPResultEntryAlreadyExists:
		return ErrAlreadyExists
	case ldap.LDAPResultConstraintViolation, ldap.LDAPResultInvalidAttributeSyntax, ldap.LDAPResultUnwillingToPerform,
		ldap.LDAPResultObjectClassViolation, ldap.LDAPResultNotAllowedOnRDN, ldap.LDAPResultObjectClassModsProhibited,
		ldap.LDAPResultAttributeOrValueExists, ldap.LDAPResultNoSuchAttribute, ldap.LDAPResultUndefinedAttributeType:
		return ErrConstraint
	case ldap.LDAPResultStrongAuthRequired, ldap.LDAPResultConfidentialityRequired:
		return ErrStrongAuthRequired
	}
	return nil
}

func ldapCodeText(code uint16) string {
	if s, ok := ldap.LDAPResultCodeMap[code]; ok {
		return strings.ToLower(s)
	}
	return fmt.Sprintf("LDAP result %d", code)
}

// opError translates an error of an LDAP operation into this package's
// errors: a lost connection becomes a ConnError, a result code an OpError.
func (c *Client) opError(op, dn string, err error) error {
	if err == nil {
		return nil
	}
	if dn == "" {
		dn = "(the rootDSE)"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ConnError{Addr: c.addr, Reason: fmt.Sprintf("the connection was lost during %s %s (the DC closed it or restarted): run again once the DC answers", op, dn), Err: err}
	}
	var le *ldap.Error
	if !errors.As(err, &le) {
		return fmt.Errorf("ad: %s %s: %w", op, dn, err)
	}
	if le.ResultCode == ldap.ErrorNetwork {
		reason := fmt.Sprintf("the connection was lost during %s %s: %s", op, dn, errText(le))
		if strings.Contains(errText(le), "timed out") {
			reason = fmt.Sprintf("no answer within %v to %s %s: check the DC's load, or raise the timeout", c.timeout, op, dn)
		}
		return &ConnError{Addr: c.addr, Reason: reason, Err: le}
	}
	if le.ResultCode >= ldap.ErrorNetwork {
		return fmt.Errorf("ad: %s %s: %w", op, dn, le)
	}
	e := &OpError{Op: op, DN: dn, ResultCode: le.ResultCode, Diagnostic: diagnostic(le)}
	switch le.ResultCode {
	case ldap.LDAPResultInsufficientAccessRights:
		e.Hint = fmt.Sprintf("%s lacks the right: bind as an account that has it (an Enterprise Admin for setup)", c.user)
	case ldap.LDAPResultNoSuchObject:
		e.Hint = "check the DN"
	}
	return e
}

// diagnostic returns the server's message of an LDAP error.
func diagnostic(le *ldap.Error) string {
	if le.Err == nil {
		return ""
	}
	return strings.TrimRight(le.Err.Error(), "\x00 \n")
}

func errText(le *ldap.Error) string {
	if le.Err != nil {
		return le.Err.Error()
	}
	return ldapCodeText(le.ResultCode)
}
