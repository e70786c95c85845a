package sync

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTestBolt(t *testing.T, path string) *BoltStore {
	t.Helper()
	s, err := OpenBoltStore(path, time.Second)
	if err != nil {
		t.Fatalf("OpenBoltStore: %v", err)
	}
	return s
}

func TestMigrateNewFile(t *testing.T) {
	s := openTestBolt(t, filepath.Join(t.TempDir(), "state.db"))
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != schemaVersion() {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, schemaVersion())
	}
}

// TestMigrateUpgrade opens a file of the current schema with a build that
// knows one more migration: the migration runs once, data stays.
func TestMigrateUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestBolt(t, path)
	r := &Record{Anchor: "a1", Kind: KindUser, DN: "CN=a,DC=x", Exported: Attributes{AttrUserPrincipalName: "a@x"}}
	if err := s.Commit(Batch{Put: []*Record{r}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	runs := 0
	next := schemaVersion() + 1
	migrations = append(migrations[:len(migrations):len(migrations)], migration{to: next, name: "test: add a bucket", fn: func(tx *bolt.Tx) error {
		runs++
		_, err := tx.CreateBucket([]byte("test_new"))
		return err
	}})
	s = openTestBolt(t, path)
	if v, _ := s.SchemaVersion(); v != next {
		t.Errorf("SchemaVersion after upgrade = %d, want %d", v, next)
	}
	if got, err := s.Get("a1"); err != nil || got.DN != r.DN {
		t.Errorf("record after migration = %+v, %v", got, err)
	}
	s.Close()
	s = openTestBolt(t, path) // already migrated: CreateBucket would fail if run again
	s.Close()
	if runs != 1 {
		t.Errorf("the migration ran %d times, want once", runs)
	}
}

func TestMigrateRefusesNewerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestBolt(t, path)
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = OpenBoltStore(path, time.Second)
	if err == nil || !strings.Contains(err.Error(), "newer entrasync") || !strings.Contains(err.Error(), "99") {
		t.Errorf("OpenBoltStore(schema 99) = %v, want a refusal naming the newer schema", err)
	}
}

func TestMigrateDamagedVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestBolt(t, path)
	_ = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("x")) })
	s.Close()
	if _, err := OpenBoltStore(path, time.Second); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("OpenBoltStore(schema x) = %v, want an error saying the file is damaged", err)
	}
}

func TestOpenBoltStoreBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestBolt(t, path)
	defer s.Close()
	_, err := OpenBoltStore(path, 50*time.Millisecond)
	if !errors.Is(err, ErrStoreBusy) {
		t.Errorf("second OpenBoltStore = %v, want ErrStoreBusy", err)
	}
}
