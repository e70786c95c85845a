package entra_test

import (
	"strconv"
	"testing"

	"github.com/entrasync/entrasync/entra"
)

// BenchmarkApplyWrites creates users through ApplyWrites against the
// emulator (no throttle model, client budget lifted): what batching costs
// on the client and the loopback, not Graph's speed, which the write
// budget bounds at about 20 writes per second per application.
func BenchmarkApplyWrites(b *testing.B) {
	s, opts := emulator(b)
	opts.Throughput.Writes = 1 << 30
	c := syncClient(b, s, opts)
	writes := make([]entra.Write, b.N)
	for i := range writes {
		writes[i] = entra.Write{Kind: entra.OpCreateUser, User: newUser("bench"+strconv.Itoa(i), ""), Password: entra.GeneratePassword()}
	}
	b.ResetTimer()
	for i, r := range c.ApplyWrites(testContext(b), writes) {
		if r.Err != nil {
			b.Fatalf("write %d: %v", i, r.Err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
