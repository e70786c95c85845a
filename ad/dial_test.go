package ad

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/ad/adtest"
)

func TestDialBindForms(t *testing.T) {
	dc := adtest.Start(t)
	tests := []struct {
		name string
		opts func(Options) Options
	}{
		{"LDAPS as UPN", func(o Options) Options { return o }},
		{"LDAPS as DOMAIN\\user", func(o Options) Options { o.Username = dc.AdminDownLevel; return o }},
		{"LDAPS as DN", func(o Options) Options { o.Username = dc.AdminDN; return o }},
		{"LDAPS with a CA pool", func(o Options) Options { o.CAFile, o.RootCAs = "", dc.CAPool; return o }},
		{"LDAPS by host name", func(o Options) Options { o.ServerName = dc.HostName; return o }},
		{"StartTLS", func(o Options) Options { o.Transport = StartTLS; return o }},
		{"StartTLS on an explicit port", func(o Options) Options { o.Transport, o.Port = StartTLS, 389; return o }},
		{"insecure skip verify", func(o Options) Options { o.CAFile, o.InsecureSkipVerify = "", true; return o }},
		{"anonymous", func(o Options) Options { o.Username, o.Password = "", ""; return o }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts(adminOptions(dc)))
			dse, err := c.RootDSE(context.Background())
			if err != nil {
				t.Fatalf("RootDSE after dial: %v", err)
			}
			if dse.DefaultNamingContext != dc.BaseDN {
				t.Errorf("defaultNamingContext = %q, want %q", dse.DefaultNamingContext, dc.BaseDN)
			}
		})
	}
}

func TestDialWarnsWhenInsecure(t *testing.T) {
	dc := adtest.Start(t)
	var log strings.Builder
	o := adminOptions(dc)
	o.CAFile, o.InsecureSkipVerify = "", true
	o.Logger = newTextLogger(&log)
	dial(t, o)
	if !strings.Contains(log.String(), "verification is off") {
		t.Errorf("no warning logged for InsecureSkipVerify; log: %q", log.String())
	}
}

// TestBindErrors checks that each way AD refuses a bind comes back typed,
// with AD's sub-code decoded, and without the password in the message.
func TestBindErrors(t *testing.T) {
	dc := adtest.Start(t)
	ou := dc.NewOU(t, "bind errors")
	newUser := func(name string, attrs map[string][]string) string {
		dn := "CN=" + name + "," + ou
		all := map[string][]string{"objectClass": {"user"}, "sAMAccountName": {name}}
		for k, v := range attrs {
			all[k] = v
		}
		dc.Add(t, dn, all)
		dc.SetPassword(t, dn, dc.UserPassword)
		dc.Replace(t, dn, "userAccountControl", "512")
		return dc.NetBIOS + `\` + name
	}
	mustChange := newUser("mustchange", nil)
	dc.Replace(t, "CN=mustchange,"+ou, "pwdLastSet", "0")
	expired := newUser("expiredacct", nil)
	dc.Replace(t, "CN=expiredacct,"+ou, "accountExpires", "120000000000000000") // 1981
	locked := newUser("lockedout", nil)
	dc.Replace(t, "CN=lockedout,"+ou, "lockoutTime", strconv.FormatInt(fileTime(time.Now()), 10))

	tests := []struct {
		name, user, password string
		transport            Transport
		wantIs               error
		wantCode             uint16
		wantSub              uint32
		wantText             string
	}{
		{"wrong password", dc.AdminDownLevel, "not-the-password", LDAPS, ErrInvalidCredentials, 49, SubCodeWrongPassword, "wrong password"},
		{"unknown user", `CORP\nobody`, "whatever-1A!", LDAPS, ErrInvalidCredentials, 49, SubCodeWrongPassword, "wrong password"},
		{"disabled", `CORP\erin`, dc.UserPassword, LDAPS, ErrInvalidCredentials, 49, SubCodeDisabled, "disabled"},
		{"must change password", mustChange, dc.UserPassword, LDAPS, ErrInvalidCredentials, 49, SubCodeMustChange, "must be changed"},
		{"account expired", expired, dc.UserPassword, LDAPS, ErrInvalidCredentials, 49, SubCodeAccountExpired, "expired"},
		{"locked out", locked, dc.UserPassword, LDAPS, ErrInvalidCredentials, 49, SubCodeLockedOut, "locked out"},
		{"plain LDAP", dc.AdminUPN, dc.AdminPassword, Plain, ErrStrongAuthRequired, 8, 0, "use LDAPS or StartTLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := adminOptions(dc)
			o.Username, o.Password, o.Transport = tt.user, tt.password, tt.transport
			_, err := Dial(context.Background(), o)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("Dial error = %v, want errors.Is %v", err, tt.wantIs)
			}
			var be *BindError
			if !errors.As(err, &be) {
				t.Fatalf("Dial error %T is not a *BindError", err)
			}
			if be.ResultCode != tt.wantCode || be.SubCode != tt.wantSub {
				t.Errorf("got LDAP %d sub-code %x, want %d %x", be.ResultCode, be.SubCode, tt.wantCode, tt.wantSub)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantText) || !strings.Contains(msg, tt.user) || !strings.Contains(msg, dc.Host) {
				t.Errorf("message %q lacks %q, the user or the DC", msg, tt.wantText)
			}
			if strings.Contains(msg, tt.password) {
				t.Errorf("message %q contains the password", msg)
			}
		})
	}
}

func TestBindErrorMessage(t *testing.T) {
	e := &BindError{User: `CORP\admin`, Addr: "dc1:636", ResultCode: 49,
		SubCode:    parseSubCode("80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563"),
		Diagnostic: "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563"}
	want := `ad: bind as CORP\admin to dc1:636: wrong password (or unknown user): check the user name and password (LDAP 49, AD sub-code 52e)`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for code, wantText := range map[uint32]string{
		SubCodePasswordExpired: "password has expired", SubCodeLogonHours: "at this time",
		SubCodeWorkstation: "from this computer", SubCodeNoSuchUser: "no such user",
	} {
		e := &BindError{ResultCode: 49, SubCode: code}
		if !strings.Contains(e.Error(), wantText) || !errors.Is(e, ErrInvalidCredentials) {
			t.Errorf("sub-code %x: %q lacks %q or is not ErrInvalidCredentials", code, e.Error(), wantText)
		}
	}
	if got := parseSubCode("no data here"); got != 0 {
		t.Errorf("parseSubCode without data = %x, want 0", got)
	}
}

func TestDialUnreachable(t *testing.T) {
	dc := adtest.Start(t)
	silent := listenSilently(t) // accepts and never answers
	tests := []struct {
		name     string
		host     string
		port     int
		tr       Transport
		wantText string
	}{
		{"unknown host", "no-such-dc.invalid", 636, LDAPS, "cannot resolve the host name"},
		{"closed port", dc.Host, 1, LDAPS, "connection refused"},
		{"StartTLS to a closed port", dc.Host, 2, StartTLS, "connection refused"},
		{"StartTLS to a silent server", "127.0.0.1", silent, StartTLS, "no answer within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := adminOptions(dc)
			o.Host, o.Port, o.Transport, o.Timeout = tt.host, tt.port, tt.tr, 2*time.Second
			_, err := Dial(context.Background(), o)
			var ce *ConnError
			if !errors.Is(err, ErrUnreachable) || !errors.As(err, &ce) {
				t.Fatalf("Dial error = %v, want a *ConnError that is ErrUnreachable", err)
			}
			if want := net.JoinHostPort(tt.host, strconv.Itoa(tt.port)); ce.Addr != want || !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q lacks %q", err, tt.wantText)
			}
		})
	}
}

func TestDialTLSErrors(t *testing.T) {
	dc := adtest.Start(t)
	expired, expiredPool := serveExpiredTLS(t)
	silent := listenSilently(t)
	tests := []struct {
		name     string
		opts     func(Options) Options
		want     TLSProblem
		wantText string
	}{
		{"untrusted certificate", func(o Options) Options { o.CAFile = ""; return o }, TLSUnknownAuthority, "not trusted: give the CA file"},
		{"untrusted certificate with StartTLS", func(o Options) Options { o.CAFile, o.Transport = "", StartTLS; return o }, TLSUnknownAuthority, "not trusted"},
		{"wrong server name", func(o Options) Options { o.ServerName = "wrong.example.com"; return o }, TLSNameMismatch, `not valid for "wrong.example.com"`},
		{"wrong server name with StartTLS", func(o Options) Options { o.ServerName, o.Transport = "dc9.example.com", StartTLS; return o }, TLSNameMismatch, "dc1.corp.example.com"},
		{"LDAPS to the plain port", func(o Options) Options { o.Port = 389; return o }, TLSNotTLS, "for port 389 choose StartTLS"},
		{"expired certificate", func(o Options) Options {
			o.Host, o.Port, o.CAFile, o.RootCAs = "127.0.0.1", expired, "", expiredPool
			return o
		}, TLSExpired, "expired or not yet valid"},
		{"LDAPS to a silent server", func(o Options) Options {
			o.Host, o.Port, o.Timeout = "127.0.0.1", silent, time.Second
			return o
		}, TLSNotTLS, "no TLS answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dial(context.Background(), tt.opts(adminOptions(dc)))
			var te *TLSError
			if !errors.Is(err, ErrTLS) || !errors.As(err, &te) {
				t.Fatalf("Dial error = %v, want a *TLSError", err)
			}
			if te.Problem != tt.want {
				t.Errorf("problem = %d, want %d (%v)", te.Problem, tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q lacks %q", err, tt.wantText)
			}
		})
	}
}

func TestDialInvalidOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantText string
	}{
		{"no host", Options{}, "no DC host"},
		{"empty password", Options{Host: "dc1", Username: `CORP\admin`}, "empty password"},
		{"password without user", Options{Host: "dc1", Password: "x"}, "without a user name"},
		{"bad port", Options{Host: "dc1", Port: 70000}, "out of range"},
		{"missing CA file", Options{Host: "dc1", CAFile: "/nonexistent/ca.pem"}, "read the CA file"},
		{"CA file without PEM", Options{Host: "dc1", CAFile: "testdata/not-a-cert.txt"}, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dial(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Dial error = %v, want one containing %q", err, tt.wantText)
			}
		})
	}
}

func TestParseTransport(t *testing.T) {
	for _, tr := range []Transport{LDAPS, StartTLS, Plain} {
		got, err := ParseTransport(strings.ToUpper(tr.String()))
		if err != nil || got != tr {
			t.Errorf("ParseTransport(%q) = %v, %v; want %v", tr.String(), got, err, tr)
		}
	}
	if _, err := ParseTransport("ldap"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("ParseTransport(ldap) error = %v, want ErrInvalidInput", err)
	}
}

// listenSilently returns the port of a listener on 127.0.0.1 that accepts
// connections and never writes.
func listenSilently(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// serveExpiredTLS serves TLS on 127.0.0.1 with a certificate that expired
// yesterday, signed by a CA in the returned pool.
func serveExpiredTLS(t *testing.T) (int, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "expired"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, pool
}

// fileTime converts t to Windows FILETIME: 100 ns intervals since 1601.
func fileTime(t time.Time) int64 {
	return (t.Unix()+11644473600)*10_000_000 + int64(t.Nanosecond()/100)
}
