package wizard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

func TestAccessibleFromEnv(t *testing.T) {
	tests := map[string]struct {
		env  map[string]string
		want bool
	}{
		"unset":          {env: map[string]string{"TERM": "xterm-256color"}},
		"one":            {env: map[string]string{EnvAccessible: "1"}, want: true},
		"true, any case": {env: map[string]string{EnvAccessible: " TRUE "}, want: true},
		"yes":            {env: map[string]string{EnvAccessible: "yes"}, want: true},
		"zero":           {env: map[string]string{EnvAccessible: "0"}},
		"false":          {env: map[string]string{EnvAccessible: "false"}},
		"dumb terminal":  {env: map[string]string{"TERM": "dumb"}, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := AccessibleFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNoColorFromEnv(t *testing.T) {
	for v, want := range map[string]bool{"": false, "1": true, "anything": true} {
		if got := NoColorFromEnv(func(k string) string {
			if k == "NO_COLOR" {
				return v
			}
			return ""
		}); got != want {
			t.Errorf("NO_COLOR=%q: got %v, want %v", v, got, want)
		}
	}
}

// lockedBuffer is a buffer the program writes while the test reads.
type lockedBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// colourCodes matches SGR sequences that set a colour.
var colourCodes = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

func TestRunSetupFullScreenColour(t *testing.T) {
	// A terminal that forces colour, so that NoColor alone decides.
	t.Setenv("CLICOLOR_FORCE", "1")
	t.Setenv("COLORTERM", "truecolor")
	for _, noColor := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoColor=%v", noColor), func(t *testing.T) {
			out, err := cancelAtWelcome(t, Options{NoColor: noColor})
			if !errors.Is(err, ErrAborted) {
				t.Errorf("got %v, want ErrAborted", err)
			}
			if m := colourCodes.FindString(out); (m != "") == noColor {
				t.Errorf("NoColor=%v: colour sequence %q in the output", noColor, m)
			}
			if strings.Contains(out, "No password hash sync") && strings.HasSuffix(strings.TrimSpace(out), "federation.") {
				t.Error("the Welcome page was left on the terminal after a cancel")
			}
		})
	}
}

// cancelAtWelcome runs RunSetup on the full screen through a pipe, waits
// for the Welcome page, then cancels with Ctrl-C and "y". It returns the
// output and RunSetup's error.
func cancelAtWelcome(t *testing.T, opts Options) (string, error) {
	t.Helper()
	in, keys := io.Pipe()
	defer keys.Close()
	var out lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts.In, opts.Out, opts.Now = in, &out, fixedNow
	done := make(chan error, 1)
	go func() {
		_, err := RunSetup(ctx, newFake(), opts)
		done <- err
	}()
	waitFor(t, &out, "Welcome")
	keys.Write([]byte{0x03}) // Ctrl-C asks
	waitFor(t, &out, "Quit setup?")
	keys.Write([]byte("y"))
	select {
	case err := <-done:
		return out.String(), err
	case <-ctx.Done():
		t.Fatal("setup did not end")
		return "", nil
	}
}

// waitFor waits until out holds s.
func waitFor(t *testing.T, out *lockedBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(out.String(), s) {
			return
		}
	}
	t.Fatalf("output never held %q:\n%q", s, out.String())
}

func TestSetupStopConfiguringAccessible(t *testing.T) {
	b := newFake()
	b.blockAt = "verify"
	sigs := make(chan os.Signal)
	go func() {
		<-b.blocked
		sigs <- os.Interrupt // asks
		sigs <- os.Interrupt // stops
	}()
	var out bytes.Buffer
	res, err := RunSetup(context.Background(), b, Options{
		In: strings.NewReader(strings.Join(expressLines(), "\n") + "\n"), Out: &out,
		Accessible: true, Now: fixedNow, Interrupts: sigs,
	})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("got %v, want ErrStopped; output:\n%s", err, out.String())
	}
	if len(res.Setup.Created) != 2 {
		t.Errorf("recorded %d resources, want the 2 made before the stop", len(res.Setup.Created))
	}
	for _, want := range []string{
		"Stop the configuration? What was created so far is recorded, and `entrasync uninstall` removes it. Press Ctrl-C again to stop",
		"Stopping cleanly…",
		"Verify both identities: failed",
		"Step 8 of 8: Setup did not complete ==",
		"Created so far (recorded for uninstall)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSetupFailures(t *testing.T) {
	tests := map[string]struct {
		edit    func(*fakeBackend)
		input   []string
		wantErr error
		wantOut []string
		calls   func([]string) bool
	}{
		"sign-in fails, then works": {
			edit: func(b *fakeBackend) {
				b.signInErrs = []error{WithFix(errors.New("entra: device code expired"), "sign in within 15 minutes")}
			},
			input:   slices.Concat(linesWelcome, linesExpress, []string{""}, linesEntra, linesAD, linesUPN, linesReady),
			wantOut: []string{"Error: entra: device code expired", "Fix: sign in within 15 minutes"},
			calls:   func(c []string) bool { return slices.Equal(c[:2], []string{"SignInEntra", "SignInEntra"}) },
		},
		"role missing, another account": {
			edit: func(b *fakeBackend) {
				hia := b.tenants[0]
				hia.Roles = []string{"Hybrid Identity Administrator"}
				b.tenants = []Tenant{hia, b.tenants[0]}
			},
			input: slices.Concat(linesWelcome, linesExpress,
				[]string{"", "", "", ""}, // sign in; (only) sign in with another account; Continue
				linesEntra, linesAD, linesUPN, linesReady),
			wantOut: []string{"✗ admin@contoso.com is a Hybrid Identity Administrator, which may create the",
				"1. Sign in with another account"},
			calls: func(c []string) bool { return slices.Equal(c[:2], []string{"SignInEntra", "SignInEntra"}) },
		},
		"configure fails": {
			edit: func(b *fakeBackend) {
				b.configureErr = WithFix(errors.New("entra: create application: 403 Authorization_RequestDenied"), "sign in as a Global Administrator")
			},
			input:   expressLines(),
			wantErr: ErrStopped,
			wantOut: []string{"Setup did not complete ==", "Error: entra: create application: 403", "Fix: sign in as a Global Administrator", "AD account: CORP\\MSOL_1a2b3c"},
			calls:   func(c []string) bool { return !slices.Contains(c, "Sync[initial]") },
		},
		"initial sync fails": {
			edit:    func(b *fakeBackend) { b.syncErr = errors.New("sync: import: ldap: connection reset") },
			input:   expressLines(),
			wantErr: ErrStopped,
			wantOut: []string{"Run the initial synchronization: failed: sync: import: ldap: connection reset", "Setup did not complete =="},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := newFake()
			tc.edit(b)
			_, out, err := runLines(t, b, nil, tc.input...)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("got %v, want %v; output:\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if tc.calls != nil && !tc.calls(b.called()) {
				t.Errorf("unexpected calls %q", b.called())
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

func TestInputEnds(t *testing.T) {
	b := newFake()
	_, out, err := runLines(t, b, nil, slices.Concat(linesWelcome, linesExpress)...)
	if !errors.Is(err, errInputEnded) {
		t.Fatalf("got %v, want errInputEnded; output:\n%s", err, out)
	}
	if w := b.writesBefore(""); len(w) != 0 {
		t.Errorf("writes: %q", w)
	}
}
