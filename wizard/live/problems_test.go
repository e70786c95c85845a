package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// TestProblems checks that each known failure gets a short message and a
// fix, and still unwraps to the original error.
func TestProblems(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		conv    func(error) error
		wantMsg string // "" means: not a problem, returned as is
		wantFix string
	}{
		{"wrong password", &ad.BindError{User: `CORP\admin`, Addr: "dc1:636", ResultCode: 49, SubCode: ad.SubCodeWrongPassword},
			adOnly, `LDAP 49/52e: wrong password (or unknown user) for CORP\admin at dc1:636`, "locked out"},
		{"locked out", &ad.BindError{User: `CORP\admin`, Addr: "dc1:636", ResultCode: 49, SubCode: ad.SubCodeLockedOut},
			adOnly, "LDAP 49/775: the account is locked out", "unlock it"},
		{"strong auth", &ad.BindError{User: `CORP\admin`, Addr: "dc1:389", ResultCode: 8},
			adOnly, "LDAP 8: the DC refuses a simple bind without encryption", "LDAPS or StartTLS"},
		{"unreachable", &ad.ConnError{Addr: "dc1:636", Reason: "connection refused", Err: errors.New("dial: refused")},
			adOnly, "cannot reach the domain controller at dc1:636: connection refused", "firewall"},
		{"name mismatch", &ad.TLSError{Addr: "dc1:636", Problem: ad.TLSNameMismatch, Detail: "the certificate is for dc2"},
			adOnly, "TLS to dc1:636: the certificate is for dc2", "name the DC's certificate holds"},
		{"expired", &ad.TLSError{Addr: "dc1:636", Problem: ad.TLSExpired, Detail: "expired"}, adOnly, "TLS to dc1:636", "clock"},
		{"rights", &ad.OpError{Op: "modify", DN: "CN=Partitions", ResultCode: 50}, adOnly, "insufficient", "Enterprise Admin"},
		{"bad suffix", fmt.Errorf("ad: %w: x", ad.ErrInvalidInput), adOnly, "invalid input", "correct the value"},
		{"other ad error", errors.New("boom"), adOnly, "", ""},
		{"cancelled", fmt.Errorf("ad: %w", context.Canceled), adOnly, "", ""},
		{"consent missing", &entra.ForbiddenError{Reason: entra.ConsentMissing, Operation: "create user", Permission: "User.ReadWrite.All"},
			entraProblem, "User.ReadWrite.All", "admin consent"},
		{"role missing", &entra.ForbiddenError{Reason: entra.RoleMissing, Operation: "grant", Role: "Privileged Role Administrator"},
			entraProblem, "Privileged Role Administrator", "Global Administrator"},
		{"throttled", &entra.ThrottledError{RetryAfter: time.Minute}, entraProblem, "", "wait a few minutes"},
		{"busy", &sync.BusyError{PID: 42, Path: "/x/run.lock"}, syncProblem, "", "wait for the other run"},
		{"guard", &sync.GuardError{Guard: sync.GuardDeletions, Limit: 500, Actual: 900, Override: "entrasync sync --allow-deletes=900"},
			syncProblem, "", "--allow-deletes=900"},
		{"insecure secret", &sync.InsecureSecretError{Path: "/x/s", Fix: "chmod 600 /x/s"}, syncProblem, "", "chmod 600 /x/s"},
		{"store busy", fmt.Errorf("open: %w", sync.ErrStoreBusy), syncProblem, "", "wait for the running sync"},
		{"ad error in a run", fmt.Errorf("sync: connect: %w", &ad.ConnError{Addr: "dc1:636", Reason: "timeout"}), syncProblem, "cannot reach", "firewall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.conv(tt.err)
			if tt.wantMsg == "" && tt.wantFix == "" {
				if got != tt.err {
					t.Errorf("got %v, want the error unchanged", got)
				}
				return
			}
			p := asProblem(t, got)
			if !strings.Contains(p.Error(), tt.wantMsg) || !strings.Contains(p.Fix, tt.wantFix) {
				t.Errorf("got %q (fix %q), want %q with a fix about %q", p.Error(), p.Fix, tt.wantMsg, tt.wantFix)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the problem does not unwrap to %v", tt.err)
			}
			if again := tt.conv(got); again != got {
				t.Errorf("converting a problem again changed it: %v", again)
			}
		})
	}
}

func adOnly(err error) error { return adProblem(err, `CORP\admin`) }

func TestGraphPermissions(t *testing.T) {
	b, err := New(Options{Dirs: sync.DirsAt(t.TempDir()), Host: "Srv1 "})
	if err != nil {
		t.Fatal(err)
	}
	got := b.GraphPermissions()
	if len(got) != len(entra.SyncAppPermissions) || got[0] != entra.SyncAppPermissions[0].Name {
		t.Errorf("got %v, want the names of entra.SyncAppPermissions", got)
	}
	if b.AppName() != "entrasync-srv1" {
		t.Errorf("app name: got %q, want entrasync-srv1", b.AppName())
	}
	var _ wizard.Backend = b
}
