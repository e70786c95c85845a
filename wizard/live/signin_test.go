package live

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra/entratest"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// Device code sign-in follows
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code;
// the roles setup needs follow
// https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent.
func TestSignInEntra(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name      string
		upn       string
		wantRoles []string
		wantErr   string // in the problem's message; "" for success
	}{
		{"global administrator", entratest.DefaultGlobalAdmin, []string{"Global Administrator"}, ""},
		{"hybrid identity and privileged role administrator", entratest.DefaultHybridConsentAdmin,
			[]string{"Hybrid Identity Administrator", "Privileged Role Administrator"}, ""},
		{"hybrid identity administrator only", entratest.DefaultHybridAdmin, []string{"Hybrid Identity Administrator"}, "cannot set up entrasync"},
		{"no role", entratest.DefaultUser, nil, "cannot set up entrasync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := w.backend("signin")
			got, err := w.signIn(b, tt.upn)
			if got.ID != w.srv.TenantID || got.Name != "Contoso" || got.InitialDomain != w.srv.InitialDomain || !strings.EqualFold(got.Account, tt.upn) {
				t.Errorf("tenant: got %+v, want Contoso %s (%s) as %s", got, w.srv.TenantID, w.srv.InitialDomain, tt.upn)
			}
			slices.Sort(got.Roles)
			if !slices.Equal(got.Roles, tt.wantRoles) {
				t.Errorf("roles: got %v, want %v", got.Roles, tt.wantRoles)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				if b.admin == nil {
					t.Error("no administrator session kept after a successful sign-in")
				}
				return
			}
			p := asProblem(t, err)
			if !strings.Contains(p.Error(), tt.wantErr) || !strings.Contains(p.Fix, "Global Administrator") {
				t.Errorf("got %q (fix %q), want %q and a fix naming Global Administrator", p.Error(), p.Fix, tt.wantErr)
			}
			// No session is kept: setup cannot go on.
			_, err = b.SetupPlan(w.ctx, sync.DefaultConfig())
			if p := asProblem(t, err); !strings.Contains(p.Fix, "sign in to Entra ID") {
				t.Errorf("SetupPlan after a refused sign-in: got %q (fix %q), want a fix asking to sign in", p.Error(), p.Fix)
			}
		})
	}
}

func TestSignInEntraDeclined(t *testing.T) {
	w := newWorld(t)
	_, err := w.b.SignInEntra(w.ctx, func(dc wizard.DeviceCode) {
		if err := w.srv.DenyDeviceCode(dc.Code); err != nil {
			t.Errorf("deny: %v", err)
		}
	})
	p := asProblem(t, err)
	if !strings.Contains(p.Error(), "declined") && !strings.Contains(strings.ToLower(p.Error()), "authorization_declined") {
		t.Errorf("got %q, want the decline named", p.Error())
	}
	if w.b.admin != nil {
		t.Error("a declined sign-in left a session")
	}
}

func TestSignInEntraCancelled(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	_, err := w.b.SignInEntra(ctx, func(wizard.DeviceCode) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context's cancellation", err)
	}
}
