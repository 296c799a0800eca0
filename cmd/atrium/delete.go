package main

import "github.com/spf13/cobra"

func newDeleteCmd() *cobra.Command {
	return &cobra.Command{Use: "delete", Short: "not built yet"}
}
