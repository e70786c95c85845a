package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSystemdUnitHardening(t *testing.T) {
	unit := systemdUnit("/usr/local/bin/entrasync")
	for _, want := range []string{
		"ExecStart=/usr/local/bin/entrasync run\n",
		"DynamicUser=yes\n",
		"StateDirectory=entrasync\n",
		"StateDirectoryMode=0700\n",
		"ProtectSystem=strict\n",
		"ReadWritePaths=/var/lib/entrasync\n",
		"NoNewPrivileges=yes\n",
		"CapabilityBoundingSet=\n",
		"KillSignal=SIGTERM\n",
		"WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	// Every directive sits in a section and is Key=Value.
	section := ""
	for i, line := range strings.Split(unit, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line
		case section == "" || !strings.Contains(line, "="):
			t.Errorf("line %d %q is not a directive inside a section", i+1, line)
		}
	}
}

func TestSystemdQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/entrasync":        "/usr/bin/entrasync",
		"/opt/entra sync/entrasync": `"/opt/entra sync/entrasync"`,
		`/opt/100%/$HOME/entrasync`: `"/opt/100%%/$$HOME/entrasync"`,
		`/opt/a"b\c/entrasync`:      `"/opt/a\"b\\c/entrasync"`,
	}
	for in, want := range tests {
		if got := systemdQuote(in); got != want {
			t.Errorf("systemdQuote(%q): got %s, want %s", in, got, want)
		}
	}
}

// TestSystemdUnitVerifies runs systemd-analyze on the unit where the
// machine has it; CI containers usually do not.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, "entrasync.service")
	writeFile(t, unit, systemdUnit("/bin/true"))
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil && strings.Contains(string(out), "entrasync.service") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
