package entra_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrasync/entrasync/entra"
)

// TestCloudOptions checks the endpoint options: a CA file (as for a
// TLS-inspecting proxy), a Graph URL given with /v1.0, and the URLs
// refused with a message saying what is expected.
func TestCloudOptions(t *testing.T) {
	s, opts := emulator(t)
	pool, err := entra.LoadCAFile(s.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	opts.Cloud = entra.Cloud{AuthorityHost: strings.TrimSuffix(s.AuthorityHost(), "/"), GraphURL: s.GraphURL(), RootCAs: pool}
	if err := syncClient(t, s, opts).Verify(testContext(t)); err != nil {
		t.Errorf("with the CA file and Graph URL %s: %v", s.GraphURL(), err)
	}

	notPEM := filepath.Join(t.TempDir(), "ca.der")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := entra.LoadCAFile(notPEM); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("LoadCAFile of a non-PEM file: %v, want an error asking for PEM", err)
	}

	for name, cl := range map[string]entra.Cloud{
		"http authority": {AuthorityHost: "http://login.example/", GraphURL: "https://graph.example"},
		"http graph":     {AuthorityHost: "https://login.example/", GraphURL: "http://graph.example"},
		"graph path":     {AuthorityHost: "https://login.example/", GraphURL: "https://graph.example/beta"},
	} {
		_, err := entra.NewAppClient(entra.Options{Cloud: cl}, "tenant", "app", entra.SecretCredential("x"))
		if err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("%s: %v, want an error saying what URL is expected", name, err)
		}
	}
}
