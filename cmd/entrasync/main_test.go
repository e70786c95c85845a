package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

// The end-to-end tests run the real binary: this test binary, started
// through a link named entrasync, runs main instead of the tests (as
// testscript does). The Samba DC that adtest starts serves every test of
// the binary and stops when they end.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "entrasync" {
		main()
	}
	adtest.Main(m)
}

// entrasyncBin returns the path of an entrasync binary for the test: a
// link named entrasync to this test binary.
func entrasyncBin(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bin", "entrasync")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}
