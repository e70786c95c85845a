package adtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	stdsync "sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// DC is a running Samba AD DC on a loopback address of its own, with the
// fixture tree loaded. Its fields are read-only.
type DC struct {
	Host      string         // the DC's IPv4 loopback address, such as "127.0.0.2"
	HostName  string         // HostName: in the certificate, but not in DNS; use it as a TLS server name
	LDAPPort  int            // 389: plain LDAP, for StartTLS
	LDAPSPort int            // 636: LDAP over TLS
	CAFile    string         // PEM file of the CA that signed the DC's certificate
	CAPool    *x509.CertPool // the same CA, ready for a tls.Config

	Realm     string // Realm
	DNSDomain string // DNSDomain
	NetBIOS   string // NetBIOS, "CORP"
	BaseDN    string // BaseDN, the domain and forest root

	AdminDN        string // DN of the domain's Administrator
	AdminUPN       string // Administrator@CORP.EXAMPLE.COM
	AdminDownLevel string // CORP\Administrator
	AdminPassword  string // generated for the template; never logged
	UserPassword   string // password of the fixture users that can bind (see the constants)

	Dir          string // the instance directory: etc/smb.conf, private/sam.ldb, log/
	SambaVersion string // output of samba --version, such as "Version 4.17.12-Debian"

	tools tools
	conf  string
	proc  *process
	addr  *addressLease

	connMu stdsync.Mutex
	conn   *ldap.Conn // the shared admin connection, nil until first used
	seq    seqCounter
}

var (
	sharedOnce stdsync.Once
	sharedDC   *DC
	sharedErr  error
)

// Start returns the DC of this test binary, starting it on first use (about
// 3 s, plus about 15 s once per machine to build the template). It skips
// the test when Samba is not installed, or fails it when CI=true. Call
// [Main] from TestMain to stop the DC when the tests end.
func Start(tb testing.TB) *DC {
	tb.Helper()
	sharedOnce.Do(func() { sharedDC, sharedErr = startDC() })
	if sharedErr != nil {
		var missing *missingToolsError
		if errors.As(sharedErr, &missing) && os.Getenv("CI") != "true" {
			tb.Skipf("adtest: %v", sharedErr)
		}
		tb.Fatalf("adtest: %v", sharedErr)
	}
	return sharedDC
}

// Main runs the tests of a package that uses [Start] and stops its DC
// afterwards, then exits with the tests' status:
//
//	func TestMain(m *testing.M) { adtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if sharedDC != nil {
		if err := sharedDC.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "adtest: %v\n", err)
		}
	}
	os.Exit(code)
}

// startDC builds or reuses the template, leases an address, copies the
// template and starts samba on it.
func startDC() (*DC, error) {
	t, err := findTools()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, errors.New(`the Samba AD DC must run as root (provisioning chowns sysvol and the DC binds ports 389 and 636): run the tests as root, for example with sudo -E env "PATH=$PATH" go test`)
	}
	tmpl, sec, err := ensureTemplate(t)
	if err != nil {
		return nil, err
	}
	lease, err := leaseAddress()
	if err != nil {
		return nil, err
	}
	dc, err := startInstance(t, tmpl, sec, lease)
	if err != nil {
		lease.release()
		return nil, err
	}
	return dc, nil
}

func startInstance(t tools, tmpl string, sec secrets, lease *addressLease) (*DC, error) {
	dir := lease.dir
	if err := copyTree(tmpl, dir); err != nil {
		return nil, fmt.Errorf("copy the template: %w", err)
	}
	tf, err := writeTLS(dir, net.ParseIP(lease.ip))
	if err != nil {
		return nil, fmt.Errorf("create the TLS certificate: %w", err)
	}
	conf, err := writeConfig(dir, lease.ip, tf)
	if err != nil {
		return nil, fmt.Errorf("write smb.conf: %w", err)
	}
	dc := &DC{
		Host: lease.ip, HostName: HostName, LDAPPort: 389, LDAPSPort: 636,
		CAFile: tf.CA, CAPool: tf.Pool,
		Realm: Realm, DNSDomain: DNSDomain, NetBIOS: NetBIOS, BaseDN: BaseDN,
		AdminDN:        "CN=Administrator,CN=Users," + BaseDN,
		AdminUPN:       "Administrator@" + Realm,
		AdminDownLevel: NetBIOS + `\Administrator`,
		AdminPassword:  sec.AdminPassword,
		UserPassword:   sec.UserPassword,
		Dir:            dir,
		SambaVersion:   t.version,
		tools:          t,
		conf:           conf,
		addr:           lease,
	}
	if err := writeAdminPasswordFile(dc); err != nil {
		return nil, err
	}
	dc.proc, err = startSamba(t.samba, conf, dir)
	if err != nil {
		return nil, err
	}
	if err := dc.waitReady(60 * time.Second); err != nil {
		dc.proc.stop()
		return nil, err
	}
	return dc, nil
}

// waitReady polls until an anonymous rootDSE read answers over LDAPS with
// the CA verified, and over plain LDAP.
func (dc *DC) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if err := dc.proc.exited(); err != nil {
			return fmt.Errorf("samba exited during start (%v); last lines of %s:\n%s", err, dc.proc.logPath, dc.proc.logTail(30))
		}
		if last = dc.ping(); last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("samba on %s did not answer LDAP and LDAPS within %v: %v; last lines of %s:\n%s",
		dc.Host, limit, last, dc.proc.logPath, dc.proc.logTail(30))
}

func (dc *DC) ping() error {
	for _, u := range []string{dc.LDAPSURL(), dc.LDAPURL()} {
		c, err := ldap.DialURL(u, ldap.DialWithTLSConfig(dc.TLSConfig()), ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
		if err != nil {
			return err
		}
		_, err = c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 2, false, "(objectClass=*)", []string{"dnsHostName"}, nil))
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// stop ends samba, removes the instance directory and frees the address.
func (dc *DC) stop() error {
	dc.connMu.Lock()
	if dc.conn != nil {
		dc.conn.Close()
		dc.conn = nil
	}
	dc.connMu.Unlock()
	err := dc.proc.stop()
	if rmErr := os.RemoveAll(dc.Dir); rmErr != nil && err == nil {
		err = rmErr
	}
	dc.addr.release()
	return err
}

// LDAPSURL returns "ldaps://<Host>:636".
func (dc *DC) LDAPSURL() string {
	return "ldaps://" + net.JoinHostPort(dc.Host, strconv.Itoa(dc.LDAPSPort))
}

// LDAPURL returns "ldap://<Host>:389" (simple binds need StartTLS on it).
func (dc *DC) LDAPURL() string {
	return "ldap://" + net.JoinHostPort(dc.Host, strconv.Itoa(dc.LDAPPort))
}

// LDAPSAddr returns "<Host>:636".
func (dc *DC) LDAPSAddr() string { return net.JoinHostPort(dc.Host, strconv.Itoa(dc.LDAPSPort)) }

// TLSConfig returns a client TLS configuration that trusts the DC's CA.
// The certificate holds Host as an IP address and HostName as a DNS name.
func (dc *DC) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: dc.CAPool, ServerName: dc.Host, MinVersion: tls.VersionTLS12}
}

// Vars returns the ${NAME} variables [DC.LoadLDIF] knows: BASEDN,
// DNSDOMAIN, REALM, NETBIOS, ALTSUFFIX, LOCALSUFFIX and USERPASS (the
// base64 unicodePwd value of UserPassword).
func (dc *DC) Vars() map[string]string {
	v := templateVars(secrets{AdminPassword: dc.AdminPassword, UserPassword: dc.UserPassword})
	v["REALM"] = dc.Realm
	v["NETBIOS"] = dc.NetBIOS
	return v
}
