package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/sync"
)

func TestResolveDirs(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	systemd := map[string]string{"CONFIGURATION_DIRECTORY": "/etc/entrasync", "STATE_DIRECTORY": "/var/lib/entrasync"}
	tests := map[string]struct {
		override string
		env      map[string]string
		want     sync.Dirs
	}{
		"override":               {override: "/srv/es", want: sync.DirsAt("/srv/es")},
		"systemd":                {env: systemd, want: sync.Dirs{Config: "/etc/entrasync", State: "/var/lib/entrasync"}},
		"override beats systemd": {override: "/srv/es", env: systemd, want: sync.DirsAt("/srv/es")},
		"systemd lists several": {env: map[string]string{"CONFIGURATION_DIRECTORY": "/etc/a:/etc/b", "STATE_DIRECTORY": "/var/lib/a:/var/lib/b"},
			want: sync.Dirs{Config: "/etc/a", State: "/var/lib/a"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := resolveDirs(tc.override, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestResolveDirsFallsBackToSyncDefaults(t *testing.T) {
	// Only one of the two systemd variables, or a relative one, is not
	// systemd's doing: sync's defaults apply.
	for _, env := range []map[string]string{
		{"STATE_DIRECTORY": "/var/lib/entrasync"},
		{"CONFIGURATION_DIRECTORY": "etc", "STATE_DIRECTORY": "/var/lib/entrasync"},
	} {
		got, err := resolveDirs("", func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		want, err := sync.DefaultDirs()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("env %v: got %+v, want sync.DefaultDirs() %+v", env, got, want)
		}
	}
}

func TestResolveDirsRelativeOverride(t *testing.T) {
	t.Chdir(t.TempDir())
	got, err := resolveDirs("es", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got.Config) || filepath.Base(got.Config) != "es" || got.State != got.Config {
		t.Errorf("got %+v, want an absolute es for both", got)
	}
}

func TestEnsureDirsKeepsTheStateDirectoryPrivate(t *testing.T) {
	// With --dir, configuration and state share one directory: it must
	// come out 0700, not the 0755 of a configuration directory.
	dir := filepath.Join(t.TempDir(), "es")
	if err := ensureDirs(sync.DirsAt(dir)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("mode: got %04o, want 0700", got)
	}
}

func TestCheckStateDir(t *testing.T) {
	dir := t.TempDir()
	if err := checkStateDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing directory: got %v, want nil (it is created private)", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := checkStateDir(dir); err != nil {
		t.Errorf("0700: got %v, want nil", err)
	}
	for _, mode := range []os.FileMode{0o750, 0o705, 0o755, 0o777} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		err := checkStateDir(dir)
		var loose *looseDirError
		if !errors.As(err, &loose) {
			t.Fatalf("%04o: got %v, want a looseDirError", mode, err)
		}
		if !strings.Contains(err.Error(), "chmod 700 "+dir) {
			t.Errorf("%04o: message %q does not give the chmod", mode, err)
		}
	}
}
