package drill

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDrillKill kills the real `entrasync sync` process with SIGKILL at
// random points of an initial sync (points chosen by the emulator's
// count of writes received), restarting it each time over the same state
// directory, then lets it finish: the tenant must hold every AD user and
// group exactly once, no UPN twice, and every membership. Full size
// (ENTRASYNC_DRILL_FULL=1): 5,000 users, 250 groups, 20 kills.
func TestDrillKill(t *testing.T) {
	t.Parallel()
	users, groups, kills := pick(300, 5_000), pick(15, 250), pick(5, 20)
	w := newWorld(t, withTimeout(30*time.Minute))
	rng := rand.New(rand.NewPCG(uint64(seed(t, time.Now().UnixNano())), 1))
	sd := seedDirectory(t, w.dc, w.ou, users, groups, 10, rng)
	exp := readExpected(t, w.dc, w.ou)

	// An initial sync writes at least one create per object and one
	// member write per group with members: draw the kill points below.
	least := users + groups
	for _, g := range exp.Groups {
		if len(g.Members) > 0 {
			least++
		}
	}
	points := rng.Perm(least - 1)[:kills]
	for i := range points {
		points[i]++
	}
	slices.Sort(points)

	base := w.srv.WriteCount()
	var landed []string
	for _, p := range points {
		cmd := w.command("sync")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		killed := false
	wait:
		for {
			select {
			case err := <-done:
				t.Logf("the sync ended (%v) before write %d: nothing left to kill", err, p)
				break wait
			case <-w.ctx.Done():
				_ = cmd.Process.Kill()
				t.Fatalf("the sync did not reach write %d in time (%d writes)", p, w.srv.WriteCount()-base)
			case <-time.After(2 * time.Millisecond):
				if n := int(w.srv.WriteCount() - base); n >= p {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					<-done
					killed = true
					break wait
				}
			}
		}
		if !killed {
			break
		}
		settle(w)
		all, synced := w.storeRecords() // the store opens: no corruption, no stale lock
		landed = append(landed, fmt.Sprintf("%d", int(w.srv.WriteCount()-base)))
		t.Logf("killed at write %d (aimed at %d); the store knows %d objects, %d with an Entra id", w.srv.WriteCount()-base, p, all, synced)
		if c := checkTenant(w.srv, exp, w.baseline); len(c.Duplicates)+len(c.DuplicateUPNs)+len(c.Extra) > 0 {
			t.Fatalf("after the kill at write %d: %s", p, c)
		}
	}

	runs := 0
	for ; runs < 3; runs++ {
		r := w.exec("sync")
		if r.Code == 0 {
			runs++
			break
		}
		t.Logf("sync after the kills: exit %d\n%s", r.Code, r.Stderr)
	}
	mark := w.mark()
	again := w.exec("sync", "--full")
	if again.Code != 0 || len(w.writesSince(mark)) != 0 {
		t.Errorf("full sync after convergence: exit %d, %d writes, want 0 and none:\n%s", again.Code, len(w.writesSince(mark)), again.Stderr)
	}
	c := checkTenant(w.srv, exp, w.baseline)
	if !c.ok() || c.Users != users || c.Groups != groups || c.Memberships != sd.Memberships {
		t.Fatalf("after %d kills and %d runs to finish: %s; want %d users, %d groups, %d memberships", len(landed), runs, c, users, groups, sd.Memberships)
	}
	verdict(t, "drill kill: SIGKILL at %d points (writes %s of about %s) of an initial sync of %s users and %d groups; %d run(s) to finish; %s",
		len(landed), strings.Join(landed, ", "), thousands(least), thousands(users), groups, runs, c)
}

// settle waits until the emulator has received no write for 300 ms: the
// batches a killed process had sent are finished by Entra all the same,
// and a restart seconds later (systemd's RestartSec) sees them.
func settle(w *world) {
	last, still := w.srv.WriteCount(), 0
	for still < 6 {
		time.Sleep(50 * time.Millisecond)
		if n := w.srv.WriteCount(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
}
