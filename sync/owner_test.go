package sync

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// serviceUID stands for the systemd unit's dynamic user.
const serviceUID = 61234

// serviceStateDir returns a state directory owned by serviceUID, as the
// unit's StateDirectory= is; it needs root.
func serviceStateDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to hand a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, serviceUID, serviceUID); err != nil {
		t.Fatal(err)
	}
	return dir
}

func ownerOf(t *testing.T, path string) uint32 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Uid
}

// TestRootWritesKeepTheServiceOwner: files root creates in the service's
// state directory (secrets, the lock, the store) belong to the service's
// user, which could not read them otherwise.
func TestRootWritesKeepTheServiceOwner(t *testing.T) {
	dir := serviceStateDir(t)
	secret := filepath.Join(dir, "ad-connector.secret")
	if err := WriteSecret(secret, []byte("not-a-real-password")); err != nil {
		t.Fatal(err)
	}
	lock, err := AcquireRunLock(filepath.Join(dir, "run.lock"))
	if err != nil {
		t.Fatal(err)
	}
	lock.Release()
	st, err := OpenBoltStore(filepath.Join(dir, "state.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, name := range []string{"ad-connector.secret", "run.lock", "state.db"} {
		if got := ownerOf(t, filepath.Join(dir, name)); got != serviceUID {
			t.Errorf("%s: owner uid %d, want the directory's %d", name, got, serviceUID)
		}
	}
	// Root still reads the service's private secret.
	if got, err := ReadSecret(secret); err != nil || string(got) != "not-a-real-password" {
		t.Errorf("ReadSecret as root of the service's file: %q, %v", got, err)
	}
}

func TestAdoptDirOwnerLeavesOwnFilesAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	before := ownerOf(t, path)
	if err := AdoptDirOwner(path); err != nil {
		t.Fatal(err)
	}
	if got := ownerOf(t, path); got != before {
		t.Errorf("owner changed from %d to %d in a directory of the same owner", before, got)
	}
}
