package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// impactAnswer is the impact object of GET …/impact.
type impactAnswer struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	Direction  string `json:"direction"`
	MaxHops    int    `json:"maxHops"`
	Total      int    `json:"total"`
	Truncated  bool   `json:"truncated"`
	Blueprints []struct {
		Blueprint string `json:"blueprint"`
		Count     int    `json:"count"`
		Entities  []struct {
			Blueprint  string   `json:"blueprint"`
			Identifier string   `json:"identifier"`
			Title      string   `json:"title"`
			Team       []string `json:"team"`
			Hops       int      `json:"hops"`
			Path       []struct {
				Blueprint  string `json:"blueprint"`
				Identifier string `json:"identifier"`
				Relation   string `json:"relation,omitempty"`
			} `json:"path"`
		} `json:"entities"`
	} `json:"blueprints"`
	Teams []struct {
		Team     string `json:"team"`
		Count    int    `json:"count"`
		Entities []struct {
			Blueprint  string `json:"blueprint"`
			Identifier string `json:"identifier"`
		} `json:"entities"`
	} `json:"teams"`
}

func (c *client) impact(ctx context.Context, bp, id, direction string, maxHops int) (*impactAnswer, error) {
	query := url.Values{"direction": {direction}, "max_hops": {strconv.Itoa(maxHops)}}
	var out struct {
		Impact *impactAnswer `json:"impact"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/blueprints"+pathOf(bp)+"/entities"+pathOf(id)+"/impact", query, nil, &out)
	return out.Impact, err
}

func newImpactCmd() *cobra.Command {
	var output, direction string
	var maxHops int
	cmd := &cobra.Command{
		Use:   "impact BLUEPRINT ID",
		Short: "List every entity reachable from an entity through relations",
		Long: `impact walks relations from an entity and lists every entity reached with one
shortest path, then how many each team owns. downstream (the default) lists
what depends on the entity — what breaks if it breaks; upstream lists what
it depends on.`,
		Example: `  atrium impact service ledger
  atrium impact service checkout --direction upstream --max-hops 5 -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if direction != "downstream" && direction != "upstream" {
				return fmt.Errorf("--direction %q: want downstream or upstream", direction)
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			imp, err := c.impact(cmd.Context(), args[0], args[1], direction, maxHops)
			if err != nil {
				return err
			}
			if output != outputTable {
				return writeData(cmd.OutOrStdout(), output, imp)
			}
			w := cmd.OutOrStdout()
			more := ""
			if imp.Truncated {
				more = " (truncated: the nearest ones)"
			}
			fmt.Fprintf(w, "%s of %s/%s within %d hops: %d entities%s\n\n", imp.Direction, imp.Blueprint, imp.Identifier, imp.MaxHops, imp.Total, more)
			tw := newTable(w)
			fmt.Fprintln(tw, "BLUEPRINT\tIDENTIFIER\tHOPS\tTEAM\tPATH")
			for _, g := range imp.Blueprints {
				for _, e := range g.Entities {
					var p strings.Builder
					for i, s := range e.Path {
						if i > 0 {
							if imp.Direction == "upstream" {
								p.WriteString(" -" + s.Relation + "-> ")
							} else {
								p.WriteString(" <-" + s.Relation + "- ")
							}
						}
						p.WriteString(s.Blueprint + "/" + s.Identifier)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.Blueprint, e.Identifier, e.Hops, dash(strings.Join(e.Team, ",")), p.String())
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(imp.Teams) == 0 {
				return nil
			}
			fmt.Fprintln(w)
			tw = newTable(w)
			fmt.Fprintln(tw, "TEAM\tENTITIES")
			for _, t := range imp.Teams {
				fmt.Fprintf(tw, "%s\t%d\n", dash(t.Team), t.Count)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputTable, "output format: table, json or yaml")
	cmd.Flags().StringVar(&direction, "direction", "downstream", "downstream (what depends on it) or upstream (what it depends on)")
	cmd.Flags().IntVar(&maxHops, "max-hops", 3, "how many relations deep to walk (1..15)")
	return cmd
}
