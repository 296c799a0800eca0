// Command atrium is the whole product in one binary: `atrium serve` runs the
// portal; the other commands are clients of a running server (ATRIUM_URL,
// ATRIUM_TOKEN). This package is wiring only (STYLE §2): logic lives in internal/.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "atrium",
		Short:         "Atrium, an internal developer portal in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newServeCmd(),   // serve.go
		newApplyCmd(),   // apply.go
		newGetCmd(),     // get.go
		newDeleteCmd(),  // delete.go
		newHistoryCmd(), // history.go
		newFindCmd(),    // find.go
		newImpactCmd(),  // impact.go
		newSearchCmd(),  // search.go
		newLoginCmd(),   // login.go
		newLogoutCmd(),  // login.go
	)
	return root
}
