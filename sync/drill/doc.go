// Package drill holds entrasync's proofs: benchmarks of the whole path
// (Samba AD DC → engine → Graph emulator) and fault drills that try to make
// a sync lose, duplicate or wrongly delete something. It has no code of its
// own outside its tests.
//
// A reduced size of everything runs with the other tests (go test ./...).
// The full sizes run from the repository root:
//
//	bash .ci/bench    # benchmarks: 100,000 users, 5,000 groups (ENTRASYNC_BENCH_USERS, ..._GROUPS)
//	bash .ci/drills   # drills at full size (ENTRASYNC_DRILL_FULL=1)
//
// Each drill logs a one-line verdict with its figures ("drill kill: ...");
// each benchmark prints a markdown table row per figure.
package drill
