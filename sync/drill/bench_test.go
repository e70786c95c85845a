package drill

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// BenchmarkProof measures, in one run so the ratios hold on a noisy
// machine, the figures of the README's performance section against a
// Samba DC seeded with ENTRASYNC_BENCH_USERS users (default 100,000) and
// ENTRASYNC_BENCH_GROUPS groups (5,000) of ENTRASYNC_BENCH_MEMBERS
// members on average (10):
//
//   - the full import vs a raw paged ldapsearch of the same attributes;
//   - the initial sync against the unthrottled emulator, in a process of
//     its own (objects/s, peak RSS);
//   - a delta with no change and one with 10 changes (ms, writes);
//   - an export of ENTRASYNC_BENCH_EXPORT users (6,000) against the
//     emulator throttled at Graph's write budget (writes/s, 429s);
//   - the change latency of `entrasync run` with the shortest interval.
//
// It prints a markdown table row per figure. Run it with `bash .ci/bench`
// (-benchtime 1x: one run of everything; seeding 100,000 users alone
// takes about 4 minutes).
func BenchmarkProof(b *testing.B) {
	b.StopTimer()
	p := newProof(b, benchSize(b))
	p.all()
	for _, f := range p.figures {
		if f.unit != "" {
			b.ReportMetric(f.metric, f.unit)
		}
	}
	fmt.Print(p.table())
}

// TestProofSmall runs the benchmark's phases at a small size (1,000 users,
// 100 groups, a 300-write throttled export) so a regression shows in CI.
// It checks counts and convergence, never timings.
func TestProofSmall(t *testing.T) {
	t.Parallel()
	p := newProof(t, smallSize())
	p.all()
	t.Log("\n" + p.table())
}

// proof is one run of the benchmarks.
type proof struct {
	tb       testing.TB
	sz       size
	dc       *adtest.DC
	w        *world // the seeded directory and an unthrottled emulator
	exportOU string
	seeded   seeded
	rng      *rand.Rand
	load     [2]string // load averages at the start and the end
	figures  []figure
}

// figure is one measured value: a row of the table, and a benchmark
// metric when unit is set.
type figure struct {
	name, value, how string
	metric           float64
	unit             string
}

func newProof(tb testing.TB, sz size) *proof {
	tb.Helper()
	p := &proof{tb: tb, sz: sz, dc: adtest.Start(tb), rng: rand.New(rand.NewPCG(uint64(seed(tb, 1)), 4))}
	p.load[0] = loadAverage()
	ou := p.dc.NewOU(tb, "proof")
	p.exportOU = p.dc.NewOU(tb, "proof export")
	start := time.Now()
	p.seeded = seedDirectory(tb, p.dc, ou, sz.Users, sz.Groups, sz.AvgMembers, p.rng)
	p.dc.SeedUsers(tb, p.exportOU, sz.ExportWrites)
	tb.Logf("seeded %s users, %s groups (%s memberships) and %s users to export in %s",
		thousands(sz.Users), thousands(sz.Groups), thousands(p.seeded.Memberships), thousands(sz.ExportWrites), time.Since(start).Round(time.Second))
	p.w = newWorld(tb, withDC(p.dc), withOU(ou), withTimeout(4*time.Hour))
	return p
}

// all runs every phase in order.
func (p *proof) all() {
	p.importVsLDAPSearch()
	p.initialSync()
	p.deltas()
	p.throttledExport()
	p.latency()
	p.load[1] = loadAverage()
}

func (p *proof) add(f figure) {
	p.figures = append(p.figures, f)
	p.tb.Logf("%s: %s", f.name, f.value)
}

// importAttrs are the attributes package ad reads (ad/decode.go,
// objectAttrs) and the first range of members, which ldapsearch is asked
// for too.
var importAttrs = []string{
	"objectGUID", "objectSid", "mS-DS-ConsistencyGuid", "sAMAccountName", "userPrincipalName",
	"userAccountControl", "displayName", "givenName", "sn", "mail", "mailNickname", "proxyAddresses",
	"title", "department", "company", "physicalDeliveryOfficeName", "streetAddress", "l", "st",
	"postalCode", "c", "co", "telephoneNumber", "mobile", "employeeID", "manager",
	"isCriticalSystemObject", "groupType", "whenChanged", "uSNChanged", "objectClass", "objectCategory",
	"isDeleted", "member;range=0-1499",
}

// importFilter is the filter of an import: users, groups and contacts.
const importFilter = "(|(&(objectCategory=person)(objectClass=user))(objectCategory=group)(&(objectCategory=person)(objectClass=contact)))"

// importVsLDAPSearch times a full import through the AD source (as a run
// does it: connect, read the forest and the account, take a DirSync
// cookie, page through the scope) and a raw paged ldapsearch of the same
// attributes from the same DC, after one untimed ldapsearch so neither
// pays for Samba's first read of fresh data.
func (p *proof) importVsLDAPSearch() {
	tb, w := p.tb, p.w
	want := p.sz.Users + p.sz.Groups
	p.ldapsearch(want)
	src := w.source()
	start := time.Now()
	n := 0
	res, err := src.Import(w.ctx, sync.ImportRequest{Full: true, Include: w.cfg.AD.Scope.Include}, func(*sync.SourceObject) error { n++; return nil })
	imp := time.Since(start)
	if err != nil || !res.Complete || n != want {
		tb.Fatalf("full import: %d objects, complete %v, %v; want %d", n, res.Complete, err, want)
	}
	raw := p.ldapsearch(want)
	ratio := imp.Seconds() / raw.Seconds()
	p.add(figure{name: fmt.Sprintf("full import of %s objects", thousands(want)), value: secs(imp), metric: imp.Seconds(), unit: "import-s",
		how: "the AD source's full import: connect, read the forest and the account, take a DirSync cookie, paged search (500)"})
	p.add(figure{name: "raw paged ldapsearch, same attributes and DC", value: secs(raw), metric: raw.Seconds(), unit: "ldapsearch-s",
		how: "`ldapsearch -E pr=500/noprompt` of the same filter and attributes, output counted and discarded"})
	p.add(figure{name: "import / ldapsearch", value: fmt.Sprintf("%.2f×", ratio), metric: ratio, unit: "import/ldapsearch"})
}

// ldapsearch runs the raw paged search and checks it returned want entries.
func (p *proof) ldapsearch(want int) time.Duration {
	args := append([]string{"-LLL", "-o", "ldif-wrap=no", "-E", "pr=500/noprompt", "-b", p.w.ou, importFilter}, importAttrs...)
	cmd := p.dc.LDAPSearchCommand(args...)
	var out adtest.EntryCounter
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || out.N != want {
		p.tb.Fatalf("ldapsearch: %d entries, %v, want %d: %s", out.N, err, want, stderr.String())
	}
	return d
}

// initialSync syncs the directory into the empty, unthrottled emulator in
// a process of its own, whose peak resident memory is the engine's.
func (p *proof) initialSync() {
	tb, w := p.tb, p.w
	want := p.sz.Users + p.sz.Groups
	before := w.srv.WriteCount()
	s, res := w.runChild(sync.RunFull)
	if s.Counts.Created != want || s.ErrorCount != 0 {
		tb.Fatalf("initial sync: %s; want %d created", describe(s), want)
	}
	if c := checkTenant(w.srv, readExpected(tb, p.dc, w.ou), w.baseline); !c.ok() || c.Memberships != p.seeded.Memberships {
		tb.Fatalf("after the initial sync: %s; want %d memberships", c, p.seeded.Memberships)
	}
	rate := float64(want) / s.Duration.Seconds()
	rss := float64(res.MaxRSSKiB) / 1024
	p.add(figure{name: "initial sync, unthrottled emulator", value: fmt.Sprintf("%s (%.0f objects/s, %s Graph writes, %s anchors written back to AD)", secs(s.Duration), rate, thousands(int(w.srv.WriteCount()-before)), thousands(s.Counts.AnchorsWritten)),
		metric: rate, unit: "initial-objects/s", how: "full run in a process of its own with no client write budget: import, lookups, creates, memberships, ms-DS-ConsistencyGuid write-back"})
	p.add(figure{name: "peak RSS of the sync process", value: fmt.Sprintf("%.0f MiB", rss), metric: rss, unit: "initial-peak-RSS-MiB",
		how: "getrusage ru_maxrss of that process (the emulator runs in the test process)"})
}

// deltas times a delta with no change, then one with ten.
func (p *proof) deltas() {
	tb, w := p.tb, p.w
	r := w.runner(nil, unlimited)
	// The initial sync wrote each user's anchor into ms-DS-ConsistencyGuid,
	// changes the first delta reads back (and finds nothing to export):
	// that delta settles the cursor and is not timed.
	if s, err := r.Run(w.ctx, sync.RunOptions{Kind: sync.RunDelta, Trigger: "bench"}); err != nil || s.Counts.Planned != 0 {
		tb.Fatalf("first delta after the initial sync: %v, %s; want nothing to do", err, describe(s))
	}
	mark := w.mark()
	s, err := r.Run(w.ctx, sync.RunOptions{Kind: sync.RunDelta, Trigger: "bench"})
	if err != nil || s.Kind != sync.RunDelta || s.Counts.Planned != 0 || len(w.writesSince(mark)) != 0 {
		tb.Fatalf("no-change delta: %v, %s, %d writes; want a delta with nothing to do", err, describe(s), len(w.writesSince(mark)))
	}
	p.add(figure{name: "delta, no change", value: fmt.Sprintf("%s, 0 writes", ms(s.Duration)), metric: float64(s.Duration.Milliseconds()), unit: "delta0-ms",
		how: "DirSync round, store read, no Graph write"})

	c := p.dc.DialAdmin(tb)
	for _, dn := range p.seeded.Users[:10] {
		m := ldap.NewModifyRequest(dn, nil)
		m.Replace("title", []string{"Changed " + time.Now().Format(time.RFC3339Nano)})
		if err := c.Modify(m); err != nil {
			tb.Fatalf("modify %s: %v", dn, err)
		}
	}
	mark = w.mark()
	s, err = r.Run(w.ctx, sync.RunOptions{Kind: sync.RunDelta, Trigger: "bench"})
	n := len(w.writesSince(mark))
	if err != nil || s.Kind != sync.RunDelta || s.Counts.Updated != 10 || n != 10 {
		tb.Fatalf("10-change delta: %v, %s, %d writes; want 10 updates in 10 writes", err, describe(s), n)
	}
	p.add(figure{name: "delta, 10 users changed", value: fmt.Sprintf("%s, %d writes", ms(s.Duration), n), metric: float64(s.Duration.Milliseconds()), unit: "delta10-ms",
		how: "one attribute changed on 10 users; writes counted in the emulator's request log"})
}

// throttledExport exports ExportWrites new users into an emulator that
// enforces Graph's write budget for one application in one tenant (3,000
// writes per 150 s: 20/s, https://learn.microsoft.com/graph/throttling-limits),
// with the client's default pacing (2,850 per window). The small size
// divides both windows by ScaleWindow: the same 20/s.
func (p *proof) throttledExport() {
	tb, sz := p.tb, p.sz
	g := entratest.GraphThrottle()
	scale := sz.ScaleWindow
	model := entratest.ThrottleModel{
		WriteLimit: g.WriteLimit / scale, WriteWindow: g.WriteWindow / time.Duration(scale),
		ResourceUnitLimit: g.ResourceUnitLimit, ResourceUnitWindow: g.ResourceUnitWindow,
		TenantWriteLimit: g.TenantWriteLimit / scale, TenantWriteWindow: g.TenantWriteWindow / time.Duration(scale),
	}
	tp := entra.Throughput{Writes: entra.DefaultWrites / scale, Window: entra.DefaultWindow / time.Duration(scale)}
	e := newWorld(tb, withDC(p.dc), withOU(p.exportOU), withServer(entratest.WithThrottle(model)), withTimeout(2*time.Hour))
	mark := e.mark()
	s, err := e.runner(nil, tp).Run(e.ctx, sync.RunOptions{Kind: sync.RunFull, Trigger: "bench"})
	if err != nil || s.Counts.Created != sz.ExportWrites || s.ErrorCount != 0 {
		tb.Fatalf("throttled export: %v, %s; want %d created", err, describe(s), sz.ExportWrites)
	}
	log := e.srv.Requests()[mark:]
	ws := writes(log)
	throttled := 0
	for _, r := range log {
		if r.Throttled {
			throttled++
		}
	}
	span := ws[len(ws)-1].Time.Sub(ws[0].Time)
	rate := float64(len(ws)) / span.Seconds()
	budget := float64(model.WriteLimit) / model.WriteWindow.Seconds()
	window := "Graph's 3,000 writes / 150 s"
	if scale != 1 {
		window = fmt.Sprintf("%d writes / %s (Graph's rate, window ÷%d)", model.WriteLimit, model.WriteWindow, scale)
	}
	p.add(figure{name: "export against Graph's write budget", value: fmt.Sprintf("%.1f writes/s of %.0f (%s writes in %s; %d 429s)", rate, budget, thousands(len(ws)), secs(span), throttled),
		metric: rate, unit: "export-writes/s", how: "emulator throttled at " + window + "; client default pacing; rate from first to last write"})
	p.figures = append(p.figures, figure{metric: float64(throttled), unit: "export-429s"})
}

// latency runs `entrasync run` with the shortest interval (30 s) and times
// changes made in AD at random moments until the emulator holds them.
func (p *proof) latency() {
	tb, w := p.tb, p.w
	cfg := w.cfg
	cfg.Sync.Interval, cfg.Sync.SchedulerEnabled = sync.Duration(sync.MinInterval), true
	w.saveConfig(cfg)
	cmd := w.command("run", "--log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	finished := make(chan string, 100)
	var logTail bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logTail.WriteString(line + "\n")
			if strings.Contains(line, `msg="run finished"`) {
				finished <- line
			}
		}
		close(finished)
	}()
	select {
	case line, ok := <-finished:
		if !ok || !strings.Contains(line, "status=success") {
			tb.Fatalf("the service's first run: %q", line)
		}
	case <-time.After(10 * time.Minute):
		tb.Fatal("the service did not finish its first run in 10 minutes")
	}
	exp := readExpected(tb, p.dc, w.ou)
	anchors := map[string]string{}
	for _, u := range exp.Users {
		anchors[u.DN] = u.Anchor
	}
	c := p.dc.DialAdmin(tb)
	var total, worst time.Duration
	for i := range p.sz.LatencyChanges {
		time.Sleep(time.Duration(p.rng.Int64N(int64(sync.MinInterval))))
		dn := p.seeded.Users[20+i]
		name := fmt.Sprintf("Latency %d %d", i, time.Now().UnixNano())
		m := ldap.NewModifyRequest(dn, nil)
		m.Replace("displayName", []string{name})
		if err := c.Modify(m); err != nil {
			tb.Fatalf("modify %s: %v", dn, err)
		}
		start := time.Now()
		for !p.holds(anchors[dn], name) {
			if time.Since(start) > 3*sync.MinInterval+time.Minute {
				tb.Fatalf("the service did not export a change within %s; its log:\n%s", time.Since(start).Round(time.Second), logTail.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		d := time.Since(start)
		total += d
		worst = max(worst, d)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	for range finished {
	}
	if err := cmd.Wait(); err != nil {
		tb.Errorf("entrasync run after SIGTERM: %v, want exit 0", err)
	}
	mean := total / time.Duration(p.sz.LatencyChanges)
	p.add(figure{name: fmt.Sprintf("change latency, `entrasync run`, interval %s", sync.MinInterval), value: fmt.Sprintf("mean %s, worst %s (%d changes)", secs(mean), secs(worst), p.sz.LatencyChanges),
		metric: mean.Seconds(), unit: "latency-s", how: "displayName changed in AD at a random moment; time until the emulator holds it"})
}

// holds reports whether the tenant's user with anchor has displayName name.
func (p *proof) holds(anchor, name string) bool {
	for _, u := range p.w.srv.Users() {
		if u.String("onPremisesImmutableId") == anchor {
			return u.String("displayName") == name
		}
	}
	return false
}

// table renders the figures as markdown, with the machine they ran on.
func (p *proof) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Directory: %s users, %s groups, %s memberships (%s in the export); %s\n",
		thousands(p.sz.Users), thousands(p.sz.Groups), thousands(p.seeded.Memberships), thousands(p.sz.ExportWrites), machine())
	fmt.Fprintf(&b, "Samba: %s; load average at start %s, at end %s\n\n", p.dc.SambaVersion, p.load[0], p.load[1])
	b.WriteString("| figure | value | how |\n|---|---|---|\n")
	for _, f := range p.figures {
		if f.name != "" {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", f.name, f.value, f.how)
		}
	}
	return b.String()
}

// machine describes the machine: CPUs, memory and Go version.
func machine() string {
	mem := "?"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs, %s RAM, %s %s/%s", runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%d ms", d.Milliseconds()) }
