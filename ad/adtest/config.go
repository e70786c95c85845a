package adtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeConfig writes the smb.conf of an instance in dir serving on ip.
//
//   - interfaces = <ip>/8 with bind interfaces only: samba binds that one
//     address (a bare address not configured on an interface is ignored as
//     "no network interfaces found"; with a netmask it is taken as is).
//   - server services = ldap: no DNS updates, NetBIOS, SMB, RPC or KDC, so
//     nothing leaves the machine and fewer processes run.
//   - prefork children = 1: one worker per service instead of four, to keep
//     parallel test binaries small.
//   - the tls files are the harness's own CA and certificate (tls.go).
//   - old password allowed period = 0: after a reset the old password
//     stops working at once (the default, as on AD, keeps it an hour for
//     NTLM, which LDAP simple binds go through), so tests can check it.
//   - every path option points into dir: --targetdir does not move log,
//     pid and socket directories, which default to /var and /run.
func writeConfig(dir, ip string, tf tlsFiles) (string, error) {
	p := func(elem ...string) string { return filepath.Join(append([]string{dir}, elem...)...) }
	opts := [][2]string{
		{"netbios name", "DC1"},
		{"realm", Realm},
		{"workgroup", NetBIOS},
		{"server role", "active directory domain controller"},
		{"server services", "ldap"},
		{"interfaces", ip + "/8"},
		{"bind interfaces only", "yes"},
		{"prefork children", "1"},
		{"ldap server require strong auth", "yes"},
		{"old password allowed period", "0"},
		{"private dir", p("private")},
		{"lock directory", dir},
		{"state directory", p("state")},
		{"cache directory", p("cache")},
		{"binddns dir", p("bind-dns")},
		{"pid directory", p("run")},
		{"ncalrpc dir", p("run", "ncalrpc")},
		{"winbindd socket directory", p("run", "winbindd")},
		{"ntp signd socket directory", p("run", "ntp_signd")},
		{"log file", p("log", "log.%m")},
		{"logging", "file"},
		{"tls enabled", "yes"},
		{"tls keyfile", tf.Key},
		{"tls certfile", tf.Cert},
		{"tls cafile", tf.CA},
		{"ldb:nosync", "true"},
	}
	var b strings.Builder
	b.WriteString("# written by ad/adtest for a throwaway test DC\n[global]\n")
	for _, o := range opts {
		fmt.Fprintf(&b, "\t%s = %s\n", o[0], o[1])
	}
	for _, d := range []string{"etc", "log", "run", "cache"} {
		if err := os.MkdirAll(p(d), 0o700); err != nil {
			return "", err
		}
	}
	conf := p("etc", "smb.conf")
	return conf, os.WriteFile(conf, []byte(b.String()), 0o600)
}
