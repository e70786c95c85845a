package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/entrasync/entrasync/sync"
)

// childEnv, when set, makes the test binary run one sync of the state
// directory it names instead of the tests, with an unlimited client write
// budget (the configuration has no field for it, so `entrasync sync`
// always paces itself to Graph's budget). The benchmarks measure its peak
// memory apart from the emulator's.
const childEnv = "ENTRASYNC_DRILL_CHILD"

// childKindEnv is the child's run kind: full or delta.
const childKindEnv = "ENTRASYNC_DRILL_CHILD_KIND"

// childMain runs the child's sync and prints its summary as JSON.
func childMain() int {
	dir := os.Getenv(childEnv)
	dirs := sync.DirsAt(dir)
	cfg, err := sync.LoadConfig(dirs.ConfigFile())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	src, err := sync.NewADSourceFromConfig(cfg, dirs.State, logger())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	c, err := newAppClient(cfg, dirs.State, unlimited)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer c.Close()
	r := &sync.FileRunner{Config: cfg, Dirs: dirs, Source: src, Target: sync.NewEntraTarget(c, sync.EntraTargetOptions{Logger: logger()}),
		Options: []sync.Option{sync.WithLogger(logger())}}
	s, err := r.Run(context.Background(), sync.RunOptions{Kind: sync.RunKind(os.Getenv(childKindEnv)), Trigger: "drill"})
	if err := json.NewEncoder(os.Stdout).Encode(s); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// runChild runs one sync of the world in a process of its own and
// returns its summary and how the process went.
func (w *world) runChild(kind sync.RunKind) (sync.RunSummary, result) {
	w.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+w.dir, childKindEnv+"="+string(kind))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	res := runCommand(w.t, cmd)
	var s sync.RunSummary
	if err := json.Unmarshal([]byte(res.Stdout), &s); err != nil {
		w.t.Fatalf("the child sync printed no summary (exit %d): %v\nstderr:\n%s", res.Code, err, res.Stderr)
	}
	if res.Code != 0 {
		w.t.Fatalf("the child sync failed (exit %d): %s\nstderr:\n%s", res.Code, describe(s), res.Stderr)
	}
	return s, res
}
