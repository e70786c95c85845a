package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunPrintsAndServes(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-dir", dir, "-auto-approve", "1s"}, pw, io.Discard)
		pw.Close()
	}()
	fields := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Press Ctrl+C") {
			break
		}
		if url, ok := strings.CutPrefix(line, "entra-emulator listening on "); ok {
			fields["url"] = url
			continue
		}
		parts := strings.Fields(line)
		if len(parts) >= 2 {
			key := strings.Join(parts[:len(parts)-1], " ")
			fields[key] = parts[len(parts)-1]
			fields[parts[0]] = line
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	caFile := filepath.Join(dir, "ca.pem")
	if !strings.Contains(fields["CA"], caFile) {
		t.Errorf("CA line: got %q, want %s", fields["CA"], caFile)
	}
	if !strings.Contains(fields["sync"], "secret ") || !strings.Contains(fields["admin"], "admin@contoso.onmicrosoft.com") {
		t.Errorf("credentials lines: got %q and %q", fields["sync"], fields["admin"])
	}
	if info, err := os.Stat(filepath.Join(dir, "sync-app.pem")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("sync-app.pem: %v %v, want mode 0600", info, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	tenant := strings.Fields(fields["tenant"])[2]
	resp, err := hc.Get(fields["url"] + "/" + tenant + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("GET openid-configuration: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("openid-configuration: got %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
}

func TestRunBadFlag(t *testing.T) {
	if code := run(context.Background(), []string{"-nope"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("exit code: got %d, want 2", code)
	}
}
