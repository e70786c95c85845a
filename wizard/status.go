package wizard

import (
	"fmt"
	stdsync "sync"
	"time"
)

// status is a running task's live state: the device code to show, the
// setup actions with their marks, a sync's counters. Tasks update it from
// their goroutine; the terminal UI reads snapshots when it draws, the
// accessible UI prints a line per change through say.
type status struct {
	now func() time.Time
	say func(line string) // nil: no lines (the terminal UI)

	mu         stdsync.Mutex
	device     *DeviceCode
	actions    []actionLine
	progress   *Progress
	started    time.Time // when the progress started
	phaseStart time.Time // when the progress entered its phase
}

// actionLine is one action as the Configuring page shows it.
type actionLine struct {
	id, title, detail string
	state             ActionState
	err               error
}

// snapshot is a copy of a status for drawing.
type snapshot struct {
	device     *DeviceCode
	actions    []actionLine
	progress   *Progress
	elapsed    time.Duration
	inPhase    time.Duration
	hasTimings bool
}

// newStatus returns an empty status using the clock now.
func newStatus(now func() time.Time, say func(string)) *status {
	return &status{now: now, say: say}
}

// setDevice records the device code the administrator must enter.
func (s *status) setDevice(dc DeviceCode) {
	s.mu.Lock()
	s.device = &dc
	s.mu.Unlock()
	s.emit(fmt.Sprintf("To sign in, open %s and enter the code %s", dc.URL, dc.Code))
}

// setActions lists the actions to come, all pending.
func (s *status) setActions(acts []Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions = s.actions[:0]
	for _, a := range acts {
		s.actions = append(s.actions, actionLine{id: a.ID, title: a.Title, detail: a.Detail})
	}
}

// addAction appends an action, pending, unless one with its id exists.
func (s *status) addAction(a Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.actions {
		if l.id == a.ID {
			return
		}
	}
	s.actions = append(s.actions, actionLine{id: a.ID, title: a.Title, detail: a.Detail})
}

// event applies an action event; an action the list does not hold is
// appended.
func (s *status) event(ev ActionEvent) {
	s.mu.Lock()
	i := -1
	for j, l := range s.actions {
		if l.id == ev.ID {
			i = j
			break
		}
	}
	if i < 0 {
		s.actions = append(s.actions, actionLine{id: ev.ID, title: or(ev.Title, ev.ID)})
		i = len(s.actions) - 1
	}
	l := &s.actions[i]
	l.state, l.err = ev.State, ev.Err
	if ev.Detail != "" {
		l.detail = ev.Detail
	}
	line := *l
	s.mu.Unlock()
	if ev.State != ActionPending {
		s.emit(actionText(line))
	}
}

// setProgress records a sync's counters, noting when a phase starts.
func (s *status) setProgress(p Progress) {
	now := s.now()
	s.mu.Lock()
	phaseChanged := s.progress == nil || s.progress.Phase != p.Phase
	if s.progress == nil {
		s.started = now
	}
	if phaseChanged {
		s.phaseStart = now
	}
	s.progress = &p
	s.mu.Unlock()
	if phaseChanged && p.Phase != PhaseDone {
		s.emit(fmt.Sprintf("Sync: %s", p.Phase))
	}
}

// snap returns a copy of the status for drawing.
func (s *status) snap() snapshot {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := snapshot{device: s.device, actions: append([]actionLine(nil), s.actions...)}
	if s.progress != nil {
		p := *s.progress
		sn.progress = &p
		sn.elapsed, sn.inPhase, sn.hasTimings = now.Sub(s.started), now.Sub(s.phaseStart), true
	}
	return sn
}

// emit says one line in the accessible UI.
func (s *status) emit(line string) {
	if s.say != nil {
		s.say(line)
	}
}

// actionText is an action's one-line account: "Create the AD connector
// account: done (CORP\MSOL_1a2b)".
func actionText(l actionLine) string {
	word := map[ActionState]string{
		ActionPending: "pending", ActionRunning: "running", ActionDone: "done",
		ActionFailed: "failed", ActionSkipped: "skipped",
	}[l.state]
	s := l.title + ": " + word
	switch {
	case l.err != nil:
		s += ": " + problemText(l.err)
	case l.detail != "" && l.state != ActionRunning:
		s += " (" + l.detail + ")"
	}
	return s
}
