package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
)

// TextSearcher is the catalog's full-text search; *catalog.Service
// satisfies it. Routes are registered only when Options.Catalog has it.
type TextSearcher interface {
	EntityTextSearch(ctx context.Context, q string, opts catalog.TextSearchOptions) ([]catalog.TextHit, error)
}

type textSearchInput struct {
	Q         string   `query:"q" doc:"Words to find in identifiers, titles and string property values; every word must match, the last as a prefix. Plain text: quotes, stars and OR are not operators."`
	Limit     int      `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Most results to return."`
	Blueprint []string `query:"blueprint" doc:"Only entities of these blueprints (repeat the parameter, or separate with commas)."`
}

type textSearchOutput struct {
	Body struct {
		OK      bool              `json:"ok"`
		Results []catalog.TextHit `json:"results"`
	}
}

// registerFullText adds GET /v1/search, ranked full-text search across
// blueprints (an Atrium extension; issue 3 §5).
func (s *Server) registerFullText() {
	ts, ok := s.opts.Catalog.(TextSearcher)
	if !ok {
		return
	}
	register(s, huma.Operation{
		OperationID: "searchText", Method: http.MethodGet, Path: "/v1/search",
		Summary: "Full-text search across blueprints (Atrium extension)",
		Description: "Ranks entities whose identifier, title or string property values contain every word of q " +
			"(the last word also as a prefix, for search-as-you-type), best first; identifier and title matches " +
			"rank above property matches. Each result carries a snippet of the best matching field with matched " +
			"words wrapped in <mark>…</mark> (the rest is stored text, not HTML-escaped). 422 when q is empty.",
		Tags:   []string{"Search"},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *textSearchInput) (*textSearchOutput, error) {
		hits, err := ts.EntityTextSearch(ctx, in.Q, catalog.TextSearchOptions{Blueprints: splitList(in.Blueprint), Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &textSearchOutput{}
		out.Body.OK = true
		out.Body.Results = hits
		return out, nil
	})
}

// splitList flattens repeated and comma-separated query values, dropping
// blanks.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
