package drill

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra/entratest"
)

// TestDrillFaults runs the real `entrasync sync` against an emulator that
// fails 10% of the Graph requests, reads and writes alike, batch items
// included: 429 with Retry-After, 503, answers held back 2 s, and
// dropped connections. Runs may end with objects failed (exit 1); they
// are retried by the next run. Within a few runs the tenant must equal the
// directory, with no duplicate at any point.
func TestDrillFaults(t *testing.T) {
	t.Parallel()
	s := seed(t, time.Now().UnixNano())
	users, groups := pick(300, 5_000), pick(15, 250)
	w := newWorld(t, withServer(entratest.WithSeed(uint64(s))), withTimeout(40*time.Minute))
	sd := seedDirectory(t, w.dc, w.ou, users, groups, 10, rand.New(rand.NewPCG(uint64(s), 2)))
	exp := readExpected(t, w.dc, w.ou)

	// Four faults of 2.5% each: rules are tried in turn, so each rate is
	// of the requests the ones before let through.
	faults := []entratest.Fault{
		{Status: 429, RetryAfter: time.Second},
		{Status: 503},
		{Delay: 2 * time.Second},
		{Drop: true},
	}
	left := 1.0
	for _, f := range faults {
		f.Path, f.Rate = "/v1.0/*", 0.025/left
		left -= 0.025
		w.srv.InjectFault(f)
	}
	mark := w.mark()
	var codes []string
	converged := false
	for run := 1; run <= 8 && !converged; run++ {
		r := w.exec("sync")
		codes = append(codes, fmt.Sprintf("%d (%s)", r.Code, w.lastRun().Status))
		if r.Code != 0 && r.Code != 1 {
			t.Fatalf("run %d: exit %d, want 0, or 1 for objects to retry:\n%s", run, r.Code, r.Stderr)
		}
		if r.Code == 1 {
			t.Logf("run %d: exit 1:\n%s", run, r.Stderr)
			if !strings.Contains(r.Stderr, "entrasync: ") {
				t.Errorf("run %d failed without saying why", run)
			}
		}
		c := checkTenant(w.srv, exp, w.baseline)
		if len(c.Duplicates)+len(c.DuplicateUPNs)+len(c.Extra) > 0 {
			t.Fatalf("after run %d: %s", run, c)
		}
		converged = r.Code == 0 && c.ok()
	}
	faulted, total := 0, 0
	for _, r := range w.srv.Requests()[mark:] {
		if strings.HasPrefix(r.Path, "/v1.0/") {
			total++
			if r.Fault {
				faulted++
			}
		}
	}
	w.srv.ClearFaults()
	c := checkTenant(w.srv, exp, w.baseline)
	if !converged || c.Users != users || c.Groups != groups || c.Memberships != sd.Memberships {
		t.Fatalf("not converged after %d runs (exit codes %s): %s", len(codes), strings.Join(codes, " "), c)
	}
	after := w.mark()
	if r := w.exec("sync", "--full"); r.Code != 0 || len(w.writesSince(after)) != 0 {
		t.Errorf("full sync without faults after convergence: exit %d, %d writes; want 0 and none:\n%s", r.Code, len(w.writesSince(after)), r.Stderr)
	}
	verdict(t, "drill faults: %d of %d Graph requests faulted (%.1f%%: 429+Retry-After, 503, 2 s delay, dropped connection); converged in %d run(s) (exit codes: %s); %s",
		faulted, total, 100*float64(faulted)/float64(total), len(codes), strings.Join(codes, ", "), c)
}

// lostRate is the share of $batch answers lost: enough for a few losses in
// the small run's 20-odd batches.
func lostRate() float64 {
	if full() {
		return 0.05
	}
	return 0.2
}

// TestDrillLostAnswers loses the answer to 5% of the $batch requests after
// the emulator carried them out, as when a connection breaks on the way
// back: entrasync cannot know which creates happened. The next runs must
// find them by their anchors instead of creating them again.
func TestDrillLostAnswers(t *testing.T) {
	t.Parallel()
	s := seed(t, time.Now().UnixNano())
	users, groups := pick(300, 5_000), pick(15, 250)
	w := newWorld(t, withTimeout(40*time.Minute))
	proxy := newFakeGraph(t, w.srv, uint64(s))
	cfg := w.cfg
	cfg.Entra.GraphEndpoint, cfg.Entra.CAFile = proxy.URL, proxy.CAFile
	w.saveConfig(cfg)
	sd := seedDirectory(t, w.dc, w.ou, users, groups, 10, rand.New(rand.NewPCG(uint64(s), 3)))
	exp := readExpected(t, w.dc, w.ou)
	proxy.catch(proxyRule{Method: "POST", Path: "/v1.0/$batch", Rate: lostRate(), Forward: true, Drop: true})

	var codes []string
	converged := false
	for run := 1; run <= 6 && !converged; run++ {
		r := w.exec("sync")
		codes = append(codes, fmt.Sprint(r.Code))
		c := checkTenant(w.srv, exp, w.baseline)
		if len(c.Duplicates)+len(c.DuplicateUPNs)+len(c.Extra) > 0 {
			t.Fatalf("after run %d (exit %d): %s\n%s", run, r.Code, c, r.Stderr)
		}
		converged = r.Code == 0 && c.ok()
	}
	c := checkTenant(w.srv, exp, w.baseline)
	if !converged || c.Users != users || c.Groups != groups || c.Memberships != sd.Memberships {
		t.Fatalf("not converged after %d runs (exit codes %s): %s", len(codes), strings.Join(codes, " "), c)
	}
	if proxy.caught() == 0 {
		t.Fatal("no answer was lost: the drill proved nothing")
	}
	verdict(t, "drill lost answers: %d $batch answers lost after Entra applied them; converged in %d run(s) (exit codes %s); %s",
		proxy.caught(), len(codes), strings.Join(codes, " "), c)
}
