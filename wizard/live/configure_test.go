package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/wizard"
)

// TestSetupSyncUninstall is the whole life of an installation: plan,
// configure, initial sync, a change in AD and a delta sync, history, then
// uninstall, which leaves nothing of entrasync behind but the synced
// objects.
func TestSetupSyncUninstall(t *testing.T) {
	w := newWorld(t)
	tenant, err := w.signIn(w.b, entratest.DefaultGlobalAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.b.CheckAD(w.ctx, w.connection(), wizard.Credentials{User: w.dc.AdminUPN, Password: w.dc.AdminPassword}); err != nil {
		t.Fatal(err)
	}
	ou := w.dc.NewOU(t, "")
	seq := hostSeq.Add(1)
	sam := func(s string) string { return fmt.Sprintf("%s%d", s, seq) }
	ann := w.addUser(ou, "Ann Verified", sam("ann"), sam("ann")+"@"+adtest.AltSuffix, map[string][]string{"department": {"Sales"}})
	w.addUser(ou, "Lou Local", sam("lou"), sam("lou")+"@"+adtest.LocalSuffix, nil)
	w.dc.Add(t, "CN=Team,"+ou, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {sam("team")}, "member": {ann}})

	// Nothing is written before Configure.
	if _, err := w.b.SavedConfig(w.ctx); !errors.Is(err, wizard.ErrNotConfigured) {
		t.Fatalf("SavedConfig before setup: got %v, want ErrNotConfigured", err)
	}
	cfg := w.config(tenant, ou)
	plan, err := w.b.SetupPlan(w.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range plan {
		ids = append(ids, a.ID)
		if a.Title == "" || a.Detail == "" {
			t.Errorf("action %s: got %+v, want a title and a detail", a.ID, a)
		}
	}
	if want := []string{ActionAccount, ActionApp, ActionGrant, ActionVerify, ActionSave}; !slices.Equal(ids, want) {
		t.Errorf("plan: got %v, want %v", ids, want)
	}
	if files := leftFiles(t, w.dir); len(files) != 0 {
		t.Errorf("SetupPlan wrote %v", files)
	}

	var ev events
	setup, err := w.b.Configure(w.ctx, &cfg, ev.add)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	wantEvents := []string{}
	for _, id := range ids {
		wantEvents = append(wantEvents, id+":running", id+":done")
	}
	if got := ev.states(); !slices.Equal(got, wantEvents) {
		t.Errorf("events: got %v, want %v", got, wantEvents)
	}

	// The generated fields are filled and saved.
	if !strings.HasPrefix(cfg.AD.BindUser, `CORP\`+ad.ConnectorAccountPrefix) || cfg.AD.PasswordFile != PasswordFile ||
		cfg.Entra.CertificateFile != CertificateFile || cfg.Entra.ClientID == "" || cfg.Entra.TenantID != w.srv.TenantID {
		t.Errorf("generated fields: got ad %+v entra %+v", cfg.AD, cfg.Entra)
	}
	saved, err := w.b.SavedConfig(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if saved.AD.BindUser != cfg.AD.BindUser || saved.Entra.ClientID != cfg.Entra.ClientID || saved.Entra.GraphEndpoint != w.srv.URL ||
		saved.Entra.CAFile != w.srv.CAFile() || !slices.Equal(saved.AD.Scope.Include, []string{ou}) {
		t.Errorf("saved configuration: got ad %+v entra %+v", saved.AD, saved.Entra)
	}
	if setup.ConfigPath != filepath.Join(w.dir, "config.yaml") || len(setup.Warnings) != 1 {
		t.Errorf("setup: got config %q, warnings %v", setup.ConfigPath, setup.Warnings)
	}
	for _, f := range []string{PasswordFile, CertificateFile, RecordFile} {
		if m := fileMode(t, filepath.Join(w.dir, f)); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", f, m)
		}
	}
	key, _ := os.ReadFile(filepath.Join(w.dir, CertificateFile))
	if !strings.Contains(string(key), "PRIVATE KEY") {
		t.Error("the certificate file holds no private key")
	}

	// The connector account exists, is not an admin, and has its ACEs.
	rec, ok, err := w.b.loadRecord()
	if err != nil || !ok || rec.Account == nil || rec.App == nil || rec.Completed.IsZero() {
		t.Fatalf("record: got %+v, %v, %v", rec, ok, err)
	}
	if got := w.dc.Attr(t, rec.Account.DN, "sAMAccountName"); len(got) != 1 || !strings.HasSuffix(cfg.AD.BindUser, got[0]) {
		t.Errorf("connector account %s: sAMAccountName %v", rec.Account.DN, got)
	}
	if !slices.Contains(w.aceHolders(adtest.BaseDN), rec.Account.SID) {
		t.Errorf("the domain root's DACL has no ACE for the connector %s", rec.Account.SID)
	}
	if got := w.dc.Attr(t, rec.Account.DN, "adminCount"); len(got) != 0 {
		t.Errorf("the connector is protected as an admin (adminCount %v)", got)
	}
	// The application, its service principal and its permissions exist.
	if apps := w.appsNamed(w.b.AppName()); len(apps) != 1 || apps[0].String("appId") != cfg.Entra.ClientID {
		t.Fatalf("applications named %s: got %d", w.b.AppName(), len(apps))
	}
	sps := w.spsOf(cfg.Entra.ClientID)
	if len(sps) != 1 {
		t.Fatalf("service principals of %s: got %d, want 1", cfg.Entra.ClientID, len(sps))
	}
	var granted []string
	for _, a := range w.srv.AppRoleAssignments() {
		if a.PrincipalID == sps[0].ID {
			granted = append(granted, a.Permission)
		}
	}
	slices.Sort(granted)
	if want := []string{"Domain.Read.All", "Group.ReadWrite.All", "User.ReadWrite.All"}; !slices.Equal(granted, want) {
		t.Errorf("granted permissions: got %v, want %v", granted, want)
	}

	// The initial sync creates the users and the group in Entra.
	var last wizard.Progress
	calls := 0
	sum, err := w.b.Sync(w.ctx, wizard.SyncInitial, func(p wizard.Progress) { last = p; calls++ })
	if err != nil {
		t.Fatalf("initial sync: %v", err)
	}
	if sum.Kind != wizard.SyncInitial || sum.Status != "success" || sum.Created != 3 || sum.Errors != 0 {
		t.Errorf("initial sync: got %+v, want success with 3 creates", sum)
	}
	if calls == 0 || last.Phase != wizard.PhaseDone || last.Imported != 3 || last.Exported < 3 {
		t.Errorf("progress: %d calls, last %+v, want done with 3 imported", calls, last)
	}
	if _, ok := w.srv.UserByUPN(sam("ann") + "@" + adtest.AltSuffix); !ok {
		t.Errorf("Ann is not in Entra under her verified UPN")
	}
	if _, ok := w.srv.UserByUPN(sam("lou") + "@" + w.srv.InitialDomain); !ok {
		t.Errorf("Lou is not in Entra under %s@%s", sam("lou"), w.srv.InitialDomain)
	}
	// The engine's warning about Lou names the suffix, so the wizard says
	// it once, in its words.
	if !slices.ContainsFunc(sum.Warnings, func(x wizard.Warning) bool {
		return strings.EqualFold(x.UPNSuffix, adtest.LocalSuffix) && x.Count == 1 && slices.Contains(x.Objects, sam("lou")+"@"+adtest.LocalSuffix)
	}) {
		t.Errorf("initial sync warnings: got %+v, want one about Lou on %s with its suffix", sum.Warnings, adtest.LocalSuffix)
	}
	if !slices.ContainsFunc(w.srv.Groups(), func(g entratest.Object) bool { return g.String("displayName") == "Team" && len(g.Members) == 1 }) {
		t.Error("the group Team with its member is not in Entra")
	}

	// A change in AD shows in the plan, then a delta sync applies it.
	w.addUser(ou, "Dee Delta", sam("dee"), sam("dee")+"@"+adtest.AltSuffix, nil)
	p, err := w.b.Plan(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Op != wizard.OpCreate || p.Changes[0].Object != sam("dee")+"@"+adtest.AltSuffix || p.Blocked != "" {
		t.Errorf("plan: got %+v, want Dee's create", p)
	}
	sum, err = w.b.Sync(w.ctx, wizard.SyncDelta, nil)
	if err != nil || sum.Kind != wizard.SyncDelta || sum.Created != 1 {
		t.Errorf("delta sync: got %+v, %v, want Dee created", sum, err)
	}
	hist, err := w.b.History(w.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, h := range hist {
		kinds = append(kinds, h.Kind.String()+" "+h.Status)
	}
	if want := []string{"delta success", "delta preview: nothing exported", "initial success"}; !slices.Equal(kinds, want) {
		t.Errorf("history: got %v, want %v", kinds, want)
	}

	// Uninstall removes the application, the account, its ACEs and every
	// file, and leaves the synced users.
	ev = events{}
	if err := w.b.Uninstall(w.ctx, ev.add); err != nil {
		t.Fatalf("Uninstall: %v (events %v)", err, ev.states())
	}
	if want := []string{"remove-app:running", "remove-app:done", "remove-account:running", "remove-account:done", "remove-files:running", "remove-files:done"}; !slices.Equal(ev.states(), want) {
		t.Errorf("uninstall events: got %v, want %v", ev.states(), want)
	}
	checkNothingLeft(t, w, rec)
	if _, ok := w.srv.UserByUPN(sam("ann") + "@" + adtest.AltSuffix); !ok {
		t.Error("uninstall deleted a synced user")
	}
	// Again: nothing to do, no error.
	ev = events{}
	if err := w.b.Uninstall(w.ctx, ev.add); err != nil {
		t.Fatalf("second Uninstall: %v", err)
	}
	if want := []string{"remove-app:skipped", "remove-account:skipped", "remove-files:running", "remove-files:done"}; !slices.Equal(ev.states(), want) {
		t.Errorf("second uninstall events: got %v, want %v", ev.states(), want)
	}
	checkNothingLeft(t, w, rec)
}

// checkNothingLeft checks that the account and application rec names,
// the account's ACEs and every file of the state directory are gone.
func checkNothingLeft(t *testing.T, w *world, rec *record) {
	t.Helper()
	if rec.Account != nil {
		if got := w.dc.Attr(t, rec.Account.DN, "objectSid"); got != nil {
			t.Errorf("the connector account %s is still there", rec.Account.DN)
		}
		if rec.Account.SID != "" && slices.Contains(w.aceHolders(adtest.BaseDN), rec.Account.SID) {
			t.Errorf("the domain root still has ACEs for %s", rec.Account.SID)
		}
	}
	if rec.App != nil {
		if apps := w.appsNamed(rec.App.DisplayName); len(apps) != 0 {
			t.Errorf("%d applications named %s are left", len(apps), rec.App.DisplayName)
		}
		if rec.App.AppID != "" {
			if sps := w.spsOf(rec.App.AppID); len(sps) != 0 {
				t.Errorf("%d service principals of %s are left", len(sps), rec.App.AppID)
			}
		}
	}
	if files := leftFiles(t, w.dir); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}
