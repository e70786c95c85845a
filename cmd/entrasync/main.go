// Command entrasync syncs users and groups from an on-premises Active
// Directory forest to a Microsoft Entra ID tenant.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Getenv))
}
