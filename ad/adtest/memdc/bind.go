package memdc

import (
	"strconv"
	"strings"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// handleBind serves a simple bind (RFC 4513 §5.1) the way AD does: the name
// may be a DN, a UPN (explicit, or the implicit sAMAccountName@domain) or
// DOMAIN\sAMAccountName; failures carry AD's data sub-code.
func (c *conn) handleBind(id int64, op *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appBindResponse, lerr, nil) }
	if len(op.Children) < 3 {
		return reply(newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090B3F, comment: malformed bind request, data 0, v4563"))
	}
	version, err1 := integer(op.Children[0])
	name, err2 := octetString(op.Children[1])
	if err1 != nil || err2 != nil {
		return reply(newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090B3F, comment: malformed bind request, data 0, v4563"))
	}
	if version != 3 && version != 2 {
		return reply(newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090B3F, comment: unsupported LDAP version %d, data 0, v4563", version))
	}
	c.who = nil // a bind, even a failed one, resets the connection to anonymous
	clear(c.pages)
	auth := op.Children[2]
	if auth.ClassType != ber.ClassContext || auth.Tag != 0 {
		return reply(newErr(codeAuthMethodNotSupported, "00002027: LdapErr: DSID-0C09097A, comment: memdc supports simple binds only, data 0, v4563"))
	}
	password := auth.Data.String()
	if password == "" {
		// Anonymous, or an unauthenticated bind (a name without a
		// password): AD answers success and leaves the connection anonymous.
		return reply(nil)
	}
	if !c.tls && !c.s.opts.AllowPlainBind {
		return reply(errStrongerAuth)
	}
	var p *principal
	var lerr *ldapError
	c.s.locked(func() { p, lerr = c.s.authenticate(name, password) })
	if lerr != nil {
		c.s.logf("memdc: bind as %q failed: %s", name, lerr.msg)
		return reply(lerr)
	}
	c.who = p
	c.s.logf("memdc: bind as %q", name)
	return reply(nil)
}

// Bind failure sub-codes ([MS-ERREF] Win32 errors AD puts in "data").
const (
	subBadPassword     = "52e"
	subAccountDisabled = "533"
	subPasswordExpired = "532"
	subAccountExpired  = "701"
	subMustChange      = "773"
	subLockedOut       = "775"
)

// authenticate checks a simple bind. The caller holds the write lock: a bad
// password counts towards lockout.
func (s *Server) authenticate(name, password string) (*principal, *ldapError) {
	d := s.dir
	e := s.findAccount(name)
	if e == nil {
		return nil, errInvalidCredentials(subBadPassword)
	}
	now := d.now()
	if lt := e.int("lockoutTime"); lt != 0 {
		return nil, errInvalidCredentials(subLockedOut)
	}
	if !e.checkPassword(password) {
		e.attrs["badpwdcount"] = []string{strconv.FormatInt(e.int("badPwdCount")+1, 10)}
		e.attrs["badpasswordtime"] = []string{strconv.FormatInt(fileTime(now), 10)}
		if th := d.domain.int("lockoutThreshold"); th > 0 && e.int("badPwdCount") >= th {
			e.attrs["lockouttime"] = []string{strconv.FormatInt(fileTime(now), 10)}
			d.touch(e, d.nextUSN(), "lockoutTime")
		}
		return nil, errInvalidCredentials(subBadPassword)
	}
	uac := e.int("userAccountControl")
	switch {
	case uac&uacAccountDisable != 0:
		return nil, errInvalidCredentials(subAccountDisabled)
	case accountExpired(e, now):
		return nil, errInvalidCredentials(subAccountExpired)
	case e.first("pwdLastSet") == "0":
		return nil, errInvalidCredentials(subMustChange)
	case s.passwordExpired(e, now):
		return nil, errInvalidCredentials(subPasswordExpired)
	}
	e.attrs["badpwdcount"] = []string{"0"}
	e.attrs["logoncount"] = []string{strconv.FormatInt(e.int("logonCount")+1, 10)}
	e.attrs["lastlogon"] = []string{strconv.FormatInt(fileTime(now), 10)}
	return d.token(e), nil
}

func accountExpired(e *entry, now time.Time) bool {
	v := e.int("accountExpires")
	return v != 0 && e.first("accountExpires") != neverExpires && v < fileTime(now)
}

// passwordExpired applies the domain's maxPwdAge (a negative interval in
// 100 ns units) unless the account's password never expires.
func (s *Server) passwordExpired(e *entry, now time.Time) bool {
	uac := e.int("userAccountControl")
	if uac&uacPasswordExpired != 0 {
		return true
	}
	maxAge := -s.dir.domain.int("maxPwdAge")
	if uac&uacDontExpirePassword != 0 || maxAge <= 0 {
		return false
	}
	return e.int("pwdLastSet")+maxAge < fileTime(now)
}

// findAccount resolves a bind name to a live user or computer.
func (s *Server) findAccount(name string) *entry {
	d := s.dir
	var e *entry
	switch {
	case strings.Contains(name, `\`):
		i := strings.IndexByte(name, '\\')
		domain, user := name[:i], name[i+1:]
		if strings.EqualFold(domain, s.netbio) || strings.EqualFold(domain, s.realm) {
			e = d.bySAM[foldString(user)]
		}
	case strings.Contains(name, "@") && !strings.Contains(name, "="):
		e = d.byUPN[foldString(name)]
		if e == nil {
			i := strings.LastIndexByte(name, '@')
			if strings.EqualFold(name[i+1:], s.realm) {
				e = d.bySAM[foldString(name[:i])]
			}
		}
	case strings.Contains(name, "="):
		if n, err := parseDN(name); err == nil {
			e = d.lookup(n)
		}
	}
	if e == nil || e.deleted || !e.isClass("user") {
		return nil
	}
	return e
}
