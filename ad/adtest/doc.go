// Package adtest runs a real Samba AD domain controller for tests, in the
// spirit of net/http/httptest: a test calls [Start] and gets a [DC] on a
// loopback address of its own, with LDAP, LDAPS and StartTLS, a CA
// certificate to verify it with, an Administrator account and a tree of
// fixture objects (described with the constants below).
//
// One DC serves every test of a test binary. The first call to [Start]
// copies a provisioned template (built once per Samba version into the
// user's cache directory, see [CacheDir]), writes its configuration and
// starts samba; later calls return the same DC. Give the package a TestMain
// so the DC stops as soon as the tests end:
//
//	func TestMain(m *testing.M) { adtest.Main(m) }
//
// Without it the DC still dies with the test binary (the kernel sends it
// SIGTERM when the process exits) and the next run removes its directory.
//
// Each DC binds one address of 127.0.0.0/8 (127.0.0.2 and up), chosen
// under a lock file in os.TempDir()/entrasync-adtest, so test binaries
// that `go test ./...` runs in parallel each get their own DC on Samba's
// fixed ports. Samba must run as root (it binds ports below 1024).
//
// Tests share the DC: a test that changes the directory works in an OU of
// its own ([DC.NewOU]) and scopes its searches to it. The fixture tree
// under OU=Fixtures is read-only by convention. A typical test:
//
//	dc := adtest.Start(t)
//	c, err := ad.Dial(ctx, ad.Options{Host: dc.Host, CAFile: dc.CAFile,
//		Username: dc.AdminUPN, Password: dc.AdminPassword})
//	ou := dc.NewOU(t, "")           // OU=<test name> <n>,DC=corp,DC=example,DC=com
//	dc.SeedUsers(t, ou, 1000)       // bulk users, about 2 ms each
//	dc.Add(t, "CN=G,"+ou, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {"g1"}})
//
// The DC serves LDAPS on 636 and LDAP (StartTLS) on 389 of its Host; its
// certificate holds Host and [HostName], signed by the CA in CAFile.
//
// When Samba is not installed, [Start] skips the test with a message
// naming `sudo bash ad/adtest/samba-install.sh`; with CI=true it fails
// instead, so CI never silently skips the AD tests.
package adtest
