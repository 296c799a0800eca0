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
// bound to the service clock, compiled for the store's dialect. Only
// entities the writer may read (ra) are found, so a query cannot reveal or
// relate to hidden ones.
func (s *Service) findMap(ctx context.Context, rd store.Reader, q *mapQuery, blueprint string, limit int, ra *readAccess) ([]string, error) {
	f, err := ra.filter(ctx, []string{blueprint})
	if err != nil {
		return nil, err
	}
	if q.full == nil {
		if f == nil {
			return q.find(ctx, rd, blueprint, limit)
		}
		// The simple form has no rule tree to join: find every match, keep
		// the readable ones.
		ids, err := q.find(ctx, rd, blueprint, 0)
		if err != nil {
			return nil, err
		}
		keys := make([]model.EntityKey, len(ids))
		for i, id := range ids {
			keys[i] = model.EntityKey{Blueprint: blueprint, Identifier: id}
		}
		vis, err := ra.visible(ctx, keys)
		if err != nil {
			return nil, err
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return !vis[model.EntityKey{Blueprint: blueprint, Identifier: id}] })
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		return ids, nil
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
	if bound, err = restrict(bound, f); err != nil {
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
