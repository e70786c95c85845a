package sync

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	stdsync "sync"
)

// MemStore is a [Store] in memory: for tests, the demo and dry runs of a
// configuration that has no state yet. Its methods never fail except after
// Close, and Get/Lookup/Run/Plan return ErrNotFound for what is absent.
type MemStore struct {
	mu      stdsync.RWMutex
	closed  bool
	records map[string]*Record
	keys    map[string][4]string // anchor → its index keys
	retry   map[string]bool      // anchors whose record needs another look
	index   [4]map[string]string // by Index
	cursor  *Cursor
	runs    []RunSummary // oldest first
	plans   map[string][]byte
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore {
	s := &MemStore{records: make(map[string]*Record), keys: make(map[string][4]string), retry: make(map[string]bool), plans: make(map[string][]byte)}
	for i := range s.index {
		s.index[i] = make(map[string]string)
	}
	return s
}

func (s *MemStore) check() error {
	if s.closed {
		return ErrStoreClosed
	}
	return nil
}

// Get implements [Store].
func (s *MemStore) Get(anchor string) (*Record, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	r, ok := s.records[anchor]
	if !ok {
		return nil, fmt.Errorf("record %s: %w", anchor, ErrNotFound)
	}
	return r.clone(), nil
}

// Lookup implements [Store].
func (s *MemStore) Lookup(idx Index, key string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return "", err
	}
	if idx < IndexGUID || idx > IndexUPN {
		return "", fmt.Errorf("sync: unknown index %d", idx)
	}
	a, ok := s.index[idx][normalizeKey(idx, key)]
	if !ok {
		return "", fmt.Errorf("index %d key %q: %w", idx, key, ErrNotFound)
	}
	return a, nil
}

// ForEach implements [Store].
func (s *MemStore) ForEach(fn func(*Record) error) error {
	s.mu.RLock()
	if err := s.check(); err != nil {
		s.mu.RUnlock()
		return err
	}
	anchors := slices.Sorted(maps.Keys(s.records))
	s.mu.RUnlock()
	for len(anchors) > 0 {
		chunk := anchors[:min(scanChunk, len(anchors))]
		anchors = anchors[len(chunk):]
		recs := make([]*Record, 0, len(chunk))
		s.mu.RLock()
		if err := s.check(); err != nil {
			s.mu.RUnlock()
			return err
		}
		for _, a := range chunk {
			if r := s.records[a]; r != nil {
				c := r.cloneWithout()
				recs = append(recs, c)
			}
		}
		s.mu.RUnlock()
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForEachRetry implements [Store].
func (s *MemStore) ForEachRetry(fn func(*Record) error) error {
	s.mu.RLock()
	if err := s.check(); err != nil {
		s.mu.RUnlock()
		return err
	}
	var recs []*Record
	for _, a := range slices.Sorted(maps.Keys(s.retry)) {
		recs = append(recs, s.records[a].clone())
	}
	s.mu.RUnlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Len implements [Store].
func (s *MemStore) Len() (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return 0, err
	}
	return len(s.records), nil
}

// Commit implements [Store].
func (s *MemStore) Commit(b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	for _, r := range b.Put {
		if r.Anchor == "" {
			return fmt.Errorf("sync: record without an anchor (%s)", r.DN)
		}
	}
	for _, a := range b.Delete {
		s.remove(a)
	}
	for _, r := range b.Put {
		old := s.records[r.Anchor]
		s.remove(r.Anchor)
		c := r.clone()
		if c.Source == nil && old != nil {
			c.Source = old.Source
		}
		s.records[c.Anchor] = c
		keys := c.indexKeys()
		s.keys[c.Anchor] = keys
		if c.needsRetry() {
			s.retry[c.Anchor] = true
		}
		for i, k := range keys {
			if k != "" {
				s.index[i][k] = c.Anchor
			}
		}
	}
	if b.Cursor != nil {
		c := *b.Cursor
		c.Data = slices.Clone(c.Data)
		s.cursor = &c
	}
	return nil
}

func (s *MemStore) remove(anchor string) {
	if _, ok := s.records[anchor]; !ok {
		return
	}
	for i, k := range s.keys[anchor] {
		if k != "" && s.index[i][k] == anchor {
			delete(s.index[i], k)
		}
	}
	delete(s.records, anchor)
	delete(s.keys, anchor)
	delete(s.retry, anchor)
}

// Cursor implements [Store].
func (s *MemStore) Cursor() (Cursor, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return Cursor{}, err
	}
	if s.cursor == nil {
		return Cursor{}, fmt.Errorf("cursor: %w", ErrNotFound)
	}
	c := *s.cursor
	c.Data = slices.Clone(c.Data)
	return c, nil
}

// AddRun implements [Store].
func (s *MemStore) AddRun(r RunSummary) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	r = cloneRun(r)
	i, found := slices.BinarySearchFunc(s.runs, r.ID, func(x RunSummary, id string) int {
		switch {
		case x.ID < id:
			return -1
		case x.ID > id:
			return 1
		}
		return 0
	})
	if found {
		s.runs[i] = r
	} else {
		s.runs = slices.Insert(s.runs, i, r)
	}
	if len(s.runs) > MaxRuns {
		s.runs = slices.Delete(s.runs, 0, len(s.runs)-MaxRuns)
	}
	return nil
}

// Runs implements [Store].
func (s *MemStore) Runs(limit int) ([]RunSummary, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	var out []RunSummary
	for i := len(s.runs) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, cloneRun(s.runs[i]))
	}
	return out, nil
}

// Run implements [Store].
func (s *MemStore) Run(id string) (RunSummary, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return RunSummary{}, err
	}
	for _, r := range s.runs {
		if r.ID == id {
			return cloneRun(r), nil
		}
	}
	return RunSummary{}, fmt.Errorf("run %s: %w", id, ErrNotFound)
}

// cloneRun deep-copies a summary through JSON, as the file store does.
func cloneRun(r RunSummary) RunSummary {
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("sync: encode run summary: %v", err)) // only plain types: cannot fail
	}
	var out RunSummary
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("sync: decode run summary: %v", err))
	}
	return out
}

// SavePlan implements [Store].
func (s *MemStore) SavePlan(p *Plan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("sync: encode plan: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	s.plans[p.ID] = b
	return nil
}

// Plan implements [Store].
func (s *MemStore) Plan(id string) (*Plan, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	b, ok := s.plans[id]
	if !ok {
		return nil, fmt.Errorf("plan %s: %w", id, ErrNotFound)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("sync: decode plan %s: %w", id, err)
	}
	return &p, nil
}

// DeletePlan implements [Store].
func (s *MemStore) DeletePlan(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	delete(s.plans, id)
	return nil
}

// Close implements [Store].
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
