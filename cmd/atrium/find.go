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

// textHit is one result of GET /v1/search.
type textHit struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	Title      string `json:"title"`
	Snippet    string `json:"snippet"`
}

func (c *client) textSearch(ctx context.Context, q string, blueprints []string, limit int) ([]textHit, error) {
	query := url.Values{"q": {q}, "limit": {strconv.Itoa(limit)}}
	for _, bp := range blueprints {
		query.Add("blueprint", bp)
	}
	var out struct {
		Results []textHit `json:"results"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/search", query, nil, &out)
	return out.Results, err
}

func newFindCmd() *cobra.Command {
	var output string
	var blueprints []string
	var limit int
	cmd := &cobra.Command{
		Use:   "find TEXT...",
		Short: "Full-text search across blueprints",
		Long: `find ranks entities whose identifier, title or string property values contain
every word of TEXT (the last word also as a prefix), best first, and prints
each with the matching snippet (matched words between *stars*). TEXT is
plain words: quotes, stars and OR are not operators.`,
		Example: `  atrium find payment ledger
  atrium find paym --blueprint service --limit 5 -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			hits, err := c.textSearch(cmd.Context(), strings.Join(args, " "), blueprints, limit)
			if err != nil {
				return err
			}
			if output != outputTable {
				return writeData(cmd.OutOrStdout(), output, hits)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "BLUEPRINT\tIDENTIFIER\tTITLE\tMATCH")
			for _, h := range hits {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Blueprint, h.Identifier, dash(h.Title), dash(plainSnippet(h.Snippet)))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputTable, "output format: table, json or yaml")
	cmd.Flags().StringSliceVarP(&blueprints, "blueprint", "b", nil, "only entities of these blueprints (repeat or comma-separate)")
	cmd.Flags().IntVar(&limit, "limit", 20, "most results (1..100)")
	return cmd
}

// plainSnippet marks matches with stars and keeps the snippet on one line.
func plainSnippet(s string) string {
	s = strings.NewReplacer("<mark>", "*", "</mark>", "*", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
