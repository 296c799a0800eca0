package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"

	"github.com/atrium-idp/atrium/internal/model"
)

// maxSearchPage is the server's largest page (POST …/entities/search).
const maxSearchPage = 1000

// whereOps are the --where operators, longest first so ">=" wins over ">",
// with the rule-tree operator each stands for.
var whereOps = []struct{ sym, op string }{
	{">=", ">="}, {"<=", "<="}, {"!=", "!="}, {"^=", "beginsWith"}, {"$=", "endsWith"},
	{"=", "="}, {">", ">"}, {"<", "<"}, {"~", "contains"},
}

// jsonNumber is a JSON number literal: what --where reads as a number.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// whereRule is one rule of the rule tree.
type whereRule struct {
	Property string `json:"property"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// parseWhere reads PROPERTY OP VALUE. The operator is the first one found
// after a non-empty property (the longest at that position), so values may
// contain operator characters; property and value are trimmed of spaces.
// The value is a number when it is a JSON number, true, false or null when
// it is that word, and a string otherwise; "double quotes" force a string
// (the text between them, without escapes).
func parseWhere(s string) (*whereRule, error) {
	for i := 1; i < len(s); i++ {
		for _, o := range whereOps {
			if !strings.HasPrefix(s[i:], o.sym) {
				continue
			}
			prop := strings.TrimSpace(s[:i])
			if prop == "" || strings.ContainsAny(prop, "=!<>~^") {
				return nil, fmt.Errorf("--where %q: want PROPERTY OP VALUE (OP one of = != > >= < <= ~ ^= $=)", s)
			}
			return &whereRule{Property: prop, Operator: o.op, Value: whereValue(strings.TrimSpace(s[i+len(o.sym):]))}, nil
		}
	}
	return nil, fmt.Errorf("--where %q: want PROPERTY OP VALUE (OP one of = != > >= < <= ~ ^= $=)", s)
}

func whereValue(v string) any {
	switch {
	case v == "true":
		return true
	case v == "false":
		return false
	case v == "null":
		return nil
	case jsonNumber.MatchString(v):
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		// The text between the quotes, as it is: no escapes.
		return v[1 : len(v)-1]
	}
	return v
}

// searchQuery builds the rule tree: the --query file's tree and every
// --where rule, all ANDed; nil when there are none.
func searchQuery(wheres []string, file string, stdin io.Reader) (any, error) {
	var rules []any
	if file != "" {
		var b []byte
		var err error
		if file == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(file)
		}
		if err != nil {
			return nil, fmt.Errorf("--query: %w", err)
		}
		var tree any
		// YAML is a superset of JSON, so one decoder reads both.
		if err := yaml.Unmarshal(b, &tree); err != nil {
			return nil, fmt.Errorf("--query %s: %w", file, err)
		}
		if _, ok := tree.(map[string]any); !ok {
			return nil, fmt.Errorf("--query %s: want a rule tree {combinator, rules}", file)
		}
		if len(wheres) == 0 {
			return tree, nil
		}
		rules = append(rules, tree)
	}
	for _, w := range wheres {
		r, err := parseWhere(w)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	if rules == nil {
		return nil, nil
	}
	return map[string]any{"combinator": "and", "rules": rules}, nil
}

// searchRequest is the body of POST /v1/blueprints/{bp}/entities/search.
type searchRequest struct {
	Query any    `json:"query,omitempty"`
	Limit int    `json:"limit"`
	From  string `json:"from,omitempty"`
}

// searchEntities pages through a blueprint search until limit entities (0:
// all) were read or the last page.
func (c *client) searchEntities(ctx context.Context, bp string, q any, limit int, asOf string) ([]*model.Entity, error) {
	var params url.Values
	if asOf != "" {
		params = url.Values{"as_of": {asOf}}
	}
	var all []*model.Entity
	from := ""
	for {
		size := maxSearchPage
		if limit > 0 {
			size = min(limit-len(all), maxSearchPage)
		}
		var page struct {
			Entities []*model.Entity `json:"entities"`
			Next     string          `json:"next"`
		}
		_, err := c.do(ctx, http.MethodPost, pathOf("v1", "blueprints", bp, "entities", "search"), params,
			searchRequest{Query: q, Limit: size, From: from}, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Entities...)
		if page.Next == "" || page.Next == from || (limit > 0 && len(all) >= limit) {
			break
		}
		from = page.Next
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

func newSearchCmd() *cobra.Command {
	var (
		output, queryFile, asOf string
		wheres                  []string
		limit                   int
	)
	cmd := &cobra.Command{
		Use:   "search BLUEPRINT",
		Short: "Search a blueprint's entities with conditions or a rule-tree query",
		Long: `search lists the entities of BLUEPRINT matching every --where condition and
the --query rule tree (all ANDed), reading every page (POST
/v1/blueprints/BLUEPRINT/entities/search) from the server at ATRIUM_URL
(default ` + defaultURL + `).

--where is PROPERTY OP VALUE with OP one of
  =  !=  >  >=  <  <=   compare (numbers numerically, text byte-wise)
  ~                     contains
  ^=                    beginsWith
  $=                    endsWith
VALUE is a number when it looks like one (3, -1.5, 2e3), true, false or null
for those words, else a string; "double quotes" keep it a string ("3").
PROPERTY is a blueprint property or a meta-property ($identifier, $title,
$team, ...). --query FILE reads a full rule tree {combinator, rules} as JSON
or YAML ("-" for standard input).`,
		Example: `  atrium search service --where 'language=Go' --where 'replicas>2'
  atrium search service --where '$title^=Pay' -o yaml
  atrium search service --query tree.yaml --limit 50
  atrium search service --where 'tier="1"' --as-of 2026-11-01T09:00:00Z`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if limit < 0 {
				return fmt.Errorf("--limit %d: want 0 (all) or more", limit)
			}
			q, err := searchQuery(wheres, queryFile, cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			es, err := c.searchEntities(cmd.Context(), args[0], q, limit, asOf)
			if err != nil {
				return err
			}
			if es == nil {
				es = []*model.Entity{}
			}
			return writeEntities(cmd.OutOrStdout(), output, es)
		},
	}
	cmd.Flags().StringArrayVarP(&wheres, "where", "w", nil, "condition PROPERTY OP VALUE; repeat to AND several")
	cmd.Flags().StringVar(&queryFile, "query", "", "file with a rule tree {combinator, rules} (JSON or YAML; - for stdin)")
	cmd.Flags().IntVar(&limit, "limit", 0, "print at most this many entities (0: all)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "search the catalog as it was at this RFC 3339 instant")
	cmd.Flags().StringVarP(&output, "output", "o", outputTable, "output format: table, json or yaml")
	return cmd
}
