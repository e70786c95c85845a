package sync

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// migration moves a store file from schema version to-1 to version to.
type migration struct {
	to   int
	name string
	fn   func(tx *bolt.Tx) error
}

// migrations are applied in order, each in the transaction that also
// records its version, so a crash leaves the file at one version or the
// next. A new schema appends one; never edit a released one.
var migrations = []migration{
	{to: 1, name: "create the buckets", fn: func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketObjects, bucketSources, bucketKeys, bucketRetry, bucketRuns, bucketPlans, bucketIndex[IndexGUID], bucketIndex[IndexDN], bucketIndex[IndexUPN]} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}},
}

// schemaVersion is the version this build writes: the last migration's.
func schemaVersion() int { return migrations[len(migrations)-1].to }

// migrate brings the file to schemaVersion.
func (s *BoltStore) migrate() error {
	cur, err := s.version()
	if err != nil {
		return err
	}
	want := schemaVersion()
	if cur > want {
		return fmt.Errorf("sync: state store %s has schema version %d, written by a newer entrasync (this one knows up to %d): upgrade entrasync", s.path, cur, want)
	}
	for _, m := range migrations {
		if m.to <= cur {
			continue
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := m.fn(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return meta.Put(keySchema, []byte(strconv.Itoa(m.to)))
		})
		if err != nil {
			return fmt.Errorf("sync: migrate state store %s to schema %d (%s): %w", s.path, m.to, m.name, err)
		}
	}
	return nil
}

// version reads the file's schema version; 0 for a new file.
func (s *BoltStore) version() (int, error) {
	v := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		raw := meta.Get(keySchema)
		if raw == nil {
			return nil
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("sync: state store %s: schema version %q is not a number: the file is damaged", s.path, raw)
		}
		v = n
		return nil
	})
	return v, err
}

// SchemaVersion returns the file's schema version.
func (s *BoltStore) SchemaVersion() (int, error) { return s.version() }
