package memdc_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
)

// ldapTool runs an OpenLDAP client (ldap-utils) against s, verifying the
// DC's certificate with the exported CA file and binding as the
// administrator with a password file. It skips when the tools are missing,
// except in CI.
func ldapTool(t *testing.T, s *memdc.Server, stdin string, tool string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI must install ldap-utils (bash ad/adtest/samba-install.sh)", tool)
		}
		t.Skipf("%s is not installed; install ldap-utils (apt-get install ldap-utils) to run this test", tool)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(s.AdminPassword()), 0o600); err != nil {
		t.Fatalf("write the password file: %v", err)
	}
	args = append([]string{"-x", "-D", s.AdminUser(), "-y", pwFile}, args...)
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "LDAPCONF=/dev/null", "LDAPRC=memdc-test-no-ldaprc", "LDAPTLS_CACERT="+s.CAFile(), "LDAPTLS_REQCERT=demand")
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

func numEntries(out string) int {
	m := regexp.MustCompile(`# numEntries: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestLDAPUtils(t *testing.T) {
	s := startSample(t)
	people := "(&(objectCategory=person)(objectClass=user))"
	t.Run("paged ldapsearch over LDAPS", func(t *testing.T) {
		out, err := ldapTool(t, s, "", "ldapsearch", "-H", s.LDAPSURL(), "-b", "OU=Corp,"+s.BaseDN(), "-E", "pr=100/noprompt", people, "sAMAccountName")
		if err != nil {
			t.Fatalf("ldapsearch: %v\n%s", err, out)
		}
		if n := numEntries(out); n < 180 {
			t.Fatalf("ldapsearch found %d people, want 180+:\n%s", n, out[:min(len(out), 2000)])
		}
	})
	t.Run("unpaged ldapsearch is capped at 1000", func(t *testing.T) {
		if err := s.Add(bulkObjects(s, 1200)...); err != nil {
			t.Fatalf("add: %v", err)
		}
		out, err := ldapTool(t, s, "", "ldapsearch", "-H", s.LDAPSURL(), "-b", "OU=Bulk LDIF,"+s.BaseDN(), "(objectClass=contact)", "1.1")
		if err == nil || !strings.Contains(out, "result: 4 Size limit exceeded") || numEntries(out) != 1000 {
			t.Fatalf("unpaged search of 1,200: got %v with %d entries, want sizeLimitExceeded after 1000:\n%s", err, numEntries(out), out[len(out)-min(len(out), 500):])
		}
	})
	t.Run("StartTLS", func(t *testing.T) {
		out, err := ldapTool(t, s, "", "ldapsearch", "-ZZ", "-H", s.LDAPURL(), "-b", s.AdminDN(), "-s", "base", "(objectClass=*)", "objectSid")
		if err != nil || numEntries(out) != 1 {
			t.Fatalf("ldapsearch -ZZ: %v\n%s", err, out)
		}
	})
	t.Run("DirSync", func(t *testing.T) {
		out, err := ldapTool(t, s, "", "ldapsearch", "-LL", "-H", s.LDAPSURL(), "-b", s.BaseDN(), "-E", "!dirSync=0/0", people, "sAMAccountName")
		if err != nil || !strings.Contains(out, "# cookie:: TVNEUw") {
			t.Fatalf("ldapsearch DirSync: %v, want a cookie starting MSDS:\n%s", err, out[len(out)-min(len(out), 800):])
		}
	})
	t.Run("ldapmodify adds a UPN suffix", func(t *testing.T) {
		ldif := "dn: CN=Partitions,CN=Configuration," + s.BaseDN() + "\nchangetype: modify\nadd: uPNSuffixes\nuPNSuffixes: ldif.example\n"
		out, err := ldapTool(t, s, ldif, "ldapmodify", "-H", s.LDAPSURL())
		if err != nil {
			t.Fatalf("ldapmodify: %v\n%s", err, out)
		}
		if !strings.Contains(strings.Join(s.UPNSuffixes(), ","), "ldif.example") {
			t.Fatalf("the suffix is not on CN=Partitions: %v", s.UPNSuffixes())
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		other := start(t, memdc.Options{})
		out, err := ldapTool(t, s, "", "ldapsearch", "-H", other.LDAPSURL(), "-b", "", "-s", "base", "(objectClass=*)")
		if err == nil || !strings.Contains(out, "Can't contact LDAP server") {
			t.Fatalf("ldapsearch with another forest's CA: got %v, want a TLS failure:\n%s", err, out)
		}
	})
}

// bulkObjects is an OU with n contacts.
func bulkObjects(s *memdc.Server, n int) []memdc.Object {
	ou := "OU=Bulk LDIF," + s.BaseDN()
	objs := []memdc.Object{{DN: ou, Attributes: map[string][]string{"objectClass": {"organizationalUnit"}}}}
	for i := 0; i < n; i++ {
		objs = append(objs, memdc.Object{DN: "CN=Contact " + strconv.Itoa(i) + "," + ou, Attributes: map[string][]string{"objectClass": {"contact"}}})
	}
	return objs
}
