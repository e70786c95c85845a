package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/entra/entratest"
)

// TestScripts runs the txtar scripts in testdata/script: each command of
// the real binary and each exit code, as an administrator would type them
// (soft-serve's style). Every script gets:
//
//   - entrasync on $PATH, with CONFIGURATION_DIRECTORY=$WORK/etc and
//     STATE_DIRECTORY=$WORK/state (as systemd exports them), so nothing is
//     written outside $WORK;
//   - a Samba AD DC (one per test binary) and an OU of its own, $OU, with
//     $U a tag unique in the DC to end the script's user names with (AD
//     wants sAMAccountNames unique in the domain, across scripts and
//     -count runs), and
//     the Enterprise Admin $DC_ADMIN whose password is in $WORK/admin.pw;
//     $DC_HOST and $DC_CA reach the DC;
//   - an Entra emulator of its own ($AUTHORITY, $GRAPH, $ENTRA_CA) that
//     approves device codes at once as the Global Administrator, with
//     example.com verified;
//   - $ENTRA_FLAGS and $AD_FLAGS, the flags that point setup there.
//
// Extra commands: code (exec checking the exit code, which also splits
// $ENTRA_FLAGS and $AD_FLAGS into words), aduser and addel (AD writes),
// entrauser (the tenant's users), entraapps (its applications), nosecrets
// (the last command printed no password).
func TestScripts(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dc := adtest.Start(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			tb := env.T().(testing.TB)
			bin := filepath.Join(env.WorkDir, ".bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				return err
			}
			if err := os.Symlink(self, filepath.Join(bin, "entrasync")); err != nil {
				return err
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("CONFIGURATION_DIRECTORY", filepath.Join(env.WorkDir, "etc"))
			env.Setenv("STATE_DIRECTORY", filepath.Join(env.WorkDir, "state"))

			srv := entratest.NewServer(tb, entratest.WithTenant(e2eTenant()), entratest.WithAutoApprove(0, entratest.DefaultGlobalAdmin))
			env.Values[srvKey{}] = srv
			env.Values[dcKey{}] = dc
			env.Values[tbKey{}] = tb
			ou := dc.NewOU(tb, "script")
			env.Setenv("OU", ou)
			env.Setenv("U", uniqueTag())
			env.Setenv("DC_HOST", dc.Host)
			env.Setenv("DC_CA", dc.CAFile)
			env.Setenv("DC_ADMIN", dc.AdminDownLevel)
			env.Setenv("AUTHORITY", srv.AuthorityHost())
			env.Setenv("GRAPH", srv.URL)
			env.Setenv("ENTRA_CA", srv.CAFile())
			env.Setenv("ENTRA_FLAGS", fmt.Sprintf("--authority-host %s --graph-endpoint %s --entra-ca-file %s", srv.AuthorityHost(), srv.URL, srv.CAFile()))
			env.Setenv("AD_FLAGS", fmt.Sprintf("--ad-host %s --ad-ca-file %s --ad-admin %s --ad-admin-password-file %s",
				dc.Host, dc.CAFile, dc.AdminDownLevel, filepath.Join(env.WorkDir, "admin.pw")))
			return os.WriteFile(filepath.Join(env.WorkDir, "admin.pw"), []byte(dc.AdminPassword+"\n"), 0o600)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"code":      cmdCode,
			"aduser":    cmdADUser,
			"addel":     cmdADDelete,
			"entrauser": cmdEntraUser,
			"entraapps": cmdEntraApps,
			"nosecrets": cmdNoSecrets,
		},
	})
}

// tagSeq makes uniqueTag's tags.
var tagSeq atomic.Int64

// uniqueTag returns a short tag no other test of this binary gets.
func uniqueTag() string { return strconv.FormatInt(tagSeq.Add(1), 36) }

type (
	srvKey struct{}
	dcKey  struct{}
	tbKey  struct{}
)

// cmdCode runs a program and checks its exit code:
//
//	code 3 entrasync sync
func cmdCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: code N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("code: %v", err)
	}
	err = ts.Exec(args[1], splitFlags(ts, args[2:])...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("code: %v", err)
	}
	if got != want {
		ts.Fatalf("exit code: got %d, want %d", got, want)
	}
}

// splitFlags expands the arguments $ENTRA_FLAGS and $AD_FLAGS, which hold
// several flags, into words.
func splitFlags(ts *testscript.TestScript, args []string) []string {
	var out []string
	for _, a := range args {
		if a == ts.Getenv("ENTRA_FLAGS") || a == ts.Getenv("AD_FLAGS") {
			out = append(out, strings.Fields(a)...)
			continue
		}
		out = append(out, a)
	}
	return out
}

// cmdADUser adds an enabled user to the script's OU:
//
//	aduser sam [upn-suffix]
func cmdADUser(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: aduser sam [upn-suffix]")
	}
	dc := ts.Value(dcKey{}).(*adtest.DC)
	suffix := adtest.AltSuffix
	if len(args) == 2 {
		suffix = args[1]
	}
	sam := args[0]
	dc.Add(ts.Value(tbKey{}).(testing.TB), "CN="+sam+","+ts.Getenv("OU"), map[string][]string{
		"objectClass": {"user"}, "sAMAccountName": {sam}, "userPrincipalName": {sam + "@" + suffix},
		"displayName": {sam}, "givenName": {sam}, "sn": {"Script"},
	})
}

// cmdADDelete deletes users of the script's OU: addel sam...
func cmdADDelete(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: addel sam...")
	}
	dc := ts.Value(dcKey{}).(*adtest.DC)
	for _, sam := range args {
		dc.Delete(ts.Value(tbKey{}).(testing.TB), "CN="+sam+","+ts.Getenv("OU"))
	}
}

// cmdEntraUser checks that the tenant holds (or, negated, does not hold)
// a live user: entrauser upn
func cmdEntraUser(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: entrauser upn")
	}
	_, ok := ts.Value(srvKey{}).(*entratest.Server).UserByUPN(args[0])
	if ok == neg {
		ts.Fatalf("user %s in the tenant: got %v, want %v", args[0], ok, !neg)
	}
}

// cmdEntraApps checks how many applications named entrasync-* the tenant
// holds: entraapps n
func cmdEntraApps(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: entraapps n")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("entraapps: %v", err)
	}
	got := 0
	for _, a := range ts.Value(srvKey{}).(*entratest.Server).Applications() {
		if strings.HasPrefix(a.String("displayName"), "entrasync-") {
			got++
		}
	}
	if got != want {
		ts.Fatalf("entrasync applications in the tenant: got %d, want %d", got, want)
	}
}

// cmdNoSecrets checks that the last command's stdout and stderr hold
// neither the Enterprise Admin's password nor the connector account's:
// nosecrets
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nosecrets")
	}
	secrets := []string{strings.TrimSpace(ts.ReadFile("admin.pw"))}
	if b, err := os.ReadFile(ts.MkAbs("state/ad-connector.secret")); err == nil {
		secrets = append(secrets, strings.TrimSpace(string(b)))
	}
	for _, stream := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(stream)
		for i, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				ts.Fatalf("%s holds secret %d", stream, i)
			}
		}
	}
}
