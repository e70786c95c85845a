package adtest

import (
	"fmt"
	"os/exec"
	"strings"
)

// InstallCommand is the command that installs what the harness needs.
const InstallCommand = "sudo bash ad/adtest/samba-install.sh"

// tools are the Samba programs the harness runs.
type tools struct {
	samba, sambaTool, ldbadd, ldbmodify, ldapsearch string
	version                                         string
}

// missingToolsError says which programs are missing and how to get them.
type missingToolsError struct{ names []string }

// Error names the missing programs and the install command.
func (e *missingToolsError) Error() string {
	return fmt.Sprintf("Samba is not installed (%s not found on PATH or in /usr/sbin): install it with `%s`",
		strings.Join(e.names, ", "), InstallCommand)
}

func findTools() (tools, error) {
	var t tools
	var missing []string
	for _, x := range []struct {
		name string
		dst  *string
	}{
		{"samba", &t.samba}, {"samba-tool", &t.sambaTool}, {"ldbadd", &t.ldbadd},
		{"ldbmodify", &t.ldbmodify}, {"ldapsearch", &t.ldapsearch},
	} {
		p, err := exec.LookPath(x.name)
		if err != nil {
			// samba lives in /usr/sbin, which a non-login PATH may lack.
			if p2, err2 := exec.LookPath("/usr/sbin/" + x.name); err2 == nil {
				p, err = p2, nil
			}
		}
		if err != nil {
			missing = append(missing, x.name)
			continue
		}
		*x.dst = p
	}
	if len(missing) > 0 {
		return t, &missingToolsError{names: missing}
	}
	out, err := exec.Command(t.samba, "--version").Output()
	if err != nil {
		return t, fmt.Errorf("%s --version: %w", t.samba, err)
	}
	t.version = strings.TrimSpace(string(out))
	return t, nil
}
