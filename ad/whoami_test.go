package ad

import (
	"context"
	"errors"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

func TestWhoAmI(t *testing.T) {
	dc := adtest.Start(t)
	tests := []struct {
		name, user, password, wantDN string
		enterprise, domainAdmin      bool
	}{
		{"admin by UPN", dc.AdminUPN, dc.AdminPassword, dc.AdminDN, true, true},
		{"admin down-level", dc.AdminDownLevel, dc.AdminPassword, dc.AdminDN, true, true},
		{"admin by DN", dc.AdminDN, dc.AdminPassword, dc.AdminDN, true, true},
		{"user by UPN in an alternative suffix", "alice@" + adtest.AltSuffix, dc.UserPassword, adtest.AliceDN, false, false},
		{"user without UPN, down-level", dc.NetBIOS + `\dave`, dc.UserPassword, adtest.DaveDN, false, false},
		{"user without UPN, implicit UPN", "dave@" + dc.DNSDomain, dc.UserPassword, adtest.DaveDN, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, Options{Host: dc.Host, CAFile: dc.CAFile, Username: tt.user, Password: tt.password})
			id, err := c.WhoAmI(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.DN != tt.wantDN || id.EnterpriseAdmin != tt.enterprise || id.DomainAdmin != tt.domainAdmin {
				t.Errorf("got DN %q EA %v DA %v, want %q %v %v", id.DN, id.EnterpriseAdmin, id.DomainAdmin, tt.wantDN, tt.enterprise, tt.domainAdmin)
			}
			if id.Domain.DN != dc.BaseDN || id.SID.IsZero() || len(id.Groups) == 0 {
				t.Errorf("domain %q, SID %v, %d groups", id.Domain.DN, id.SID, len(id.Groups))
			}
			// Domain Users (513) is in every user's token.
			if !id.MemberOf(id.Domain.SID.Child(513)) {
				t.Errorf("token of %s lacks Domain Users", tt.user)
			}
		})
	}
}

func TestWhoAmIAnonymous(t *testing.T) {
	dc := adtest.Start(t)
	c := dial(t, Options{Host: dc.Host, CAFile: dc.CAFile})
	if _, err := c.WhoAmI(context.Background()); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("WhoAmI anonymously: %v, want ErrInvalidInput", err)
	}
}
