package sync

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tenant is what mapping needs to know about the Entra tenant.
type Tenant struct {
	// InitialDomain is the tenant's .onmicrosoft.com domain (MOERA).
	InitialDomain string
	// VerifiedDomains are the tenant's verified domains, the initial one included.
	VerifiedDomains []string
}

// verdict is what the scoping rules decide for one source object.
type verdict uint8

const (
	inScope      verdict = iota
	outOfScope           // not below the selected OUs
	excluded             // a default rule keeps it out (critical object, MSOL_, CNF, ...)
	notCreatable         // a contact or mail-enabled distribution group
	ignored              // a kind or object type that is not synced (computers, ...)
)

// mapper holds one run's mapping rules: the configuration and the tenant's
// domains. Its methods are pure functions of their arguments.
type mapper struct {
	anchorMode     string
	initialDomain  string
	verified       map[string]bool
	include        []dnName
	exclude        []dnName
	users, groups  bool
	userAttrs      []string // synced user attributes (required + chosen optional), sorted
	groupAttrs     []string
	syncManager    bool
	connectorSAM   string // lower case
	connectorUPN   string // lower case
	connectorDN    string // canonical
	softMatchUPN   bool
	softMatchMail  bool
	mappingVersion string // changes whenever a rule input changes, to force a full run
}

func newMapper(cfg Config, t Tenant) (*mapper, error) {
	m := &mapper{
		anchorMode:    cfg.Sync.SourceAnchor,
		initialDomain: strings.ToLower(t.InitialDomain),
		verified:      make(map[string]bool),
		softMatchUPN:  slices.Contains(cfg.Sync.SoftMatch, AttrUserPrincipalName),
		softMatchMail: slices.Contains(cfg.Sync.SoftMatch, AttrMail),
	}
	if m.initialDomain == "" {
		m.initialDomain = strings.ToLower(cfg.Entra.InitialDomain)
	}
	if m.initialDomain == "" {
		return nil, fmt.Errorf("sync: the tenant's initial domain is unknown: set entra.initialDomain")
	}
	for _, d := range t.VerifiedDomains {
		m.verified[strings.ToLower(d)] = true
	}
	for _, s := range cfg.AD.Scope.Include {
		d, err := parseDN(s)
		if err != nil {
			return nil, fmt.Errorf("sync: ad.scope.include %q: %w", s, err)
		}
		m.include = append(m.include, d)
	}
	for _, s := range cfg.AD.Scope.Exclude {
		d, err := parseDN(s)
		if err != nil {
			return nil, fmt.Errorf("sync: ad.scope.exclude %q: %w", s, err)
		}
		m.exclude = append(m.exclude, d)
	}
	m.users = slices.Contains(cfg.AD.ObjectTypes, "users")
	m.groups = slices.Contains(cfg.AD.ObjectTypes, "groups")
	m.userAttrs = slices.Clone(requiredUserAttributes)
	for _, a := range cfg.Sync.OptionalAttributes {
		if a == AttrManager { // a reference, diffed apart from the attributes
			m.syncManager = true
			continue
		}
		if !slices.Contains(m.userAttrs, a) {
			m.userAttrs = append(m.userAttrs, a)
		}
	}
	slices.Sort(m.userAttrs)
	// A group's mailNickname is the Target's: Graph requires one, and the
	// Entra target keeps the group's anchor there (GroupAnchorNickname).
	m.groupAttrs = []string{AttrDescription, AttrDisplayName}
	m.setConnector(cfg.AD.BindUser)

	domains := slices.Sorted(func(yield func(string) bool) {
		for d := range m.verified {
			if !yield(d) {
				return
			}
		}
	})
	m.mappingVersion = digest(fmt.Appendf(nil, "v1|%s|%s|%v|%v|%v|%v|%v|%v|%v|%s|%s|%s|%v|%v",
		m.anchorMode, m.initialDomain, domains, cfg.AD.Scope.Include, cfg.AD.Scope.Exclude,
		m.users, m.groups, m.userAttrs, m.syncManager, m.connectorSAM, m.connectorUPN, m.connectorDN, m.softMatchUPN, m.softMatchMail))
	return m, nil
}

// setConnector remembers the connector account in each form it may be
// given, so that account is never synced.
func (m *mapper) setConnector(bind string) {
	bind = strings.TrimSpace(bind)
	switch {
	case strings.Contains(bind, `\`):
		m.connectorSAM = strings.ToLower(bind[strings.LastIndexByte(bind, '\\')+1:])
	case strings.Contains(bind, "@"):
		m.connectorUPN = strings.ToLower(bind)
	case strings.Contains(bind, "="):
		m.connectorDN = canonicalDN(bind)
	}
}

// classify applies the scoping rules to o: the OU selection, the object
// types, and Entra Connect's default filters ("In from AD - User Join" and
// friends: https://learn.microsoft.com/entra/identity/hybrid/connect/concept-azure-ad-connect-sync-default-configuration).
// reason explains any verdict but inScope.
func (m *mapper) classify(o *SourceObject) (verdict, string) {
	switch o.Kind {
	case KindUser:
		if !m.users {
			return ignored, "users are not synced (ad.objectTypes)"
		}
	case KindGroup:
		if !m.groups {
			return ignored, "groups are not synced (ad.objectTypes)"
		}
	case KindContact:
	default:
		return ignored, o.Kind.String() + " objects are not synced"
	}
	dn, err := parseDN(o.DN)
	if err != nil {
		return excluded, "unparsable DN"
	}
	if !m.inOUs(dn) {
		return outOfScope, "not in the selected OUs"
	}
	if o.CriticalSystemObject {
		return excluded, "critical system object"
	}
	if isConflictRDN(dn.leafValue()) {
		return excluded, "replication conflict object (CNF)"
	}
	if o.Kind == KindContact {
		return notCreatable, "contacts cannot be created through Microsoft Graph"
	}
	sam := strings.ToLower(o.SAMAccountName)
	if sam == "" {
		return excluded, "no sAMAccountName"
	}
	if o.Kind == KindGroup {
		if o.GroupType&groupTypeSecurity == 0 {
			if o.Mail != "" || len(o.ProxyAddresses) > 0 {
				return notCreatable, "mail-enabled distribution groups cannot be created through Microsoft Graph"
			}
			return excluded, "distribution group without mail"
		}
		return inScope, ""
	}
	switch {
	case strings.HasPrefix(sam, "msol_"), strings.HasPrefix(sam, "aad_"):
		return excluded, "sync service account (MSOL_/AAD_)"
	case sam == "support_388945a0":
		return excluded, "built-in support account"
	case strings.HasPrefix(sam, "systemmailbox{"),
		strings.HasPrefix(sam, "cas_") && strings.Contains(sam, "}"):
		return excluded, "Exchange system mailbox"
	case m.isConnector(o, sam, dn):
		return excluded, "the connector account"
	}
	return inScope, ""
}

func (m *mapper) inOUs(dn dnName) bool {
	if len(m.include) > 0 && !slices.ContainsFunc(m.include, dn.under) {
		return false
	}
	return !slices.ContainsFunc(m.exclude, dn.under)
}

func (m *mapper) isConnector(o *SourceObject, sam string, dn dnName) bool {
	return m.connectorSAM != "" && sam == m.connectorSAM ||
		m.connectorUPN != "" && strings.EqualFold(o.UserPrincipalName, m.connectorUPN) ||
		m.connectorDN != "" && dn.String() == m.connectorDN
}

// entry is the desired Entra state of one in-scope source object.
type entry struct {
	anchor string
	kind   Kind
	obj    *SourceObject
	attrs  Attributes
	// wantUPN is the UPN the rules give before duplicates are settled, and
	// upnPrefix its part before the @, the base of a quarantined UPN.
	wantUPN, upnPrefix string
	managerRef         Ref
	memberRefs         []Ref
	manager            string   // resolved: the manager's anchor
	members            []string // resolved: member anchors, sorted
}

// value cleans one AD value for attribute attr and records what was
// repaired on w.
func value(w *warnings, o *SourceObject, attr, v string) string {
	out, repaired, truncated := cleanValue(v, maxLen[attr])
	if repaired {
		w.add(WarnValueRepaired, "invalid UTF-8 or control characters replaced in "+attr, o.Name())
	}
	if truncated {
		w.add(WarnValueTruncated, fmt.Sprintf("%s longer than Graph's %d characters: truncated", attr, maxLen[attr]), o.Name())
	}
	return out
}

// mapUser computes a user's Entra attributes. Sources: the DESIGN.md
// attribute list and Entra Connect's "Out to AAD - User Identity/Join"
// rules (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized).
func (m *mapper) mapUser(o *SourceObject, anchor string, w *warnings) *entry {
	e := &entry{anchor: anchor, kind: KindUser, obj: o, attrs: make(Attributes, len(m.userAttrs))}
	a := e.attrs
	a[AttrDisplayName] = m.displayName(o, w)
	a[AttrAccountEnabled] = strconv.FormatBool(o.UserAccountControl&uacAccountDisable == 0)
	nick := m.mailNickname(o)
	a[AttrMailNickname] = nick
	e.wantUPN, e.upnPrefix = m.userPrincipalName(o, nick, w)
	a[AttrUserPrincipalName] = e.wantUPN

	set := func(attr, v string) {
		if slices.Contains(m.userAttrs, attr) {
			a[attr] = value(w, o, attr, v)
		}
	}
	set(AttrGivenName, o.GivenName)
	set(AttrSurname, o.Surname)
	set(AttrMail, o.Mail)
	set(AttrJobTitle, o.Title)
	set(AttrDepartment, o.Department)
	set(AttrCompanyName, o.Company)
	set(AttrOfficeLocation, o.Office)
	set(AttrStreetAddress, o.StreetAddress)
	set(AttrCity, o.City)
	set(AttrState, o.State)
	set(AttrPostalCode, o.PostalCode)
	set(AttrCountry, o.Country)
	set(AttrBusinessPhones, o.TelephoneNumber)
	set(AttrMobilePhone, o.Mobile)
	set(AttrEmployeeID, o.EmployeeID)
	if slices.Contains(m.userAttrs, AttrUsageLocation) {
		a[AttrUsageLocation] = usageLocation(w, o)
	}
	if m.syncManager {
		e.managerRef = o.Manager
	}
	return e
}

// usageLocation is AD's c (ISO 3166 alpha-2), which Entra Connect flows to
// usageLocation; anything but two letters is left out with a warning.
func usageLocation(w *warnings, o *SourceObject) string {
	c := strings.ToUpper(strings.TrimSpace(o.CountryCode))
	if c == "" {
		return ""
	}
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		w.add(WarnValueInvalid, "c (country code) is not two letters: usageLocation left empty", o.Name())
		return ""
	}
	return c
}

// displayName is AD's displayName, else the cn, else sAMAccountName: Graph
// requires one to create a user or group.
func (m *mapper) displayName(o *SourceObject, w *warnings) string {
	if v := value(w, o, AttrDisplayName, o.DisplayName); v != "" {
		return v
	}
	for _, c := range []string{leafOf(o.DN), o.SAMAccountName} {
		if v := value(w, o, AttrDisplayName, c); v != "" {
			return v
		}
	}
	return o.GUID.String()
}

func leafOf(dn string) string {
	d, err := parseDN(dn)
	if err != nil {
		return ""
	}
	v := d.leafValue()
	if i := strings.Index(v, "\n"); i >= 0 { // a CNF suffix
		v = v[:i]
	}
	return v
}

// mailNickname follows Entra Connect's order for the alias it computes at
// the first sync: on-premises mailNickname, primary SMTP address prefix
// ("SMTP:" in proxyAddresses), mail prefix, UPN prefix, secondary SMTP
// address prefix ("smtp:") (https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-userprincipalname).
// When none gives a usable alias, sAMAccountName does, then the GUID.
func (m *mapper) mailNickname(o *SourceObject) string {
	var primary, secondary string
	for _, p := range o.ProxyAddresses {
		switch {
		case strings.HasPrefix(p, "SMTP:") && primary == "":
			primary = p[5:]
		case strings.HasPrefix(p, "smtp:") && secondary == "":
			secondary = p[5:]
		}
	}
	upn := o.UserPrincipalName
	if upn == "" {
		upn = o.SAMAccountName
	}
	for _, c := range []string{o.MailNickname, localPart(primary), localPart(o.Mail), localPart(upn), localPart(secondary), o.SAMAccountName} {
		if v := sanitizeMailNickname(cleanOnly(c)); v != "" {
			return v
		}
	}
	return "u" + strings.ReplaceAll(o.GUID.String(), "-", "")[:12]
}

func cleanOnly(s string) string {
	v, _, _ := cleanValue(s, 0)
	return v
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// maxUPN is Graph's limit on a whole userPrincipalName; the prefix may
// have 64 characters (https://learn.microsoft.com/graph/api/resources/user).
const maxUPN = 113

// userPrincipalName applies Entra Connect's UPN rules
// (https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-userprincipalname):
// a missing UPN becomes sAMAccountName@<the domain's DNS name>; the UPN is
// kept when its suffix is a verified domain and its characters are valid;
// otherwise (unverified or non-routable suffix such as .local, invalid
// characters) it becomes mailNickname@<initial domain>. It returns the UPN
// and the prefix a quarantined UPN would start with.
func (m *mapper) userPrincipalName(o *SourceObject, nick string, w *warnings) (upn, prefix string) {
	raw := cleanOnly(o.UserPrincipalName)
	if raw == "" {
		if d, err := parseDN(o.DN); err == nil && d.domain() != "" {
			raw = cleanOnly(o.SAMAccountName) + "@" + d.domain()
		}
	}
	at := strings.LastIndexByte(raw, '@')
	if at > 0 && at < len(raw)-1 {
		p, suffix := raw[:at], strings.ToLower(raw[at+1:])
		switch {
		case !m.verified[suffix]:
			w.add(WarnUPNFallback, fmt.Sprintf("UPN suffix %s is not a verified domain: users get <mailNickname>@%s", suffix, m.initialDomain), o.Name())
		case !validUPNPrefix(p) || len(raw) > maxUPN:
			w.add(WarnUPNFallback, fmt.Sprintf("UPN has characters Graph refuses: users get <mailNickname>@%s", m.initialDomain), o.Name())
		default:
			return raw, p
		}
	} else {
		w.add(WarnUPNFallback, fmt.Sprintf("no usable UPN: users get <mailNickname>@%s", m.initialDomain), o.Name())
	}
	p := sanitizeUPNPrefix(nick, min(64, maxUPN-1-len(m.initialDomain)))
	if p == "" {
		p = "u" + strings.ReplaceAll(o.GUID.String(), "-", "")[:12]
	}
	return p + "@" + m.initialDomain, p
}

// quarantineSeparator joins a quarantined UPN's prefix and number. Entra's
// duplicate attribute resiliency uses "+" (<prefix>+<4 digits>@<initial
// domain>,
// https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency),
// but Graph refuses "+" in a userPrincipalName ("Only the following
// characters are allowed A - Z, a - z, 0 - 9, ' . - _ ! # ^ ~",
// https://learn.microsoft.com/graph/api/resources/user), so entrasync
// uses "_".
const quarantineSeparator = "_"

// quarantineUPN is the UPN a duplicate gets: <prefix>_<4 digits>@<initial
// domain>. The number comes from the anchor, so reruns give the same UPN;
// taken reports UPNs (lower case) already in use, which move it to the
// next one.
func (m *mapper) quarantineUPN(prefix, anchor string, taken func(string) bool) string {
	p := sanitizeUPNPrefix(prefix, min(64, maxUPN-1-len(m.initialDomain))-5)
	h := 0
	for i := 0; i < len(anchor); i++ {
		h = (h*31 + int(anchor[i])) % 10000
	}
	for i := range 10000 {
		upn := fmt.Sprintf("%s%s%04d@%s", p, quarantineSeparator, (h+i)%10000, m.initialDomain)
		if !taken(strings.ToLower(upn)) {
			return upn
		}
	}
	return fmt.Sprintf("%s%s%04d@%s", p, quarantineSeparator, h, m.initialDomain)
}

// isQuarantineUPN reports whether upn has the shape quarantineUPN gives:
// <prefix>_<4 digits>@<initial domain>.
func (m *mapper) isQuarantineUPN(upn string) bool {
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || !strings.EqualFold(domain, m.initialDomain) || len(local) < 6 {
		return false
	}
	sep, digits := local[len(local)-5:len(local)-4], local[len(local)-4:]
	if sep != quarantineSeparator {
		return false
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return false
		}
	}
	return true
}

// mapGroup computes a security group's Entra attributes; members are
// resolved later. Graph creates it with securityEnabled true and
// mailEnabled false (https://learn.microsoft.com/graph/api/group-post-groups).
// Its mailNickname is not synced: the Target chooses it (the Entra target
// keeps the anchor there), so Exchange's alias in AD is not used.
func (m *mapper) mapGroup(o *SourceObject, anchor string, w *warnings) *entry {
	e := &entry{anchor: anchor, kind: KindGroup, obj: o, attrs: make(Attributes, len(m.groupAttrs))}
	e.attrs[AttrDisplayName] = m.displayName(o, w)
	e.attrs[AttrDescription] = value(w, o, AttrDescription, o.Description)
	if o.Mail != "" {
		w.add(WarnMailDropped, "mail-enabled security groups are created without mail: Graph cannot create them mail-enabled", o.Name())
	}
	e.memberRefs = o.Members
	return e
}

// mapObject maps an in-scope user or group.
func (m *mapper) mapObject(o *SourceObject, anchor string, w *warnings) *entry {
	if o.Kind == KindGroup {
		return m.mapGroup(o, anchor, w)
	}
	return m.mapUser(o, anchor, w)
}

// attrNames lists the attributes synced for kind: the ones a diff compares.
func (m *mapper) attrNames(k Kind) []string {
	if k == KindGroup {
		return m.groupAttrs
	}
	return m.userAttrs
}
