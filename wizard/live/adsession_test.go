package live

import (
	"errors"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/ad/adtest"
	"github.com/entrasync/entrasync/wizard"
)

func TestCheckAD(t *testing.T) {
	w := newWorld(t)
	good := w.connection()
	tests := []struct {
		name    string
		conn    wizard.ADConnection
		user    string
		pass    string
		wantMsg string // in the problem's message; "" for success
		wantFix string // in the problem's fix
	}{
		{"enterprise admin, down-level name", good, w.dc.AdminDownLevel, w.dc.AdminPassword, "", ""},
		{"enterprise admin, UPN, StartTLS", wizard.ADConnection{Host: w.dc.Host, Transport: wizard.TransportStartTLS, CAFile: w.dc.CAFile},
			w.dc.AdminUPN, w.dc.AdminPassword, "", ""},
		{"wrong password", good, w.dc.AdminDownLevel, "not-the-password", `LDAP 49/52e: wrong password (or unknown user) for CORP\Administrator`, "password"},
		{"not an enterprise admin", good, adtest.NetBIOS + `\` + adtest.AliceSAM, w.dc.UserPassword, `is not an Enterprise Admin of corp.example.com`, "Enterprise Admins"},
		{"unreachable", wizard.ADConnection{Host: "127.0.0.1", Port: 1, Transport: wizard.TransportLDAPS}, w.dc.AdminDownLevel, w.dc.AdminPassword,
			"cannot reach the domain controller at 127.0.0.1:1", "firewall"},
		{"unknown CA", wizard.ADConnection{Host: w.dc.Host, Transport: wizard.TransportLDAPS}, w.dc.AdminDownLevel, w.dc.AdminPassword,
			"TLS to " + w.dc.Host, "CA certificate"},
		{"empty password", good, w.dc.AdminDownLevel, "", "name or password is empty", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := w.backend("checkad")
			f, err := b.CheckAD(w.ctx, tt.conn, wizard.Credentials{User: tt.user, Password: tt.pass})
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				if f.RootDomain != adtest.DNSDomain || f.NetBIOS != adtest.NetBIOS || !strings.EqualFold(f.Admin, `CORP\Administrator`) ||
					len(f.Domains) != 1 || f.DC == "" {
					t.Errorf("forest: got %+v, want corp.example.com (CORP) with its DC, as CORP\\Administrator", f)
				}
				if b.adAdmin == nil {
					t.Error("no administrator session kept")
				}
				return
			}
			p := asProblem(t, err)
			if !strings.Contains(p.Error(), tt.wantMsg) || !strings.Contains(p.Fix, tt.wantFix) {
				t.Errorf("got %q (fix %q), want %q with a fix about %q", p.Error(), p.Fix, tt.wantMsg, tt.wantFix)
			}
			if strings.Contains(p.Error(), w.dc.AdminPassword) || strings.Contains(p.Fix, w.dc.AdminPassword) {
				t.Error("the problem shows the password")
			}
			if b.adAdmin != nil {
				t.Error("a failed check kept a session")
			}
		})
	}
}

// TestCheckADKeepsErrorsUnwrappable checks that the short message of a
// problem still lets callers branch on package ad's errors.
func TestCheckADKeepsErrorsUnwrappable(t *testing.T) {
	w := newWorld(t)
	_, err := w.b.CheckAD(w.ctx, w.connection(), wizard.Credentials{User: w.dc.AdminDownLevel, Password: "wrong"})
	var be *ad.BindError
	if !errors.As(err, &be) || be.SubCode != ad.SubCodeWrongPassword {
		t.Fatalf("got %v, want an *ad.BindError with sub-code 52e underneath", err)
	}
}
