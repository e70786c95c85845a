package ad

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	stdsync "sync"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

// benchUsers is the number of users the enumeration benchmark seeds:
// ENTRASYNC_BENCH_USERS, default 10,000 (the README's figure uses 100,000;
// seeding them takes about 4 minutes).
func benchUsers(b *testing.B) int {
	v := os.Getenv("ENTRASYNC_BENCH_USERS")
	if v == "" {
		return 10_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("ENTRASYNC_BENCH_USERS=%q: want a positive number", v)
	}
	return n
}

var (
	benchOnce stdsync.Once
	benchOU   string
)

// BenchmarkEnumerate reads N seeded users with Enumerate and, for
// comparison, with a raw paged ldapsearch of the same attributes over the
// same LDAPS connection settings (page size 500 both).
//
//	ENTRASYNC_BENCH_USERS=100000 go test ./ad -run '^$' -bench Enumerate -benchtime 3x -timeout 30m
func BenchmarkEnumerate(b *testing.B) {
	dc := adtest.Start(b)
	n := benchUsers(b)
	benchOnce.Do(func() {
		benchOU = dc.NewOU(b, "bench")
		dc.SeedUsers(b, benchOU, n)
	})
	// Dial after seeding: the DC drops connections idle for minutes.
	c := dial(b, adminOptions(dc))
	opts := EnumerateOptions{Scope: Scope{Include: []string{benchOU}}, Kinds: []Kind{KindUser}}
	// One untimed read first: Samba's first dump of fresh data is slower
	// (its LDAP worker grows its caches), which would favour whichever
	// reader runs second.
	if _, err := c.Enumerate(context.Background(), opts, func(Object) error { return nil }); err != nil {
		b.Fatal(err)
	}

	b.Run("Enumerate", func(b *testing.B) {
		b.ReportAllocs()
		var peak uint64
		var ms runtime.MemStats
		for b.Loop() {
			count := 0
			_, err := c.Enumerate(context.Background(), opts, func(o Object) error {
				if count++; count%5000 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				return nil
			})
			if err != nil || count != n {
				b.Fatalf("Enumerate: %d users, %v; want %d", count, err, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})

	b.Run("ldapsearch", func(b *testing.B) {
		filter, _ := kindFilter([]Kind{KindUser})
		args := append([]string{"-LLL", "-o", "ldif-wrap=no", "-E", "pr=500/noprompt", "-b", benchOU, filter}, objectAttrs...)
		args = append(args, memberRange(0))
		for b.Loop() {
			cmd := dc.LDAPSearchCommand(args...)
			var out adtest.EntryCounter
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil || out.N != n {
				b.Fatalf("ldapsearch: %d entries, %v: %s", out.N, err, stderr.String())
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
	})
}
