package entra

import (
	"strings"
	"testing"
)

func TestAssessRoles(t *testing.T) {
	tests := []struct {
		name          string
		roles         []string
		create, grant bool
		problem       string
	}{
		{"global administrator", []string{RoleGlobalAdministrator}, true, true, ""},
		{"upper-case template id", []string{strings.ToUpper(RoleGlobalAdministrator)}, true, true, ""},
		{"hybrid identity admin alone", []string{RoleHybridIdentityAdministrator}, true, false, "Privileged Role Administrator"},
		{"hybrid identity and privileged role admin", []string{RoleHybridIdentityAdministrator, RolePrivilegedRoleAdministrator}, true, true, ""},
		{"cloud application admin and privileged role admin", []string{RoleCloudApplicationAdministrator, RolePrivilegedRoleAdministrator}, true, true, ""},
		{"privileged role admin alone", []string{RolePrivilegedRoleAdministrator}, false, true, "cannot create the sync application"},
		{"no role", nil, false, false, "setup needs Global Administrator"},
		{"unrelated role", []string{"fe930be7-5e62-47db-91af-98c3a49a38b1"}, false, false, "setup needs Global Administrator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var roles []DirectoryRole
			for _, id := range tt.roles {
				roles = append(roles, DirectoryRole{TemplateID: id})
			}
			v := AssessRoles(roles)
			if v.CreateApp != tt.create || v.GrantPermissions != tt.grant {
				t.Errorf("CreateApp, GrantPermissions = %v, %v; want %v, %v", v.CreateApp, v.GrantPermissions, tt.create, tt.grant)
			}
			if v.OK() != (tt.problem == "") || (tt.problem != "" && !strings.Contains(v.String(), tt.problem)) {
				t.Errorf("verdict %q (OK %v), want problem %q", v.String(), v.OK(), tt.problem)
			}
		})
	}
}
