package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/atrium-idp/atrium/internal/model"
)

func newGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get blueprints | get entities BLUEPRINT [ID]",
		Short: "Show blueprints or entities of a running server",
		Long: `get prints blueprints or entities from the server at ATRIUM_URL (default
` + defaultURL + `) as a table (default), JSON or YAML. Listing entities pages
through all of them.`,
	}
	var output, asOf string
	blueprints := &cobra.Command{
		Use:     "blueprints [ID]",
		Aliases: []string{"blueprint", "bp"},
		Short:   "List blueprints, or show one",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				bp, err := c.blueprintGet(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if output == outputTable {
					return writeBlueprints(cmd.OutOrStdout(), output, []*model.Blueprint{bp})
				}
				return writeData(cmd.OutOrStdout(), output, bp)
			}
			bps, err := c.blueprintList(cmd.Context())
			if err != nil {
				return err
			}
			return writeBlueprints(cmd.OutOrStdout(), output, bps)
		},
	}
	entities := &cobra.Command{
		Use:     "entities BLUEPRINT [ID]",
		Aliases: []string{"entity"},
		Short:   "List a blueprint's entities, or show one",
		Example: `  atrium get entities service
  atrium get entities service payments-api -o yaml
  atrium get entities service payments-api --as-of 2026-11-01T09:00:00Z`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			if len(args) == 2 {
				e, err := c.entityGetAsOf(cmd.Context(), args[0], args[1], asOf) // history.go
				if err != nil {
					return err
				}
				return writeEntity(cmd.OutOrStdout(), output, e)
			}
			if asOf != "" {
				return errors.New("--as-of needs an entity ID")
			}
			es, err := c.entityListAll(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return writeEntities(cmd.OutOrStdout(), output, es)
		},
	}
	entities.Flags().StringVar(&asOf, "as-of", "", "show the entity as it was at this RFC 3339 instant")
	cmd.PersistentFlags().StringVarP(&output, "output", "o", outputTable, "output format: table, json or yaml")
	cmd.AddCommand(blueprints, entities)
	return cmd
}
