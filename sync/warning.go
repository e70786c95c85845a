package sync

import "slices"

// Warning is a finding of a run that needs the administrator's attention
// but did not fail it. Findings with the same code and message are grouped:
// Count says how many objects, Objects names the first few.
type Warning struct {
	// Code is stable, for programs: one of the Warn constants.
	Code string `json:"code"`
	// Message is for people, e.g. "UPN suffix corp.local is not a verified
	// domain: users get <mailNickname>@contoso.onmicrosoft.com".
	Message string `json:"message"`
	// Count is the number of objects concerned.
	Count int `json:"count"`
	// Objects names up to [maxWarningObjects] of them (UPN, name or DN).
	Objects []string `json:"objects,omitempty"`
}

// Codes of [Warning].
const (
	WarnUPNFallback    = "upn-fallback"         // UPN replaced by mailNickname@<initial domain>
	WarnUPNDuplicate   = "upn-duplicate"        // UPN quarantined as prefix_NNNN@<initial domain>
	WarnNotCreatable   = "not-creatable"        // contact or mail-enabled distribution group
	WarnValueRepaired  = "value-repaired"       // invalid UTF-8 or control characters replaced
	WarnValueTruncated = "value-truncated"      // longer than Graph allows
	WarnValueInvalid   = "value-invalid"        // a value Graph would refuse, left out
	WarnReference      = "reference-not-synced" // manager or member not in scope
	WarnDrift          = "drift"                // a cloud edit of a synced attribute, overwritten
	WarnRecreated      = "deleted-in-entra"     // deleted in Entra by someone else, created again
	WarnAnchorKept     = "anchor-kept"          // ms-DS-ConsistencyGuid changed after export
	WarnMailDropped    = "mail-not-synced"      // mail-enabled security group created without mail
	WarnDeletesHeld    = "deletes-withheld"     // a partial import: no deletes derived
	WarnNotOurs        = "not-ours"             // a cloud object entrasync did not create is in the way
	WarnWriteBack      = "anchor-write-back"    // ms-DS-ConsistencyGuid could not be written back
)

const maxWarningObjects = 20

type warnKey struct{ code, message string }

// warnings collects findings during a run, grouped by code and message, in
// the order they first occurred.
type warnings struct {
	byKey map[warnKey]int
	list  []Warning
}

func (w *warnings) add(code, message, object string) {
	if w.byKey == nil {
		w.byKey = make(map[warnKey]int)
	}
	k := warnKey{code, message}
	i, ok := w.byKey[k]
	if !ok {
		i = len(w.list)
		w.byKey[k] = i
		w.list = append(w.list, Warning{Code: code, Message: message})
	}
	w.list[i].Count++
	if object != "" && len(w.list[i].Objects) < maxWarningObjects {
		w.list[i].Objects = append(w.list[i].Objects, object)
	}
}

// withdraw takes back one add of object under code and message: a later
// step showed the finding was wrong. A warning left with no object is
// dropped.
func (w *warnings) withdraw(code, message, object string) {
	i, ok := w.byKey[warnKey{code, message}]
	if !ok {
		return
	}
	wr := &w.list[i]
	if j := slices.Index(wr.Objects, object); j >= 0 {
		wr.Objects = slices.Delete(wr.Objects, j, j+1)
	}
	if wr.Count--; wr.Count > 0 {
		return
	}
	w.list = slices.Delete(w.list, i, i+1)
	delete(w.byKey, warnKey{code, message})
	for k, v := range w.byKey {
		if v > i {
			w.byKey[k] = v - 1
		}
	}
}

// all returns a copy of the warnings so far: a later withdraw does not
// change it.
func (w *warnings) all() []Warning {
	out := slices.Clone(w.list)
	for i := range out {
		out[i].Objects = slices.Clone(out[i].Objects)
	}
	return out
}
