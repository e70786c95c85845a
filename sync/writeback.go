package sync

import (
	"context"
	"errors"
)

// AnchorWriter is implemented by a [Source] that can write a user's anchor
// back into the directory, as Entra Connect's ConsistencyGuid feature
// writes the objectGUID into ms-DS-ConsistencyGuid when that attribute is
// the source anchor (users only,
// https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts).
// The anchor then survives a move of the user to another forest.
//
// When sync.sourceAnchor is ms-DS-ConsistencyGuid, the engine calls it,
// after the Entra writes of a run, for each synced user whose Entra object
// exists and who has no ms-DS-ConsistencyGuid, with the anchor's bytes (the
// objectGUID's, unless the user was exported with another anchor). A
// write-back never blocks the Entra side: one that fails is recorded on the
// object and retried at the next run.
type AnchorWriter interface {
	// WriteAnchors sets each object's ms-DS-ConsistencyGuid to its Value
	// where the attribute is empty, and returns one result per write, in
	// order: nil when it holds Value now (written, or already there), or
	// an error matching ErrAnchorHeld (another value, kept),
	// ErrWriteBackDenied (the account may not write it) or ErrSourceGone
	// (the object is no longer there). err says the whole call failed
	// (the directory is unreachable); nothing can be said of its writes.
	WriteAnchors(ctx context.Context, writes []AnchorWrite) (results []error, err error)
}

// AnchorWrite is one anchor to write back.
type AnchorWrite struct {
	GUID GUID   // the object's objectGUID
	DN   string // its DN, for messages
	// Value is the anchor's bytes: base64-decoded onPremisesImmutableId.
	Value []byte
}

// Errors of [AnchorWriter.WriteAnchors], per write.
var (
	// ErrAnchorHeld: ms-DS-ConsistencyGuid holds another value, which is
	// kept (someone set it since the import). The engine keeps the
	// exported anchor and warns.
	ErrAnchorHeld = errors.New("sync: ms-DS-ConsistencyGuid already holds another value")
	// ErrWriteBackDenied: the connector account may not write
	// ms-DS-ConsistencyGuid. The engine stops writing back for the run
	// and warns once, with the fix.
	ErrWriteBackDenied = errors.New("sync: the connector account may not write ms-DS-ConsistencyGuid")
	// ErrSourceGone: the object is no longer in the directory; the next
	// import sees it gone.
	ErrSourceGone = errors.New("sync: the object is no longer in the directory")
)
