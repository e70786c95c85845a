package sync

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// Benchmarks of the whole path, Samba → engine → emulator. They seed the
// DC with ldbadd (about 20 s per 10,000 users, once per size and binary):
//
//	go test ./sync -run '^$' -bench BenchmarkIntegration -benchtime 1x -timeout 60m
//	go test ./sync -run '^$' -bench BenchmarkIntegration -benchtime 1x -timeout 120m -integration.big
//	go test ./sync -run '^$' -bench BenchmarkIntegrationExportThrottled -benchtime 1x -timeout 60m -integration.realwindow
var (
	benchBig        = flag.Bool("integration.big", false, "also run the integration benchmarks at 100,000 objects")
	benchRealWindow = flag.Bool("integration.realwindow", false, "throttled export benchmark with Graph's real 150 s write window (6,000 writes, several minutes)")
)

// integrationSizes are the user counts of the benchmarks; each also has one
// group per 100 users with 50 members.
func integrationSizes() []int {
	if *benchBig {
		return []int{10_000, 100_000}
	}
	return []int{10_000}
}

var (
	seededMu stdsync.Mutex
	seeded   = map[int]string{} // users → OU
)

// seededOU returns an OU holding n users and n/100 security groups of 50
// members, made once per size in this binary. (Seeding 100,000 users takes
// longer than Samba keeps an idle connection: adtest dials its shared one
// again when it was dropped.)
func seededOU(b *testing.B, dc *adtest.DC, n int) string {
	b.Helper()
	seededMu.Lock()
	defer seededMu.Unlock()
	if ou, ok := seeded[n]; ok {
		return ou
	}
	ou := dc.NewOU(b, fmt.Sprintf("bench %d", n))
	users := dc.SeedUsers(b, ou, n)
	var ldif strings.Builder
	for g := range n / 100 {
		fmt.Fprintf(&ldif, "dn: CN=Bench Group %d,%s\nobjectClass: group\nsAMAccountName: bg%d-%d\ngroupType: -2147483646\n", g, ou, n, g)
		for _, m := range users[g*100 : g*100+50] {
			fmt.Fprintf(&ldif, "member: %s\n", m)
		}
		ldif.WriteString("\n")
	}
	dc.LoadLDIF(b, ldif.String(), nil)
	seeded[n] = ou
	return ou
}

// benchHarness is a harness on the seeded OU of n users, with a client
// whose write budget is tp.
func benchHarness(b *testing.B, n int, tp entra.Throughput) *harness {
	b.Helper()
	dc := adtest.Start(b)
	h := newHarnessIn(b, dc, seededOU(b, dc, n), 2*time.Hour, func(c *Config) { c.Sync.DeletionThreshold = 1 << 30 })
	h.client = h.appClient(tp)
	h.rebuild()
	return h
}

// unlimited is a client budget that never holds a write back: the
// unthrottled benchmarks measure entrasync, not the pacing.
var unlimited = entra.Throughput{Writes: 1 << 30, Window: time.Second}

// peakHeap samples the heap in use until stop is called and returns the
// largest value seen, in MiB (the emulator runs in this process too).
func peakHeap() (stop func() float64) {
	var (
		mu   stdsync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   stdsync.WaitGroup
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		sample()
		return float64(peak) / (1 << 20)
	}
}

// httpRequests counts the HTTP requests to Graph in log (a $batch counts
// once, its items not at all; token requests are left out) and the GETs
// among them.
func httpRequests(log []entratest.Request) (requests, reads int) {
	for _, r := range log {
		if r.BatchItem != "" || isTokenRequest(r) {
			continue
		}
		requests++
		if r.Method == "GET" {
			reads++
		}
	}
	return requests, reads
}

// BenchmarkIntegrationFullRun times an initial full sync into an empty,
// unthrottled tenant.
func BenchmarkIntegrationFullRun(b *testing.B) {
	for _, n := range integrationSizes() {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			var objects, writes, requests, reads int
			var heap float64
			for range b.N {
				b.StopTimer()
				h := benchHarness(b, n, unlimited)
				runtime.GC()
				mark := h.mark()
				stop := peakHeap()
				b.StartTimer()
				s := h.run(RunFull)
				b.StopTimer()
				heap = max(heap, stop())
				objects, writes = s.Counts.Created, int(h.srv.WriteCount())
				requests, reads = httpRequests(h.srv.Requests()[mark:])
				if s.Counts.Created != n+n/100 {
					b.Fatalf("created %d, want %d", s.Counts.Created, n+n/100)
				}
			}
			b.ReportMetric(float64(objects*b.N)/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(writes), "writes/op")
			b.ReportMetric(float64(requests), "requests/op")
			b.ReportMetric(float64(reads), "reads/op")
			b.ReportMetric(heap, "peak-heap-MiB")
		})
	}
}

// BenchmarkIntegrationDeltaNoChange times a delta run when nothing
// changed: one DirSync round and no write.
func BenchmarkIntegrationDeltaNoChange(b *testing.B) {
	for _, n := range integrationSizes() {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			h := benchHarness(b, n, unlimited)
			h.run(RunFull)
			mark := h.mark()
			stop := peakHeap()
			b.ResetTimer()
			for range b.N {
				if s := h.run(RunDelta); s.Counts.Planned != 0 || s.Kind != RunDelta {
					b.Fatalf("no-change delta: kind %s, %d planned, want a delta with nothing to do", s.Kind, s.Counts.Planned)
				}
			}
			b.StopTimer()
			b.ReportMetric(stop(), "peak-heap-MiB")
			if w := h.writesSince(mark); len(w) > 0 {
				b.Fatalf("a no-change delta wrote %d times", len(w))
			}
		})
	}
}

// BenchmarkIntegrationFullNoChange times a full run when nothing changed:
// the whole directory read, the whole tenant listed (users with their
// managers, groups with their members) and compared, and no write.
func BenchmarkIntegrationFullNoChange(b *testing.B) {
	for _, n := range integrationSizes() {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			h := benchHarness(b, n, unlimited)
			h.run(RunFull)
			mark := h.mark()
			stop := peakHeap()
			b.ResetTimer()
			for range b.N {
				if s := h.run(RunFull); s.Counts.Planned != 0 {
					b.Fatalf("no-change full run: %d planned, want nothing to do", s.Counts.Planned)
				}
			}
			b.StopTimer()
			b.ReportMetric(stop(), "peak-heap-MiB")
			requests, reads := httpRequests(h.srv.Requests()[mark:])
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
			if w := h.writesSince(mark); len(w) > 0 {
				b.Fatalf("a no-change full run wrote %d times", len(w))
			}
		})
	}
}

// BenchmarkIntegrationExportThrottled exports users into an emulator
// throttled at Graph's write budget for one application in one tenant
// (3,000 writes per 150 s: 20 writes/s) and reports the rate achieved
// with the client's default pacing (2,850 per window). By default both
// windows are scaled down 30 times (100 writes per 5 s, the same 20/s) so
// the benchmark takes under a minute; -integration.realwindow uses the
// real window.
func BenchmarkIntegrationExportThrottled(b *testing.B) {
	scale, users := 30, 600
	if *benchRealWindow {
		scale, users = 1, 6000
	}
	g := entratest.GraphThrottle()
	model := entratest.ThrottleModel{
		WriteLimit: g.WriteLimit / scale, WriteWindow: g.WriteWindow / time.Duration(scale),
		ResourceUnitLimit: g.ResourceUnitLimit, ResourceUnitWindow: g.ResourceUnitWindow,
		TenantWriteLimit: g.TenantWriteLimit / scale, TenantWriteWindow: g.TenantWriteWindow / time.Duration(scale),
	}
	tp := entra.Throughput{Writes: entra.DefaultWrites / scale, Window: entra.DefaultWindow / time.Duration(scale)}
	budget := float64(model.WriteLimit) / model.WriteWindow.Seconds()
	var rate float64
	var throttled int
	for range b.N {
		b.StopTimer()
		h := benchHarness(b, users, tp)
		h.srv.SetThrottle(&model)
		mark := h.mark()
		b.StartTimer()
		start := time.Now()
		s := h.run(RunFull)
		elapsed := time.Since(start)
		b.StopTimer()
		rate = float64(h.srv.WriteCount()) / elapsed.Seconds()
		throttled = 0
		for _, r := range h.srv.Requests()[mark:] {
			if r.Throttled {
				throttled++
			}
		}
		if s.Counts.Created != users+users/100 {
			b.Fatalf("created %d, want %d", s.Counts.Created, users+users/100)
		}
	}
	b.ReportMetric(rate, "writes/s")
	b.ReportMetric(budget, "budget-writes/s")
	b.ReportMetric(float64(throttled), "429s")
}
