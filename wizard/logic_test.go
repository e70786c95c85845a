package wizard

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/entrasync/entrasync/sync"
)

func TestSetupPages(t *testing.T) {
	express := []pageID{pageWelcome, pageExpress, pageEntra, pageAD, pageSuffixes, pageReady, pageConfiguring, pageComplete}
	if got := setupPages(false); !slices.Equal(got, express) {
		t.Errorf("express pages: got %v, want %v", got, express)
	}
	custom := setupPages(true)
	if len(custom) != len(express)+len(customizePages) {
		t.Fatalf("customize pages: got %d pages, want %d", len(custom), len(express)+len(customizePages))
	}
	if i := slices.Index(custom, pageOUs); custom[i-1] != pageSuffixes || custom[i+len(customizePages)] != pageReady {
		t.Errorf("customize pages not between UPN suffixes and Ready: %v", custom)
	}
	for _, p := range custom {
		if p.String() == "" {
			t.Errorf("page %d has no title", p)
		}
	}
}

func TestStep(t *testing.T) {
	pages := setupPages(false)
	tests := map[string]struct {
		at       pageID
		nav      nav
		want     pageID
		wantDone bool
	}{
		"next":                     {at: pageWelcome, nav: navNext, want: pageExpress},
		"back":                     {at: pageAD, nav: navBack, want: pageEntra},
		"no back from the first":   {at: pageWelcome, nav: navBack, want: pageWelcome},
		"no back from configuring": {at: pageConfiguring, nav: navBack, want: pageConfiguring},
		"no back from complete":    {at: pageComplete, nav: navBack, want: pageComplete},
		"done after complete":      {at: pageComplete, nav: navNext, want: pageComplete, wantDone: true},
		"cancel stays":             {at: pageReady, nav: navCancel, want: pageReady},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			i, done := step(pages, slices.Index(pages, tc.at), tc.nav)
			if pages[i] != tc.want || done != tc.wantDone {
				t.Errorf("step from %v %v: got %v done=%v, want %v done=%v", tc.at, tc.nav, pages[i], done, tc.want, tc.wantDone)
			}
		})
	}
}

func TestRoleVerdict(t *testing.T) {
	tests := map[string]struct {
		roles  []string
		wantOK bool
		want   string
	}{
		"global admin":                   {roles: []string{"Global Administrator"}, wantOK: true, want: "is a Global Administrator"},
		"case does not matter":           {roles: []string{"global administrator"}, wantOK: true},
		"hybrid plus privileged":         {roles: []string{"Hybrid Identity Administrator", "Privileged Role Administrator"}, wantOK: true},
		"hybrid alone":                   {roles: []string{"Hybrid Identity Administrator"}, want: "activate Privileged Role Administrator"},
		"no role":                        {want: "holds no active directory role"},
		"other roles":                    {roles: []string{"User Administrator", "Groups Administrator"}, want: "holds User Administrator, Groups Administrator, not the roles"},
		"privileged role but not hybrid": {roles: []string{"Privileged Role Administrator"}, want: "not the roles setup needs"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, msg := roleVerdict(Tenant{Account: "admin@contoso.com", Roles: tc.roles})
			if ok != tc.wantOK {
				t.Errorf("ok: got %v, want %v (%s)", ok, tc.wantOK, msg)
			}
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "admin@contoso.com") {
				t.Errorf("message %q lacks %q or the account", msg, tc.want)
			}
		})
	}
}

// testOUs is a forest of two domains: corp with Sales (and Sales/Temp)
// and Service, and emea, a child domain.
var testOUs = []OU{
	{DN: "DC=corp,DC=example", Name: "corp.example", Users: 50},
	{DN: "OU=Sales,DC=corp,DC=example", Name: "Sales", Parent: "DC=corp,DC=example", Users: 30},
	{DN: "OU=Temp,OU=Sales,DC=corp,DC=example", Name: "Temp", Parent: "OU=Sales,DC=corp,DC=example", Users: 3},
	{DN: "OU=Service,DC=corp,DC=example", Name: "Service", Parent: "DC=corp,DC=example", Users: -1},
	{DN: "DC=emea,DC=corp,DC=example", Name: "emea.corp.example", Users: 10},
}

func TestOUTreeScope(t *testing.T) {
	tree := newOUTree(testOUs)
	dn := func(i int) string { return testOUs[i].DN }
	tests := map[string]struct {
		selected []int
		want     sync.ScopeConfig
		wantErr  string
	}{
		"everything":             {selected: []int{0, 1, 2, 3, 4}, want: sync.ScopeConfig{}},
		"everything but Service": {selected: []int{0, 1, 2, 4}, want: sync.ScopeConfig{Exclude: []string{dn(3)}}},
		"one domain":             {selected: []int{0, 1, 2, 3}, want: sync.ScopeConfig{Include: []string{dn(0)}}},
		"Sales without Temp":     {selected: []int{1}, want: sync.ScopeConfig{Include: []string{dn(1)}, Exclude: []string{dn(2)}}},
		"Sales and emea":         {selected: []int{1, 2, 4}, want: sync.ScopeConfig{Include: []string{dn(1), dn(4)}}},
		"nothing":                {selected: nil, wantErr: "select at least one"},
		"Temp under an unticked Sales under a ticked domain": {
			selected: []int{0, 2, 3, 4}, wantErr: "Temp is selected but Sales above it is not",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var sel []string
			for _, i := range tc.selected {
				sel = append(sel, dn(i))
			}
			got, err := tree.scope(sel)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("scope: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("scope: got %+v, want %+v", got, tc.want)
			}
			if back := tree.selection(got); !slices.Equal(back, sel) {
				t.Errorf("selection(scope): got %q, want %q", back, sel)
			}
		})
	}
}

func TestOUTreeLabels(t *testing.T) {
	tree := newOUTree(testOUs)
	want := []string{"corp.example (50 users)", "  Sales (30 users)", "    Temp (3 users)", "  Service", "emea.corp.example (10 users)"}
	for i, w := range want {
		if got := tree.label(i); got != w {
			t.Errorf("label %d: got %q, want %q", i, got, w)
		}
	}
	// Empty OUs are listed too.
	small := newOUTree([]OU{{DN: "DC=x", Name: "x", Users: 1}, {DN: "OU=Empty,DC=x", Name: "Empty", Parent: "DC=x"}})
	for i, w := range []string{"x (1 user)", "  Empty (0 users)"} {
		if got := small.label(i); got != w {
			t.Errorf("label %d: got %q, want %q", i, got, w)
		}
	}
}

func TestSuffixLogic(t *testing.T) {
	r := SuffixReport{
		Suffixes: []Suffix{
			{Name: "contoso.com", Users: 10, State: Verified},
			{Name: "corp.local", Users: 5, State: NotAdded},
			{Name: "fabrikam.com", Users: 0, State: NotVerified},
			{Name: "Tailspin.com", Users: 2, State: NotVerified},
		},
		VerifiedDomains: []string{"contoso.com", "tailspin.com", "wingtip.com", "contoso.onmicrosoft.com"},
	}
	var un []string
	for _, s := range unmatchedSuffixes(r) {
		un = append(un, s.Name)
	}
	if want := []string{"corp.local", "Tailspin.com"}; !slices.Equal(un, want) {
		t.Errorf("unmatched: got %q, want %q", un, want)
	}
	if got, want := addCandidates(r), []string{"wingtip.com"}; !slices.Equal(got, want) {
		t.Errorf("add candidates: got %q, want %q", got, want)
	}
	if got, want := moveTargets(r), []string{"contoso.com"}; !slices.Equal(got, want) {
		t.Errorf("move targets: got %q, want %q", got, want)
	}
	if got, want := suffixChoices(r), []suffixAction{suffixContinue, suffixAdd, suffixMove, suffixRefresh}; !slices.Equal(got, want) {
		t.Errorf("choices: got %v, want %v", got, want)
	}
	allVerified := SuffixReport{Suffixes: []Suffix{{Name: "contoso.com", Users: 3, State: Verified}}, VerifiedDomains: []string{"contoso.com"}}
	if got, want := suffixChoices(allVerified), []suffixAction{suffixContinue, suffixRefresh}; !slices.Equal(got, want) {
		t.Errorf("choices when all match: got %v, want %v", got, want)
	}
}

func TestEstimate(t *testing.T) {
	tests := map[string]struct {
		p        Progress
		inPhase  time.Duration
		wantLeft time.Duration
		wantOK   bool
		wantFrac float64
	}{
		"import half way":      {p: Progress{Phase: PhaseImport, Imported: 500, ImportTotal: 1000}, inPhase: time.Minute, wantLeft: time.Minute, wantOK: true, wantFrac: 0.5},
		"import total unknown": {p: Progress{Phase: PhaseImport, Imported: 500}, inPhase: time.Minute},
		"planning":             {p: Progress{Phase: PhasePlan, Planned: 10}, inPhase: time.Second},
		"export a quarter":     {p: Progress{Phase: PhaseApply, Planned: 400, Exported: 90, Errors: 10}, inPhase: 30 * time.Second, wantLeft: 90 * time.Second, wantOK: true, wantFrac: 0.25},
		"export not started":   {p: Progress{Phase: PhaseApply, Planned: 400}, inPhase: time.Second},
		"nothing to export":    {p: Progress{Phase: PhaseApply}, inPhase: time.Second, wantFrac: 1},
		"more read than known": {p: Progress{Phase: PhaseImport, Imported: 1200, ImportTotal: 1000}, inPhase: time.Minute, wantFrac: 1},
		"done":                 {p: Progress{Phase: PhaseDone}, inPhase: time.Minute, wantFrac: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			left, ok := estimate(tc.p, tc.inPhase)
			if ok != tc.wantOK || left != tc.wantLeft {
				t.Errorf("estimate: got %v %v, want %v %v", left, ok, tc.wantLeft, tc.wantOK)
			}
			if f, _ := fraction(tc.p); f != tc.wantFrac {
				t.Errorf("fraction: got %v, want %v", f, tc.wantFrac)
			}
		})
	}
}

func TestSplitHostPort(t *testing.T) {
	tests := map[string]struct {
		in       string
		host     string
		port     int
		errorHas string
	}{
		"name":          {in: "dc1.corp.example.com", host: "dc1.corp.example.com"},
		"name and port": {in: " dc1:636 ", host: "dc1", port: 636},
		"ipv4 and port": {in: "10.0.0.4:3269", host: "10.0.0.4", port: 3269},
		"ipv6":          {in: "[fd00::4]:636", host: "fd00::4", port: 636},
		"empty":         {in: "", errorHas: "enter a domain controller"},
		"scheme":        {in: "ldaps://dc1:636", errorHas: "without a scheme: dc1:636"},
		"bad port":      {in: "dc1:ldaps", errorHas: `port "ldaps"`},
		"port too big":  {in: "dc1:70000", errorHas: "1 to 65535"},
		"empty port":    {in: "dc1:", errorHas: `port ""`},
		"space":         {in: "dc 1", errorHas: "no spaces"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			host, port, err := splitHostPort(tc.in)
			if tc.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errorHas) {
					t.Fatalf("got %v, want an error with %q", err, tc.errorHas)
				}
				return
			}
			if err != nil || host != tc.host || port != tc.port {
				t.Errorf("got %q %d %v, want %q %d", host, port, err, tc.host, tc.port)
			}
		})
	}
}

func TestFieldValidators(t *testing.T) {
	tests := map[string]struct {
		fn   func(string) error
		in   string
		okay bool
	}{
		"account domain user": {fn: validateAccount, in: `CORP\admin`, okay: true},
		"account upn":         {fn: validateAccount, in: "admin@corp.example.com", okay: true},
		"account dn":          {fn: validateAccount, in: "CN=Admin,CN=Users,DC=corp,DC=example,DC=com", okay: true},
		"account bare":        {fn: validateAccount, in: "admin"},
		"account no domain":   {fn: validateAccount, in: `\admin`},
		"account upn no dot":  {fn: validateAccount, in: "admin@corp"},
		"duration ok":         {fn: validateDuration(30 * time.Second), in: "5m", okay: true},
		"duration short":      {fn: validateDuration(30 * time.Second), in: "10s"},
		"duration not one":    {fn: validateDuration(30 * time.Second), in: "five minutes"},
		"count ok":            {fn: validateCount(0, 100), in: " 10 ", okay: true},
		"count out of range":  {fn: validateCount(0, 100), in: "101"},
		"count not a number":  {fn: validateCount(0, 100), in: "ten"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := tc.fn(tc.in); (err == nil) != tc.okay {
				t.Errorf("%q: got %v, want ok=%v", tc.in, err, tc.okay)
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{count(0), "0"}, {count(999), "999"}, {count(1000), "1,000"}, {count(-1234567), "-1,234,567"},
		{plural(1, "user", "users"), "1 user"}, {plural(2500, "user", "users"), "2,500 users"},
		{interval(30 * time.Second), "30s"}, {interval(5 * time.Minute), "5m"}, {interval(24 * time.Hour), "24h"},
		{interval(90 * time.Minute), "1h30m"}, {interval(90 * time.Second), "1m30s"},
		{duration(45 * time.Second), "45s"}, {duration(185 * time.Second), "3m05s"}, {duration(130 * time.Minute), "2h10m"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestRenderTableFits(t *testing.T) {
	st := newStyles(true)
	cols := []column{{title: "Name", width: 4}, {title: "Users", width: 5, right: true}, {title: "Note", width: 4}}
	rows := [][]string{
		{"a-very-long-suffix-name.corp.example.com", "12345", "a long note that does not fit either"},
		{"short", "1", ""},
	}
	for _, width := range []int{80, 40, 24} {
		for i, l := range renderTable(st, cols, rows, width) {
			if w := len([]rune(stripANSI(l))); w > width {
				t.Errorf("width %d, line %d: %d cells: %q", width, i, w, stripANSI(l))
			}
		}
	}
	lines := renderTable(st, cols, rows, 80)
	l1, l2 := stripANSI(lines[1]), stripANSI(lines[2])
	end := func(l, s string) int { return ansi.StringWidth(l[:strings.Index(l, s)+len(s)]) }
	if end1, end2 := end(l1, "12345"), end(l2, "1"); end1 != end2 {
		t.Errorf("numbers not right-aligned:\n%s\n%s", l1, l2)
	}
}

func TestRenderQR(t *testing.T) {
	dark, err := renderQR("https://microsoft.com/devicelogin", true)
	if err != nil {
		t.Fatal(err)
	}
	light, _ := renderQR("https://microsoft.com/devicelogin", false)
	dl, ll := strings.Split(dark, "\n"), strings.Split(light, "\n")
	// Version 3 (29 modules) and a quiet zone of 2 on each side: 33 wide,
	// two module rows per line.
	if len(dl) != 17 || len([]rune(dl[0])) != 33 {
		t.Fatalf("got %d lines of %d cells, want 17 of 33", len(dl), len([]rune(dl[0])))
	}
	// The quiet zone is light: drawn on a dark background, blank on a
	// light one.
	if dl[0] != strings.Repeat("█", 33) || strings.TrimSpace(ll[0]) != "" {
		t.Errorf("quiet zone: dark %q, light %q", dl[0], ll[0])
	}
}

func TestActionText(t *testing.T) {
	tests := []struct {
		l    actionLine
		want string
	}{
		{actionLine{title: "Create the account", state: ActionDone, detail: `CORP\MSOL_1`}, `Create the account: done (CORP\MSOL_1)`},
		{actionLine{title: "Grant", state: ActionFailed, err: WithFix(errString("graph: 403"), "consent as a Global Administrator")}, "Grant: failed: graph: 403 (fix: consent as a Global Administrator)"},
		{actionLine{title: "Verify", state: ActionSkipped, detail: "staging mode"}, "Verify: skipped (staging mode)"},
	}
	for _, tc := range tests {
		if got := actionText(tc.l); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// errString is an error with a fixed message.
type errString string

func (e errString) Error() string { return string(e) }
