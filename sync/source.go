package sync

import (
	"context"
	"errors"
)

// Source reads the on-premises directory. It is implemented over package
// ad (a paged LDAP enumeration for full imports, the DirSync control or
// uSNChanged for deltas) and, in tests, in memory.
//
// Import calls emit once per object, in any order, from the calling
// goroutine, and returns when the read is over. A full import (req.Full)
// emits every user, group and contact below req.Include (or the whole
// forest when it is empty); the engine applies the scoping rules itself, so
// a source may emit more. A delta import emits the objects that changed
// since req.Cursor: each with all its attributes (a source that learns only
// the changed attributes re-reads the object), members either complete or
// incremental (see [SourceObject]), and deleted objects with Deleted set.
// An object moved out of scope in a delta is emitted with its new DN.
//
// When emit returns an error, Import stops and returns it. When the cursor
// cannot be used (expired, from another DC or invocationId), Import returns
// an error matching [ErrFullImportRequired] and the engine does a full
// import instead. Every other error fails the run; nothing is deleted on
// the strength of a failed import.
// Errors name the directory and the operation that failed: the engine
// passes them on as they are.
type Source interface {
	Import(ctx context.Context, req ImportRequest, emit func(*SourceObject) error) (ImportResult, error)
}

// ImportRequest says what to read.
type ImportRequest struct {
	// Full asks for every object; otherwise the changes since Cursor.
	Full bool
	// Cursor is ImportResult.Cursor of the last applied import; nil when
	// Full is set.
	Cursor []byte
	// Include are the containers the configuration selects (DNs); empty
	// means the whole forest. A source uses them as search bases.
	Include []string
}

// ImportResult is how an import went.
type ImportResult struct {
	// Cursor marks the point this import reached (a DirSync cookie, a
	// highest USN with its DC): the next delta starts there. The engine
	// stores it only once what was imported has been applied.
	Cursor []byte
	// Complete is false when the read ended early (a size or time limit, a
	// paged search that stopped): objects it did not return must not be
	// taken as deleted.
	Complete bool
	// Server says who answered. A DC, invocationId or bind account other
	// than the last full import's makes the engine refuse deletes until a
	// full import from the new one is applied.
	Server ServerIdentity
}

// ServerIdentity identifies the directory server and account an import read.
type ServerIdentity struct {
	DC           string `json:"dc,omitempty"`           // the domain controller's DNS name
	InvocationID string `json:"invocationId,omitempty"` // the DC database's invocationId
	BindAccount  string `json:"bindAccount,omitempty"`  // the account bound as
}

// ErrFullImportRequired is returned (wrapped) by Source.Import when a delta
// is impossible and a full import is needed.
var ErrFullImportRequired = errors.New("sync: the delta cursor cannot be used: a full import is required")
