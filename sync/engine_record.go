package sync

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// commitTouched commits the records the last batch changed, and the
// deletes so far, so a crash loses at most the batch in flight (whose
// creates the next run finds by anchor).
func (r *run) commitTouched() error {
	var b Batch
	now := time.Now()
	for _, a := range slices.Sorted(maps.Keys(r.uncommitted)) {
		if w := r.touched[a]; w != nil {
			w.Updated = now
			b.Put = append(b.Put, w)
		}
	}
	b.Delete = r.deleted[r.committedDeletes:]
	if len(b.Put) == 0 && len(b.Delete) == 0 {
		return nil
	}
	if err := r.e.store.Commit(b); err != nil {
		return fmt.Errorf("sync: record the applied changes: %w", err)
	}
	r.committedDeletes = len(r.deleted)
	clear(r.uncommitted)
	return nil
}

// commitRest commits the remaining record changes (snapshots, links,
// cleared errors) and, when the run applied everything it imported, the
// new cursor.
func (r *run) commitRest(complete bool) error {
	now := time.Now()
	var b Batch
	for _, a := range slices.Sorted(maps.Keys(r.touched)) {
		w := r.touched[a]
		if r.attempted[a] && !r.failed[a] {
			w.Error = nil
			w.Dirty = false
		}
		if r.unresolved[a] {
			w.Dirty = true
		}
		w.Updated = now
		b.Put = append(b.Put, w)
	}
	b.Delete = append(slices.Clone(r.deleted[r.committedDeletes:]), r.drops...)
	if complete && r.result.Complete && !r.keepCursor {
		c := r.cursor
		c.Data = r.result.Cursor
		c.Server = r.result.Server
		c.MappingVersion = r.m.mappingVersion
		if r.full {
			c.FullServer = r.result.Server
			c.LastFull = r.started
		} else {
			c.LastDelta = r.started
		}
		b.Cursor = &c
	}
	if err := r.e.store.Commit(b); err != nil {
		return fmt.Errorf("sync: record the run's results: %w", err)
	}
	r.committedDeletes = len(r.deleted)
	return nil
}
