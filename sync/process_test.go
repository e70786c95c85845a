package sync

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
)

// The test binary doubles as the other process of the cross-process
// tests: with ENTRASYNC_SYNC_HELPER set, TestMain runs a helper instead of
// the tests. Otherwise it runs the tests and then stops the Samba DC the
// integration tests started (adtest.Main).
const helperEnv = "ENTRASYNC_SYNC_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		adtest.Main(m)
	case "lock":
		helperLock(os.Getenv("ENTRASYNC_SYNC_PATH"))
	case "store-writer":
		helperStoreWriter(os.Getenv("ENTRASYNC_SYNC_PATH"))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// helperLock takes the run lock, says so, and holds it until stdin closes.
func helperLock(path string) {
	lock, err := AcquireRunLock(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := lock.Release(); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// helperStoreWriter commits batch after batch (50 records and the cursor
// "i" in batch i) and reports each, until killed.
func helperStoreWriter(path string) {
	s, err := OpenBoltStore(path, 5*time.Second)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		b := Batch{Cursor: &Cursor{Data: []byte(strconv.Itoa(i))}}
		for j := range 50 {
			n := i*50 + j
			b.Put = append(b.Put, &Record{
				Anchor: fmt.Sprintf("a%07d", n), Kind: KindUser, GUID: GUID{byte(n), byte(n >> 8), byte(n >> 16), 1},
				DN:       fmt.Sprintf("CN=u%d,OU=Staff,DC=corp,DC=example,DC=com", n),
				Exported: Attributes{AttrUserPrincipalName: fmt.Sprintf("u%d@corp.example.com", n), AttrDisplayName: strings.Repeat("x", 200)},
			})
		}
		if err := s.Commit(b); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("committed", i)
	}
}

// helper starts the test binary as a helper process.
func helper(t *testing.T, kind, path string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+kind, "ENTRASYNC_SYNC_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, stdin, bufio.NewScanner(stdout)
}

func TestRunLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.lock")
	before := time.Now().Add(-time.Second)
	cmd, stdin, out := helper(t, "lock", path)
	if !out.Scan() || out.Text() != "locked" {
		t.Fatalf("helper said %q, want locked", out.Text())
	}

	_, err := AcquireRunLock(path)
	var busy *BusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrBusy) {
		t.Fatalf("AcquireRunLock while another process holds it = %v, want a *BusyError", err)
	}
	if busy.PID != cmd.Process.Pid {
		t.Errorf("BusyError.PID = %d, want the helper's %d", busy.PID, cmd.Process.Pid)
	}
	if busy.Started.Before(before) || busy.Started.After(time.Now()) {
		t.Errorf("BusyError.Started = %v, want about now", busy.Started)
	}
	if want := fmt.Sprintf("another run (pid %d, started ", cmd.Process.Pid); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is in progress") {
		t.Errorf("message = %q, want it to contain %q ... is in progress", err, want)
	}

	stdin.Close() // the helper releases and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	lock, err := AcquireRunLock(path)
	if err != nil {
		t.Fatalf("AcquireRunLock after the holder released it: %v", err)
	}
	lock.Release()
}

// TestRunLockFreedByKill checks that a run killed with SIGKILL leaves no
// stale lock: the kernel drops an flock with its process.
func TestRunLockFreedByKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.lock")
	cmd, _, out := helper(t, "lock", path)
	if !out.Scan() || out.Text() != "locked" {
		t.Fatalf("helper said %q, want locked", out.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	lock, err := AcquireRunLock(path)
	if err != nil {
		t.Fatalf("AcquireRunLock after the holder was killed: %v", err)
	}
	lock.Release()
}

// TestBoltStoreSurvivesKill kills a process in the middle of committing
// batches: the store must hold whole batches only, the cursor matching the
// records, every index entry pointing at a record.
func TestBoltStoreSurvivesKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cmd, _, out := helper(t, "store-writer", path)
	reported := -1
	for out.Scan() && reported < 30 {
		line := out.Text()
		n, err := strconv.Atoi(strings.TrimPrefix(line, "committed "))
		if err != nil {
			t.Fatalf("helper said %q", line)
		}
		reported = n
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	s, err := OpenBoltStore(path, time.Second)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	c, err := s.Cursor()
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	last, _ := strconv.Atoi(string(c.Data))
	if last < reported {
		t.Errorf("cursor at batch %d, but batch %d was reported committed", last, reported)
	}
	n, err := s.Len()
	if err != nil {
		t.Fatal(err)
	}
	if n != (last+1)*50 {
		t.Errorf("%d records with the cursor at batch %d, want %d: a batch was half committed", n, last, (last+1)*50)
	}
	err = s.ForEach(func(r *Record) error {
		for _, q := range []struct {
			idx Index
			key string
		}{{IndexGUID, r.GUID.String()}, {IndexDN, r.DN}, {IndexUPN, r.Exported[AttrUserPrincipalName]}} {
			if a, err := s.Lookup(q.idx, q.key); err != nil || a != r.Anchor {
				return fmt.Errorf("index %d of %s = %q, %v", q.idx, r.Anchor, a, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
