// Command entra-emulator runs the entratest emulator of the Microsoft
// identity platform and Microsoft Graph, for the demo and for trying
// entrasync before touching a real tenant. It prints where it listens, the
// CA to trust and the seeded credentials, and runs until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/entrasync/entrasync/entra/entratest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run starts the emulator, prints how to reach it and serves until ctx is
// done; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("entra-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	dir := fs.String("dir", "", "directory for ca.pem and the sync app's certificate (default: a new temporary directory)")
	approve := fs.Duration("auto-approve", -1, "approve device codes after this delay (for example 3s); negative waits for the /devicelogin page")
	approveAs := fs.String("approve-as", entratest.DefaultGlobalAdmin, "userPrincipalName device codes are approved as")
	throttle := fs.Bool("throttle", false, "apply Microsoft Graph's documented throttling limits")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := []entratest.Option{entratest.WithAddr(*addr)}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			fmt.Fprintf(stderr, "entra-emulator: %v\n", err)
			return 1
		}
		opts = append(opts, entratest.WithCADir(*dir))
	}
	if *approve >= 0 {
		opts = append(opts, entratest.WithAutoApprove(*approve, *approveAs))
	}
	if *throttle {
		opts = append(opts, entratest.WithThrottle(entratest.GraphThrottle()))
	}
	s, err := entratest.Start(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "entra-emulator: %v\n", err)
		return 1
	}
	defer s.Close()
	app, _ := s.App(entratest.DefaultSyncApp)
	certFile := filepath.Join(filepath.Dir(s.CAFile()), "sync-app.pem")
	if err := os.WriteFile(certFile, app.PEM(), 0o600); err != nil {
		fmt.Fprintf(stderr, "entra-emulator: write the sync app's certificate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "entra-emulator listening on %s\n", s.URL)
	fmt.Fprintf(stdout, "  authority host   %s\n", s.AuthorityHost())
	fmt.Fprintf(stdout, "  Graph            %s\n", s.GraphURL())
	fmt.Fprintf(stdout, "  CA file          %s\n", s.CAFile())
	fmt.Fprintf(stdout, "  tenant id        %s\n", s.TenantID)
	fmt.Fprintf(stdout, "  initial domain   %s\n", s.InitialDomain)
	fmt.Fprintf(stdout, "  admin            %s (Global Administrator)\n", entratest.DefaultGlobalAdmin)
	switch {
	case *approve >= 0:
		fmt.Fprintf(stdout, "  device codes     approved as %s after %s\n", *approveAs, approve.Round(time.Millisecond))
	default:
		fmt.Fprintf(stdout, "  device codes     approve at %s/devicelogin\n", s.URL)
	}
	fmt.Fprintf(stdout, "  sync app         client id %s, secret %s, certificate %s\n", app.AppID, app.ClientSecret, certFile)
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	return 0
}
