package live

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

func TestRunSummary(t *testing.T) {
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     sync.RunSummary
		kind   wizard.SyncKind
		status string
	}{
		{"initial", sync.RunSummary{Kind: sync.RunFull, Trigger: triggerSetup, Status: sync.StatusSuccess}, wizard.SyncInitial, "success"},
		{"full", sync.RunSummary{Kind: sync.RunFull, Trigger: "manual", Status: sync.StatusWithErrors}, wizard.SyncFull, "completed with errors"},
		{"delta", sync.RunSummary{Kind: sync.RunDelta, Status: sync.StatusCancelled}, wizard.SyncDelta, "cancelled"},
		{"guard", sync.RunSummary{Kind: sync.RunDelta, Status: sync.StatusGuard,
			Guards: []sync.GuardError{{Guard: sync.GuardDeletions}, {Guard: sync.GuardDeletionPct}}}, wizard.SyncDelta, "stopped: deletion threshold, deletion percentage"},
		{"staging", sync.RunSummary{Kind: sync.RunDelta, Status: sync.StatusStaged, Trigger: "schedule", DryRun: true}, wizard.SyncDelta, "staging: nothing exported"},
		{"preview", sync.RunSummary{Kind: sync.RunDelta, Status: sync.StatusStaged, Trigger: "preview", DryRun: true}, wizard.SyncDelta, "preview: nothing exported"},
		{"failed", sync.RunSummary{Kind: sync.RunDelta, Status: sync.StatusFailed, Error: "sync: connect to Active Directory: refused"}, wizard.SyncDelta,
			"failed: sync: connect to Active Directory: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.ID, in.Started, in.Duration = "r1", start, 3*time.Second
			in.Counts = sync.Counts{Imported: 10, Created: 2, Adopted: 1, Updated: 3, Deleted: 1, Errors: 2}
			in.ErrorCount = 2
			in.Warnings = []sync.Warning{
				{Code: sync.WarnUPNFallback, Message: "UPN suffix corp.local is not a verified domain: users get <mailNickname>@contoso.onmicrosoft.com",
					Count: 3, Objects: []string{"a", "b"}},
				{Code: sync.WarnNotCreatable, Message: "contacts cannot be created", Count: 1}}
			got := runSummary(in)
			if got.Kind != tt.kind || got.Status != tt.status {
				t.Errorf("got kind %s status %q, want %s %q", got.Kind, got.Status, tt.kind, tt.status)
			}
			if got.ID != "r1" || !got.Started.Equal(start) || got.Duration != 3*time.Second || got.Imported != 10 || got.Created != 3 ||
				got.Updated != 3 || got.Deleted != 1 || got.Errors != 2 {
				t.Errorf("counts: got %+v", got)
			}
			want := []wizard.Warning{
				{Message: "UPN suffix corp.local is not a verified domain: users get <mailNickname>@contoso.onmicrosoft.com (3 objects)",
					Count: 3, Objects: []string{"a", "b"}, UPNSuffix: "corp.local"},
				{Message: "contacts cannot be created", Count: 1}}
			if !reflect.DeepEqual(got.Warnings, want) {
				t.Errorf("warnings: got %+v, want %+v", got.Warnings, want)
			}
		})
	}
}

func TestFallbackSuffix(t *testing.T) {
	tests := []struct {
		name string
		in   sync.Warning
		want string
	}{
		{"unverified suffix", sync.Warning{Code: sync.WarnUPNFallback, Message: "UPN suffix corp.local is not a verified domain: users get <mailNickname>@x"}, "corp.local"},
		{"characters Graph refuses", sync.Warning{Code: sync.WarnUPNFallback, Message: "UPN has characters Graph refuses: users get <mailNickname>@x"}, ""},
		{"no usable UPN", sync.Warning{Code: sync.WarnUPNFallback, Message: "no usable UPN: users get <mailNickname>@x"}, ""},
		{"another code", sync.Warning{Code: sync.WarnDrift, Message: "UPN suffix corp.local is not a verified domain"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fallbackSuffix(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	p := &sync.Plan{
		Changes: []sync.Change{
			{Op: sync.OpCreate, Kind: sync.KindUser, Name: "ann@example.com", Reason: "new in Active Directory"},
			{Op: sync.OpUpdate, Kind: sync.KindUser, Name: "bob@example.com", Attributes: sync.Attributes{"department": "Sales", "manager": "A1"},
				Old: sync.Attributes{"department": "", "manager": "A2"}, Drift: []string{"department"}},
			{Op: sync.OpAdopt, Kind: sync.KindUser, Name: "lee@example.com", Reason: "soft match: adopting the cloud object with the same mail"},
			{Op: sync.OpAddMembers, Kind: sync.KindGroup, Name: "Team", Members: []string{"A1", "A3"}},
			{Op: sync.OpRemoveMembers, Kind: sync.KindGroup, Name: "Team", Members: []string{"A2"}},
			{Op: sync.OpDelete, Kind: sync.KindGroup, Name: "Old", Reason: "deleted in AD"},
		},
		Names:   map[string]string{"A1": "ann@example.com", "A2": "cat@example.com"},
		Blocked: []sync.GuardError{{Guard: sync.GuardDeletions, Limit: 0, Actual: 1, Detail: "1 delete"}},
	}
	got := plan(p)
	var lines []string
	for _, c := range got.Changes {
		lines = append(lines, string(c.Op)+"|"+c.Kind+"|"+c.Object+"|"+c.Detail)
	}
	want := []string{
		"create|user|ann@example.com|new in Active Directory",
		`update|user|bob@example.com|department: "" → "Sales", manager: "cat@example.com" → "ann@example.com" (edited in Entra: department)`,
		"update|user|lee@example.com|adopt the existing cloud object (soft match: adopting the cloud object with the same mail)",
		"add member|group|Team|ann@example.com",
		"add member|group|Team|A3",
		"remove member|group|Team|cat@example.com",
		"delete|group|Old|deleted in AD",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if got.Blocked == "" || !strings.Contains(got.Blocked, "deletion threshold") {
		t.Errorf("blocked: got %q, want the deletion guard", got.Blocked)
	}
	if plan(&sync.Plan{}).Blocked != "" {
		t.Error("an empty plan is blocked")
	}
}

// TestProgress checks the phase mapping, the counters and that reports
// within one phase are spaced out while phase changes and the end always
// get through.
func TestProgress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []wizard.Progress
	p := newProgress(func() time.Time { return now }, 1000, func(e wizard.Progress) { got = append(got, e) })
	step := func(d time.Duration, e sync.Progress) {
		now = now.Add(d)
		p.report(e)
	}
	step(0, sync.Progress{Phase: sync.PhaseImport, Done: 0})
	step(50*time.Millisecond, sync.Progress{Phase: sync.PhaseImport, Done: 500}) // too soon: dropped
	step(300*time.Millisecond, sync.Progress{Phase: sync.PhaseImport, Done: 1200})
	step(time.Millisecond, sync.Progress{Phase: sync.PhasePlan, Counts: sync.Counts{Imported: 1200}})
	step(time.Millisecond, sync.Progress{Phase: sync.PhaseApply, Done: 0, Counts: sync.Counts{Imported: 1200, Planned: 40}})
	step(time.Millisecond, sync.Progress{Phase: sync.PhaseApply, Done: 20, Counts: sync.Counts{Imported: 1200, Planned: 40}}) // dropped
	step(time.Millisecond, sync.Progress{Phase: sync.PhaseDone, Counts: sync.Counts{Imported: 1200, Planned: 40, Created: 38, Errors: 2}})
	want := []wizard.Progress{
		{Phase: wizard.PhaseImport, Imported: 0, ImportTotal: 1000},
		{Phase: wizard.PhaseImport, Imported: 1200, ImportTotal: 1200},
		{Phase: wizard.PhasePlan, Imported: 1200, ImportTotal: 1200},
		{Phase: wizard.PhaseApply, Imported: 1200, ImportTotal: 1200, Planned: 40},
		{Phase: wizard.PhaseDone, Imported: 1200, ImportTotal: 1200, Planned: 40, Exported: 38, Errors: 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
