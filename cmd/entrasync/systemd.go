package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// unitPath is where `setup --systemd=install` writes the unit.
const unitPath = "/etc/systemd/system/entrasync.service"

// systemdUnit renders the service unit that runs `entrasync run` under
// binary. The service gets a user of its own (DynamicUser), sees the file
// system read-only except its state directory, and cannot gain privileges;
// systemd exports CONFIGURATION_DIRECTORY and STATE_DIRECTORY, which
// resolveDirs reads, so the service and an administrator running entrasync
// as root use the same /etc/entrasync and /var/lib/entrasync.
func systemdUnit(binary string) string {
	return fmt.Sprintf(`# entrasync.service, written by "entrasync setup --systemd=install".
[Unit]
Description=entrasync: on-premises Active Directory to Microsoft Entra ID sync
Documentation=https://github.com/entrasync/entrasync#readme
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
ExecStart=%s run
# SIGTERM finishes the batch in flight, records it and exits.
KillSignal=SIGTERM
TimeoutStopSec=180
Restart=on-failure
RestartSec=30

# Its own user; systemd owns the state directory for it (mode 0700).
DynamicUser=yes
ConfigurationDirectory=entrasync
StateDirectory=entrasync
StateDirectoryMode=0700
UMask=0077

# Hardening: read-only system, writable state directory only.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/lib/entrasync
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
CapabilityBoundingSet=
AmbientCapabilities=
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`, systemdQuote(binary))
}

// systemdQuote quotes an ExecStart= path when it holds characters systemd
// would split or expand.
func systemdQuote(path string) string {
	if !strings.ContainsAny(path, " \t\"'\\$%;") {
		return path
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `$$`, `%`, `%%`)
	return `"` + r.Replace(path) + `"`
}

// installUnit writes the unit, reloads systemd and enables and starts the
// service. It needs root and a running systemd.
func installUnit(binary string) error {
	if err := os.WriteFile(unitPath, []byte(systemdUnit(binary)), 0o644); err != nil {
		return fmt.Errorf("write %s (run as root, or use --systemd=print and place it yourself): %w", unitPath, err)
	}
	for _, args := range [][]string{{"daemon-reload"}, {"enable", "--now", "entrasync.service"}} {
		out, err := exec.Command("systemctl", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// executable is the path of the running binary, for ExecStart=.
func executable() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the entrasync binary for the systemd unit: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}
