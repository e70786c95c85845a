package wizard

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// fixedNow is the clock of the tests.
func fixedNow() time.Time { return time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC) }

// runLines runs setup in accessible mode with the given input lines and
// returns the result, the error and what was printed.
func runLines(t *testing.T, b Backend, answers *Answers, input ...string) (Result, string, error) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := RunSetup(ctx, b, Options{
		In:         strings.NewReader(strings.Join(input, "\n") + "\n"),
		Out:        &out,
		Accessible: true,
		Answers:    answers,
		Now:        fixedNow,
		Interrupts: make(chan os.Signal),
	})
	return res, out.String(), err
}

// Input lines of the express path in accessible mode. An empty line takes
// the default; every page ends with the "Next step" prompt.
var (
	linesWelcome = []string{""}         // Continue
	linesExpress = []string{"", ""}     // express settings; Continue
	linesEntra   = []string{"", "", ""} // Sign in; (sign-in) Continue as; Continue
	linesAD      = []string{"dc1.corp.example.com", "", "", `CORP\admin`, "not-a-real-password", ""}
	linesUPN     = []string{"", "y", ""} // Continue; tick "continue without matching"; Continue
	linesReady   = []string{"", ""}      // start sync: yes; Install
)

// expressLines is the whole express path.
func expressLines() []string {
	return slices.Concat(linesWelcome, linesExpress, linesEntra, linesAD, linesUPN, linesReady)
}

func TestSetupExpressAccessible(t *testing.T) {
	b := newFake()
	res, out, err := runLines(t, b, nil, expressLines()...)
	if err != nil {
		t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
	}
	wantCalls := []string{
		"SignInEntra",
		"CheckAD[dc1.corp.example.com 0 ldaps CORP\\admin]",
		"Suffixes", "SetupPlan", "Configure", "Sync[initial]",
	}
	if got := b.called(); !slices.Equal(got, wantCalls) {
		t.Errorf("calls:\n got %q\nwant %q", got, wantCalls)
	}
	if w := b.writesBefore("Configure"); len(w) != 0 {
		t.Errorf("writes before Install: %q", w)
	}
	if res.InitialSync == nil || res.InitialSync.Created != 42 {
		t.Errorf("initial sync: got %+v, want 42 created", res.InitialSync)
	}
	if got := res.Config.Entra.TenantID; got != "8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77" {
		t.Errorf("config tenant: got %q", got)
	}
	if !res.Config.Sync.SchedulerEnabled {
		t.Error("scheduler not enabled though the initial sync was started")
	}
	for _, want := range []string{
		"== Step 1 of 8: Welcome ==",
		"No password hash sync",
		"open https://microsoft.com/devicelogin and enter the code FAKE-CODE",
		"admin@contoso.com is a Global Administrator.",
		"corp.example.com",
		"Create the AD connector account: done",
		"== Step 8 of 8: Complete ==",
		"2 users on corp.example.com (bob@corp.example.com, eve@corp.example.com) got",
		"1 contact cannot be created through Graph: CN=Vendor,OU=Sales",
		"The systemd unit entrasync.service runs the engine",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "not-a-real-password") {
		t.Error("the administrator's password was printed")
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("accessible output holds escape sequences")
	}
}

func TestSetupADFailureShowsPageAgain(t *testing.T) {
	b := newFake()
	b.adErrs = []error{WithFix(errors.New(`ad: bind as CORP\admin: LDAP Result Code 49 "Invalid Credentials": 80090308: LdapErr: DSID-0C09044E, data 52e`),
		"check the password; the account may also be locked")}
	input := slices.Concat(linesWelcome, linesExpress, linesEntra, linesAD,
		[]string{"", "", "", "", "the-right-one", ""}, // the page again: keep everything, new password
		linesUPN, linesReady)
	_, out, err := runLines(t, b, nil, input...)
	if err != nil {
		t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
	}
	if n := strings.Count(out, "== Step 4 of 8: Connect to AD DS =="); n != 2 {
		t.Errorf("AD page shown %d times, want 2", n)
	}
	for _, want := range []string{"Error: ad: bind as CORP\\admin", "data 52e", "Fix: check the password; the account may also be locked"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	var checks []string
	for _, c := range b.called() {
		if strings.HasPrefix(c, "CheckAD") {
			checks = append(checks, c)
		}
	}
	if len(checks) != 2 || checks[0] != checks[1] {
		t.Errorf("CheckAD calls: got %q, want the same connection twice", checks)
	}
}

// lineScreen is one prompt screen of the express path in accessible mode:
// its heading, the answers to its own prompts, then the "Next step"
// prompt (Continue, Back, Cancel; no Back on the first).
type lineScreen struct {
	heading string
	answers []string
	// back are the answers that walk the page Back leads to, when it is
	// shown again, up to and including its "Next step".
	back []string
}

// lineScreens are the express path's screens.
var lineScreens = []lineScreen{
	{heading: "Step 1 of 8: Welcome"},
	{heading: "Step 2 of 8: Express settings", answers: []string{""}, back: []string{""}},
	{heading: "Step 3 of 8: Connect to Entra ID", back: []string{"", ""}},
	{heading: "Step 3 of 8: Connect to Entra ID", answers: []string{""}, back: []string{"", ""}},
	{heading: "Step 4 of 8: Connect to AD DS", answers: linesAD[:5], back: []string{"", ""}},
	{heading: "Step 5 of 8: UPN suffixes", answers: []string{"", "y"}, back: []string{"", "", "", "", "", ""}},
	{heading: "Step 6 of 8: Ready to configure", answers: []string{""}, back: []string{"", "", ""}},
}

// linesUpTo returns the answers that walk the screens before i.
func linesUpTo(i int) []string {
	var out []string
	for _, s := range lineScreens[:i] {
		out = append(append(out, s.answers...), "")
	}
	return out
}

func TestSetupCancelEveryPage(t *testing.T) {
	for i, s := range lineScreens {
		t.Run(s.heading, func(t *testing.T) {
			cancel := "3"
			if i == 0 {
				cancel = "2" // no Back on the first page
			}
			// Cancel, decline, cancel again, confirm.
			input := slices.Concat(linesUpTo(i), s.answers, []string{cancel, "n", cancel, "y"})
			b := newFake()
			_, out, err := runLines(t, b, nil, input...)
			if !errors.Is(err, ErrAborted) {
				t.Fatalf("got %v, want ErrAborted; output:\n%s", err, out)
			}
			if w := b.writesBefore(""); len(w) != 0 {
				t.Errorf("writes: %q", w)
			}
			if !strings.HasSuffix(strings.TrimSpace(out), "Quit setup? Nothing has been changed. [y/N]") {
				t.Errorf("output does not end with the question:\n%s", out[max(0, len(out)-300):])
			}
		})
	}
}

func TestSetupBackEveryPage(t *testing.T) {
	for i, s := range lineScreens[1:] {
		i++
		t.Run(s.heading, func(t *testing.T) {
			input := slices.Concat(linesUpTo(i), s.answers, []string{"2"}, s.back,
				s.answers, []string{""}, linesFrom(i+1))
			b := newFake()
			_, out, err := runLines(t, b, nil, input...)
			if err != nil {
				t.Fatalf("RunSetup: %v; output:\n%s", err, out)
			}
			prev := lineScreens[i-1].heading
			if i == 3 {
				prev = lineScreens[1].heading // Back from Entra ID leads to Express settings
			}
			if n := strings.Count(out, "== "+prev+" =="); n < 2 {
				t.Errorf("%q shown %d times, want it again after Back", prev, n)
			}
			if w := b.writesBefore("Configure"); len(w) != 0 {
				t.Errorf("writes before Install: %q", w)
			}
		})
	}
}

// linesFrom returns the answers that walk the screens from i to the end.
func linesFrom(i int) []string {
	var out []string
	for _, s := range lineScreens[i:] {
		out = append(append(out, s.answers...), "")
	}
	return out
}

func TestSetupSuffixActionsAccessible(t *testing.T) {
	b := newFake()
	first := b.reports[0]
	added := SuffixReport{
		Suffixes:        append(slices.Clone(first.Suffixes), Suffix{Name: "fabrikam.com", State: Verified}),
		VerifiedDomains: first.VerifiedDomains,
	}
	moved := SuffixReport{
		Suffixes: []Suffix{
			{Name: "contoso.com", Users: 42, State: Verified, ExampleEntra: "ann@contoso.com"},
			{Name: "corp.example.com", State: NotAdded},
			{Name: "fabrikam.com", State: Verified},
		},
		VerifiedDomains: first.VerifiedDomains,
	}
	b.reports = []SuffixReport{first, added, moved}
	input := slices.Concat(linesUpTo(5),
		[]string{"2", "", ""}, // Add a UPN suffix (the tick is asked too: no); Continue
		[]string{"", ""},      // the only candidate, fabrikam.com; Continue
		[]string{"y", ""},     // add it now; Continue
		[]string{"2", "", ""}, // Move users; no tick; Continue
		[]string{"", "1", ""}, // from corp.example.com to contoso.com; Continue
		[]string{"y", ""},     // change 2 UPNs now; Continue
		[]string{"", ""},      // Continue (all suffixes verified now); Continue
		[]string{"", ""},      // Ready: start sync; Install
	)
	res, out, err := runLines(t, b, nil, input...)
	if err != nil {
		t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
	}
	want := []string{"AddSuffix[fabrikam.com]", "ApplyUPNMove[2]"}
	if got := b.writesBefore("Configure"); !slices.Equal(got, want) {
		t.Errorf("writes before Install: got %q, want only the confirmed %q", got, want)
	}
	if !slices.Contains(b.called(), "PlanUPNMove[corp.example.com contoso.com]") {
		t.Errorf("no preview of the move: %q", b.called())
	}
	for _, want := range []string{"bob         bob@corp.example.com  bob@contoso.com", "Change 2 UPNs in AD now?"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	wantChanges := []string{"added the UPN suffix fabrikam.com to the forest", "moved 2 users from corp.example.com to contoso.com"}
	if !slices.Equal(res.ADChanges, wantChanges) {
		t.Errorf("AD changes: got %q, want %q", res.ADChanges, wantChanges)
	}
	if strings.Contains(out, "got a UPN on contoso.onmicrosoft.com") {
		t.Error("Complete warns about unverified suffixes after every user was moved")
	}
}

// TestSetupMoveConflicts: a user whose new UPN is taken is shown in the
// move preview with why, and is not moved.
func TestSetupMoveConflicts(t *testing.T) {
	eveTaken := "CN=Eve Two,OU=Staff,DC=corp,DC=example,DC=com already has the UPN eve@contoso.com"
	bobTaken := "CN=Bob Two,OU=Staff,DC=corp,DC=example,DC=com already has the UPN bob@contoso.com"
	tests := []struct {
		name      string
		conflicts map[string]string // user → conflict
		answers   []string          // from the preview on
		writes    []string
		want      []string
		changes   []string
	}{
		{
			name:      "one of two taken",
			conflicts: map[string]string{"eve": eveTaken},
			answers:   []string{"y", ""}, // change 1 UPN now; Continue
			writes:    []string{"ApplyUPNMove[1]"},
			want: []string{"This UPN will change in AD:", "bob         bob@corp.example.com  bob@contoso.com",
				"This UPN cannot change, and stays as it is:", "• eve (eve@corp.example.com → eve@contoso.com): " + eveTaken,
				"Change 1 UPN in AD now?"},
			changes: []string{"moved 1 user from corp.example.com to contoso.com (1 user left on corp.example.com: the new UPN is taken)"},
		},
		{
			name:      "every one taken",
			conflicts: map[string]string{"bob": bobTaken, "eve": eveTaken},
			answers:   []string{""}, // Back
			want: []string{"These 2 UPNs cannot change, and stay as they are:", bobTaken, eveTaken,
				"Error: no user of corp.example.com can move to contoso.com: every new UPN is taken",
				"Fix: rename the objects that hold those UPNs, or move the users to another suffix"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			for i, m := range b.moves {
				b.moves[i].Conflict = tt.conflicts[m.User]
			}
			input := slices.Concat(linesUpTo(5),
				[]string{"3", "", ""}, // Move users; no tick; Continue
				[]string{"", "", ""},  // from corp.example.com to contoso.com; Continue
				tt.answers,
				linesUPN, linesReady)
			res, out, err := runLines(t, b, nil, input...)
			if err != nil {
				t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
			}
			if got := b.writesBefore("Configure"); !slices.Equal(got, tt.writes) {
				t.Errorf("writes before Install: got %q, want %q", got, tt.writes)
			}
			// Long lines wrap, bullets with a hanging indent.
			flat := strings.ReplaceAll(out, "\n  ", " ")
			for _, w := range tt.want {
				if !strings.Contains(flat, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if !slices.Equal(res.ADChanges, tt.changes) {
				t.Errorf("AD changes: got %q, want %q", res.ADChanges, tt.changes)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestCompleteSaysEachFactOnce: the Complete page says once which users
// got (or, without an initial sync, will get) a UPN on the initial domain,
// in the wizard's words with examples, never also in the engine's.
func TestCompleteSaysEachFactOnce(t *testing.T) {
	got := "2 users on corp.example.com (bob@corp.example.com, eve@corp.example.com) got a UPN on contoso.onmicrosoft.com, " +
		"e.g. bob@contoso.onmicrosoft.com, because corp.example.com is not a verified domain in Entra. " +
		"Verify it there, or move the users to a verified suffix; the next sync renames them."
	will := "2 users on corp.example.com will get a UPN on contoso.onmicrosoft.com, e.g. bob@contoso.onmicrosoft.com, because " +
		"corp.example.com is not a verified domain in Entra."
	tests := []struct {
		name  string
		edit  func(*fakeBackend)
		ready []string
		want  []string
		count int // sentences about corp.example.com on the Complete page
	}{
		{"the initial sync reports it", nil, linesReady, []string{got}, 1},
		{"no initial sync", nil, []string{"n", ""}, []string{will}, 1},
		{"the initial sync finds no such user", func(b *fakeBackend) { b.summary.Warnings = b.summary.Warnings[1:] }, linesReady, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			if tt.edit != nil {
				tt.edit(b)
			}
			input := slices.Concat(linesWelcome, linesExpress, linesEntra, linesAD, linesUPN, tt.ready)
			_, out, err := runLines(t, b, nil, input...)
			if err != nil {
				t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
			}
			_, complete, ok := strings.Cut(out, "== Step 8 of 8: Complete ==")
			if !ok {
				t.Fatalf("no Complete page:\n%s", out)
			}
			flat := strings.ReplaceAll(complete, "\n  ", " ")
			for _, w := range tt.want {
				if !strings.Contains(flat, w) {
					t.Errorf("Complete lacks %q:\n%s", w, complete)
				}
			}
			if n := strings.Count(flat, "corp.example.com is not a verified domain"); n != tt.count {
				t.Errorf("Complete says %d times that corp.example.com is not verified, want %d:\n%s", n, tt.count, complete)
			}
			if strings.Contains(flat, "<mailNickname>") {
				t.Errorf("Complete holds the engine's wording too:\n%s", complete)
			}
		})
	}
}

func TestSetupUnmatchedSuffixNeedsTick(t *testing.T) {
	b := newFake()
	input := slices.Concat(linesUpTo(5),
		[]string{"", "n", ""}, // Continue without the tick: refused
		[]string{"", "y", ""}, // with it
		linesFrom(6))
	_, out, err := runLines(t, b, nil, input...)
	if err != nil {
		t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
	}
	for _, want := range []string{
		"Error: 2 users on corp.example.com would get a UPN on contoso.onmicrosoft.com",
		`Fix: verify the domain in Entra, add a verified suffix to AD and move the users, or tick "Continue without matching all UPN suffixes to verified domains"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSetupCustomizeAccessible(t *testing.T) {
	b := newFake()
	b.matches = []SoftMatch{{Kind: "user", AD: "ann@contoso.com", Entra: "ann@contoso.com", MatchOn: "userPrincipalName"}}
	input := slices.Concat(
		linesWelcome,
		[]string{"2", ""}, // Customize
		linesEntra, linesAD, linesUPN,
		[]string{"3", "0", ""},      // OUs: untick Service; done; Continue
		[]string{"0", ""},           // object types as they are
		[]string{"17", "0", ""},     // attributes: untick manager
		[]string{"2", ""},           // objectGUID
		[]string{"1", "0", "", ""},  // adopt on UPN; done; Continue; the preview: Continue
		[]string{"10m", "", ""},     // schedule
		[]string{"100", "", "", ""}, // thresholds
		[]string{"y", ""},           // staging mode on
		[]string{"n", ""},           // Ready: do not start syncing; Install
	)
	res, out, err := runLines(t, b, nil, input...)
	if err != nil {
		t.Fatalf("RunSetup: %v\noutput:\n%s", err, out)
	}
	c := res.Config
	checks := []struct {
		what      string
		got, want any
	}{
		{"scope", c.AD.Scope, sync.ScopeConfig{Exclude: []string{"OU=Service,DC=corp,DC=example,DC=com"}}},
		{"attributes", slices.Contains(c.Sync.OptionalAttributes, "manager"), false},
		{"attribute count", len(c.Sync.OptionalAttributes), len(sync.AllOptionalAttributes()) - 1},
		{"soft match", c.Sync.SoftMatch, []string{"userPrincipalName"}},
		{"anchor", c.Sync.SourceAnchor, AnchorObjectGUID},
		{"interval", c.Sync.Interval, sync.Duration(10 * time.Minute)},
		{"threshold", c.Sync.DeletionThreshold, 100},
		{"staging", c.Sync.StagingMode, true},
		{"scheduler", c.Sync.SchedulerEnabled, false},
		{"initial sync", res.InitialSync == nil, true},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s: got %v, want %v", ch.what, ch.got, ch.want)
		}
	}
	if slices.Contains(b.called(), "Sync[initial]") {
		t.Error("the initial sync ran though it was not asked for")
	}
	for _, want := range []string{"== Step 16 of 16: Complete ==", "ann@contoso.com", "Synchronization is not started", "Staging mode is on"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSetupSuffixActionsDeclined(t *testing.T) {
	tests := map[string]struct {
		input   []string
		wantErr error
	}{
		"add: declined":               {input: []string{"2", "", "", "", "", "n", ""}},
		"add: back from the choice":   {input: []string{"2", "", "", "", "2"}},
		"add: cancel at the choice":   {input: []string{"2", "", "", "", "3", "y"}, wantErr: ErrAborted},
		"move: declined":              {input: []string{"3", "", "", "", "", "", "n", ""}},
		"move: back from the preview": {input: []string{"3", "", "", "", "", "", "", "2"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := newFake()
			// Then the page again: Continue with the tick, and on to Install.
			input := slices.Concat(linesUpTo(5), tc.input, linesUPN, linesReady)
			_, out, err := runLines(t, b, nil, input...)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("got %v, want %v; output:\n%s", err, tc.wantErr, out)
			}
			if w := b.writesBefore("Configure"); len(w) != 0 {
				t.Errorf("AD written without a confirmation: %q", w)
			}
			if tc.wantErr == nil && strings.Count(out, "== Step 5 of 8: UPN suffixes ==") < 2 {
				t.Errorf("the UPN suffix page was not shown again:\n%s", out)
			}
		})
	}
}

func TestSetupMissingCAFile(t *testing.T) {
	b := newFake()
	ad := slices.Clone(linesAD)
	ad[2] = "/nonexistent/ca.pem"
	fixed := []string{"", "", "", "", "", ""} // the page again; the CA file is kept...
	_, out, err := runLines(t, b, nil, slices.Concat(linesUpTo(4), ad, fixed)...)
	if !errors.Is(err, errInputEnded) {
		t.Fatalf("got %v, want the input to end on the AD page; output:\n%s", err, out)
	}
	for _, want := range []string{"Error: CA certificate file /nonexistent/ca.pem: stat /nonexistent/ca.pem: no such file or directory",
		"Fix: give the PEM file of the CA that signed the domain controller's certificate"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if slices.ContainsFunc(b.called(), func(c string) bool { return strings.HasPrefix(c, "CheckAD") }) {
		t.Error("the DC was contacted with a missing CA file")
	}
}
