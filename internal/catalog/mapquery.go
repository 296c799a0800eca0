package catalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// findMap runs a map-by-property query (port.md §2.3) against blueprint
// inside rd, returning at most limit identifiers in identifier order (0: no
// limit). Queries beyond the "=" / "in" subset run with the full language:
// checked against every blueprint (a problem is a 422 naming the rule),
// bound to the service clock, compiled for the store's dialect.
func (s *Service) findMap(ctx context.Context, rd store.Reader, q *mapQuery, blueprint string, limit int) ([]string, error) {
	if q.full == nil {
		return q.find(ctx, rd, blueprint, limit)
	}
	bps, err := blueprintMap(ctx, rd)
	if err != nil {
		return nil, err
	}
	schema := query.Schema{Scope: []string{blueprint}}
	for _, bp := range bps {
		schema.Blueprints = append(schema.Blueprints, bp)
	}
	slices.SortFunc(schema.Blueprints, func(a, b *model.Blueprint) int { return compareString(a.Identifier, b.Identifier) })
	if err := query.Check(q.full, schema); err != nil {
		return nil, err
	}
	bound, err := query.Bind(q.full, query.Env{Schema: schema, Clock: s.opts.Clock})
	if err != nil {
		return nil, err
	}
	c, err := query.Compile(bound, s.opts.Store.Dialect(), store.EntityAlias)
	if err != nil {
		return nil, err
	}
	es, err := rd.EntitySearch(ctx, &store.EntitySearchParams{Blueprint: blueprint, Where: c.Where, WhereArgs: c.Args, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("find entities of %s: %w", blueprint, err)
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.Identifier
	}
	return ids, nil
}
