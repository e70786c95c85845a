package drill

import (
	"os"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

// TestMain runs the drills, or, when the test binary was started again by
// one of them, the engine alone (see child_test.go).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	adtest.Main(m)
}
