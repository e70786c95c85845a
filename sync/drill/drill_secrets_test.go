package drill

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/entrasync/entrasync/entra/entratest"
)

// TestDrillSecrets (drill 6 of the proof issue) runs a full sync of the
// real binary with debug logging, then the service (`entrasync run`, debug
// too) until it has applied a change, and looks for every secret in what
// they leave behind: their standard output and error, every file of the
// state directory but the two secret files (config.yaml and the bbolt
// store read as raw bytes), and the service's /proc/<pid>/cmdline and
// environ while it runs. The secrets are the AD password, the sync
// application's private key (its PEM body, one line of it, a substring
// and raw DER bytes), its client secret, and access tokens: the header
// every token of this emulator starts with, and anything JWT-shaped. It
// also checks the modes: secret files 0600, state directory 0700, store
// 0600.
func TestDrillSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	users := w.dc.SeedUsers(t, w.ou, pick(20, 500))
	app, ok := w.srv.App(entratest.DefaultSyncApp)
	if !ok {
		t.Fatal("the emulator has no sync application")
	}
	needles := secretNeedles(t, w, app)
	// The scan must be able to fail: each secret planted in a blob is found.
	for _, n := range needles {
		blob := []byte("before " + string(n.value) + " after")
		if n.re != nil {
			blob = []byte("before " + n.example + " after")
		}
		if !n.in(blob) {
			t.Fatalf("the scanner does not find %s planted in a blob", n.name)
		}
	}

	full := w.exec("--log-level", "debug", "sync", "--full")
	if full.Code != 0 {
		t.Fatalf("entrasync sync --full: exit %d:\n%s", full.Code, full.Stderr)
	}
	// The default level of sync is warn: info lines show the level took.
	if !strings.Contains(full.Stderr, "level=INFO") {
		t.Fatalf("the sync logged nothing below warn with --log-level debug: the drill would prove little:\n%s", full.Stderr)
	}
	w.dc.Replace(t, users[0], "displayName", "Secrets Drill Change")
	svc, proc := runServiceUntil(t, w, func() bool {
		for _, u := range w.srv.Users() {
			if u.String("displayName") == "Secrets Drill Change" {
				return true
			}
		}
		return false
	})

	sources := map[string][]byte{
		"sync stdout": []byte(full.Stdout), "sync stderr": []byte(full.Stderr),
		"run stdout": svc.stdout, "run stderr": svc.stderr,
		"/proc/<run>/cmdline": proc.cmdline, "/proc/<run>/environ": proc.environ,
	}
	secretFiles := map[string]bool{
		filepath.Join(w.dir, w.cfg.AD.PasswordFile):       true,
		filepath.Join(w.dir, w.cfg.Entra.CertificateFile): true,
	}
	files := 0
	err := filepath.WalkDir(w.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || secretFiles[path] {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(w.dir, path)
		sources["state/"+rel] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sources["state/"+filepath.Base(w.dirs().StoreFile())]; !ok {
		t.Fatalf("the state store %s was not scanned", w.dirs().StoreFile())
	}
	scanned := 0
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		data := sources[name]
		scanned += len(data)
		for _, n := range needles {
			if n.in(data) {
				t.Errorf("%s holds %s", name, n.name)
			}
		}
	}

	modes := checkModes(t, w)
	logs := full.Stderr + string(svc.stderr)
	verdict(t, "drill secrets: %d secrets (%s) found nowhere in %s bytes: sync --full and run with --log-level debug (%d log lines, %d at debug), %d state files (config.yaml, store, ...), /proc cmdline and environ of the service; modes %s",
		len(needles), needleNames(needles), thousands(scanned),
		strings.Count(logs, "\n"), strings.Count(logs, "level=DEBUG"), files, modes)
}

// needle is one secret to look for: a value, or a pattern.
type needle struct {
	name    string
	value   []byte
	re      *regexp.Regexp
	example string // a string re matches, for the self-check
}

// in reports whether data holds the needle.
func (n needle) in(data []byte) bool {
	if n.re != nil {
		return n.re.Match(data)
	}
	return bytes.Contains(data, n.value)
}

// jwtRE matches a compact JWS: three base64url segments, the first two
// JSON objects ("eyJ" is the encoding of `{"`).
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// secretNeedles lists the secrets of the world.
func secretNeedles(t *testing.T, w *world, app entratest.AppCredentials) []needle {
	t.Helper()
	var key *pem.Block
	for rest := app.PEM(); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.Contains(b.Type, "PRIVATE KEY") {
			key = b
		}
	}
	if key == nil {
		t.Fatal("the application's PEM holds no private key")
	}
	body := base64.StdEncoding.EncodeToString(key.Bytes)
	line := body[64*4 : 64*5] // the fifth line of the PEM file
	mid := len(key.Bytes) / 2
	token := accessToken(t, w, app)
	header, _, _ := strings.Cut(token, ".")
	return []needle{
		{name: "the AD password", value: []byte(w.dc.AdminPassword)},
		{name: "the private key's base64 body", value: []byte(body)},
		{name: "a line of the private key's PEM", value: []byte(line)},
		{name: "40 characters of the private key's base64", value: []byte(body[len(body)/2 : len(body)/2+40])},
		{name: "32 bytes of the private key's DER", value: key.Bytes[mid : mid+32]},
		{name: "the client secret", value: []byte(app.ClientSecret)},
		{name: "an access token of the emulator (its header)", value: []byte(header + ".")},
		{name: "a JWT", re: jwtRE, example: token},
	}
}

// needleNames lists the needles for the verdict.
func needleNames(ns []needle) string {
	var out []string
	for _, n := range ns {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(n.name, "the "), "a "))
	}
	return strings.Join(out, ", ")
}

// accessToken signs the sync application in with its client secret and
// returns the access token: every token the emulator signs starts with
// the same header, which the scan looks for.
func accessToken(t *testing.T, w *world, app entratest.AppCredentials) string {
	t.Helper()
	form := url.Values{
		"client_id": {app.AppID}, "client_secret": {app.ClientSecret},
		"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"},
	}
	resp, err := w.srv.Client().PostForm(w.srv.URL+"/"+w.srv.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !jwtRE.MatchString(body.AccessToken) {
		t.Fatalf("sign in to the emulator: status %d, %v: no JWT", resp.StatusCode, err)
	}
	return body.AccessToken
}

// serviceOutput is what the service wrote.
type serviceOutput struct{ stdout, stderr []byte }

// procFiles are a process's /proc entries.
type procFiles struct{ cmdline, environ []byte }

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// runServiceUntil starts `entrasync --log-level debug run`, reads its
// /proc entries while it runs, waits (at most 2 minutes) until done
// reports true, then stops it with SIGTERM, which must end it with exit 0.
func runServiceUntil(t *testing.T, w *world, done func() bool) (serviceOutput, procFiles) {
	t.Helper()
	cmd := w.command("--log-level", "debug", "run")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	dir := "/proc/" + strconv.Itoa(cmd.Process.Pid)
	var p procFiles
	var err error
	if p.cmdline, err = os.ReadFile(dir + "/cmdline"); err != nil {
		t.Fatalf("read the service's cmdline: %v", err)
	}
	if p.environ, err = os.ReadFile(dir + "/environ"); err != nil {
		t.Fatalf("read the service's environ: %v", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !done() {
		select {
		case err := <-exited:
			t.Fatalf("the service ended before applying the change: %v\n%s", err, stderr.Bytes())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the service did not apply the change within 2 minutes:\n%s", stderr.Bytes())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 0 {
			t.Errorf("the service stopped by SIGTERM: %v, want exit 0", err)
		}
	}
	return serviceOutput{stdout: stdout.Bytes(), stderr: stderr.Bytes()}, p
}

// checkModes checks the permissions of the state directory, the secret
// files and the store, and describes them for the verdict.
func checkModes(t *testing.T, w *world) string {
	t.Helper()
	want := []struct {
		what, path string
		mode       os.FileMode
	}{
		{"state dir", w.dir, 0o700},
		{"AD password", filepath.Join(w.dir, w.cfg.AD.PasswordFile), 0o600},
		{"certificate", filepath.Join(w.dir, w.cfg.Entra.CertificateFile), 0o600},
		{"store", w.dirs().StoreFile(), 0o600},
	}
	var out []string
	for _, x := range want {
		fi, err := os.Stat(x.path)
		if err != nil {
			t.Errorf("%s: %v", x.what, err)
			continue
		}
		if got := fi.Mode().Perm(); got != x.mode {
			t.Errorf("%s %s: mode %04o, want %04o", x.what, x.path, got, x.mode)
		}
		out = append(out, fmt.Sprintf("%s %04o", x.what, fi.Mode().Perm()))
	}
	if fi, err := os.Stat(w.dirs().ConfigFile()); err == nil {
		out = append(out, fmt.Sprintf("config.yaml %04o (no secrets)", fi.Mode().Perm()))
	}
	return strings.Join(out, ", ")
}
