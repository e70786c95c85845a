package drill

import (
	"context"

	"github.com/entrasync/entrasync/sync"
)

// mangled wraps a Source and changes what its imports return, the way a
// directory read goes wrong: objects left out, a search cut short, another
// server answering.
type mangled struct {
	inner sync.Source
	// keep, when set, says which objects pass (i counts the objects the
	// inner source emitted, from 0).
	keep func(i int) bool
	// incomplete marks the import as ended early.
	incomplete bool
	// server, when set, rewrites who answered.
	server func(*sync.ServerIdentity)
	// onEmit, when set, runs before each object is emitted.
	onEmit func(i int)
}

// Import implements sync.Source.
func (m *mangled) Import(ctx context.Context, req sync.ImportRequest, emit func(*sync.SourceObject) error) (sync.ImportResult, error) {
	i := 0
	res, err := m.inner.Import(ctx, req, func(o *sync.SourceObject) error {
		defer func() { i++ }()
		if m.onEmit != nil {
			m.onEmit(i)
		}
		if m.keep != nil && !m.keep(i) {
			return nil
		}
		return emit(o)
	})
	if m.incomplete {
		res.Complete = false
	}
	if m.server != nil {
		m.server(&res.Server)
	}
	return res, err
}
