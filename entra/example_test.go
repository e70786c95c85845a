package entra_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/entra/entratest"
)

// The examples run against the emulator; against Entra ID, leave
// Options.Cloud zero.

// startEmulator starts an emulator for an example.
func startEmulator() (*entratest.Server, entra.Options) {
	s, err := entratest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return s, optionsFor(s)
}

// The wizard signs the administrator in with a device code, shows the code,
// and checks what the admin's roles allow.
func ExampleSignInAdmin() {
	emu, opts := startEmulator()
	defer emu.Close()
	ctx := context.Background()

	admin, err := entra.SignInAdmin(ctx, opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			// The wizard shows dc.VerificationURL and dc.UserCode (and a QR
			// code); here the emulator approves as the admin's browser would.
			fmt.Println("code shown:", dc.UserCode != "")
			return emu.ApproveDeviceCode(dc.UserCode, entratest.DefaultGlobalAdmin)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	verdict, err := admin.CheckAdmin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(verdict)
	// Output:
	// code shown: true
	// signed in with Global Administrator: setup can create the sync application and grant its permissions
}

// Setup creates the sync application with a certificate whose key stays on
// this machine, grants its permissions, and waits until it works.
func ExampleClient_CreateSyncApp() {
	emu, opts := startEmulator()
	defer emu.Close()
	ctx := context.Background()
	admin, err := entra.SignInAdmin(ctx, opts, entra.AdminSignIn{
		Prompt: func(_ context.Context, dc entra.DeviceCode) error {
			return emu.ApproveDeviceCode(dc.UserCode, entratest.DefaultGlobalAdmin)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	name := entra.SyncAppName("dc-sync-01")
	certPEM, keyPEM, err := entra.NewCertificate(name, 2*365*24*time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "entrasync-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := entra.WriteKeyFile(filepath.Join(dir, "app.key"), keyPEM); err != nil { // mode 0600
		log.Fatal(err)
	}
	cred, err := entra.CertificateCredential(certPEM, keyPEM)
	if err != nil {
		log.Fatal(err)
	}

	app, err := admin.CreateSyncApp(ctx, name, cred.Certificate())
	if err != nil {
		log.Fatal(err)
	}
	if err := admin.GrantSyncAppPermissions(ctx, app); err != nil {
		log.Fatal(err)
	}
	syncClient, err := admin.WaitForSyncApp(ctx, app, cred, 5*time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(app.DisplayName, "signs in:", syncClient.Account().AppID == app.AppID)
	// Output: entrasync-dc-sync-01 signs in: true
}

// The engine applies a run's writes in batches and handles each result.
func ExampleClient_ApplyWrites() {
	emu, opts := startEmulator()
	defer emu.Close()
	app, _ := emu.App(entratest.DefaultSyncApp)
	cred, err := entra.CertificateCredential(app.PEM(), nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := entra.NewAppClient(opts, emu.TenantID, app.AppID, cred)
	if err != nil {
		log.Fatal(err)
	}

	writes := []entra.Write{
		{Kind: entra.OpCreateUser, Password: entra.GeneratePassword(), User: entra.User{
			UserPrincipalName: "grace.hopper@contoso.com", OnPremisesImmutableID: "Wm9vbTEyMzQ1Njc4OTAxMg==",
			DisplayName: "Grace Hopper", MailNickname: "grace.hopper", AccountEnabled: true}},
		{Kind: entra.OpCreateUser, Password: entra.GeneratePassword(), User: entra.User{
			UserPrincipalName: "alan.turing@fabrikam.com", DisplayName: "Alan Turing", MailNickname: "alan.turing", AccountEnabled: true}},
	}
	for i, r := range c.ApplyWrites(context.Background(), writes) {
		var domainErr *entra.UPNDomainError
		switch {
		case r.Err == nil:
			fmt.Printf("%d: created\n", i)
		case errors.As(r.Err, &domainErr):
			fmt.Printf("%d: %s is not verified: use the initial domain\n", i, "fabrikam.com")
		default:
			fmt.Printf("%d: %v\n", i, r.Err)
		}
	}
	// Output:
	// 0: created
	// 1: fabrikam.com is not verified: use the initial domain
}
