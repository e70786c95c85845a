package adtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// templateVersion names the template layout; bump it when the template
// changes in a way the cache key (Samba version, provision options,
// fixtures) does not capture.
const templateVersion = "3"

// provisionOptions are the smb.conf options given to samba-tool domain
// provision. The instance writes its own smb.conf (see config.go); these
// only matter while the template is built.
var provisionOptions = []string{
	"server services = ldap",
	"ldb:nosync = true",
}

// secrets are the passwords generated for a template, kept beside it with
// mode 0600. They exist only on this machine and only for test DCs.
type secrets struct {
	AdminPassword string `json:"adminPassword"`
	UserPassword  string `json:"userPassword"`
}

// CacheDir returns the directory that holds provisioned templates:
// $ENTRASYNC_ADTEST_CACHE when set, else entrasync/adtest under the user's
// cache directory (os.UserCacheDir), else under os.TempDir(). A template is
// about 60 MB; delete the directory to rebuild it.
func CacheDir() string {
	if d := os.Getenv("ENTRASYNC_ADTEST_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "entrasync", "adtest")
	}
	return filepath.Join(os.TempDir(), "entrasync-adtest-cache")
}

// templateKey identifies a template by everything that goes into it.
func templateKey(sambaVersion string) string {
	h := sha256.New()
	for _, s := range []string{templateVersion, sambaVersion, Realm, NetBIOS, fixturesLDIF, fmt.Sprint(LargeGroupSize)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, s := range provisionOptions {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureTemplate returns the directory of a ready template for this Samba
// version, building it first when the cache lacks one. Concurrent test
// binaries wait on a lock file, so a template is built once.
func ensureTemplate(t tools) (string, secrets, error) {
	root := CacheDir()
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", secrets{}, fmt.Errorf("create the template cache %s: %w", root, err)
	}
	key := templateKey(t.version)
	dir := filepath.Join(root, "template-"+key)
	unlock, err := lockFile(filepath.Join(root, "template-"+key+".lock"), true)
	if err != nil {
		return "", secrets{}, err
	}
	defer unlock()

	if sec, err := readSecrets(dir); err == nil {
		return dir, sec, nil
	}
	tmp := dir + ".building"
	if err := os.RemoveAll(tmp); err != nil {
		return "", secrets{}, err
	}
	sec := secrets{AdminPassword: newPassword(), UserPassword: newPassword()}
	if err := buildTemplate(t, tmp, sec); err != nil {
		return "", secrets{}, fmt.Errorf("build the Samba template in %s: %w", tmp, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", secrets{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", secrets{}, err
	}
	removeOtherTemplates(root, key)
	return dir, sec, nil
}

func readSecrets(dir string) (secrets, error) {
	var sec secrets
	b, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		return sec, err
	}
	if err := json.Unmarshal(b, &sec); err != nil {
		return sec, err
	}
	if sec.AdminPassword == "" || sec.UserPassword == "" {
		return sec, errors.New("incomplete secrets.json")
	}
	return sec, nil
}

// buildTemplate provisions a domain into dir and loads the fixtures with
// ldb tools while no samba runs.
func buildTemplate(t tools, dir string, sec secrets) error {
	for _, d := range []string{"log", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	args := []string{"domain", "provision", "--quiet",
		"--targetdir=" + dir, "--realm=" + Realm, "--domain=" + NetBIOS,
		"--server-role=dc", "--dns-backend=NONE", "--host-name=dc1", "--host-ip=127.0.0.1",
		"--adminpass=" + sec.AdminPassword,
		"--option=interfaces = 127.0.0.1/8", "--option=bind interfaces only = yes",
		"--option=log file = " + filepath.Join(dir, "log", "log.%m"),
		"--option=pid directory = " + filepath.Join(dir, "run"),
		"--option=ncalrpc dir = " + filepath.Join(dir, "run", "ncalrpc"),
		"--option=winbindd socket directory = " + filepath.Join(dir, "run", "winbindd"),
		"--option=ntp signd socket directory = " + filepath.Join(dir, "run", "ntp_signd"),
	}
	for _, o := range provisionOptions {
		args = append(args, "--option="+o)
	}
	if out, err := exec.Command(t.sambaTool, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("samba-tool domain provision: %w\n%s", err, tail(out, 30))
	}
	conf := filepath.Join(dir, "etc", "smb.conf")
	vars := templateVars(sec)
	ldif, err := expand(fixturesLDIF, vars)
	if err != nil {
		return fmt.Errorf("fixtures.ldif: %w", err)
	}
	if err := runLDB(t.ldbmodify, conf, dir, ldif, false); err != nil {
		return fmt.Errorf("load fixtures.ldif: %w", err)
	}
	if err := runLDB(t.ldbadd, conf, dir, largeGroupLDIF(), true); err != nil {
		return fmt.Errorf("load the large group: %w", err)
	}
	b, err := json.Marshal(sec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "secrets.json"), b, 0o600)
}

// templateVars are the ${NAME} variables of fixtures.ldif.
func templateVars(sec secrets) map[string]string {
	return map[string]string{
		"BASEDN":      BaseDN,
		"DNSDOMAIN":   DNSDomain,
		"ALTSUFFIX":   AltSuffix,
		"LOCALSUFFIX": LocalSuffix,
		"USERPASS":    unicodePwd(sec.UserPassword),
	}
}

// largeGroupLDIF is OU=Large with LargeGroupSize users and one group
// holding them all.
func largeGroupLDIF() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\n\n", LargeOU)
	for i := range LargeGroupSize {
		fmt.Fprintf(&b, "dn: CN=lg%04d,%s\nobjectClass: user\nsAMAccountName: lg%04d\nuserPrincipalName: lg%04d@%s\ndisplayName: Large %d\nuserAccountControl: 514\n\n",
			i, LargeOU, i, i, DNSDomain, i)
	}
	fmt.Fprintf(&b, "dn: %s\nobjectClass: group\nsAMAccountName: LargeGroup\ngroupType: -2147483646\n", LargeDN)
	for i := range LargeGroupSize {
		fmt.Fprintf(&b, "member: CN=lg%04d,%s\n", i, LargeOU)
	}
	return b.String()
}

// runLDB feeds ldif to ldbadd or ldbmodify on the domain's sam.ldb. batch
// runs the whole file in one transaction without per-record
// sub-transactions, about ten times faster; any error aborts all of it.
func runLDB(tool, conf, dir, ldif string, batch bool) error {
	f, err := os.CreateTemp(dir, "load-*.ldif")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(ldif); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	args := []string{"--configfile=" + conf, "-H", filepath.Join(dir, "private", "sam.ldb"), "--nosync"}
	if batch {
		args = append(args, "-o", "batch_mode")
	}
	args = append(args, f.Name())
	if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(tool), err, tail(out, 20))
	}
	return nil
}

func removeOtherTemplates(root, key string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "template-") && !strings.HasPrefix(n, "template-"+key) && !strings.HasSuffix(n, ".lock") {
			os.RemoveAll(filepath.Join(root, n))
		}
	}
}

// newPassword returns a random password that meets AD's complexity rules:
// 26 random base32 characters plus a lower-case letter, a digit and a symbol.
func newPassword() string {
	return rand.Text() + "a1!"
}

// unicodePwd is the LDIF (base64) value of unicodePwd for password: the
// password in double quotes, as UTF-16LE.
func unicodePwd(password string) string {
	u := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// tail returns the last n lines of out, for error messages.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
