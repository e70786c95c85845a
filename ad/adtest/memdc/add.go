package memdc

import (
	"strconv"
	"strings"
)

// opCtx is who performs a write and how.
type opCtx struct {
	who        *principal
	tls        bool   // the connection is encrypted (required for unicodePwd)
	sdFlags    uint32 // SD_FLAGS control; 0 when absent
	permissive bool   // LDAP_SERVER_PERMISSIVE_MODIFY
	treeDelete bool   // LDAP_SERVER_TREE_DELETE
}

var systemCtx = &opCtx{who: systemPrincipal, tls: true}

// attrValues is one attribute of an add request.
type attrValues struct {
	name string
	vals []string
}

// addObject creates an object as AD's add operation does (MS-ADTS
// §3.1.1.5.2): structural class and naming checks, then the values the
// system sets (objectSid, sAMAccountName, userAccountControl and the other
// SAM defaults). The caller holds the write lock.
func (s *Server) addObject(ctx *opCtx, name string, attrs []attrValues) (*entry, *ldapError) {
	d := s.dir
	n, err := parseDN(name)
	if err != nil || len(n) == 0 {
		return nil, errInvalidDN(name)
	}
	if existing := d.lookup(n); existing != nil {
		return nil, errEntryExists()
	}
	parent := d.lookup(n.parent())
	if parent == nil || parent.deleted {
		return nil, errNoSuchObject(d.matchedDN(n))
	}
	given := map[string]*attrValues{}
	var objectClasses []string
	for i := range attrs {
		a := &attrs[i]
		l := strings.ToLower(a.name)
		if i := strings.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		if given[l] != nil {
			return nil, errAttr(codeAttributeOrValueExists, 0x2083, "1006 (ATT_OR_VALUE_EXISTS)", a.name)
		}
		given[l] = a
		if l == "objectclass" {
			objectClasses = a.vals
		}
	}
	if len(objectClasses) == 0 {
		return nil, errObjectClass("objectClass is required")
	}
	for _, v := range objectClasses {
		if !knownClassNames[strings.ToLower(v)] {
			return nil, errObjectClass("objectClass %s is not defined in the schema", v)
		}
	}
	class := structuralClass(objectClasses)
	if class == nil || (!class.creatable && !ctx.who.system) {
		return nil, errObjectClass("objectClass %s cannot be created over LDAP", strings.Join(objectClasses, ","))
	}
	if parent.class == nil || !parent.class.container {
		return nil, errNaming("a %s cannot be created below a %s", class.name, parentClassName(parent))
	}
	if !strings.EqualFold(n[0].attr, class.rdnAttr) {
		return nil, errNaming("a %s is named by %s=, not %s=", class.name, strings.ToUpper(class.rdnAttr), n[0].attr)
	}
	if !d.allowed(ctx.who, parent, rightCreateChild, class.schemaID, "") {
		return nil, errAccess()
	}

	e := &entry{dn: n, guid: newGUID(), class: class, attrs: map[string][]string{}, links: map[string][]linkValue{}}
	e.attrs["objectclass"] = append([]string(nil), class.chain...)
	type pendingLink struct {
		def    *attrDef
		target *entry
	}
	var links []pendingLink
	var password *string
	var sdValue *string
	for l, a := range given {
		if l == "objectclass" {
			continue
		}
		def := s.attr(l)
		if def == nil {
			return nil, errUndefinedAttr(a.name)
		}
		switch {
		case strings.EqualFold(def.name, class.rdnAttr):
			if len(a.vals) != 1 || !sameValue(def, a.vals[0], n[0].value) {
				return nil, errNaming("%s must equal the RDN value %q", def.name, n[0].value)
			}
			continue
		case l == "unicodepwd":
			if len(a.vals) != 1 {
				return nil, errConstraint(0x57, "unicodePwd")
			}
			password = &a.vals[0]
			continue
		case l == "ntsecuritydescriptor":
			if len(a.vals) != 1 {
				return nil, errConstraint(0x57, "nTSecurityDescriptor")
			}
			sdValue = &a.vals[0]
			continue
		case def.is(flagBackLink) || def.is(flagConstructed) || l == "name" || l == "distinguishedname":
			return nil, errConstraint(0x2077, def.name)
		case def.is(flagSystemOnly) && !ctx.who.system:
			return nil, errConstraint(0x2077, def.name)
		}
		vals, lerr := normalize(def, a.vals)
		if lerr != nil {
			return nil, lerr
		}
		if def.is(flagLink) {
			for _, v := range vals {
				t, lerr := d.resolve(v, false)
				if lerr != nil {
					return nil, lerr
				}
				links = append(links, pendingLink{def, t})
			}
			continue
		}
		e.attrs[l] = vals
	}
	if !e.has("objectCategory") {
		e.attrs["objectcategory"] = []string{s.categoryDN(class.category)}
	}
	e.attrs["instancetype"] = []string{"4"}

	isUser := e.isClass("user")
	isPrincipal := isUser || e.isClass("group")
	if isPrincipal {
		if !e.has("objectSid") {
			e.attrs["objectsid"] = []string{string(d.domainSID.withRID(d.nextRID))}
			d.nextRID++
		}
		if !e.has("sAMAccountName") {
			e.attrs["samaccountname"] = []string{s.generatedSAMAccountName()}
		}
		if d.bySAM[foldString(e.first("sAMAccountName"))] != nil {
			return nil, errAccountExists()
		}
	}
	if isUser {
		computer := e.isClass("computer")
		if !e.has("userAccountControl") {
			if computer {
				e.attrs["useraccountcontrol"] = []string{strconv.Itoa(uacWorkstationTrust | uacPasswdNotReqd)}
			} else {
				e.attrs["useraccountcontrol"] = []string{strconv.Itoa(uacNormalAccount | uacAccountDisable | uacPasswdNotReqd)}
			}
		}
		primary := ridDomainUsers
		if computer {
			primary = ridDomainComputers
		}
		for k, v := range map[string]string{"primarygroupid": strconv.Itoa(primary), "pwdlastset": "0",
			"accountexpires": neverExpires, "badpwdcount": "0", "codepage": "0", "countrycode": "0",
			"logoncount": "0", "lastlogon": "0", "lastlogoff": "0", "badpasswordtime": "0"} {
			if !e.has(k) {
				e.attrs[k] = []string{v}
			}
		}
	}
	if e.isClass("group") && !e.has("groupType") {
		e.attrs["grouptype"] = []string{gtGlobalSecurity}
	}
	if isPrincipal {
		e.attrs["samaccounttype"] = []string{samAccountType(e)}
	}
	if upn := e.first("userPrincipalName"); upn != "" && d.byUPN[foldString(upn)] != nil {
		return nil, errUPNNotUnique()
	}
	if password != nil {
		pw, lerr := s.checkNewPassword(ctx, e, *password)
		if lerr != nil {
			return nil, lerr
		}
		e.setPassword(pw)
		e.attrs["pwdlastset"] = []string{strconv.FormatInt(fileTime(d.now()), 10)}
	}
	if isUser && !e.isClass("computer") && e.pwHash == nil {
		uac := e.int("userAccountControl")
		if uac&(uacAccountDisable|uacPasswdNotReqd) == 0 {
			// An enabled account needs a password (ERROR_PASSWORD_RESTRICTION).
			return nil, errWillNotPerform(0x52D)
		}
	}
	e.sd = s.defaultSD(ctx.who)
	if sdValue != nil {
		in, err := parseSD([]byte(*sdValue))
		if err != nil {
			return nil, errConstraint(0x57, "nTSecurityDescriptor")
		}
		flags := ctx.sdFlags
		if flags == 0 {
			flags = secinfoOwner | secinfoGroup | secinfoDACL
		}
		e.sd.merge(in, flags)
	}
	usn := d.nextUSN()
	d.insert(e, parent, usn)
	for _, l := range links {
		d.addLink(e, l.def, l.target, usn)
		e.attrUSN[strings.ToLower(l.def.name)] = usn
	}
	return e, nil
}

func parentClassName(p *entry) string {
	if p.class == nil {
		return "object"
	}
	return p.class.name
}

// generatedSAMAccountName is the name AD gives an account created without
// one: "$" and random characters.
func (s *Server) generatedSAMAccountName() string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
	b := []byte("$000000-000000000000")
	for i := range b {
		if b[i] == '0' {
			b[i] = chars[s.rng.IntN(len(chars))]
		}
	}
	return string(b)
}

// defaultSD is the descriptor of a new object: owned by Domain Admins when an
// administrator creates it (as AD assigns ownership), else by the creator;
// its DACL holds no explicit ACEs, so it inherits its parent's.
func (s *Server) defaultSD(who *principal) *securityDescriptor {
	da := s.dir.domainSID.withRID(ridDomainAdmins)
	owner := da
	if !who.system && !who.has(da) && !who.has(s.dir.domainSID.withRID(ridEnterpriseAdmins)) && who.e != nil {
		owner = who.e.sid()
	}
	return sdWith(owner, s.dir.domainSID.withRID(ridDomainUsers))
}

// checkNewPassword validates a unicodePwd value being set: only over an
// encrypted connection, in AD's quoted UTF-16LE form, meeting the domain's
// password policy.
func (s *Server) checkNewPassword(ctx *opCtx, e *entry, value string) (string, *ldapError) {
	if !ctx.tls {
		return "", errWillNotPerform(0x1F)
	}
	pw, ok := decodeUnicodePwd(value)
	if !ok {
		return "", errConstraint(0x56, "unicodePwd")
	}
	if reason := passwordProblem(pw, e.first("sAMAccountName")); reason != "" && s.dir.domain.int("pwdProperties")&1 != 0 {
		return "", errConstraint(0x52D, "unicodePwd")
	}
	return pw, nil
}
