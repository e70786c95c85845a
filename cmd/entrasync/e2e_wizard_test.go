package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
)

// e2eTenant is the emulator's default tenant with the forest's suffix
// example.com verified: Alice (example.com) keeps her UPN, Carol
// (corp.local) gets one on the initial domain.
func e2eTenant() entratest.Tenant {
	t := entratest.DefaultTenant()
	t.Domains = append(t.Domains, entratest.Domain{Name: adtest.AltSuffix, Verified: true})
	return t
}

// The initial sync reads the whole Samba forest (fixtures and a group of
// 1,600 users) and writes it to the emulator.
const syncTimeout = 5 * time.Minute

// TestWizardExpressSetupThenSyncNow drives the real binary in a terminal
// through the whole express setup against a Samba AD DC and the Entra
// emulator, approving the device code the screen shows as the tenant's
// Global Administrator; checks what the tenant and AD hold; then runs the
// binary again, which opens the task menu, changes AD and runs Sync now.
func TestWizardExpressSetupThenSyncNow(t *testing.T) {
	dc := adtest.Start(t)
	srv := entratest.NewServer(t, entratest.WithTenant(e2eTenant()))
	dir := filepath.Join(t.TempDir(), "es")
	args := []string{"--dir", dir, "--authority-host", srv.AuthorityHost(), "--graph-endpoint", srv.URL, "--entra-ca-file", srv.CAFile()}
	env := ptyEnv()

	tm := startTerm(t, env, args...)
	tm.waitText("Step 1 of 8", 30*time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)

	tm.waitText("Step 2 of 8", 10*time.Second)
	tm.waitFocus("Settings")
	tm.waitText("> Use express settings", time.Second)
	tm.send(keyEnter)

	tm.waitText("Step 3 of 8", 10*time.Second)
	tm.waitText("Sign in", 10*time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)
	tm.waitText("enter the code", 30*time.Second)
	codes := srv.PendingDeviceCodes()
	if len(codes) != 1 {
		t.Fatalf("pending device codes: got %v, want one", codes)
	}
	tm.waitText(codes[0], time.Second) // the code the administrator types is on the screen
	if err := srv.ApproveDeviceCode(codes[0], entratest.DefaultGlobalAdmin); err != nil {
		t.Fatal(err)
	}
	tm.waitText("Continue as "+entratest.DefaultGlobalAdmin, 30*time.Second)
	tm.waitFocus("Account")
	tm.send(keyEnter)

	tm.waitText("Step 4 of 8", 10*time.Second)
	tm.waitFocus("Domain controller")
	tm.typeInto(dc.Host)
	tm.send(keyEnter)
	tm.waitFocus("Connection")
	tm.send(keyEnter)
	tm.waitFocus("CA certificate file")
	tm.typeInto(dc.CAFile)
	tm.send(keyEnter)
	tm.waitFocus("Enterprise Admin")
	tm.typeInto(dc.AdminDownLevel)
	tm.send(keyEnter)
	tm.waitFocus("Password")
	tm.send(dc.AdminPassword, keyEnter)

	tm.waitText("Step 5 of 8", time.Minute) // UPN suffixes
	tm.waitText(adtest.LocalSuffix, time.Minute)
	tm.waitFocus("Next step")
	tm.send(keyEnter)
	tm.waitFocus("Press Enter to continue")
	tm.send("x")
	tm.waitText("✓ Continue without matching", 10*time.Second)
	tm.send(keyEnter)

	tm.waitText("Step 6 of 8", time.Minute) // Ready to configure
	tm.waitFocus("Press Enter to install")
	tm.send(keyEnter)

	tm.waitText("Step 8 of 8", syncTimeout) // Complete
	tm.waitText("Finish", time.Second)
	tm.waitFocus("")
	tm.send(keyEnter)
	if code := tm.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("setup: exit code %d, want 0", code)
	}
	tm.waitLog("entrasync is set up", time.Second)

	// The tenant holds the application and the forest's users, with the
	// UPN each one's suffix allows.
	cfg, err := sync.LoadConfig(sync.DirsAt(dir).ConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	if apps := srv.Applications(); !hasObject(apps, "appId", cfg.Entra.ClientID) {
		t.Errorf("no application with the configured client id %s in the tenant", cfg.Entra.ClientID)
	}
	if !strings.HasPrefix(srv.Applications()[len(srv.Applications())-1].String("displayName"), "entrasync-") {
		t.Errorf("the application's name does not start with entrasync-")
	}
	alice := userByName(t, srv, "Alice Adams")
	if want := dc.Attr(t, adtest.AliceDN, "userPrincipalName")[0]; !strings.EqualFold(alice.String("userPrincipalName"), want) {
		t.Errorf("Alice's UPN in Entra: got %q, want her AD UPN %q (example.com is verified)", alice.String("userPrincipalName"), want)
	}
	if carol := userByName(t, srv, "Carol Clark"); !strings.HasSuffix(carol.String("userPrincipalName"), "@"+srv.InitialDomain) {
		t.Errorf("Carol's UPN in Entra: got %q, want one on %s (corp.local is not verified)", carol.String("userPrincipalName"), srv.InitialDomain)
	}
	if !hasObject(srv.Groups(), "displayName", "Sales") {
		t.Error("the security group Sales is not in the tenant")
	}
	// AD holds the connector account the configuration names.
	sam := cfg.AD.BindUser[strings.LastIndex(cfg.AD.BindUser, `\`)+1:]
	out, err := dc.LDAPSearchCommand("-b", dc.BaseDN, "(sAMAccountName="+sam+")", "dn").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "dn: CN=") {
		t.Errorf("the connector account %s is not in AD: %v\n%s", cfg.AD.BindUser, err, out)
	}

	// Again: the task menu. A new user in AD reaches Entra with Sync now.
	ou := dc.NewOU(t, "")
	nora := "nora" + uniqueTag()
	dc.Add(t, "CN=Nora New,"+ou, map[string][]string{
		"objectClass": {"user"}, "sAMAccountName": {nora}, "userPrincipalName": {nora + "@" + adtest.AltSuffix},
		"displayName": {"Nora New"}, "givenName": {"Nora"}, "sn": {"New"},
	})
	tm = startTerm(t, env, args...)
	tm.waitText("Task menu", 30*time.Second)
	tm.waitFocus("What do you want to do?")
	tm.waitText("> Sync now (delta)", time.Second)
	tm.send(keyEnter)
	tm.waitText("Back to the menu", syncTimeout)
	tm.waitText("created 1", time.Second)
	if _, ok := srv.UserByUPN(nora + "@" + adtest.AltSuffix); !ok {
		t.Errorf("Sync now did not create %s@%s in the tenant", nora, adtest.AltSuffix)
	}
	tm.waitFocus("")
	tm.send(keyEnter)
	tm.waitFocus("What do you want to do?")
	tm.send(keyCtrlC)
	if code := tm.exitCode(30 * time.Second); code != 0 {
		t.Errorf("leaving the menu: exit code %d, want 0", code)
	}
}

// userByName returns the tenant's user with a display name.
func userByName(t *testing.T, srv *entratest.Server, name string) entratest.Object {
	t.Helper()
	for _, u := range srv.Users() {
		if u.String("displayName") == name {
			return u
		}
	}
	t.Fatalf("no user %q in the tenant", name)
	return entratest.Object{}
}

// hasObject reports whether an object has property = value.
func hasObject(objs []entratest.Object, property, value string) bool {
	for _, o := range objs {
		if o.String(property) == value {
			return true
		}
	}
	return false
}
