package sync

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"

	"github.com/entrasync/entrasync/entra"
)

// EntraTarget is the [Target] over Microsoft Entra ID, through package
// entra (Microsoft Graph with JSON batching, a client-side write budget
// and Retry-After). Create it with [NewEntraTarget] or
// [NewEntraTargetFromConfig].
//
// Users are found by onPremisesImmutableId, the anchor. Graph has no such
// property on groups, so a group's anchor lives in its mailNickname,
// "esync-" followed by the anchor's bytes in URL-safe base64 (see
// [GroupAnchorNickname]): mailNickname is required, not unique and unused
// by security groups that are not mail-enabled. The Target writes it on
// create (and on the adoption of a group) and never changes it; the engine
// does not sync a group's mailNickname.
type EntraTarget struct {
	c    *entra.Client
	opts EntraTargetOptions
}

var _ Target = (*EntraTarget)(nil)

// EntraTargetOptions tune an [EntraTarget].
type EntraTargetOptions struct {
	// Managers makes List and Lookup read each user's manager too (in the
	// same requests, with $expand=manager): set it when the manager
	// attribute is synced.
	Managers bool
	// Concurrency bounds the reads sent at once (lookups of
	// entra.MaxFilterValues values, group members); default 8.
	Concurrency int
	// Logger receives what the Target notices (never a password); nil
	// means slog.Default().
	Logger *slog.Logger
}

// NewEntraTarget returns a Target writing through c, a client of the sync
// application (entra.NewAppClient).
func NewEntraTarget(c *entra.Client, opts EntraTargetOptions) *EntraTarget {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &EntraTarget{c: c, opts: opts}
}

// NewEntraTargetFromConfig returns a Target for the sync application of
// cfg.Entra, signing in with the certificate (or client secret) file it
// names under stateDir. It reads the credential now (refusing a file
// others can read) but signs in at the first call. It reads managers
// when cfg syncs them.
func NewEntraTargetFromConfig(cfg Config, stateDir string, logger *slog.Logger) (*EntraTarget, error) {
	e := cfg.Entra
	var cred entra.Credential
	switch {
	case e.CertificateFile != "":
		pem, err := ReadSecret(SecretPath(stateDir, e.CertificateFile))
		if err != nil {
			return nil, err
		}
		if cred, err = entra.CertificateCredential(pem, nil); err != nil {
			return nil, fmt.Errorf("sync: entra.certificateFile %s: %w", SecretPath(stateDir, e.CertificateFile), err)
		}
	case e.ClientSecretFile != "":
		secret, err := ReadSecret(SecretPath(stateDir, e.ClientSecretFile))
		if err != nil {
			return nil, err
		}
		cred = entra.SecretCredential(string(secret))
	default:
		return nil, errors.New("sync: no credential for the sync application: set entra.certificateFile (or entra.clientSecretFile)")
	}
	cloud := entra.Cloud{AuthorityHost: e.AuthorityHost, GraphURL: e.GraphEndpoint}
	if e.CAFile != "" {
		pool, err := entra.LoadCAFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sync: entra.caFile: %w", err)
		}
		cloud.RootCAs = pool
	}
	c, err := entra.NewAppClient(entra.Options{Cloud: cloud, Logger: logger}, e.TenantID, e.ClientID, cred)
	if err != nil {
		return nil, fmt.Errorf("sync: the sync application's client: %w", err)
	}
	return NewEntraTarget(c, EntraTargetOptions{Managers: slices.Contains(cfg.Sync.OptionalAttributes, AttrManager), Logger: logger}), nil
}

// Close releases the client's connections; the Target must not be used
// afterwards.
func (t *EntraTarget) Close() { t.c.Close() }

// Tenant reads the tenant's domains: the initial one (isInitial) and the
// verified ones (https://learn.microsoft.com/graph/api/domain-list).
func (t *EntraTarget) Tenant(ctx context.Context) (Tenant, error) {
	ds, err := t.c.Domains(ctx)
	if err != nil {
		return Tenant{}, callError("read the tenant's domains", err)
	}
	var out Tenant
	for _, d := range ds {
		if d.IsInitial {
			out.InitialDomain = d.Name
		}
		if d.IsVerified {
			out.VerifiedDomains = append(out.VerifiedDomains, d.Name)
		}
	}
	if out.InitialDomain == "" {
		return Tenant{}, errors.New("sync: the tenant lists no initial (.onmicrosoft.com) domain: is the sync application signed in to the right tenant (entra.tenantId)?")
	}
	return out, nil
}

// Lookup finds users by anchor, userPrincipalName or mail, and groups by
// anchor, with $filter=… in (…): one request per entra.MaxFilterValues
// values, several at a time. Anchors match case-sensitively, UPNs and mail
// case-insensitively.
func (t *EntraTarget) Lookup(ctx context.Context, kind Kind, by string, values []string) ([]TargetObject, error) {
	values = uniqueFold(values, by != LookupAnchor)
	switch {
	case kind == KindUser && by == LookupAnchor:
		return t.findUsers(ctx, entra.OnPremisesImmutableID, values, func(u entra.User, v string) bool { return u.OnPremisesImmutableID == v })
	case kind == KindGroup && by == LookupAnchor:
		return t.groupsByAnchor(ctx, values)
	case kind == KindUser && by == AttrUserPrincipalName:
		return t.findUsers(ctx, entra.UserPrincipalName, values, func(u entra.User, v string) bool { return strings.EqualFold(u.UserPrincipalName, v) })
	case kind == KindUser && by == AttrMail:
		return t.findUsers(ctx, entra.Mail, values, func(u entra.User, v string) bool { return strings.EqualFold(u.Mail, v) })
	}
	return nil, fmt.Errorf("sync: cannot look %ss up by %s in Entra: only users by anchor, userPrincipalName or mail, and groups by anchor", kind, by)
}

// findUsers reads the users whose property by is one of values, a chunk
// of entra.MaxFilterValues per request, and keeps those match says hold
// one of the chunk's values (Graph's comparison ignores case).
func (t *EntraTarget) findUsers(ctx context.Context, by entra.UserField, values []string, match func(entra.User, string) bool) ([]TargetObject, error) {
	chunks := slices.Collect(slices.Chunk(values, entra.MaxFilterValues))
	found := make([][]TargetObject, len(chunks))
	err := t.parallel(ctx, len(chunks), func(i int) error {
		us, err := t.c.FindUsers(ctx, by, chunks[i], entra.UserQuery{Manager: t.opts.Managers})
		if err != nil {
			return callError("look users up by "+string(by), err)
		}
		for _, u := range us {
			if slices.ContainsFunc(chunks[i], func(v string) bool { return match(u, v) }) {
				found[i] = append(found[i], userObject(u))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// groupsByAnchor reads the groups whose mailNickname holds one of anchors,
// with their members (the engine links a group found this way, after a
// create that reached Entra but not the store, and needs what it holds).
func (t *EntraTarget) groupsByAnchor(ctx context.Context, anchors []string) ([]TargetObject, error) {
	want := make(map[string]bool, len(anchors))
	var nicks []string
	for _, a := range anchors {
		if nick, ok := GroupAnchorNickname(a); ok { // else no group can carry it, so none was created
			want[nick] = true
			nicks = append(nicks, nick)
		}
	}
	chunks := slices.Collect(slices.Chunk(nicks, entra.MaxFilterValues))
	found := make([][]entra.Group, len(chunks))
	err := t.parallel(ctx, len(chunks), func(i int) error {
		gs, err := t.c.FindGroupsByMailNickname(ctx, chunks[i])
		if err != nil {
			return callError("look groups up by their anchor (mailNickname)", err)
		}
		found[i] = gs
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []TargetObject
	byNick := make(map[string]string)
	for _, g := range slices.Concat(found...) {
		// Graph compares strings case-insensitively; anchors are not.
		if !want[g.MailNickname] {
			continue
		}
		if id, dup := byNick[g.MailNickname]; dup {
			t.opts.Logger.Warn("two groups carry the same anchor in their mailNickname: using the first", "mailNickname", g.MailNickname, "ids", id+" "+g.ID)
			continue
		}
		byNick[g.MailNickname] = g.ID
		out = append(out, groupObject(g))
	}
	err = t.parallel(ctx, len(out), func(i int) error {
		m, err := t.members(ctx, out[i].ID)
		out[i].Members = m
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List hands over every user (page by page, $select of the synced
// properties) or every group with its members.
func (t *EntraTarget) List(ctx context.Context, kind Kind, emit func(*TargetObject) error) error {
	switch kind {
	case KindUser:
		return t.listUsers(ctx, emit)
	case KindGroup:
		return t.listGroups(ctx, emit)
	}
	return fmt.Errorf("sync: cannot list %ss in Entra: only users and groups", kind)
}

// listUsers hands over every user, with its manager when managers are
// synced: read in the same requests ($expand=manager), a page of 100 users
// each, rather than one request per user.
func (t *EntraTarget) listUsers(ctx context.Context, emit func(*TargetObject) error) error {
	for u, err := range t.c.ListUsers(ctx, entra.UserQuery{Manager: t.opts.Managers}) {
		if err != nil {
			return callError("list the users", err)
		}
		o := userObject(u)
		if err := emit(&o); err != nil {
			return err
		}
	}
	return nil
}

func (t *EntraTarget) listGroups(ctx context.Context, emit func(*TargetObject) error) error {
	var groups []TargetObject
	for g, err := range t.c.Groups(ctx) {
		if err != nil {
			return callError("list the groups", err)
		}
		groups = append(groups, groupObject(g))
	}
	err := t.parallel(ctx, len(groups), func(i int) error {
		m, err := t.members(ctx, groups[i].ID)
		groups[i].Members = m
		return err
	})
	if err != nil {
		return err
	}
	for i := range groups {
		if err := emit(&groups[i]); err != nil {
			return err
		}
	}
	return nil
}

// members returns the member ids of group id; a group deleted meanwhile
// has none.
func (t *EntraTarget) members(ctx context.Context, id string) ([]string, error) {
	var out []string
	for m, err := range t.c.Members(ctx, id) {
		if errors.Is(err, entra.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, callError("list the members of group "+id, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// parallel calls fn(0..n-1) on up to Concurrency goroutines and returns the
// first error; it stops starting calls after an error or when ctx ends.
func (t *EntraTarget) parallel(ctx context.Context, n int, fn func(int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    stdsync.WaitGroup
		once  stdsync.Once
		first error
	)
	for range min(t.opts.Concurrency, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	return first
}

// Apply turns each Write into one or two Graph writes (a user update that
// also changes the manager) and sends them all with entra's ApplyWrites:
// $batch requests of 20, within the write budget, throttled items sent
// again after Retry-After. Results come back in order, errors translated
// to sync's (see [entraWriteError]).
func (t *EntraTarget) Apply(ctx context.Context, writes []Write) ([]WriteResult, error) {
	var (
		ews   []entra.Write
		owner []int // owner[j] is the index in writes of ews[j]
	)
	results := make([]WriteResult, len(writes))
	for i, w := range writes {
		ws, err := toEntraWrites(w)
		if err != nil {
			results[i].Err = err
			continue
		}
		for _, ew := range ws {
			ews = append(ews, ew)
			owner = append(owner, i)
		}
	}
	if len(ews) == 0 {
		return results, nil
	}
	for j, r := range t.c.ApplyWrites(ctx, ews) {
		i := owner[j]
		if r.Err != nil {
			if results[i].Err == nil {
				results[i].Err = entraWriteError(writes[i], r.Err)
			}
			continue
		}
		if writes[i].Op == WriteCreate {
			results[i].ID = r.ID
		}
	}
	return results, nil
}

// toEntraWrites maps one engine write to the Graph writes that make it.
// An update with nothing to send maps to none and succeeds.
func toEntraWrites(w Write) ([]entra.Write, error) {
	switch {
	case w.Op == WriteCreate && w.Kind == KindUser:
		u, _, err := entraUser(w.Attributes)
		if err != nil {
			return nil, err
		}
		u.OnPremisesImmutableID = w.Anchor
		// The password is random and never kept: users set theirs with
		// self-service password reset or a Temporary Access Pass.
		return []entra.Write{{Kind: entra.OpCreateUser, User: u, Password: entra.GeneratePassword()}}, nil
	case w.Op == WriteCreate && w.Kind == KindGroup:
		nick, ok := GroupAnchorNickname(w.Anchor)
		if !ok {
			return nil, &InvalidValueError{Property: "anchor", Value: w.Anchor, Reason: "too long to keep in a group's mailNickname (64 characters): use objectGUID as the source anchor"}
		}
		g := entra.Group{DisplayName: w.Attributes[AttrDisplayName], Description: w.Attributes[AttrDescription], MailNickname: nick}
		return []entra.Write{{Kind: entra.OpCreateGroup, Group: g}}, nil
	case w.Op == WriteUpdate && w.Kind == KindUser:
		u, fields, err := entraUser(w.Attributes)
		if err != nil {
			return nil, err
		}
		var out []entra.Write
		if w.SetAnchor {
			u.OnPremisesImmutableID = w.Anchor
			fields = append(fields, entra.OnPremisesImmutableID)
		}
		if len(fields) > 0 {
			out = append(out, entra.Write{Kind: entra.OpUpdateUser, ID: w.ID, User: u, UserFields: fields})
		}
		if m, ok := w.Attributes[AttrManager]; ok {
			if m == "" {
				out = append(out, entra.Write{Kind: entra.OpRemoveManager, ID: w.ID})
			} else {
				out = append(out, entra.Write{Kind: entra.OpSetManager, ID: w.ID, ManagerID: m})
			}
		}
		return out, nil
	case w.Op == WriteUpdate && w.Kind == KindGroup:
		var g entra.Group
		var fields []entra.GroupField
		for _, k := range w.Attributes.Names() {
			switch k {
			case AttrDisplayName:
				g.DisplayName = w.Attributes[k]
				fields = append(fields, entra.GroupDisplayName)
			case AttrDescription:
				g.Description = w.Attributes[k]
				fields = append(fields, entra.GroupDescription)
			default:
				return nil, fmt.Errorf("sync: group attribute %q is not one Entra keeps for security groups", k)
			}
		}
		if w.SetAnchor {
			nick, ok := GroupAnchorNickname(w.Anchor)
			if !ok {
				return nil, &InvalidValueError{Property: "anchor", Value: w.Anchor, Reason: "too long to keep in a group's mailNickname (64 characters)"}
			}
			g.MailNickname = nick
			fields = append(fields, entra.GroupMailNickname)
		}
		if len(fields) == 0 {
			return nil, nil
		}
		return []entra.Write{{Kind: entra.OpUpdateGroup, ID: w.ID, Group: g, GroupFields: fields}}, nil
	case w.Op == WriteDelete && w.Kind == KindUser:
		return []entra.Write{{Kind: entra.OpDeleteUser, ID: w.ID}}, nil
	case w.Op == WriteDelete && w.Kind == KindGroup:
		return []entra.Write{{Kind: entra.OpDeleteGroup, ID: w.ID}}, nil
	case w.Op == WriteAddMembers && w.Kind == KindGroup:
		return []entra.Write{{Kind: entra.OpAddMembers, ID: w.ID, Members: w.Members}}, nil
	case w.Op == WriteRemoveMembers && w.Kind == KindGroup:
		return []entra.Write{{Kind: entra.OpRemoveMembers, ID: w.ID, Members: w.Members}}, nil
	}
	return nil, fmt.Errorf("sync: the Entra target cannot %s a %s", w.Op, w.Kind)
}

// userFields maps the synced attributes to entra's user fields.
var userFields = map[string]entra.UserField{
	AttrAccountEnabled: entra.AccountEnabled, AttrDisplayName: entra.DisplayName,
	AttrMailNickname: entra.MailNickname, AttrUserPrincipalName: entra.UserPrincipalName,
	AttrGivenName: entra.GivenName, AttrSurname: entra.Surname, AttrMail: entra.Mail,
	AttrJobTitle: entra.JobTitle, AttrDepartment: entra.Department, AttrCompanyName: entra.CompanyName,
	AttrOfficeLocation: entra.OfficeLocation, AttrStreetAddress: entra.StreetAddress, AttrCity: entra.City,
	AttrState: entra.State, AttrPostalCode: entra.PostalCode, AttrCountry: entra.Country,
	AttrUsageLocation: entra.UsageLocation, AttrBusinessPhones: entra.BusinessPhones,
	AttrMobilePhone: entra.MobilePhone, AttrEmployeeID: entra.EmployeeID,
}

// entraUser builds an entra.User from attributes (the manager aside) and
// lists the fields they set, sorted.
func entraUser(a Attributes) (entra.User, []entra.UserField, error) {
	var u entra.User
	var fields []entra.UserField
	for _, k := range a.Names() {
		v := a[k]
		if k == AttrManager {
			continue
		}
		f, ok := userFields[k]
		if !ok {
			return u, nil, fmt.Errorf("sync: user attribute %q is not one the Entra target writes", k)
		}
		fields = append(fields, f)
		switch f {
		case entra.AccountEnabled:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return u, nil, &InvalidValueError{Property: k, Value: v, Reason: "not true or false"}
			}
			u.AccountEnabled = b
		case entra.BusinessPhones:
			u.BusinessPhones = []string{}
			if v != "" {
				u.BusinessPhones = []string{v}
			}
		default:
			*userStrings[f](&u) = v
		}
	}
	return u, fields, nil
}

// userStrings gives the address of each string field of a user.
var userStrings = map[entra.UserField]func(*entra.User) *string{
	entra.UserPrincipalName: func(u *entra.User) *string { return &u.UserPrincipalName },
	entra.DisplayName:       func(u *entra.User) *string { return &u.DisplayName },
	entra.MailNickname:      func(u *entra.User) *string { return &u.MailNickname },
	entra.GivenName:         func(u *entra.User) *string { return &u.GivenName },
	entra.Surname:           func(u *entra.User) *string { return &u.Surname },
	entra.Mail:              func(u *entra.User) *string { return &u.Mail },
	entra.JobTitle:          func(u *entra.User) *string { return &u.JobTitle },
	entra.Department:        func(u *entra.User) *string { return &u.Department },
	entra.CompanyName:       func(u *entra.User) *string { return &u.CompanyName },
	entra.OfficeLocation:    func(u *entra.User) *string { return &u.OfficeLocation },
	entra.StreetAddress:     func(u *entra.User) *string { return &u.StreetAddress },
	entra.City:              func(u *entra.User) *string { return &u.City },
	entra.State:             func(u *entra.User) *string { return &u.State },
	entra.PostalCode:        func(u *entra.User) *string { return &u.PostalCode },
	entra.Country:           func(u *entra.User) *string { return &u.Country },
	entra.UsageLocation:     func(u *entra.User) *string { return &u.UsageLocation },
	entra.MobilePhone:       func(u *entra.User) *string { return &u.MobilePhone },
	entra.EmployeeID:        func(u *entra.User) *string { return &u.EmployeeID },
}

// userObject converts a Graph user into a TargetObject; empty properties
// are left out of its attributes, and AttrManager holds the manager's id
// when the read expanded it.
func userObject(u entra.User) TargetObject {
	a := Attributes{AttrAccountEnabled: strconv.FormatBool(u.AccountEnabled)}
	for k, f := range userFields {
		switch f {
		case entra.AccountEnabled:
		case entra.BusinessPhones:
			if len(u.BusinessPhones) > 0 {
				a[k] = u.BusinessPhones[0]
			}
		default:
			if v := *userStrings[f](&u); v != "" {
				a[k] = v
			}
		}
	}
	if u.ManagerID != "" {
		a[AttrManager] = u.ManagerID
	}
	return TargetObject{ID: u.ID, Kind: KindUser, Anchor: u.OnPremisesImmutableID, DirSynced: u.DirSynced, Attributes: a}
}

// groupObject converts a Graph group into a TargetObject, its anchor read
// back from its mailNickname (which is the Target's, not a synced
// attribute).
func groupObject(g entra.Group) TargetObject {
	a := Attributes{AttrDisplayName: g.DisplayName}
	if g.Description != "" {
		a[AttrDescription] = g.Description
	}
	return TargetObject{ID: g.ID, Kind: KindGroup, Anchor: AnchorFromGroupNickname(g.MailNickname), DirSynced: g.DirSynced, Attributes: a}
}

// groupNicknamePrefix starts the mailNickname of every group entrasync
// creates.
const groupNicknamePrefix = "esync-"

// GroupAnchorNickname returns the mailNickname that carries a group's
// anchor: "esync-" and the anchor's bytes in URL-safe base64 without
// padding (characters Graph accepts in a mailNickname:
// https://learn.microsoft.com/graph/api/resources/group). ok is false when
// the anchor is not base64 or too long for mailNickname's 64 characters.
func GroupAnchorNickname(anchor string) (nick string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(anchor)
	if err != nil || len(b) == 0 {
		return "", false
	}
	nick = groupNicknamePrefix + base64.RawURLEncoding.EncodeToString(b)
	if len(nick) > maxLen[AttrMailNickname] {
		return "", false
	}
	return nick, true
}

// AnchorFromGroupNickname is the inverse of [GroupAnchorNickname]: the
// anchor a group's mailNickname carries, or "" for a group entrasync did
// not create.
func AnchorFromGroupNickname(nick string) string {
	rest, ok := strings.CutPrefix(nick, groupNicknamePrefix)
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// callError wraps the error of a whole Target call. A refused permission
// matches ErrDenied and a refused credential is Permanent: retrying soon
// cannot help.
func callError(op string, err error) error {
	switch {
	case errors.Is(err, entra.ErrForbidden):
		return Permanent(fmt.Errorf("sync: %s in Entra: %w: %w", op, ErrDenied, err))
	case errors.Is(err, entra.ErrUnauthorized):
		return Permanent(fmt.Errorf("sync: %s in Entra: %w", op, err))
	}
	return fmt.Errorf("sync: %s in Entra: %w", op, err)
}

// entraWriteError translates the error of one Graph write into sync's
// typed errors ([ConflictError], [ThrottledError], [InvalidValueError],
// ErrGone, ErrDenied), keeping entra's error inside for the log.
func entraWriteError(w Write, err error) error {
	var (
		ce  *entra.ConflictError
		te  *entra.ThrottledError
		ue  *entra.UPNDomainError
		ire *entra.InvalidRequestError
	)
	switch {
	case errors.As(err, &ce):
		return &ConflictError{Property: ce.Property, Value: ce.Value, Err: err}
	case errors.As(err, &ue):
		return &InvalidValueError{Property: AttrUserPrincipalName, Value: ue.UserPrincipalName, Reason: "its domain is not a verified domain of the tenant", Err: err}
	case errors.As(err, &te):
		return &ThrottledError{RetryAfter: te.RetryAfter, Err: err}
	case errors.Is(err, entra.ErrThrottled):
		return &ThrottledError{Err: err}
	case errors.Is(err, entra.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrGone, err)
	case errors.Is(err, entra.ErrForbidden), errors.Is(err, entra.ErrUnauthorized):
		return fmt.Errorf("%w: %w", ErrDenied, err)
	case errors.As(err, &ire) && ire.Target == "":
		// Graph named no property (a refused $batch, an unknown code):
		// there is no value to name, and entra's error says what Graph said.
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	case errors.As(err, &ire):
		reason := ire.Message
		if ire.DirSynced {
			reason = "the object is synchronized by Entra Connect or Cloud Sync"
		}
		if ire.Hint != "" {
			reason += " (" + ire.Hint + ")"
		}
		return &InvalidValueError{Property: ire.Target, Value: w.Attributes[ire.Target], Reason: reason, Err: err}
	}
	return err
}

// uniqueFold removes duplicates from values (case-insensitively when fold
// is set) and empty values.
func uniqueFold(values []string, fold bool) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		k := v
		if fold {
			k = strings.ToLower(v)
		}
		if v == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}
