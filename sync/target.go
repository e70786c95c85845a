package sync

import "context"

// Target is the Entra tenant. It is implemented over package entra
// (Microsoft Graph: JSON batching, a write budget, Retry-After) and, in
// tests, in memory.
//
// Every method returns promptly once ctx is done. A method's error means
// the whole call failed and nothing can be said about its effect (the
// network, the token, a permission: wrap a permanent one with [Permanent]);
// per-object outcomes of Apply are in its results.
// Errors name the tenant's side and the call that failed: the engine
// passes them on as they are.
type Target interface {
	// Tenant returns the initial domain and the verified domains.
	Tenant(ctx context.Context) (Tenant, error)

	// Lookup returns the objects of kind whose property by ([LookupAnchor],
	// [AttrUserPrincipalName] or [AttrMail]) equals one of values (case
	// insensitive for the last two), with their synced attributes. Values
	// nothing holds are simply absent. The engine calls it before creating,
	// so a create that reached Entra but not the store is found, not
	// repeated; and to find soft-match candidates.
	Lookup(ctx context.Context, kind Kind, by string, values []string) ([]TargetObject, error)

	// List calls emit for every object of kind in the tenant, created by
	// entrasync or not, with its synced attributes, manager (users) and
	// members (groups). Full runs use it to find cloud edits, objects
	// deleted in the cloud and objects in the way of a create.
	List(ctx context.Context, kind Kind, emit func(*TargetObject) error) error

	// Apply performs writes (in any order and concurrency it likes: the
	// engine only batches writes that do not depend on each other) and
	// returns one result per write, in the same order. It should finish
	// the writes it started even when ctx is cancelled; the engine passes
	// a context that is not, and stops between batches.
	Apply(ctx context.Context, writes []Write) ([]WriteResult, error)
}

// LookupAnchor is the Lookup key for the anchor property
// (onPremisesImmutableId for users; the connector's choice for groups).
const LookupAnchor = "anchor"

// TargetObject is an Entra user or group as the Target sees it.
type TargetObject struct {
	// ID is the Entra object id.
	ID   string
	Kind Kind
	// Anchor is onPremisesImmutableId (or the group's equivalent); empty
	// for objects no sync created.
	Anchor string
	// DirSynced is onPremisesSyncEnabled: the object is mastered by Entra
	// Connect or Cloud Sync, and Graph refuses most writes to it.
	DirSynced bool
	// Attributes are the synced attributes Entra holds; AttrManager is the
	// manager's object id.
	Attributes Attributes
	// Members are the member object ids of a group (List only).
	Members []string
}

// WriteOp is the kind of a [Write].
type WriteOp uint8

// The write operations.
const (
	WriteCreate        WriteOp = iota + 1 // POST /users or /groups
	WriteUpdate                           // PATCH (and the manager $ref)
	WriteDelete                           // DELETE (to deleted items)
	WriteAddMembers                       // POST members/$ref or PATCH members@odata.bind
	WriteRemoveMembers                    // DELETE members/{id}/$ref
)

var writeOpNames = [...]string{"", "create", "update", "delete", "add members", "remove members"}

// String names the operation.
func (o WriteOp) String() string {
	if int(o) < len(writeOpNames) {
		return writeOpNames[o]
	}
	return "write"
}

// MaxMembersPerWrite is the most member ids one write carries: Graph takes
// up to 20 members@odata.bind per request
// (https://learn.microsoft.com/graph/api/group-post-members).
const MaxMembersPerWrite = 20

// Write is one change to the tenant.
type Write struct {
	Op   WriteOp
	Kind Kind
	// Anchor is the object's anchor: written as onPremisesImmutableId on
	// create (and on an update with SetAnchor); for logs otherwise.
	Anchor string
	// ID is the Entra object id (all but create).
	ID string
	// Attributes: on create every non-empty synced attribute; on update
	// only the changed ones, "" clearing a property. AttrManager holds the
	// manager's object id ("" removes the manager). A user create also
	// needs an initial password: the Target makes a random one.
	Attributes Attributes
	// SetAnchor makes an update also write Anchor: the adoption of a
	// soft-matched object.
	SetAnchor bool
	// Members are member object ids (at most MaxMembersPerWrite). Adding
	// a member already there, or removing one already gone, should not be
	// an error; a Target that reports it anyway ([ErrConflict] on add,
	// [ErrGone] on remove) gets each member of that write again alone.
	Members []string
}

// WriteResult is one write's outcome.
type WriteResult struct {
	// ID is the new object's id after a create.
	ID string
	// Err is nil or says why the write failed: errors matching
	// [ErrConflict], [ErrThrottled], [ErrGone], [ErrInvalidValue] and
	// [ErrDenied] are handled; others are recorded as they are.
	Err error
}
