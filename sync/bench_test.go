package sync

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// The benchmarks run the engine against the in-memory Source and Target
// fakes, with the in-memory store and with the bbolt store:
//
//	go test ./sync -run '^$' -bench . -benchmem -benchtime 3x
//
// They measure the engine (mapping, planning, store, bookkeeping), not AD or
// Graph: against Graph the write budget (20 writes/s per app and tenant)
// dominates any initial sync.

var benchSizes = []int{10_000, 100_000}

// seedLarge fills a source with n users in groups of 50, each user with a
// manager (the first of its group), and the usual attributes.
func seedLarge(s *fakeSource, n int) {
	var members []*SourceObject
	for i := range n {
		u := newUser(i+1000, fmt.Sprintf("user%06d", i), fmt.Sprintf("user%06d@corp.example.com", i))
		u.DisplayName = fmt.Sprintf("User %06d", i)
		u.GivenName, u.Surname = "User", fmt.Sprintf("%06d", i)
		u.Title, u.Department, u.Company = "Engineer", fmt.Sprintf("Dept %d", i%40), "Contoso"
		u.City, u.CountryCode, u.Country = "Paris", "FR", "France"
		u.TelephoneNumber, u.EmployeeID = "+33 1 00 00 00 00", fmt.Sprintf("E%06d", i)
		u.ProxyAddresses = []string{"SMTP:" + u.UserPrincipalName}
		u.Mail = u.UserPrincipalName
		if i%50 != 0 {
			u.Manager = Ref{GUID: members[len(members)-i%50].GUID}
		}
		members = append(members, u)
		s.put(u)
		if i%50 == 49 {
			s.put(newGroup(guidGroupBase+i/50, fmt.Sprintf("Team %05d", i/50), members[len(members)-50:]...))
		}
	}
}

const guidGroupBase = 900_000_000

func newBenchEnv(b *testing.B, n int, bolt bool) *testEnv {
	b.Helper()
	cfg := DefaultConfig()
	cfg.AD.Host, cfg.AD.BindUser, cfg.AD.PasswordFile = "dc1.corp.example.com", `CORP\MSOL_abc`, "ad.secret"
	cfg.Entra.TenantID, cfg.Entra.ClientID = "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77", "0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f"
	cfg.Entra.InitialDomain, cfg.Entra.CertificateFile = testInitial, "app.pem"
	env := &testEnv{src: newFakeSource(), tgt: newFakeTarget(), cfg: cfg}
	if bolt {
		s, err := OpenBoltStore(filepath.Join(b.TempDir(), "state.db"), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		env.store = s
	} else {
		env.store = NewMemStore()
	}
	e, err := NewEngine(cfg, env.src, env.tgt, env.store, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	env.engine = e
	seedLarge(env.src, n)
	return env
}

func benchRun(b *testing.B, env *testEnv, opts RunOptions) RunSummary {
	s, err := env.engine.Run(context.Background(), opts)
	if err != nil || s.Status != StatusSuccess {
		b.Fatalf("run: %v %q %+v", err, s.Status, s.Errors)
	}
	return s
}

// heapPeak runs a sync and returns it with the growth of the live heap
// (heap objects, collected or not) over the run, sampled at every progress
// event: an upper bound of the engine's own memory, the fakes excluded.
func heapPeak(b *testing.B, env *testEnv, opts RunOptions) (RunSummary, uint64) {
	b.StopTimer()
	runtime.GC()
	b.StartTimer()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base, peak := read(), uint64(0)
	opts.Progress = func(Progress) { peak = max(peak, read()) }
	s, err := env.engine.Run(context.Background(), opts)
	if err != nil || s.Status != StatusSuccess {
		b.Fatalf("run: %v %q %+v", err, s.Status, s.Errors)
	}
	return s, max(peak, base) - base
}

func forSizes(b *testing.B, fn func(b *testing.B, n int, bolt bool)) {
	for _, store := range []string{"mem", "bolt"} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("store=%s/objects=%dk", store, n/1000), func(b *testing.B) {
				fn(b, n, store == "bolt")
			})
		}
	}
}

// BenchmarkInitialSync: a full import of n users (+ n/50 groups) into an
// empty tenant: every object created, managers and memberships set.
func BenchmarkInitialSync(b *testing.B) {
	forSizes(b, func(b *testing.B, n int, bolt bool) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			env := newBenchEnv(b, n, bolt)
			b.StartTimer()
			s, peak := heapPeak(b, env, RunOptions{})
			if s.Counts.Created != n+n/50 {
				b.Fatalf("created %d", s.Counts.Created)
			}
			b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
		}
		b.ReportMetric(float64(n+n/50)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
}

// BenchmarkFullNoChange: a full run over an unchanged directory and tenant
// (import, list the tenant, compare everything): zero writes.
func BenchmarkFullNoChange(b *testing.B) {
	forSizes(b, func(b *testing.B, n int, bolt bool) {
		env := newBenchEnv(b, n, bolt)
		benchRun(b, env, RunOptions{})
		env.tgt.takeWrites()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			s, peak := heapPeak(b, env, RunOptions{Kind: RunFull})
			if s.Counts.Planned != 0 {
				b.Fatalf("planned %d", s.Counts.Planned)
			}
			b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
		}
		b.ReportMetric(float64(n+n/50)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
		if w := env.tgt.takeWrites(); len(w) != 0 {
			b.Fatalf("%d writes", len(w))
		}
	})
}

// BenchmarkDeltaNoChange: a delta run with nothing changed since the
// cursor: the scheduler's common case.
func BenchmarkDeltaNoChange(b *testing.B) {
	forSizes(b, func(b *testing.B, n int, bolt bool) {
		env := newBenchEnv(b, n, bolt)
		benchRun(b, env, RunOptions{})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if s := benchRun(b, env, RunOptions{}); s.Kind != RunDelta || s.Counts.Planned != 0 {
				b.Fatalf("%s run planned %d", s.Kind, s.Counts.Planned)
			}
		}
	})
}

// BenchmarkDelta1Percent: a delta run where 1% of the users changed one
// attribute (Entra Connect's planning figure for a typical delta is ~5%
// modified, ~1% created, ~1% deleted).
func BenchmarkDelta1Percent(b *testing.B) {
	forSizes(b, func(b *testing.B, n int, bolt bool) {
		env := newBenchEnv(b, n, bolt)
		benchRun(b, env, RunOptions{})
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			for j := 0; j < n/100; j++ {
				env.src.edit(guid(1000+(j*100+i)%n), func(o *SourceObject) { o.Title = fmt.Sprintf("Engineer %d", i) })
			}
			b.StartTimer()
			if s := benchRun(b, env, RunOptions{}); s.Counts.Updated != n/100 {
				b.Fatalf("updated %d, want %d", s.Counts.Updated, n/100)
			}
		}
	})
}
