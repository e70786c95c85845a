package drill

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// The sizes of the benchmarks and drills. The small ones run with every
// `go test ./...`; `bash .ci/bench` and `bash .ci/drills` run the full ones.
const (
	envBenchUsers   = "ENTRASYNC_BENCH_USERS"   // users of the benchmark directory (default 100,000)
	envBenchGroups  = "ENTRASYNC_BENCH_GROUPS"  // groups (default 5,000)
	envBenchMembers = "ENTRASYNC_BENCH_MEMBERS" // average members per group (default 10)
	envBenchExport  = "ENTRASYNC_BENCH_EXPORT"  // writes of the throttled export (default 6,000)
	envBenchChanges = "ENTRASYNC_BENCH_LATENCY" // changes timed in service mode (default 3)
	envDrillFull    = "ENTRASYNC_DRILL_FULL"    // "1": the drills at full size
	envDrillSeed    = "ENTRASYNC_DRILL_SEED"    // seed of the random choices (default: the time)
	envDrillLog     = "ENTRASYNC_DRILL_LOG"     // "1": the engine's debug log on standard error
)

// size is one run's dimensions.
type size struct {
	Users, Groups, AvgMembers int
	// ExportWrites bounds the throttled export; ScaleWindow divides
	// Graph's write window (1: the real 150 s).
	ExportWrites, ScaleWindow int
	// LatencyChanges is how many changes are timed in service mode.
	LatencyChanges int
}

// benchSize is the benchmarks' size: the environment's, else 100,000
// users and 5,000 groups of 10 members on average.
func benchSize(tb testing.TB) size {
	return size{
		Users:          envInt(tb, envBenchUsers, 100_000),
		Groups:         envInt(tb, envBenchGroups, 5_000),
		AvgMembers:     envInt(tb, envBenchMembers, 10),
		ExportWrites:   envInt(tb, envBenchExport, 6_000),
		ScaleWindow:    1,
		LatencyChanges: envInt(tb, envBenchChanges, 3),
	}
}

// smallSize is the benchmark's shape at the size CI runs on every push.
// The throttled export keeps Graph's rate (20 writes/s) in a window 30
// times shorter.
func smallSize() size {
	return size{Users: 1_000, Groups: 100, AvgMembers: 10, ExportWrites: 300, ScaleWindow: 30, LatencyChanges: 1}
}

// full reports whether the drills run at full size.
func full() bool { return os.Getenv(envDrillFull) == "1" }

// pick returns small, or big when the drills run at full size.
func pick(small, big int) int {
	if full() {
		return big
	}
	return small
}

// envInt reads a positive integer from the environment, def when unset.
func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// seed returns the seed of a drill's random choices, logged so a failure
// can be replayed with ENTRASYNC_DRILL_SEED.
func seed(tb testing.TB, def int64) int64 {
	tb.Helper()
	s := def
	if v := os.Getenv(envDrillSeed); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			tb.Fatalf("%s=%q: want a whole number", envDrillSeed, v)
		}
		s = n
	}
	tb.Logf("random seed %d (replay with %s=%d)", s, envDrillSeed, s)
	return s
}

// thousands writes n with thousands separators: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// verdict logs a drill's one-line verdict and prints it on standard output
// too, where .ci/drills collects it.
func verdict(tb testing.TB, format string, args ...any) {
	tb.Helper()
	line := fmt.Sprintf(format, args...)
	tb.Log(line)
	fmt.Println("VERDICT " + line)
}
