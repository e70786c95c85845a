package sync_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/sync/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.TestStore(t, func(*testing.T) sync.Store { return sync.NewMemStore() }, storetest.Options{})
}

func TestBoltStore(t *testing.T) {
	open := func(t *testing.T) sync.Store {
		s, err := sync.OpenBoltStore(filepath.Join(t.TempDir(), "state.db"), time.Second)
		if err != nil {
			t.Fatalf("OpenBoltStore: %v", err)
		}
		return s
	}
	reopen := func(t *testing.T, s sync.Store) sync.Store {
		path := s.(*sync.BoltStore).Path()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s2, err := sync.OpenBoltStore(path, time.Second)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		return s2
	}
	storetest.TestStore(t, open, storetest.Options{Reopen: reopen})
}
