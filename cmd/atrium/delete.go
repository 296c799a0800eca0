package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newDeleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete entity BLUEPRINT ID",
		Short: "Delete objects on a running server",
	}
	var dependents bool
	entity := &cobra.Command{
		Use:   "entity BLUEPRINT ID",
		Short: "Delete one entity",
		Long: `delete entity deletes one entity. When other entities' relations point at it
the server refuses (409) unless --delete-dependents is given, which deletes
them too, transitively.`,
		Example: `  atrium delete entity deployment payments-api-staging-1.4.2
  atrium delete entity service ledger --delete-dependents`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			if err := c.entityDelete(cmd.Context(), args[0], args[1], dependents); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "entity %s/%s deleted\n", args[0], args[1])
			return nil
		},
	}
	entity.Flags().BoolVar(&dependents, "delete-dependents", false, "also delete entities that relate to it, transitively")
	cmd.AddCommand(entity)
	return cmd
}
