package sync

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// writeAnchors writes, when ms-DS-ConsistencyGuid is the source anchor and
// the source can ([AnchorWriter]), each synced user's anchor into the
// ms-DS-ConsistencyGuid it lacks, once its Entra object exists. It runs
// after the Entra writes and never fails the run: a refused or failed
// write is recorded on the object, which the next run retries.
func (r *run) writeAnchors() error {
	aw, ok := r.e.source.(AnchorWriter)
	if !ok || r.m.anchorMode != AnchorConsistencyGUID {
		return nil
	}
	var ws []anchorWrite
	for _, a := range slices.Sorted(maps.Keys(r.desired)) {
		e := r.desired[a]
		if e.kind != KindUser || len(e.obj.ConsistencyGUID) > 0 || r.failed[a] || !r.inEntra(a) {
			continue
		}
		v, err := base64.StdEncoding.DecodeString(a)
		if err != nil || len(v) == 0 {
			continue // not an anchor entrasync computed: nothing to write
		}
		ws = append(ws, anchorWrite{anchor: a, AnchorWrite: AnchorWrite{GUID: e.obj.GUID, DN: e.obj.DN, Value: v}})
	}
	if len(ws) == 0 {
		return nil
	}
	r.log.Info("writing anchors back into ms-DS-ConsistencyGuid", "users", len(ws))
	denied := false
	return chunks(r, ws, writeBackBatch, func(batch []anchorWrite) error {
		if denied {
			return nil
		}
		req := make([]AnchorWrite, len(batch))
		for i, w := range batch {
			req[i] = w.AnchorWrite
		}
		res, err := aw.WriteAnchors(context.WithoutCancel(r.ctx), req)
		if err == nil && len(res) != len(batch) {
			err = fmt.Errorf("sync: the source returned %d results for %d anchor writes", len(res), len(batch))
		}
		if err != nil {
			for _, w := range batch {
				r.failWriteBack(w, err)
			}
			return r.commitTouched()
		}
		for i, w := range batch {
			switch err := res[i]; {
			case err == nil:
				r.counts.AnchorsWritten++
			case errors.Is(err, ErrWriteBackDenied):
				denied = true
				r.w.add(WarnWriteBack, "the connector account may not write ms-DS-ConsistencyGuid, so users keep none (their anchor is their objectGUID): "+
					"grant it the right (setup does when ms-DS-ConsistencyGuid is the source anchor) or set sync.sourceAnchor: objectGUID", "")
				r.log.Warn("writing ms-DS-ConsistencyGuid refused: write-back stopped for this run", "object", w.DN, "err", err)
				return r.commitTouched()
			case errors.Is(err, ErrAnchorHeld):
				r.w.add(WarnAnchorKept, "ms-DS-ConsistencyGuid was set in AD during the run: its anchor is kept", w.DN)
			case errors.Is(err, ErrSourceGone):
				// Deleted since the import: the next import sees it.
			default:
				r.failWriteBack(w, err)
			}
		}
		return r.commitTouched()
	})
}

// writeBackBatch is how many anchor writes go to the source at once: it
// opens a connection per call (about 40 ms with LDAPS against Samba), so
// more per call than the Entra batch; the run still stops between calls.
const writeBackBatch = 1000

// anchorWrite is a write-back and the anchor of its object.
type anchorWrite struct {
	AnchorWrite
	anchor string
}

// inEntra reports whether the object with anchor a has an Entra object
// entrasync manages.
func (r *run) inEntra(a string) bool {
	if r.full {
		if t := r.actual[a]; t != nil && t.DirSynced {
			return false
		}
	}
	return r.entraID(a) != ""
}

// failWriteBack records a failed write-back on the object's record, so
// the next run retries it, and in the run's errors.
func (r *run) failWriteBack(w anchorWrite, err error) {
	a, e := w.anchor, r.desired[w.anchor]
	rec := r.touch(a)
	now := time.Now()
	oe := ObjectError{RunID: r.id, Anchor: a, Kind: KindUser, Object: e.displayName(), Op: OpWriteAnchor,
		Code: "write-back", Message: err.Error(), Attempts: 1, Since: now, At: now}
	prev := rec.Error
	if prev == nil && r.records[a] != nil {
		prev = r.records[a].Error // cleared when the Entra side needed nothing
	}
	if prev != nil {
		oe.Attempts, oe.Since = prev.Attempts+1, prev.Since
	}
	rec.Error = &oe
	if !r.failed[a] {
		r.failed[a] = true
		r.counts.Errors++
		r.objErrors = append(r.objErrors, oe)
	}
	r.log.Warn("writing ms-DS-ConsistencyGuid failed: retried next run", "object", w.DN, "err", err)
}
