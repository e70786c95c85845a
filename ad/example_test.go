package ad_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/entrasync/entrasync/ad"
)

// Connect over LDAPS, verifying the DC's certificate, and check the
// account's roles as the setup wizard does.
func ExampleDial() {
	ctx := context.Background()
	c, err := ad.Dial(ctx, ad.Options{
		Host:     "dc1.corp.example.com",
		CAFile:   "/etc/entrasync/corp-ca.pem",
		Username: `CORP\admin`,
		Password: "secret",
	})
	var be *ad.BindError
	switch {
	case errors.As(err, &be):
		log.Fatalf("%v (sub-code %x)", err, be.SubCode) // e.g. wrong password, locked out
	case errors.Is(err, ad.ErrTLS), errors.Is(err, ad.ErrUnreachable):
		log.Fatal(err) // the message names the problem and the fix
	case err != nil:
		log.Fatal(err)
	}
	defer c.Close()
	id, err := c.WhoAmI(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id.DN, "enterprise admin:", id.EnterpriseAdmin)
}

// Read every user and group of two OUs but one sub-OU, page by page.
func ExampleClient_Enumerate() {
	var c *ad.Client // from ad.Dial
	opts := ad.EnumerateOptions{
		Scope: ad.Scope{
			Include: []string{"OU=Staff,DC=corp,DC=example,DC=com", "OU=Groups,DC=corp,DC=example,DC=com"},
			Exclude: []string{"OU=Service Accounts,OU=Staff,DC=corp,DC=example,DC=com"},
		},
		Kinds: []ad.Kind{ad.KindUser, ad.KindGroup},
	}
	stats, err := c.Enumerate(context.Background(), opts, func(o ad.Object) error {
		fmt.Println(o.Kind, o.GUID, o.UserPrincipalName, len(o.Members))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stats.Users, "users,", stats.Groups, "groups")
}

// Take a cursor before the full import, then follow changes from it.
func ExampleClient_Changes() {
	var c *ad.Client // from ad.Dial, as the connector account
	ctx := context.Background()
	opts := ad.DeltaOptions{Scope: ad.Scope{Include: []string{"DC=corp,DC=example,DC=com"}}}
	cur, err := c.BeginDelta(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	// ... full import with c.Enumerate, then on each schedule tick:
	next, stats, err := c.Changes(ctx, cur, opts, func(ch ad.Change) error {
		fmt.Println(ch.Object.GUID, ch.Deleted, ch.InScope)
		return nil
	})
	if errors.Is(err, ad.ErrFullImportRequired) {
		return // enumerate again and begin a new cursor
	}
	if err != nil {
		log.Fatal(err)
	}
	// Store next (as JSON) once the changes are applied; it is the next cur.
	fmt.Println(stats.Mode, stats.Changes, next.USN)
}

// Create the connector account with exactly the rights the sync needs.
func ExampleClient_CreateConnectorAccount() {
	var c *ad.Client // from ad.Dial, as an Enterprise Admin
	acct, err := c.CreateConnectorAccount(context.Background(), ad.ConnectorAccountOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Store acct.Password as a secret (mode 0600); it cannot be read back.
	fmt.Println(acct.DownLevelName, acct.Domains)
}
