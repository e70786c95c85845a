package entratest

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// microsoftTenantID owns Microsoft's first-party applications.
const microsoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// init builds the directory from the seed t.
func (s *Server) init(t Tenant) error {
	if err := t.validate(); err != nil {
		return err
	}
	now := time.Now()
	id := strings.ToLower(t.ID)
	if id == "" {
		id = newGUID()
	}
	name := t.DisplayName
	if name == "" {
		name = "Contoso"
	}
	d := newDirectory(id, name, now)
	for _, dm := range t.Domains {
		d.domains = append(d.domains, &domain{name: strings.ToLower(dm.Name), verified: dm.Verified, isDefault: dm.Default, initial: dm.Initial, federated: dm.Federated})
	}
	var hasDefault bool
	for _, dm := range d.domains {
		if dm.initial {
			d.initialDomain = dm.name
		}
		hasDefault = hasDefault || dm.isDefault
	}
	if !hasDefault {
		for _, dm := range d.domains {
			dm.isDefault = dm.initial
		}
	}
	s.dir = d
	s.TenantID = id
	s.InitialDomain = d.initialDomain

	// Microsoft's own service principals present in every tenant: Microsoft
	// Graph (the resource of every permission) and the public client used
	// for device code sign-in.
	d.insert(kindServicePrincipal, "", now, []prop{
		{"appId", GraphAppID}, {"displayName", "Microsoft Graph"}, {"appDisplayName", "Microsoft Graph"},
		{"appOwnerOrganizationId", microsoftTenantID}, {"accountEnabled", true},
		{"servicePrincipalType", "Application"}, {"signInAudience", "AzureADMultipleOrgs"},
		{"servicePrincipalNames", []any{GraphAppID, GraphResource, "https://graph.microsoft.com/", "https://canary.graph.microsoft.com"}},
		{"appRoles", graphAppRoles()}, {"oauth2PermissionScopes", graphScopes()},
	})
	d.insert(kindServicePrincipal, "", now, []prop{
		{"appId", GraphCommandLineToolsAppID}, {"displayName", "Microsoft Graph Command Line Tools"},
		{"appDisplayName", "Microsoft Graph Command Line Tools"}, {"appOwnerOrganizationId", microsoftTenantID},
		{"accountEnabled", true}, {"servicePrincipalType", "Application"}, {"signInAudience", "AzureADandPersonalMicrosoftAccount"},
		{"servicePrincipalNames", []any{GraphCommandLineToolsAppID}},
	})

	for _, u := range t.Users {
		if err := s.seedUser(u, now); err != nil {
			return err
		}
	}
	for _, g := range t.Groups {
		if err := s.seedGroup(g, now); err != nil {
			return err
		}
	}
	for i, a := range t.Apps {
		if err := s.seedApp(i, a, now); err != nil {
			return err
		}
	}
	for _, sc := range t.Consented {
		p := permissionByValue(sc)
		if p == nil || p.scopeID == "" {
			return fmt.Errorf("entratest: consented scope %q: not a delegated Microsoft Graph permission the emulator knows", sc)
		}
		d.consented = append(d.consented, p.value)
	}
	return nil
}

func (s *Server) seedUser(u User, now time.Time) error {
	d := s.dir
	upn := u.UserPrincipalName
	local, dom, ok := strings.Cut(upn, "@")
	if !ok || d.domainNamed(dom) == nil || !d.domainNamed(dom).verified {
		return fmt.Errorf("entratest: seeded user %q: userPrincipalName must be on a verified domain of the tenant", upn)
	}
	if d.byUPN[strings.ToLower(upn)] != nil {
		return fmt.Errorf("entratest: seeded user %q: duplicate userPrincipalName", upn)
	}
	nick := u.MailNickname
	if nick == "" {
		nick = local
	}
	display := u.DisplayName
	if display == "" {
		display = local
	}
	props := []prop{
		{"accountEnabled", !u.Disabled}, {"displayName", display}, {"mailNickname", nick},
		{"userPrincipalName", upn}, {"userType", "Member"}, {"creationType", nil},
		{"passwordProfile", map[string]any{"forceChangePasswordNextSignIn": false}},
	}
	props = appendIf(props, "givenName", u.GivenName)
	props = appendIf(props, "surname", u.Surname)
	props = appendIf(props, "onPremisesImmutableId", u.OnPremisesImmutableID)
	if u.Mail != "" {
		props = append(props, prop{"mail", u.Mail}, prop{"proxyAddresses", []any{"SMTP:" + u.Mail}})
	}
	o := d.insert(kindUser, "", now, compactProps(props))
	for _, r := range u.Roles {
		d.activateRole(r).members[o.id] = true
	}
	return nil
}

func (s *Server) seedGroup(g Group, now time.Time) error {
	d := s.dir
	nick := g.MailNickname
	if nick == "" {
		nick = strings.Map(func(r rune) rune {
			if r == ' ' {
				return -1
			}
			return r
		}, g.DisplayName)
	}
	props := []prop{
		{"displayName", g.DisplayName}, {"mailEnabled", false}, {"securityEnabled", true},
		{"mailNickname", nick}, {"groupTypes", []any{}}, {"visibility", nil},
	}
	props = appendIf(props, "description", g.Description)
	o := d.insert(kindGroup, "", now, compactProps(props))
	for _, m := range g.Members {
		u := d.byUPN[strings.ToLower(m)]
		if u == nil {
			return fmt.Errorf("entratest: seeded group %q: member %q is not a seeded user", g.DisplayName, m)
		}
		o.group.add(u.id, o.change)
	}
	return nil
}

// seedApp registers an application with a service principal, a client
// secret, a certificate and its Graph permissions granted.
func (s *Server) seedApp(i int, a App, now time.Time) error {
	d := s.dir
	key, err := pooledKey(i + 1) // key 0 signs tokens
	if err != nil {
		return err
	}
	cert, err := selfSignedCert(key, a.DisplayName, now)
	if err != nil {
		return err
	}
	kc, err := newKeyCred(cert.Raw)
	if err != nil {
		return fmt.Errorf("entratest: seeded app %q: %w", a.DisplayName, err)
	}
	kc.keyID, kc.displayName = newGUID(), "CN="+a.DisplayName
	secret := newSecret()
	appID := newGUID()
	app := d.insert(kindApplication, "", now, []prop{
		{"appId", appID}, {"displayName", a.DisplayName}, {"signInAudience", "AzureADMyOrg"},
		{"publisherDomain", d.initialDomain}, {"identifierUris", []any{}}, {"tags", []any{}},
	})
	app.app.keys = append(app.app.keys, kc)
	app.app.secrets = append(app.app.secrets, &secretCred{
		keyID: newGUID(), displayName: "seeded secret", hint: secret[:3], hash: sha256.Sum256([]byte(secret)),
		start: now.Add(-time.Hour), end: now.AddDate(1, 0, 0),
	})
	sp := d.insert(kindServicePrincipal, "", now, s.servicePrincipalProps(app))
	graph := d.spByAppID[GraphAppID]
	for _, p := range a.Permissions {
		d.addAssignment(sp.id, graph.id, GraphAppRoleID(p), now.Add(-s.cfg.consentDelay))
	}
	s.appCreds = append(s.appCreds, AppCredentials{
		DisplayName: a.DisplayName, AppID: appID, ObjectID: app.id, ServicePrincipalID: sp.id,
		ClientSecret: secret, Certificate: cert, PrivateKey: key, Permissions: append([]string(nil), a.Permissions...),
	})
	return nil
}

// servicePrincipalProps derives a service principal from its application
// (https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals).
func (s *Server) servicePrincipalProps(app *object) []prop {
	appID := app.str("appId")
	return []prop{
		{"appId", appID}, {"displayName", app.str("displayName")}, {"appDisplayName", app.str("displayName")},
		{"appOwnerOrganizationId", s.dir.tenantID}, {"accountEnabled", true},
		{"servicePrincipalType", "Application"}, {"signInAudience", app.str("signInAudience")},
		{"servicePrincipalNames", []any{appID}}, {"tags", []any{}}, {"appRoles", []any{}},
		{"oauth2PermissionScopes", []any{}}, {"appRoleAssignmentRequired", false},
	}
}

// addAssignment records an app role assignment.
func (d *directory) addAssignment(principalID, resourceID, appRoleID string, created time.Time) *assignment {
	a := &assignment{seq: d.nextStamp(), id: newAssignmentID(), appRoleID: appRoleID, principalID: principalID, resourceID: resourceID, created: created}
	d.assignments[a.id] = a
	return a
}

// newAssignmentID returns an id shaped like Graph's appRoleAssignment
// ids: 43 base64url characters.
func newAssignmentID() string { return randomToken(32) }

func appendIf(props []prop, name, val string) []prop {
	if val == "" {
		return props
	}
	return append(props, prop{name, val})
}

// compactProps drops nil values.
func compactProps(props []prop) []prop {
	out := props[:0]
	for _, p := range props {
		if p.val != nil {
			out = append(out, p)
		}
	}
	return out
}
