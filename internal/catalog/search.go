package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// SearchOptions select entities with a rule-tree query (reference/port.md
// §2.5).
type SearchOptions struct {
	// Blueprint restricts the search to one blueprint (404 when unknown);
	// "" searches every blueprint.
	Blueprint string
	// Query is the rule tree {combinator, rules}; nil matches everything.
	Query json.RawMessage
	// QueryPath names the query in error messages; default "query".
	QueryPath string
	// Limit is 1..1000, 0 meaning 200, when Paginate is set; otherwise at
	// most maxUnpagedSearch entities are returned (413 beyond).
	Limit    int
	Paginate bool
	// Cursor is the Next of the previous page.
	Cursor string
	// Caller resolves {"context": …} values; nil refuses them.
	Caller *query.Caller
}

// SearchPage is one page of search results, in (blueprint, identifier)
// order. Next is empty on the last page.
type SearchPage struct {
	Entities []*model.Entity
	Next     string
	// MatchingBlueprints lists the blueprints of Entities, sorted.
	MatchingBlueprints []string
}

// maxUnpagedSearch caps the unpaginated cross-blueprint search.
const maxUnpagedSearch = 10000

// EntitySearch runs a query. Pages are keyed by (blueprint, identifier),
// which no write changes (a rename is a delete plus a create), so paging
// never repeats an entity nor skips one that exists throughout, whatever is
// written concurrently.
func (s *Service) EntitySearch(ctx context.Context, opts SearchOptions) (*SearchPage, error) {
	limit := opts.Limit
	switch {
	case !opts.Paginate:
		limit = maxUnpagedSearch
	case limit == 0:
		limit = defaultPageSize
	case limit < 0 || limit > maxPageSize:
		return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", maxPageSize)}}}
	}
	var after *store.SearchCursor
	if opts.Cursor != "" {
		var key [2]string
		b, err := base64.RawURLEncoding.DecodeString(opts.Cursor)
		if err != nil || json.Unmarshal(b, &key) != nil || key[1] == "" {
			return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "from", Reason: "is not a cursor returned by this API"}}}
		}
		after = &store.SearchCursor{Blueprint: key[0], Identifier: key[1]}
	}
	bps, err := blueprintMap(ctx, s.opts.Store)
	if err != nil {
		return nil, err
	}
	schema := query.Schema{}
	for _, bp := range bps {
		schema.Blueprints = append(schema.Blueprints, bp)
	}
	slices.SortFunc(schema.Blueprints, func(a, b *model.Blueprint) int { return compareString(a.Identifier, b.Identifier) })
	if opts.Blueprint != "" {
		if bps[opts.Blueprint] == nil {
			return nil, model.NotFoundf("blueprint %q not found", opts.Blueprint)
		}
		schema.Scope = []string{opts.Blueprint}
	}
	p := &store.EntitySearchParams{Blueprint: opts.Blueprint, After: after, Limit: limit + 1}
	if len(opts.Query) > 0 && string(opts.Query) != "null" {
		path := opts.QueryPath
		if path == "" {
			path = "query"
		}
		q, err := query.ParseAt(opts.Query, path)
		if err != nil {
			return nil, err
		}
		if err := query.Check(q, schema); err != nil {
			return nil, err
		}
		bound, err := query.Bind(q, query.Env{Schema: schema, Clock: s.opts.Clock, Caller: opts.Caller})
		if err != nil {
			return nil, err
		}
		c, err := query.Compile(bound, s.opts.Store.Dialect(), store.EntityAlias)
		if err != nil {
			return nil, err
		}
		p.Where, p.WhereArgs = c.Where, c.Args
	}
	es, err := s.opts.Store.EntitySearch(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("search entities: %w", err)
	}
	page := &SearchPage{Entities: es, MatchingBlueprints: []string{}}
	if len(es) > limit {
		if !opts.Paginate {
			return nil, &model.KindError{Kind: model.ErrTooLarge,
				Message: fmt.Sprintf("more than %d entities match; narrow the query or search one blueprint (paginated)", maxUnpagedSearch)}
		}
		page.Entities = es[:limit]
		last := es[limit-1]
		b, _ := json.Marshal([2]string{last.Blueprint, last.Identifier})
		page.Next = base64.RawURLEncoding.EncodeToString(b)
	}
	for _, e := range page.Entities {
		if bp := bps[e.Blueprint]; bp != nil {
			normaliseEntity(bp, e)
		}
		if !slices.Contains(page.MatchingBlueprints, e.Blueprint) {
			page.MatchingBlueprints = append(page.MatchingBlueprints, e.Blueprint)
		}
	}
	slices.Sort(page.MatchingBlueprints)
	if page.Entities == nil {
		page.Entities = []*model.Entity{}
	}
	return page, nil
}

func compareString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
