package live

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/entrasync/entrasync/wizard"
)

// TestUninstallWithoutRecord removes an installation whose setup record
// is gone: the saved configuration names the application, and the
// connector account says who it is when it binds.
func TestUninstallWithoutRecord(t *testing.T) {
	w := newWorld(t)
	w.admins(w.b)
	w.configure(w.b, w.b.tenant, w.dc.NewOU(t, ""))
	rec, _, err := w.b.loadRecord()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(w.dir, RecordFile)); err != nil {
		t.Fatal(err)
	}
	b := w.backend(w.b.opts.Host)
	w.admins(b)
	var ev events
	if err := b.Uninstall(w.ctx, ev.add); err != nil {
		t.Fatalf("Uninstall: %v (events %v)", err, ev.states())
	}
	checkNothingLeft(t, w, rec)
	for _, e := range ev.all {
		if e.State == wizard.ActionSkipped {
			t.Errorf("%s was skipped: %s", e.ID, e.Detail)
		}
	}
}
