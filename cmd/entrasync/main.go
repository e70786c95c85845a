// Command entrasync syncs users and groups from an on-premises Active
// Directory forest to a Microsoft Entra ID tenant.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "entrasync: not built yet")
	os.Exit(1)
}
