package sync_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/entrasync/entrasync/sync"
)

// A configuration problem names the field and says what to write instead.
func ExampleParseConfig() {
	_, err := sync.ParseConfig([]byte(`
ad:
  host: ldaps://dc1.corp.example.com
  bindUser: CORP\MSOL_0f3a9c1e2b7d
  passwordFile: ad-connector.secret
entra:
  tenantId: 8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77
  initialDomain: contoso.onmicrosoft.com
  clientId: 0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f
  certificateFile: entra-app.pem
sync:
  interval: 10s
`))
	fmt.Println(err)
	// Output:
	// invalid configuration (2 problems):
	//   ad.host: "ldaps://dc1.corp.example.com" is a URL: give the host name only (e.g. dc1.corp.example.com) and set ad.transport to ldaps or starttls
	//   sync.interval: 10s is below the minimum of 30s: use 30s or more (default 5m)
}

// oneUser is a Source with one user, for the example.
type oneUser struct{}

func (oneUser) Import(_ context.Context, _ sync.ImportRequest, emit func(*sync.SourceObject) error) (sync.ImportResult, error) {
	err := emit(&sync.SourceObject{
		GUID: sync.MustParseGUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), Kind: sync.KindUser,
		DN: "CN=Alice,OU=Staff,DC=corp,DC=example,DC=com", SAMAccountName: "alice",
		UserPrincipalName: "alice@corp.local", DisplayName: "Alice Smith", UserAccountControl: 0x200,
	})
	return sync.ImportResult{Cursor: []byte("1"), Complete: true, Server: sync.ServerIdentity{DC: "dc1"}}, err
}

// printTarget is a Target that prints the writes it is asked for.
type printTarget struct{}

func (printTarget) Tenant(context.Context) (sync.Tenant, error) {
	return sync.Tenant{InitialDomain: "contoso.onmicrosoft.com", VerifiedDomains: []string{"contoso.onmicrosoft.com"}}, nil
}

func (printTarget) Lookup(context.Context, sync.Kind, string, []string) ([]sync.TargetObject, error) {
	return nil, nil
}

func (printTarget) List(context.Context, sync.Kind, func(*sync.TargetObject) error) error { return nil }

func (printTarget) Apply(_ context.Context, ws []sync.Write) ([]sync.WriteResult, error) {
	res := make([]sync.WriteResult, len(ws))
	for i, w := range ws {
		fmt.Printf("%s %s %s as %s\n", w.Op, w.Kind, w.Attributes[sync.AttrDisplayName], w.Attributes[sync.AttrUserPrincipalName])
		res[i].ID = "11111111-2222-3333-4444-555555555555"
	}
	return res, nil
}

// The engine over a Source and a Target. Alice's UPN suffix corp.local is
// not a verified domain, so she becomes mailNickname@<initial domain>, as
// Entra Connect names such users, and the run warns about it.
func ExampleEngine_Run() {
	cfg := sync.DefaultConfig()
	store := sync.NewMemStore() // sync.OpenBoltStore(dirs.StoreFile(), time.Second) in production
	engine, err := sync.NewEngine(cfg, oneUser{}, printTarget{}, store, sync.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := engine.Run(context.Background(), sync.RunOptions{Trigger: "manual"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.Kind, sum.Status, "created:", sum.Counts.Created)
	for _, w := range sum.Warnings {
		fmt.Println("warning:", w.Message)
	}
	// Output:
	// create user Alice Smith as alice@contoso.onmicrosoft.com
	// full success created: 1
	// warning: UPN suffix corp.local is not a verified domain: users get <mailNickname>@contoso.onmicrosoft.com
}

// A tripped guard is a *GuardError: the CLI prints it and exits 3.
func ExampleGuardError() {
	err := error(&sync.GuardError{
		Guard: sync.GuardDeletions, Limit: 500, Actual: 612,
		Detail:   "the run would delete 612 objects, 112 more than sync.deletionThreshold (500)",
		Override: "entrasync sync --allow-deletes=612",
	})
	if errors.Is(err, sync.ErrGuardTripped) {
		fmt.Fprintln(os.Stdout, err)
	}
	// Output:
	// sync: deletion threshold: the run would delete 612 objects, 112 more than sync.deletionThreshold (500); nothing was written; review the changes with `entrasync sync --dry-run`, then apply them with `entrasync sync --allow-deletes=612`
}
