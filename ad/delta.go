package ad

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// DeltaOptions choose what a delta follows. Use the same Scope and Kinds
// for [Client.BeginDelta] and every [Client.Changes] of a cursor.
type DeltaOptions struct {
	Scope Scope
	// Kinds to report; empty means users, groups and contacts.
	Kinds []Kind
	// PageSize of the searches of uSNChanged polling; 0 means DefaultPageSize.
	PageSize int
	// ForceUSN skips DirSync and polls uSNChanged.
	ForceUSN bool
}

func (o DeltaOptions) kinds() []Kind {
	if len(o.Kinds) == 0 {
		return []Kind{KindUser, KindGroup, KindContact}
	}
	return o.Kinds
}

// Change is one object that changed since the cursor.
type Change struct {
	// Object is the object's current state, read after the change, complete
	// (all attributes and members) unless Deleted. For a deletion it holds
	// what the tombstone says: GUID, its DN under CN=Deleted Objects, and
	// Deleted; match it to what you know by GUID.
	Object Object
	// Deleted: the object was deleted (or can no longer be read).
	Deleted bool
	// InScope: the object's DN is in the scope. A change out of scope may
	// be an object that moved out of it. Meaningless for deletions.
	InScope bool
	// MembersAdded and MembersRemoved are the member values DirSync
	// reported changed (incremental values); Object.Members is the whole
	// list. Samba does not report a removal caused by the member's
	// deletion, so rely on Object.Members.
	MembersAdded, MembersRemoved []string
}

// DeltaStats count what a call to [Client.Changes] saw.
type DeltaStats struct {
	Mode       DeltaMode // the mode used (after a fallback, ModeUSN)
	FellBack   bool      // DirSync was refused (no Replicating Directory Changes right) and uSNChanged polling took over
	Changes    int       // handed to the callback
	Deleted    int
	OutOfScope int
	Skipped    int // changed objects of other kinds (computers, ...)
}

// dirSyncFilter selects users, groups and contacts, live or deleted:
// tombstones lose objectCategory but keep objectClass, so the kinds are
// told apart after reading each object back.
const dirSyncFilter = "(&(|(objectClass=user)(objectClass=group)(objectClass=contact))(!(objectClass=computer)))"

// neverFilter matches nothing: a DirSync round with it returns no entries
// but a cookie at the current point, which is how BeginDelta starts
// without reading the whole directory.
const neverFilter = "(&(objectClass=user)(!(objectClass=user)))"

// dirSyncAttrs is the explicit attribute list of DirSync rounds: an object
// comes back only when one of these changed. Samba caps a response at 256
// MiB and returns nothing for objectGUID alone, so the list is explicit.
// The local, non-replicated uSNChanged and whenChanged are left out.
var dirSyncAttrs = func() []string {
	var out []string
	for _, a := range objectAttrs {
		if a != "uSNChanged" && a != "whenChanged" {
			out = append(out, a)
		}
	}
	return append(out, "member", "name")
}()

// dirSyncMaxBytes bounds one DirSync response on AD (Samba ignores it and
// answers in one response).
const dirSyncMaxBytes = 1 << 20

// BeginDelta returns a cursor at the current point of the DC, in DirSync
// mode when the account may use it and in uSNChanged mode otherwise. Take
// it before a full import ([Client.Enumerate]): Changes then returns what
// changed during and after the import, some of it twice.
func (c *Client) BeginDelta(ctx context.Context, opts DeltaOptions) (Cursor, error) {
	f, sc, err := c.deltaSetup(ctx, opts)
	if err != nil {
		return Cursor{}, err
	}
	cur := Cursor{Mode: ModeUSN, DC: f.DC.DNSHostName, InvocationID: f.DC.InvocationID,
		USN: f.DC.HighestCommittedUSN, Scope: scopeFingerprint(opts.Scope, opts.kinds())}
	if opts.ForceUSN {
		return cur, nil
	}
	cookies := map[string][]byte{}
	for _, nc := range sc.partitions {
		cookie, err := c.dirSync(ctx, nc, neverFilter, nil, func([]*ldap.Entry) error { return nil })
		if errors.Is(err, ErrInsufficientRights) {
			c.log.Info("ad: DirSync refused (no Replicating Directory Changes right); following changes by uSNChanged", "user", c.user)
			return cur, nil
		}
		if err != nil {
			return Cursor{}, err
		}
		cookies[nc] = cookie
	}
	cur.Mode, cur.Cookies = ModeDirSync, cookies
	return cur, nil
}

// Changes hands fn every object that changed since cur and returns the
// cursor to store once fn has handled them all. On error, including an
// error from fn, it returns cur unchanged: the next call starts over from
// it. A cursor from another DC, a restored DC or another scope gives a
// [FullImportError]. A DirSync cursor whose account lost the replication
// right falls back to uSNChanged polling from cur.USN.
//
// DirSync follows "Polling for Changes Using the DirSync Control"
// (https://learn.microsoft.com/windows/win32/ad/polling-for-changes-using-the-dirsync-control):
// the base is each domain partition's root, only changed attributes come
// back (so each object is read back in full), and a cookie is kept with
// the DC that issued it.
//
// Deletions: Windows AD's DirSync returns tombstones to an account with
// Replicating Directory Changes. Samba 4.17 returns them only to
// administrators (its CN=Deleted Objects is not visible to others), and
// uSNChanged polling sees them only with read access to CN=Deleted Objects,
// so with a non-admin account on Samba deletions surface at the next full
// import.
func (c *Client) Changes(ctx context.Context, cur Cursor, opts DeltaOptions, fn func(Change) error) (Cursor, DeltaStats, error) {
	st := DeltaStats{Mode: cur.Mode}
	f, sc, err := c.deltaSetup(ctx, opts)
	if err != nil {
		return cur, st, err
	}
	if err := cur.check(f, scopeFingerprint(opts.Scope, opts.kinds())); err != nil {
		return cur, st, err
	}
	next := cur
	next.USN = f.DC.HighestCommittedUSN // read before searching: nothing after it is missed
	kinds := opts.kinds()
	if cur.Mode == ModeDirSync && !opts.ForceUSN {
		next.Cookies = maps.Clone(cur.Cookies)
		err := c.dirSyncChanges(ctx, sc, cur, next.Cookies, kinds, &st, fn)
		if err == nil {
			return next, st, nil
		}
		if !errors.Is(err, ErrInsufficientRights) || st.Changes > 0 {
			return cur, st, err
		}
		c.log.Warn("ad: DirSync refused (the Replicating Directory Changes right is gone); falling back to uSNChanged polling", "user", c.user, "usn", cur.USN)
		st.FellBack = true
	}
	st.Mode, next.Mode, next.Cookies = ModeUSN, ModeUSN, nil
	if err := c.usnChanges(ctx, sc, cur.USN, kinds, opts.PageSize, &st, fn); err != nil {
		return cur, st, err
	}
	return next, st, nil
}

// deltaScope is a resolved scope and the domain partitions it spans.
type deltaScope struct {
	*scope
	partitions []string
}

func (c *Client) deltaSetup(ctx context.Context, opts DeltaOptions) (Forest, *deltaScope, error) {
	if _, err := kindFilter(opts.Kinds); err != nil {
		return Forest{}, nil, err
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return Forest{}, nil, err
	}
	sc, err := opts.Scope.resolve(f)
	if err != nil {
		return Forest{}, nil, err
	}
	held, err := Scope{}.resolve(f)
	if err != nil {
		return Forest{}, nil, err
	}
	ds := &deltaScope{scope: sc}
	for _, inc := range sc.include {
		found := ""
		for _, nc := range held.include {
			if isUnder(inc, nc) {
				found = nc
			}
		}
		if found == "" {
			return Forest{}, nil, fmt.Errorf("ad: scope %s is not in a domain partition %s holds (%q): %w", inc, f.DC.DNSHostName, held.include, ErrInvalidInput)
		}
		if !slices.Contains(ds.partitions, found) {
			ds.partitions = append(ds.partitions, found)
		}
	}
	return f, ds, nil
}

// dirSyncChanges runs DirSync on each partition from cur's cookie and
// stores the new cookies in cookies.
func (c *Client) dirSyncChanges(ctx context.Context, sc *deltaScope, cur Cursor, cookies map[string][]byte, kinds []Kind, st *DeltaStats, fn func(Change) error) error {
	for _, nc := range sc.partitions {
		old, ok := cur.Cookies[nc]
		if !ok {
			return &FullImportError{Reason: fmt.Sprintf("the cursor has no DirSync cookie for %s", nc)}
		}
		cookie, err := c.dirSync(ctx, nc, dirSyncFilter, old, func(round []*ldap.Entry) error {
			for len(round) > 0 {
				k := min(readBackBatch, len(round))
				chs, err := c.dirSyncChanges1(ctx, nc, round[:k])
				if err != nil {
					return err
				}
				for _, ch := range chs {
					if err := st.deliver(ch, sc.scope, kinds, fn); err != nil {
						return err
					}
				}
				round = round[k:]
			}
			return nil
		})
		if err != nil {
			var oe *OpError
			if errors.As(err, &oe) && (oe.ResultCode == ldap.LDAPResultProtocolError || oe.ResultCode == ldap.LDAPResultUnwillingToPerform) {
				return &FullImportError{Reason: fmt.Sprintf("%s refused the DirSync cookie of %s (%v)", c.addr, nc, err)}
			}
			return err
		}
		cookies[nc] = cookie
	}
	return nil
}

// deliver filters a change by kind, counts it and hands it to fn.
func (st *DeltaStats) deliver(ch Change, sc *scope, kinds []Kind, fn func(Change) error) error {
	if !ch.Deleted {
		if !slices.Contains(kinds, ch.Object.Kind) {
			st.Skipped++
			return nil
		}
		ch.InScope = sc.contains(ch.Object.DN)
		if !ch.InScope {
			st.OutOfScope++
		}
	} else {
		st.Deleted++
	}
	st.Changes++
	return fn(ch)
}

// dirSync runs one DirSync search, as many rounds as the DC needs (AD sets
// the more-data flag when a response reached dirSyncMaxBytes), with a new
// request and control each round (go-ldap's DirSync helper would reuse the
// first cookie), and hands each round to fn. It returns the last cookie.
//
// A round may take far longer than one LDAP operation: Samba answers every
// change in one response (100,000 changed users take it over 30 s), so a
// round's time limit is dirSyncTimeout, not the client's timeout.
func (c *Client) dirSync(ctx context.Context, nc, filter string, cookie []byte, fn func([]*ldap.Entry) error) ([]byte, error) {
	limit := max(c.timeout, dirSyncTimeout)
	c.conn.SetTimeout(limit)
	defer c.conn.SetTimeout(c.timeout)
	for {
		ctl := ldap.NewRequestControlDirSync(ldap.DirSyncIncrementalValues, dirSyncMaxBytes, cookie)
		req := &ldap.SearchRequest{BaseDN: nc, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter: filter, Attributes: dirSyncAttrs, Controls: []ldap.Control{ctl}}
		if c.trace != nil {
			c.trace(req)
		}
		// The round is read whole before fn sees it: fn reads each object
		// back from the DC, and go-ldap's reader blocks on a search nobody
		// drains, so a read in the middle of the round would never get
		// its answer. A round holds only the changed attributes, at most
		// dirSyncMaxBytes on AD.
		var round []*ldap.Entry
		var got *ldap.ControlDirSync
		resp := c.conn.SearchAsync(ctx, req, 64)
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				round = append(round, e)
			}
			if d, ok := ldap.FindControl(resp.Controls(), ldap.ControlTypeDirSync).(*ldap.ControlDirSync); ok {
				got = d
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ad: DirSync %s: %w", nc, err)
		}
		if err := resp.Err(); err != nil {
			if strings.Contains(err.Error(), "timed out") { // go-ldap's request timeout
				return nil, &ConnError{Addr: c.addr, Reason: fmt.Sprintf("no DirSync answer for %s within %v: check the DC's load", nc, limit), Err: err}
			}
			return nil, c.opError("DirSync", nc, err)
		}
		if got == nil {
			if err := c.lostConnection("DirSync", nc); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("ad: DirSync %s: the DC returned no DirSync control: does it support DirSync (1.2.840.113556.1.4.841)?", nc)
		}
		if err := fn(round); err != nil {
			return nil, err
		}
		cookie = got.Cookie
		if got.Flags == 0 {
			return cookie, nil
		}
	}
}

// readBackBatch is how many changed objects one search reads back in
// full: one search of 100 GUIDs instead of 100 reads (20,000 changes on
// Samba: about 4 s instead of 18 s).
const readBackBatch = 100

// dirSyncTimeout bounds one DirSync round (see dirSync).
const dirSyncTimeout = 15 * time.Minute

// dirSyncChanges1 turns the DirSync entries of a round, which hold only
// the changed attributes, into Changes in the same order, with each live
// object read back in full from the naming context nc by one search.
func (c *Client) dirSyncChanges1(ctx context.Context, nc string, entries []*ldap.Entry) ([]Change, error) {
	chs := make([]Change, len(entries))
	guids := make([]GUID, len(entries))
	var filter strings.Builder
	for i, e := range entries {
		guid, err := GUIDFromBytes(e.GetEqualFoldRawAttributeValue("objectGUID"))
		if err != nil {
			return nil, fmt.Errorf("ad: DirSync entry %s has no valid objectGUID: %w", e.DN, err)
		}
		guids[i] = guid
		for _, a := range e.Attributes {
			switch strings.ToLower(a.Name) {
			case "member;range=1-1":
				chs[i].MembersAdded = append(chs[i].MembersAdded, a.Values...)
			case "member;range=0-0":
				chs[i].MembersRemoved = append(chs[i].MembersRemoved, a.Values...)
			}
		}
		if strings.EqualFold(e.GetEqualFoldAttributeValue("isDeleted"), "TRUE") {
			o := decodeObject(e)
			o.GUID, o.Deleted = guid, true
			chs[i].Object, chs[i].Deleted = o, true
			continue
		}
		filter.WriteString("(objectGUID=" + guid.filterValue() + ")")
	}
	full := map[GUID]*ldap.Entry{}
	if filter.Len() > 0 {
		found, err := c.search(ctx, &ldap.SearchRequest{BaseDN: nc, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter: "(|" + filter.String() + ")", Attributes: append(append([]string(nil), objectAttrs...), memberRange(0)),
			Controls: []ldap.Control{extendedDNString}})
		if err != nil {
			return nil, err
		}
		for _, e := range found {
			if g, err := GUIDFromBytes(e.GetEqualFoldRawAttributeValue("objectGUID")); err == nil {
				full[g] = e
			}
		}
	}
	for i, e := range entries {
		if chs[i].Deleted {
			continue
		}
		f, ok := full[guids[i]]
		if !ok {
			// Deleted (or hidden) since the DirSync snapshot.
			chs[i] = Change{Object: Object{GUID: guids[i], DN: e.DN, Deleted: true}, Deleted: true}
			continue
		}
		o, err := c.objectWithMembers(ctx, f)
		if err != nil {
			return nil, err
		}
		chs[i].Object = o
	}
	return chs, nil
}

// usnChanges polls each partition for objects with uSNChanged above usn,
// then, when the account may see them, for tombstones.
func (c *Client) usnChanges(ctx context.Context, sc *deltaScope, usn int64, kinds []Kind, pageSize int, st *DeltaStats, fn func(Change) error) error {
	filter, err := kindFilter(kinds)
	if err != nil {
		return err
	}
	above := "(uSNChanged>=" + strconv.FormatInt(usn+1, 10) + ")"
	attrs := append(append([]string(nil), objectAttrs...), memberRange(0))
	for _, nc := range sc.partitions {
		_, err := c.pagedSearch(ctx, &ldap.SearchRequest{BaseDN: nc, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter: "(&" + filter + above + ")", Attributes: attrs, Controls: []ldap.Control{extendedDNString}}, pageSize, func(e *ldap.Entry) error {
			o, err := c.objectWithMembers(ctx, e)
			if err != nil {
				return err
			}
			return st.deliver(Change{Object: o}, sc.scope, kinds, fn)
		})
		if err != nil {
			return err
		}
		_, err = c.pagedSearch(ctx, &ldap.SearchRequest{BaseDN: nc, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
			Filter:     "(&(isDeleted=TRUE)" + above + "(|(objectClass=user)(objectClass=group)(objectClass=contact))(!(objectClass=computer)))",
			Attributes: []string{"objectGUID", "isDeleted", "objectClass", "uSNChanged"},
			Controls:   []ldap.Control{ldap.NewControlMicrosoftShowDeleted()},
		}, pageSize, func(e *ldap.Entry) error {
			o := decodeObject(e)
			if o.GUID.IsZero() {
				return nil
			}
			return st.deliver(Change{Object: o, Deleted: true}, sc.scope, kinds, fn)
		})
		if errors.Is(err, ErrInsufficientRights) {
			continue // deletions are found by the next full import
		}
		if err != nil {
			return err
		}
	}
	return nil
}
