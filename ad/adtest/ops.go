package adtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// seqCounter numbers the OUs and seeds of one DC.
type seqCounter struct{ n atomic.Int64 }

func (s *seqCounter) next() int64 { return s.n.Add(1) }

// adminConn returns the DC's shared LDAPS connection bound as
// Administrator, dialing it on first use and again when it was closed:
// Samba closes connections that stay idle (a long seed with ldbadd
// outlasts them), and go-ldap marks such a connection closing.
func (dc *DC) adminConn(tb testing.TB) *ldap.Conn {
	tb.Helper()
	dc.connMu.Lock()
	defer dc.connMu.Unlock()
	if dc.conn != nil && !dc.conn.IsClosing() {
		return dc.conn
	}
	if dc.conn != nil {
		dc.conn.Close()
		dc.conn = nil
	}
	dc.conn = dc.dialAdmin(tb)
	return dc.conn
}

// DialAdmin returns a new LDAPS connection of the caller's own, bound as
// Administrator and closed when the test ends: for tests that modify the
// directory themselves, over a long time or from several goroutines.
func (dc *DC) DialAdmin(tb testing.TB) *ldap.Conn {
	tb.Helper()
	c := dc.dialAdmin(tb)
	tb.Cleanup(func() { c.Close() })
	return c
}

// dialAdmin dials the DC over LDAPS and binds as Administrator.
func (dc *DC) dialAdmin(tb testing.TB) *ldap.Conn {
	tb.Helper()
	c, err := ldap.DialURL(dc.LDAPSURL(), ldap.DialWithTLSConfig(dc.TLSConfig()))
	if err == nil {
		if err = c.Bind(dc.AdminUPN, dc.AdminPassword); err != nil {
			c.Close()
		}
	}
	if err != nil {
		tb.Fatalf("adtest: bind as %s to %s: %v", dc.AdminUPN, dc.LDAPSURL(), err)
	}
	return c
}

// adminDo runs op on the shared admin connection. When the connection
// turns out to be lost (closed by Samba before go-ldap noticed), it drops
// it and runs op once more on a new one: the request never reached a
// server that had already closed the connection.
func (dc *DC) adminDo(tb testing.TB, op func(*ldap.Conn) error) error {
	tb.Helper()
	c := dc.adminConn(tb)
	err := op(c)
	if !connectionLost(err) {
		return err
	}
	dc.connMu.Lock()
	if dc.conn == c {
		c.Close()
		dc.conn = nil
	}
	dc.connMu.Unlock()
	return op(dc.adminConn(tb))
}

// connectionLost reports whether err says the connection failed rather
// than the DC refused the operation: the DC's refusals are *ldap.Error
// with an LDAP result code; go-ldap's own are network codes (200 and up)
// or plain errors ("unable to send request: ...").
func connectionLost(err error) bool {
	if err == nil {
		return false
	}
	var le *ldap.Error
	return !errors.As(err, &le) || le.ResultCode >= ldap.ErrorNetwork
}

var ouNameClean = regexp.MustCompile(`[^A-Za-z0-9 _.-]+`)

// NewOU creates an OU of its own for the calling test, directly under
// BaseDN, and returns its DN. name is a readable prefix (the test name when
// empty); a sequence number makes it unique within the DC.
func (dc *DC) NewOU(tb testing.TB, name string) string {
	tb.Helper()
	if name == "" {
		name = tb.Name()
	}
	name = strings.TrimSpace(ouNameClean.ReplaceAllString(name, "-"))
	if len(name) > 40 {
		name = name[:40]
	}
	dn := fmt.Sprintf("OU=%s %d,%s", name, dc.seq.next(), dc.BaseDN)
	dc.Add(tb, dn, map[string][]string{"objectClass": {"organizationalUnit"}})
	return dn
}

// Add creates the entry dn with attrs over LDAPS as Administrator and
// fails the test on error.
func (dc *DC) Add(tb testing.TB, dn string, attrs map[string][]string) {
	tb.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for _, k := range sortedKeys(attrs) {
		req.Attribute(k, attrs[k])
	}
	if err := dc.adminDo(tb, func(c *ldap.Conn) error { return c.Add(req) }); err != nil {
		tb.Fatalf("adtest: add %s: %v", dn, err)
	}
}

// Replace sets attr of dn to values (none: removes the attribute).
func (dc *DC) Replace(tb testing.TB, dn, attr string, values ...string) {
	tb.Helper()
	dc.modify(tb, dn, func(m *ldap.ModifyRequest) { m.Replace(attr, values) })
}

// AddValues adds values to attr of dn, such as members to a group.
func (dc *DC) AddValues(tb testing.TB, dn, attr string, values ...string) {
	tb.Helper()
	dc.modify(tb, dn, func(m *ldap.ModifyRequest) { m.Add(attr, values) })
}

// DeleteValues removes values from attr of dn (none: the whole attribute).
func (dc *DC) DeleteValues(tb testing.TB, dn, attr string, values ...string) {
	tb.Helper()
	dc.modify(tb, dn, func(m *ldap.ModifyRequest) { m.Delete(attr, values) })
}

// SetPassword sets the password of the user dn (an administrative reset of
// unicodePwd, over LDAPS).
func (dc *DC) SetPassword(tb testing.TB, dn, password string) {
	tb.Helper()
	raw, _ := base64.StdEncoding.DecodeString(unicodePwd(password))
	dc.modify(tb, dn, func(m *ldap.ModifyRequest) { m.Replace("unicodePwd", []string{string(raw)}) })
}

func (dc *DC) modify(tb testing.TB, dn string, f func(*ldap.ModifyRequest)) {
	tb.Helper()
	m := ldap.NewModifyRequest(dn, nil)
	f(m)
	if err := dc.adminDo(tb, func(c *ldap.Conn) error { return c.Modify(m) }); err != nil {
		tb.Fatalf("adtest: modify %s: %v", dn, err)
	}
}

// Delete removes the entry dn and everything under it.
func (dc *DC) Delete(tb testing.TB, dn string) {
	tb.Helper()
	// The tree-delete control (1.2.840.113556.1.4.805) removes a subtree in
	// one operation.
	req := ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString("1.2.840.113556.1.4.805", true, "")})
	if err := dc.adminDo(tb, func(c *ldap.Conn) error { return c.Del(req) }); err != nil {
		tb.Fatalf("adtest: delete %s: %v", dn, err)
	}
}

// Attr reads the values of attr on dn as Administrator; nil when the
// attribute or the entry is absent.
func (dc *DC) Attr(tb testing.TB, dn, attr string) []string {
	tb.Helper()
	var res *ldap.SearchResult
	err := dc.adminDo(tb, func(c *ldap.Conn) (err error) {
		res, err = c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			0, 0, false, "(objectClass=*)", []string{attr}, nil))
		return err
	})
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err != nil {
		tb.Fatalf("adtest: read %s of %s: %v", attr, dn, err)
	}
	if len(res.Entries) == 0 {
		return nil
	}
	return res.Entries[0].GetEqualFoldAttributeValues(attr)
}

// LoadLDIF loads LDIF records into the DC's database with ldbmodify, after
// replacing each ${NAME} with vars[NAME] or [DC.Vars]. Records without a
// changetype are adds; "changetype: modify" and "delete" work too. It runs
// as the system (no access checks) and is fast: use it for fixtures, and
// the LDAP helpers when a test is about LDAP itself.
func (dc *DC) LoadLDIF(tb testing.TB, ldif string, vars map[string]string) {
	tb.Helper()
	all := dc.Vars()
	for k, v := range vars {
		all[k] = v
	}
	text, err := expand(ldif, all)
	if err != nil {
		tb.Fatalf("adtest: LoadLDIF: %v", err)
	}
	if err := runLDB(dc.tools.ldbmodify, dc.conf, dc.Dir, text, false); err != nil {
		tb.Fatalf("adtest: LoadLDIF: %v", err)
	}
}

// SeedUsers bulk-adds n disabled users without passwords to the existing OU
// ou with ldbadd (about 2 ms a user: 10k in 20 s, 100k in 4 min) and
// returns their DNs in order. Users are CN=<prefix><i>, with a
// sAMAccountName, a UPN in DNSDomain, given name, surname, display name,
// mail, department, title and employee ID; the prefix is unique per call.
func (dc *DC) SeedUsers(tb testing.TB, ou string, n int) []string {
	tb.Helper()
	prefix := fmt.Sprintf("s%d-", dc.seq.next())
	dns := make([]string, 0, n)
	const chunk = 5000 // keeps each transaction small: one big one is superlinear
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var b strings.Builder
		for i := start; i < end; i++ {
			u := fmt.Sprintf("%s%06d", prefix, i)
			dn := "CN=" + u + "," + ou
			dns = append(dns, dn)
			fmt.Fprintf(&b, "dn: %s\nobjectClass: user\nsAMAccountName: %s\nuserPrincipalName: %s@%s\n"+
				"givenName: Given%d\nsn: Sur%d\ndisplayName: User %d\nmail: %s@%s\ndepartment: Dept%d\n"+
				"title: Title%d\nemployeeID: E%07d\nuserAccountControl: 514\n\n",
				dn, u, u, dc.DNSDomain, i, i, i, u, dc.DNSDomain, i%50, i%20, i)
		}
		if err := runLDB(dc.tools.ldbadd, dc.conf, dc.Dir, b.String(), true); err != nil {
			tb.Fatalf("adtest: SeedUsers: %v", err)
		}
	}
	return dns
}

// LDAPSearchCommand returns an ldapsearch command that binds as
// Administrator over LDAPS, verifies the DC's CA and reads the password
// from a file, followed by args. Benchmarks compare with it.
func (dc *DC) LDAPSearchCommand(args ...string) *exec.Cmd {
	base := []string{"-H", dc.LDAPSURL(), "-x", "-D", dc.AdminUPN, "-y", dc.adminPasswordFile()}
	cmd := exec.Command(dc.tools.ldapsearch, append(base, args...)...)
	cmd.Env = append(cmd.Environ(), "LDAPTLS_CACERT="+dc.CAFile, "LDAPTLS_REQCERT=demand")
	return cmd
}

// EntryCounter is an io.Writer that counts the entries of the LDIF
// written to it (an ldapsearch's output) without keeping it.
type EntryCounter struct {
	// N is the number of entries seen so far.
	N    int
	tail []byte
}

// Write counts the "dn:" lines of p, which may end inside a line.
func (w *EntryCounter) Write(p []byte) (int, error) {
	data := append(w.tail, p...)
	lines := bytes.Split(data, []byte("\n"))
	for _, l := range lines[:len(lines)-1] {
		if bytes.HasPrefix(l, []byte("dn: ")) || bytes.HasPrefix(l, []byte("dn:: ")) {
			w.N++
		}
	}
	w.tail = append([]byte(nil), lines[len(lines)-1]...)
	return len(p), nil
}
