package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atrium-idp/atrium/internal/model"
)

// historyVersion is one item of GET …/entities/{id}/history.
type historyVersion struct {
	model.EntityVersion
	Changes []fieldChange `json:"changes"`
}

// fieldChange is one field difference between two versions.
type fieldChange struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

func newHistoryCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "history BLUEPRINT ID",
		Short: "Show an entity's versions: when, who, through what and what changed",
		Long: `history prints every version of an entity, oldest first, from the server at
ATRIUM_URL (default ` + defaultURL + `); it works after the entity was deleted.
The table shows the fields each version changed; -o json or -o yaml prints
each version in full, with the entity and every change (path, op, from, to).`,
		Example: `  atrium history service payments-api
  atrium history service payments-api -o yaml
  atrium get entities service payments-api --as-of 2026-11-01T09:00:00Z`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			vs, err := c.entityHistory(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return writeHistory(cmd.OutOrStdout(), output, vs)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputTable, "output format: table, json or yaml")
	return cmd
}

func (c *client) entityHistory(ctx context.Context, bp, id string) ([]*historyVersion, error) {
	var out struct {
		Versions []*historyVersion `json:"versions"`
	}
	_, err := c.do(ctx, http.MethodGet, pathOf("v1", "blueprints", bp, "entities", id, "history"), nil, nil, &out)
	return out.Versions, err
}

// entityGetAsOf gets an entity as it was at asOf (RFC 3339), or as it is
// now when asOf is empty.
func (c *client) entityGetAsOf(ctx context.Context, bp, id, asOf string) (*model.Entity, error) {
	if asOf == "" {
		return c.entityGet(ctx, bp, id)
	}
	var out struct {
		Entity *model.Entity `json:"entity"`
	}
	_, err := c.do(ctx, http.MethodGet, pathOf("v1", "blueprints", bp, "entities", id), url.Values{"as_of": {asOf}}, nil, &out)
	return out.Entity, err
}

// writeHistory prints versions; as a table, one row per version with the
// paths it changed.
func writeHistory(w io.Writer, format string, vs []*historyVersion) error {
	if format != outputTable {
		return writeData(w, format, vs)
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "VERSION\tWHEN\tACTOR\tORIGIN\tCHANGED")
	for _, v := range vs {
		paths := make([]string, 0, len(v.Changes))
		for _, ch := range v.Changes {
			paths = append(paths, ch.Path)
		}
		changed := dash(strings.Join(paths, ","))
		if v.Deleted {
			changed = "(deleted)"
		}
		origin := v.Origin
		if v.RunID != "" {
			origin += " run " + v.RunID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.Version, when(v.ValidFrom), dash(v.Actor), dash(origin), changed)
	}
	return tw.Flush()
}
