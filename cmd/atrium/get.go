package main

import "github.com/spf13/cobra"

func newGetCmd() *cobra.Command {
	return &cobra.Command{Use: "get", Short: "not built yet"}
}
