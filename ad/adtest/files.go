package adtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// copyTree copies the template directory src to dst (which must not
// exist), keeping modes and extended attributes (sysvol's NT ACLs).
func copyTree(src, dst string) error {
	if out, err := exec.Command("cp", "-a", "--reflink=auto", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("cp -a %s %s: %w: %s", src, dst, err, out)
	}
	return nil
}

// adminPasswordFile returns a file holding the admin password and nothing
// else (no newline), mode 0600, for tools such as ldapsearch -y.
func (dc *DC) adminPasswordFile() string {
	return filepath.Join(dc.Dir, "etc", "admin.pw")
}

func writeAdminPasswordFile(dc *DC) error {
	return os.WriteFile(dc.adminPasswordFile(), []byte(dc.AdminPassword), 0o600)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
