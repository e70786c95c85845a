package sync

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// Store is the engine's state: one record per object entrasync manages
// (anchor, Entra id, last exported values, last imported snapshot, last
// error), the import cursor, run history and saved plans. [OpenBoltStore]
// keeps it in one crash-safe file; [NewMemStore] in memory.
//
// Methods work per object and never load or rewrite the whole state.
// Commit is atomic: after a crash the store holds every committed batch and
// nothing of an uncommitted one. Records returned are copies the caller
// owns. A Store is safe for concurrent use; one process at a time opens a
// store file.
type Store interface {
	// Get returns the whole record of anchor, or an error matching
	// ErrNotFound.
	Get(anchor string) (*Record, error)
	// Lookup returns the anchor of the record whose index key is key
	// (IndexGUID: a GUID string; IndexDN: a DN, any spelling;
	// IndexUPN: the exported userPrincipalName, any case), or ErrNotFound.
	Lookup(idx Index, key string) (string, error)
	// ForEach calls fn for every record in anchor order, stopping at and
	// returning fn's first error. The records lack their Source snapshot
	// (nil; SourceHash is set): a full run has the fresh import and
	// decoding 100k snapshots is what a scan would mostly cost.
	ForEach(fn func(*Record) error) error
	// ForEachRetry calls fn with the whole records that need another look
	// at the next delta run (Error or Dirty set).
	ForEachRetry(fn func(*Record) error) error
	// Len returns the number of records.
	Len() (int, error)
	// Commit stores b atomically: puts, deletes (missing anchors are
	// ignored) and the cursor when set. A put whose Source is nil keeps
	// the stored snapshot (SourceHash is stored as given).
	Commit(b Batch) error
	// Cursor returns the last committed cursor, or ErrNotFound before the
	// first committed import.
	Cursor() (Cursor, error)

	// AddRun records a run; the store keeps the most recent [MaxRuns].
	AddRun(s RunSummary) error
	// Runs returns up to limit runs (all when limit <= 0), newest first.
	Runs(limit int) ([]RunSummary, error)
	// Run returns the run with id, or ErrNotFound.
	Run(id string) (RunSummary, error)

	// SavePlan stores p under p.ID, replacing an older one.
	SavePlan(p *Plan) error
	// Plan returns the saved plan id, or ErrNotFound.
	Plan(id string) (*Plan, error)
	// DeletePlan removes a saved plan; a missing one is not an error.
	DeletePlan(id string) error

	// Close releases the store. Other methods fail after it.
	Close() error
}

// ErrNotFound is returned (wrapped) by Store methods for a missing record,
// cursor, run or plan.
var ErrNotFound = errors.New("sync: not found in the state store")

// ErrStoreClosed is returned by a Store's methods after Close.
var ErrStoreClosed = errors.New("sync: state store is closed")

// MaxRuns is how many runs a Store keeps in its history.
const MaxRuns = 1000

// Index names a secondary index of the Store.
type Index uint8

// The indexes.
const (
	IndexGUID Index = iota + 1 // objectGUID → anchor
	IndexDN                    // distinguished name → anchor
	IndexUPN                   // exported userPrincipalName → anchor
)

// indexKeys returns r's key in each index ("" when r has none).
func (r *Record) indexKeys() [4]string {
	var k [4]string
	if !r.GUID.IsZero() {
		k[IndexGUID] = r.GUID.String()
	}
	if r.DN != "" {
		k[IndexDN] = canonicalDN(r.DN)
	}
	if u := r.Exported[AttrUserPrincipalName]; u != "" && r.Kind == KindUser {
		k[IndexUPN] = strings.ToLower(u)
	}
	return k
}

// normalizeKey turns a Lookup key into the stored form.
func normalizeKey(idx Index, key string) string {
	switch idx {
	case IndexDN:
		return canonicalDN(key)
	case IndexUPN:
		return strings.ToLower(key)
	case IndexGUID:
		if g, err := ParseGUID(key); err == nil {
			return g.String()
		}
	}
	return key
}

// Record is the state of one object entrasync manages (or tried to).
type Record struct {
	Anchor string `json:"anchor"`
	Kind   Kind   `json:"kind"`
	GUID   GUID   `json:"guid"`
	DN     string `json:"dn,omitempty"`
	// EntraID is the Entra object id; empty until the create succeeded.
	EntraID string `json:"entraId,omitempty"`
	// Source is the object as last imported: a delta run maps it again
	// when the object needs another try, and merges incremental member
	// changes into it.
	Source *SourceObject `json:"source,omitempty"`
	// SourceHash is the digest of Source, to skip rewriting an unchanged one.
	SourceHash string `json:"sourceHash,omitempty"`
	// Exported are the attribute values Entra was last given (or, after a
	// full run, found holding): a delta run patches only what differs.
	Exported Attributes `json:"exported,omitempty"`
	// Manager is the exported manager's anchor; Members the exported
	// members' anchors, sorted.
	Manager string   `json:"manager,omitempty"`
	Members []string `json:"members,omitempty"`
	// Error is the last failure, nil once the object applied cleanly.
	Error *ObjectError `json:"error,omitempty"`
	// Dirty asks the next delta run to look at the object again (a
	// reference that could not be resolved yet).
	Dirty   bool      `json:"dirty,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// needsRetry reports whether the next delta run must look at r.
func (r *Record) needsRetry() bool { return r.Error != nil || r.Dirty }

// Name returns a name for messages: the exported UPN or display name, else
// the source's name.
func (r *Record) Name() string {
	if u := r.Exported[AttrUserPrincipalName]; u != "" {
		return u
	}
	if d := r.Exported[AttrDisplayName]; d != "" {
		return d
	}
	if r.Source != nil {
		return r.Source.Name()
	}
	return r.Anchor
}

// cloneWithout returns a deep copy of r without its Source snapshot.
func (r *Record) cloneWithout() *Record {
	c := *r
	c.Source = nil
	c.Exported = r.Exported.Clone()
	c.Members = slices.Clone(r.Members)
	if r.Error != nil {
		e := *r.Error
		c.Error = &e
	}
	return &c
}

// clone returns a deep copy of r.
func (r *Record) clone() *Record {
	c := *r
	c.Exported = r.Exported.Clone()
	c.Members = slices.Clone(r.Members)
	if r.Source != nil {
		s := *r.Source
		s.ConsistencyGUID = slices.Clone(s.ConsistencyGUID)
		s.ProxyAddresses = slices.Clone(s.ProxyAddresses)
		s.Members = slices.Clone(s.Members)
		s.MembersRemoved = slices.Clone(s.MembersRemoved)
		c.Source = &s
	}
	if r.Error != nil {
		e := *r.Error
		c.Error = &e
	}
	return &c
}

// ObjectError is one object's failure, kept on its record until the object
// applies cleanly and in the history of the run it happened in.
type ObjectError struct {
	RunID  string   `json:"runId"`
	Anchor string   `json:"anchor"`
	Kind   Kind     `json:"kind"`
	Object string   `json:"object"` // UPN or name, for people
	Op     ChangeOp `json:"op"`
	// Code classes the error: conflict, throttled, not-found,
	// invalid-value, denied, reference, error; write-back for a failed
	// write of the anchor into AD (Op OpWriteAnchor).
	Code    string `json:"code"`
	Message string `json:"message"`
	// Attempts counts consecutive failed runs; Since is the first.
	Attempts int       `json:"attempts"`
	Since    time.Time `json:"since"`
	At       time.Time `json:"at"`
}

// Batch is a set of changes a Store commits atomically.
type Batch struct {
	Put    []*Record
	Delete []string
	// Cursor, when set, replaces the stored cursor.
	Cursor *Cursor
}

// Cursor is where the last applied import left off, and what it read.
type Cursor struct {
	// Data is the Source's ImportResult.Cursor.
	Data []byte `json:"data,omitempty"`
	// Server answered the last import; FullServer the last full one.
	Server     ServerIdentity `json:"server"`
	FullServer ServerIdentity `json:"fullServer"`
	// LastFull and LastDelta are when the last full and delta imports were
	// applied.
	LastFull  time.Time `json:"lastFull,omitzero"`
	LastDelta time.Time `json:"lastDelta,omitzero"`
	// MappingVersion fingerprints the mapping rules' inputs (configuration,
	// verified domains) the last run applied: when it changes, the next run
	// is a full one.
	MappingVersion string `json:"mappingVersion,omitempty"`
}
