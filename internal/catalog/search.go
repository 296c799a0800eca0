package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

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
	// Caller resolves {"context": …} values; nil means the principal of
	// the ctx actor (model.ActorFrom), and refuses them for a trusted
	// caller.
	Caller *query.Caller
	// Sort orders results before the (blueprint, identifier) tie-break.
	Sort []SearchSort
	// AsOf, when set, runs the search over the catalog as it was at that
	// instant (searchAsOf); Sort cannot be combined with it.
	AsOf *time.Time
}

// SearchSort orders by a meta-property ($identifier, $title, $blueprint,
// $createdAt, $updatedAt) or a string or number property; values that are
// missing, null or of another type sort last.
type SearchSort struct {
	Property string
	Desc     bool
}

// searchCursor is the opaque cursor: the last entity's sort values and key.
type searchCursor struct {
	Values     []any  `json:"v,omitempty"`
	Blueprint  string `json:"b"`
	Identifier string `json:"i"`
}

// SearchPage is one page of search results, in sort order then
// (blueprint, identifier). Next is empty on the last page.
type SearchPage struct {
	Entities []*model.Entity
	Next     string
	// MatchingBlueprints lists the blueprints of Entities, sorted.
	MatchingBlueprints []string
}

// maxUnpagedSearch caps the unpaginated cross-blueprint search.
const maxUnpagedSearch = 10000

// EntitySearch runs a query. Pages are keyed by the sort values then
// (blueprint, identifier). Without Sort the key is (blueprint, identifier),
// which no write changes (a rename is a delete plus a create), so paging
// never repeats an entity nor skips one that exists throughout, whatever is
// written concurrently; with Sort, an entity whose sort value changes while
// a client pages may move across the cursor (keyset paging, no snapshot).
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
	var cur *searchCursor
	if opts.Cursor != "" {
		cur = &searchCursor{}
		b, err := base64.RawURLEncoding.DecodeString(opts.Cursor)
		if err != nil || json.Unmarshal(b, cur) != nil || cur.Identifier == "" || len(cur.Values) != len(opts.Sort) {
			return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "from", Reason: "is not a cursor returned by this API"}}}
		}
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
	p := &store.EntitySearchParams{Blueprint: opts.Blueprint, Limit: limit + 1}
	for i, so := range opts.Sort {
		f := store.SortField{Field: so.Property, Desc: so.Desc}
		if !isMetaSort(so.Property) {
			for _, bp := range schema.Blueprints {
				if opts.Blueprint != "" && bp.Identifier != opts.Blueprint {
					continue
				}
				if prop, ok := bp.Schema.Properties[so.Property]; ok && (prop.Type == "string" || prop.Type == "number") {
					f.Type = prop.Type
					break
				}
				// Computed values are materialised, so they sort like stored ones.
				if _, ok := bp.AggregationProperties[so.Property]; ok {
					f.Type = "number"
					break
				}
				if c, ok := bp.CalculationProperties[so.Property]; ok && (c.Type == "string" || c.Type == "number") {
					f.Type = c.Type
					break
				}
			}
			if f.Type == "" {
				return nil, &model.ValidationError{Fields: []model.FieldError{{Field: fmt.Sprintf("sort[%d].property", i),
					Reason: fmt.Sprintf("%q is not a meta-property or a string or number property (stored, calculated or aggregated)", so.Property)}}}
			}
		}
		p.Sort = append(p.Sort, f)
	}
	if cur != nil {
		p.After = &store.SearchCursor{Blueprint: cur.Blueprint, Identifier: cur.Identifier, Values: make([]any, len(cur.Values))}
		for i, v := range cur.Values {
			if f := p.Sort[i].Field; f == "$createdAt" || f == "$updatedAt" {
				t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v))
				if err != nil {
					return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "from", Reason: "is not a cursor returned by this API"}}}
				}
				v = t
			}
			p.After.Values[i] = v
		}
	}
	if opts.AsOf != nil && len(opts.Sort) > 0 {
		return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "sort",
			Reason: "cannot be combined with as_of: past results come in blueprint, identifier order"}}}
	}
	var parsed *query.Query
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
		parsed = q
	}
	// The caller's read condition joins the query, so pages, cursors and
	// as-of results hold only readable entities.
	bound, err := s.bindReadable(ctx, parsed, schema, bps, opts.Caller, opts.Query)
	if err != nil {
		return nil, err
	}
	if opts.AsOf != nil {
		return s.searchAsOf(ctx, opts, bps, bound, cur, limit)
	}
	if bound != nil {
		c, err := s.compileRead(ctx, bound)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		p.Where, p.WhereArgs, p.Wide, p.RangeKeys = c.Where, c.Args, c.Wide, c.RangeKeys
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
		c := searchCursor{Blueprint: last.Blueprint, Identifier: last.Identifier}
		for _, f := range p.Sort {
			c.Values = append(c.Values, sortValue(last, f))
		}
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encode cursor: %w", err)
		}
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

func isMetaSort(f string) bool {
	switch f {
	case "$identifier", "$title", "$blueprint", "$createdAt", "$updatedAt":
		return true
	}
	return false
}

// sortValue is e's value of sort field f as the store compares it: nil when
// a property is missing or of another type.
func sortValue(e *model.Entity, f store.SortField) any {
	switch f.Field {
	case "$identifier":
		return e.Identifier
	case "$title":
		return e.Title
	case "$blueprint":
		return e.Blueprint
	case "$createdAt":
		return e.CreatedAt.UTC().Format(time.RFC3339Nano)
	case "$updatedAt":
		return e.UpdatedAt.UTC().Format(time.RFC3339Nano)
	}
	switch v := e.Properties[f.Field].(type) {
	case string:
		if f.Type == "string" {
			return v
		}
	case float64:
		if f.Type == "number" {
			return v
		}
	}
	return nil
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

// compileRead compiles a bound query for a read outside any transaction:
// relatedTo reaches come from the store's in-memory graph when it keeps one
// (store.Reacher; SQLite), and are walked in SQL otherwise. Never inside a
// write transaction: the graph holds only committed edges. The caller
// calls Release on the result once the statement ran.
func (s *Service) compileRead(ctx context.Context, q *query.Query) (*query.Compiled, error) {
	rc, ok := s.opts.Store.(store.Reacher)
	if !ok {
		return query.Compile(q, s.opts.Store.Dialect(), store.EntityAlias)
	}
	return query.CompileReaching(q, s.opts.Store.Dialect(), store.EntityAlias, func(r *query.Related, forward bool) (func(store.Binder, string) string, func(), bool, error) {
		start := make([]model.EntityKey, len(r.IDs))
		for i, id := range r.IDs {
			start[i] = model.EntityKey{Blueprint: r.Blueprint, Identifier: id}
		}
		return rc.Reach(ctx, start, forward)
	})
}
