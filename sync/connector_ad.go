package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/entrasync/entrasync/ad"
)

// ADSource is the [Source] over Active Directory, through package ad. It
// dials a domain controller for each import and closes the connection
// after, so a run after a network failure, a restarted DC or a rotated
// password starts clean. Create it with [NewADSource] or
// [NewADSourceFromConfig].
//
// A full import is a paged enumeration of the users, groups and contacts
// under each included container (one page in memory at a time), started
// by taking a delta cursor, so the next delta sees what changed during
// the import. A delta import follows the cursor: DirSync when the
// account has the Replicating Directory Changes right, uSNChanged polling
// on the same DC otherwise (package ad chooses and falls back). Deleted
// objects come from tombstones, which Samba shows administrators only:
// with another account on Samba a deletion is noticed by the next full
// import.
type ADSource struct {
	dial func(context.Context) (*ad.Client, error)
	opts ADSourceOptions
}

var (
	_ Source       = (*ADSource)(nil)
	_ AnchorWriter = (*ADSource)(nil)
)

// ADSourceOptions tune an [ADSource].
type ADSourceOptions struct {
	// SourceAnchor is the configuration's sync.sourceAnchor. Only with
	// ms-DS-ConsistencyGuid (the default) does the source write anchors
	// back into AD ([ADSource.WriteAnchors]).
	SourceAnchor string
	// PageSize of the paged searches; 0 means ad.DefaultPageSize.
	PageSize int
	// ForceUSN follows changes by uSNChanged even when DirSync is allowed.
	ForceUSN bool
	// Logger receives what the source notices; nil means slog.Default().
	Logger *slog.Logger
}

// NewADSource returns a Source that calls dial at the start of each import.
func NewADSource(dial func(context.Context) (*ad.Client, error), opts ADSourceOptions) *ADSource {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SourceAnchor == "" {
		opts.SourceAnchor = AnchorConsistencyGUID
	}
	return &ADSource{dial: dial, opts: opts}
}

// NewADSourceFromConfig returns a Source for the domain controller and
// connector account of cfg.AD. The password file (under stateDir unless
// absolute) is read at each dial, so a rotated password is picked up, and
// refused when others can read it.
func NewADSourceFromConfig(cfg Config, stateDir string, logger *slog.Logger) (*ADSource, error) {
	tr, err := ad.ParseTransport(cfg.AD.Transport)
	if err != nil {
		return nil, fmt.Errorf("sync: ad.transport: %w", err)
	}
	a := cfg.AD
	opts := ad.Options{
		Host: a.Host, Port: a.Port, Transport: tr, CAFile: a.CAFile, InsecureSkipVerify: a.InsecureSkipVerify,
		Timeout: time.Duration(a.Timeout), Username: a.BindUser, Logger: logger,
	}
	path := SecretPath(stateDir, a.PasswordFile)
	dial := func(ctx context.Context) (*ad.Client, error) {
		pw, err := ReadSecret(path)
		if err != nil {
			return nil, err
		}
		o := opts
		o.Password = string(pw)
		return ad.Dial(ctx, o)
	}
	return NewADSource(dial, ADSourceOptions{SourceAnchor: cfg.Sync.SourceAnchor, Logger: logger}), nil
}

// adKinds are the kinds an import reads: contacts too, which the engine
// counts as not creatable.
var adKinds = []ad.Kind{ad.KindUser, ad.KindGroup, ad.KindContact}

// Import reads the directory as req says (see [Source]).
func (s *ADSource) Import(ctx context.Context, req ImportRequest, emit func(*SourceObject) error) (ImportResult, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("sync: connect to Active Directory: %w", err)
	}
	defer c.Close()
	server, err := s.identity(ctx, c)
	if err != nil {
		return ImportResult{}, err
	}
	dopts := ad.DeltaOptions{Scope: ad.Scope{Include: req.Include}, Kinds: adKinds, PageSize: s.opts.PageSize, ForceUSN: s.opts.ForceUSN}
	if req.Full {
		return s.full(ctx, c, dopts, server, emit)
	}
	cur, err := decodeADCursor(req.Cursor)
	if err != nil {
		return ImportResult{}, err
	}
	next, st, err := c.Changes(ctx, cur, dopts, func(ch ad.Change) error {
		if ch.Deleted {
			return emit(&SourceObject{GUID: GUID(ch.Object.GUID), Kind: sourceKind(ch.Object.Kind), Deleted: true})
		}
		return emit(s.object(ch.Object))
	})
	if errors.Is(err, ad.ErrFullImportRequired) {
		return ImportResult{}, fmt.Errorf("sync: read the changes from Active Directory: %w: %w", ErrFullImportRequired, err)
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("sync: read the changes from Active Directory: %w", err)
	}
	if st.FellBack {
		s.opts.Logger.Warn("DirSync refused: the connector account lost the Replicating Directory Changes right; following changes by uSNChanged", "dc", server.DC)
	}
	data, err := encodeADCursor(next)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Cursor: data, Complete: true, Server: server}, nil
}

// full takes a cursor, then enumerates each included container. A
// container that no longer exists is skipped and makes the import
// incomplete: the engine then deletes nothing.
func (s *ADSource) full(ctx context.Context, c *ad.Client, dopts ad.DeltaOptions, server ServerIdentity, emit func(*SourceObject) error) (ImportResult, error) {
	cur, err := c.BeginDelta(ctx, dopts)
	if err != nil {
		return ImportResult{}, fmt.Errorf("sync: start following changes in Active Directory: %w", err)
	}
	complete := true
	bases := searchBases(dopts.Scope.Include)
	if len(bases) == 0 {
		bases = []string{""} // the whole forest: ad reads every domain the DC holds
	}
	for _, base := range bases {
		scope := ad.Scope{}
		if base != "" {
			scope.Include = []string{base}
		}
		_, err := c.Enumerate(ctx, ad.EnumerateOptions{Scope: scope, Kinds: adKinds, PageSize: s.opts.PageSize}, func(o ad.Object) error {
			return emit(s.object(o))
		})
		var oe *ad.OpError
		if errors.Is(err, ad.ErrNoSuchObject) && errors.As(err, &oe) && strings.EqualFold(oe.DN, base) {
			s.opts.Logger.Error("a container of ad.scope.include does not exist (renamed, moved or deleted?): its objects are not read and nothing is deleted until it is fixed",
				"include", base, "dc", server.DC)
			complete = false
			continue
		}
		if err != nil {
			return ImportResult{}, fmt.Errorf("sync: read Active Directory under %s: %w", orForest(base), err)
		}
	}
	data, err := encodeADCursor(cur)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Cursor: data, Complete: complete, Server: server}, nil
}

func orForest(base string) string {
	if base == "" {
		return "the forest"
	}
	return base
}

// searchBases returns the included DNs without those inside another one,
// so each subtree is read once.
func searchBases(include []string) []string {
	var out []string
	for i, s := range include {
		d, err := parseDN(s)
		if err != nil {
			out = append(out, s) // ad reports it
			continue
		}
		nested := false
		for j, t := range include {
			if e, err := parseDN(t); err == nil && i != j && d.under(e) && (len(e) < len(d) || j < i) {
				nested = true
				break
			}
		}
		if !nested {
			out = append(out, s)
		}
	}
	return out
}

// identity says who answers the import: the DC, its database's
// invocationId, and the account as DOMAIN\sAMAccountName, whatever form
// it was bound with.
func (s *ADSource) identity(ctx context.Context, c *ad.Client) (ServerIdentity, error) {
	f, err := c.Forest(ctx)
	if err != nil {
		return ServerIdentity{}, fmt.Errorf("sync: read the forest from %s: %w", c.Addr(), err)
	}
	id, err := c.WhoAmI(ctx)
	if err != nil {
		return ServerIdentity{}, fmt.Errorf("sync: find the connector account %s: %w", c.User(), err)
	}
	account := id.DN
	if id.Domain.NetBIOS != "" && id.SAMAccountName != "" {
		account = id.Domain.NetBIOS + `\` + id.SAMAccountName
	}
	return ServerIdentity{DC: f.DC.DNSHostName, InvocationID: f.DC.InvocationID.String(), BindAccount: account}, nil
}

// object converts an ad.Object into sync's terms. Members and the manager
// are references by objectGUID and DN (package ad reads the GUIDs with the
// extended-DN control, so a reference survives a rename of the object it
// names), and members are always the complete list: Samba's DirSync does
// not report the removal of a member that was deleted.
func (s *ADSource) object(o ad.Object) *SourceObject {
	so := &SourceObject{
		GUID: GUID(o.GUID), DN: o.DN, Kind: sourceKind(o.Kind), Deleted: o.Deleted,
		CriticalSystemObject: o.CriticalSystemObject, ConsistencyGUID: o.ConsistencyGUID,
		SAMAccountName: o.SAMAccountName, UserPrincipalName: o.UserPrincipalName, MailNickname: o.MailNickname,
		Mail: o.Mail, ProxyAddresses: o.ProxyAddresses, DisplayName: o.DisplayName, GivenName: o.GivenName,
		Surname: o.Surname, Title: o.Title, Department: o.Department, Company: o.Company, Office: o.Office,
		StreetAddress: o.StreetAddress, City: o.City, State: o.State, PostalCode: o.PostalCode,
		Country: o.CountryName, CountryCode: o.Country, TelephoneNumber: o.TelephoneNumber, Mobile: o.Mobile,
		EmployeeID: o.EmployeeID, Description: o.Description, UserAccountControl: o.UserAccountControl, GroupType: uint32(o.GroupType),
	}
	if o.Manager != "" {
		so.Manager = Ref{DN: o.Manager, GUID: GUID(o.ManagerGUID)}
	}
	for i, m := range o.Members {
		r := Ref{DN: m}
		if i < len(o.MemberGUIDs) {
			r.GUID = GUID(o.MemberGUIDs[i])
		}
		so.Members = append(so.Members, r)
	}
	return so
}

// WriteAnchors writes each anchor into the user's ms-DS-ConsistencyGuid
// where it is empty (see [AnchorWriter]), on a connection of its own, one
// modify per user. The connector account needs the right to write it,
// which setup grants when ms-DS-ConsistencyGuid is the source anchor
// (ad.ConnectorAccountOptions.WriteConsistencyGUID); a source configured
// with objectGUID as the anchor writes nothing.
func (s *ADSource) WriteAnchors(ctx context.Context, writes []AnchorWrite) ([]error, error) {
	if s.opts.SourceAnchor != AnchorConsistencyGUID {
		return nil, fmt.Errorf("sync: not writing anchors back to Active Directory: sync.sourceAnchor is %s, not %s", s.opts.SourceAnchor, AnchorConsistencyGUID)
	}
	if len(writes) == 0 {
		return nil, nil
	}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync: connect to Active Directory to write anchors back: %w", err)
	}
	defer c.Close()
	out := make([]error, len(writes))
	for i, w := range writes {
		err := c.InitConsistencyGUID(ctx, ad.GUID(w.GUID), w.Value)
		var held *ad.ConsistencyGUIDSetError
		switch {
		case err == nil:
		case errors.As(err, &held):
			out[i] = fmt.Errorf("%w (%x): kept: %w", ErrAnchorHeld, held.Held, err)
		case errors.Is(err, ad.ErrInsufficientRights):
			out[i] = fmt.Errorf("%w: %w", ErrWriteBackDenied, err)
		case errors.Is(err, ad.ErrNoSuchObject):
			out[i] = fmt.Errorf("%w: %w", ErrSourceGone, err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("sync: write anchors back to Active Directory: %w", err)
		default:
			var ce *ad.ConnError
			if errors.As(err, &ce) {
				return nil, fmt.Errorf("sync: write anchors back to Active Directory: %w", err)
			}
			out[i] = err
		}
	}
	return out, nil
}

func sourceKind(k ad.Kind) Kind {
	switch k {
	case ad.KindUser:
		return KindUser
	case ad.KindGroup:
		return KindGroup
	case ad.KindContact:
		return KindContact
	}
	return KindOther
}

// adCursorVersion is the version of the cursor format below; a cursor of
// another version makes the next import a full one.
const adCursorVersion = 1

// adCursor is what ImportResult.Cursor holds for an ADSource: a version
// and package ad's cursor, whose Mode says DirSync or uSNChanged, with the
// DC, its invocationId and the scope it is valid for, as JSON.
type adCursor struct {
	Version int       `json:"v"`
	AD      ad.Cursor `json:"ad"`
}

func encodeADCursor(c ad.Cursor) ([]byte, error) {
	b, err := json.Marshal(adCursor{Version: adCursorVersion, AD: c})
	if err != nil {
		return nil, fmt.Errorf("sync: encode the Active Directory cursor: %w", err)
	}
	return b, nil
}

// decodeADCursor reads a cursor; one it cannot use is an error matching
// ErrFullImportRequired.
func decodeADCursor(b []byte) (ad.Cursor, error) {
	var c adCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return ad.Cursor{}, fmt.Errorf("sync: the stored Active Directory cursor is unreadable (%v): %w", err, ErrFullImportRequired)
	}
	if c.Version != adCursorVersion {
		return ad.Cursor{}, fmt.Errorf("sync: the stored Active Directory cursor has version %d, this entrasync reads version %d: %w", c.Version, adCursorVersion, ErrFullImportRequired)
	}
	if c.AD.Mode != ad.ModeDirSync && c.AD.Mode != ad.ModeUSN {
		return ad.Cursor{}, fmt.Errorf("sync: the stored Active Directory cursor has an unknown mode %q: %w", c.AD.Mode, ErrFullImportRequired)
	}
	return c.AD, nil
}
