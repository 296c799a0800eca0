package main

import "github.com/spf13/cobra"

func newApplyCmd() *cobra.Command {
	return &cobra.Command{Use: "apply", Short: "not built yet"}
}
