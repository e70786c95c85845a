package memdc

import (
	"strconv"
	"strings"
)

// Modify operations (RFC 4511 §4.6).
const (
	modAdd     = 0
	modDelete  = 1
	modReplace = 2
)

// change is one item of a modify request.
type change struct {
	op   int
	name string
	vals []string
}

// linkSet is the working state of one forward link during a modify.
type linkSet struct {
	def     *attrDef
	targets []*entry
}

func (l *linkSet) index(t *entry) int {
	for i, x := range l.targets {
		if x == t {
			return i
		}
	}
	return -1
}

// modifyObject applies a modify request atomically: every change is checked
// against a working copy, and the object changes only if all succeed. The
// caller holds the write lock.
func (s *Server) modifyObject(ctx *opCtx, name string, changes []change) *ldapError {
	d := s.dir
	e, lerr := d.resolve(name, false)
	if lerr != nil {
		return lerr
	}
	attrs := make(map[string][]string, len(e.attrs))
	for k, v := range e.attrs {
		attrs[k] = v
	}
	links := map[string]*linkSet{}
	var touched []string
	var newPassword, oldPassword *string
	var sdValue *string
	pwdLastSetGiven := false

	for _, ch := range changes {
		def := s.attr(ch.name)
		if def == nil {
			return errUndefinedAttr(ch.name)
		}
		l := def.lname
		switch {
		case l == "unicodepwd":
			switch {
			case ch.op == modReplace && len(ch.vals) == 1:
				newPassword = &ch.vals[0]
			case ch.op == modDelete && len(ch.vals) == 1:
				oldPassword = &ch.vals[0]
			case ch.op == modAdd && len(ch.vals) == 1:
				newPassword = &ch.vals[0]
			default:
				return errWillNotPerform(0x57)
			}
			touched = append(touched, l)
			continue
		case l == "ntsecuritydescriptor":
			if ch.op == modDelete || len(ch.vals) != 1 {
				return errWillNotPerform(0x57)
			}
			sdValue = &ch.vals[0]
			touched = append(touched, l)
			continue
		case len(e.dn) > 0 && strings.EqualFold(def.name, e.dn[0].attr), l == "name", l == "distinguishedname":
			return errOnRDN(def.name)
		case def.is(flagBackLink) || def.is(flagConstructed):
			return errWillNotPerform(0x209D)
		case def.is(flagSystemOnly) && !ctx.who.system:
			return errConstraint(0x2077, def.name)
		}
		if !d.allowed(ctx.who, e, rightWriteProperty, def.schemaID, l) {
			return errAccess()
		}
		vals := ch.vals
		if len(vals) > 0 {
			var lerr *ldapError
			if vals, lerr = normalize(def, vals); lerr != nil {
				return lerr
			}
		}
		if l == "pwdlastset" {
			// Clients may only expire the password (0) or stamp it now (-1).
			if len(vals) != 1 || (vals[0] != "0" && vals[0] != "-1") || ch.op == modDelete {
				return errWillNotPerform(0x57)
			}
			if vals[0] == "-1" {
				vals = []string{strconv.FormatInt(fileTime(d.now()), 10)}
			}
			pwdLastSetGiven = true
		}
		touched = append(touched, l)
		if def.is(flagLink) {
			if lerr := s.modifyLink(ctx, e, def, ch.op, vals, links); lerr != nil {
				return lerr
			}
			continue
		}
		cur := attrs[l]
		switch ch.op {
		case modAdd:
			next := append([]string(nil), cur...)
			for _, v := range vals {
				if containsValue(def, next, v) {
					if ctx.permissive {
						continue
					}
					return errAttr(codeAttributeOrValueExists, 0x2083, "1006 (ATT_OR_VALUE_EXISTS)", def.name)
				}
				next = append(next, v)
			}
			if def.is(flagSingle) && len(next) > 1 {
				return errConstraint(0x2081, def.name)
			}
			attrs[l] = next
		case modDelete:
			if len(vals) == 0 {
				if len(cur) == 0 && !ctx.permissive {
					return errNoSuchAttr(def.name)
				}
				delete(attrs, l)
				continue
			}
			var next []string
			for _, v := range cur {
				if !containsValue(def, vals, v) {
					next = append(next, v)
				}
			}
			if !ctx.permissive {
				for _, v := range vals {
					if !containsValue(def, cur, v) {
						return errNoSuchAttr(def.name)
					}
				}
			}
			if len(next) == 0 {
				delete(attrs, l)
			} else {
				attrs[l] = next
			}
		case modReplace:
			if len(vals) == 0 {
				delete(attrs, l)
			} else {
				attrs[l] = vals
			}
		default:
			return newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090C3E, comment: unknown modify operation %d, data 0, v4563", ch.op)
		}
	}

	// Checks on the result, as the SAM enforces them.
	isUser := e.isClass("user")
	if e.isClass("user") || e.isClass("group") {
		sam := firstOf(attrs, "samaccountname")
		if sam == "" {
			return errConstraint(0x2077, "sAMAccountName")
		}
		if other := d.bySAM[foldString(sam)]; other != nil && other != e {
			return errAccountExists()
		}
	}
	if upn := firstOf(attrs, "userprincipalname"); upn != "" {
		if other := d.byUPN[foldString(upn)]; other != nil && other != e {
			return errUPNNotUnique()
		}
	}
	var pw string
	if newPassword != nil || oldPassword != nil {
		var lerr *ldapError
		if pw, lerr = s.passwordChange(ctx, e, oldPassword, newPassword); lerr != nil {
			return lerr
		}
	}
	if isUser && !e.isClass("computer") {
		uac, _ := strconv.ParseInt(firstOf(attrs, "useraccountcontrol"), 10, 64)
		if uac&(uacAccountDisable|uacPasswdNotReqd) == 0 && e.pwHash == nil && newPassword == nil {
			return errWillNotPerform(0x52D)
		}
	}
	var in *securityDescriptor
	if sdValue != nil {
		// Validate before committing; writeSD re-checks the rights.
		var err error
		if in, err = parseSD([]byte(*sdValue)); err != nil || in == nil {
			return errConstraint(0x57, "nTSecurityDescriptor")
		}
		probe := *e
		if e.sd != nil {
			sdCopy := *e.sd
			probe.sd = &sdCopy
		}
		if lerr := d.writeSD(ctx.who, &probe, []byte(*sdValue), ctx.sdFlags); lerr != nil {
			return lerr
		}
	}

	// Commit.
	usn := d.nextUSN()
	d.unindex(e)
	e.attrs = attrs
	if e.isClass("group") {
		e.attrs["samaccounttype"] = []string{samAccountType(e)}
	}
	if newPassword != nil {
		e.setPassword(pw)
		if !pwdLastSetGiven {
			e.attrs["pwdlastset"] = []string{strconv.FormatInt(fileTime(d.now()), 10)}
			touched = append(touched, "pwdlastset")
		}
	}
	d.index(e)
	for _, ls := range links {
		attr := strings.ToLower(ls.def.name)
		keep := map[guid]bool{}
		for _, t := range ls.targets {
			keep[t.guid] = true
			if !d.hasLink(e, attr, t.guid) {
				d.addLink(e, ls.def, t, usn)
			}
		}
		for _, lv := range e.links[attr] {
			if !lv.absent && !keep[lv.target] {
				d.removeLink(e, ls.def, lv.target, usn)
			}
		}
	}
	if sdValue != nil {
		_ = d.writeSD(ctx.who, e, []byte(*sdValue), ctx.sdFlags)
	}
	d.touch(e, usn, touched...)
	return nil
}

// modifyLink applies one change to a forward link's working set, with AD's
// answers for group members: adding a present member is entryAlreadyExists
// (ERROR_MEMBER_IN_ALIAS), removing an absent one unwillingToPerform
// (ERROR_MEMBER_NOT_IN_ALIAS).
func (s *Server) modifyLink(ctx *opCtx, e *entry, def *attrDef, op int, vals []string, links map[string]*linkSet) *ldapError {
	d := s.dir
	attr := def.lname
	ls := links[attr]
	if ls == nil {
		ls = &linkSet{def: def, targets: d.linkTargets(e, attr)}
		links[attr] = ls
	}
	var targets []*entry
	for _, v := range vals {
		t, lerr := d.resolve(v, false)
		if lerr != nil {
			return lerr
		}
		targets = append(targets, t)
	}
	switch op {
	case modAdd:
		for _, t := range targets {
			if ls.index(t) >= 0 {
				if ctx.permissive {
					continue
				}
				return newErr(codeEntryAlreadyExists, "00000562: UpdErr: DSID-031A11C4, problem 6005 (ENTRY_EXISTS), data 0\n")
			}
			ls.targets = append(ls.targets, t)
		}
		if def.is(flagSingle) && len(ls.targets) > 1 {
			return errConstraint(0x2081, def.name)
		}
	case modDelete:
		if len(targets) == 0 {
			if len(ls.targets) == 0 && !ctx.permissive {
				return errNoSuchAttr(def.name)
			}
			ls.targets = nil
			return nil
		}
		for _, t := range targets {
			i := ls.index(t)
			if i < 0 {
				if ctx.permissive {
					continue
				}
				return newErr(codeUnwillingToPerform, "00000561: SvcErr: DSID-031A1021, problem 5003 (WILL_NOT_PERFORM), data 0\n")
			}
			ls.targets = append(ls.targets[:i], ls.targets[i+1:]...)
		}
	case modReplace:
		if def.is(flagSingle) && len(targets) > 1 {
			return errConstraint(0x2081, def.name)
		}
		ls.targets = targets
	}
	return nil
}

// passwordChange checks a unicodePwd modify: a replace is an administrative
// reset (the Reset Password right); a delete of the old value with an add of
// the new one is a user's change (the Change Password right and the old
// password). It returns the new password.
func (s *Server) passwordChange(ctx *opCtx, e *entry, old, new *string) (string, *ldapError) {
	d := s.dir
	if !ctx.tls {
		return "", errWillNotPerform(0x1F)
	}
	if !e.isClass("user") || new == nil {
		return "", errWillNotPerform(0x57)
	}
	if old != nil {
		oldPw, ok := decodeUnicodePwd(*old)
		if !ok || !e.checkPassword(oldPw) {
			return "", errConstraint(0x56, "unicodePwd")
		}
		if !d.allowed(ctx.who, e, rightControlAccess, &rightChangePasswordGUID, "") {
			return "", errAccess()
		}
	} else if !d.allowed(ctx.who, e, rightControlAccess, &rightResetPasswordGUID, "") {
		return "", errAccess()
	}
	return s.checkNewPassword(ctx, e, *new)
}

func containsValue(def *attrDef, vals []string, v string) bool {
	k := valueKey(def, v)
	for _, x := range vals {
		if valueKey(def, x) == k {
			return true
		}
	}
	return false
}

func firstOf(attrs map[string][]string, k string) string {
	if v := attrs[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}
