package wizard

import "time"

// fraction returns how far the current phase of a run is, from 0 to 1,
// and whether that is known: the import when its total is known, the
// export against the planned changes.
func fraction(p Progress) (float64, bool) {
	switch p.Phase {
	case PhaseImport:
		if p.ImportTotal <= 0 {
			return 0, false
		}
		return clamp01(float64(p.Imported) / float64(p.ImportTotal)), true
	case PhaseApply:
		if p.Planned <= 0 {
			return 1, true
		}
		return clamp01(float64(p.Exported+p.Errors) / float64(p.Planned)), true
	case PhaseDone:
		return 1, true
	}
	return 0, false
}

// estimate returns how long the current phase still needs, extrapolating
// the time spent in it (inPhase) at the rate so far; ok is false until
// there is a rate.
func estimate(p Progress, inPhase time.Duration) (left time.Duration, ok bool) {
	f, known := fraction(p)
	if !known || f <= 0 || f >= 1 || inPhase <= 0 {
		return 0, false
	}
	total := time.Duration(float64(inPhase) / f)
	return (total - inPhase).Round(time.Second), true
}

// clamp01 bounds f to [0, 1].
func clamp01(f float64) float64 {
	return min(max(f, 0), 1)
}
