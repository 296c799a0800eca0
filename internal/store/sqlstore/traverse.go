package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// outgoingSpec lists the edges leaving a blueprint's entities (the edges
// primary key serves it).
var outgoingSpec = listSpec{head: "SELECT f.blueprint, f.identifier, ed.relation, t.blueprint, t.identifier" +
	" FROM entities f JOIN edges ed ON ed.from_id = f.id JOIN entities t ON t.id = ed.to_id" +
	" WHERE f.blueprint = ? AND f.identifier IN ",
	array: "SELECT x.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(ident)" +
		" CROSS JOIN LATERAL (SELECT f.blueprint AS fb, f.identifier AS fi, ed.relation, t.blueprint AS tb, t.identifier AS ti" +
		" FROM entities f JOIN edges ed ON ed.from_id = f.id JOIN entities t ON t.id = ed.to_id" +
		" WHERE f.blueprint = p.bp AND f.identifier = k.ident) x"}

// defaultMaxTraverse is EdgeTraverseParams.MaxNodes when unset.
const defaultMaxTraverse = 10_000

// EdgeTraverse walks edges breadth first, one batch of indexed edge lookups
// per hop (per blueprint and chunk of the frontier), rather than one
// recursive CTE: a CTE cannot stop at a node budget or keep one parent per
// node, and explores every path instead of every node, which at 1M entities
// with shared dependencies is far more rows.
func (r *reader) EdgeTraverse(ctx context.Context, p *store.EdgeTraverseParams) (*store.EdgeTraverseResult, error) {
	if p.MaxHops < 1 {
		return nil, errors.New("edge traverse: MaxHops must be at least 1")
	}
	limit := p.MaxNodes
	if limit <= 0 {
		limit = defaultMaxTraverse
	}
	spec := outgoingSpec
	if p.Incoming {
		spec = incomingSpec
	}
	res := &store.EdgeTraverseResult{Nodes: []store.TraverseNode{}}
	seen := map[model.EntityKey]struct{}{p.Start: {}}
	frontier := []model.EntityKey{p.Start}
	for hop := 1; hop <= p.MaxHops && len(frontier) > 0; hop++ {
		next := map[model.EntityKey]store.TraverseNode{}
		err := r.edgesOf(ctx, spec, frontier, func(e model.Edge) {
			parent, child := e.From, e.To
			if p.Incoming {
				parent, child = e.To, e.From
			}
			if _, ok := seen[child]; ok {
				return
			}
			n := store.TraverseNode{Key: child, Hops: hop, Parent: parent, Relation: e.Relation}
			if old, ok := next[child]; ok && cmp.Or(compareKeys(old.Parent, parent), strings.Compare(old.Relation, e.Relation)) <= 0 {
				return
			}
			next[child] = n
		})
		if err != nil {
			return nil, r.wrap("traverse edges", err)
		}
		frontier = frontier[:0]
		for k := range next {
			frontier = append(frontier, k)
		}
		slices.SortFunc(frontier, compareKeys)
		if room := limit - len(res.Nodes); len(frontier) > room {
			frontier, res.Truncated = frontier[:room], true
		}
		for _, k := range frontier {
			seen[k] = struct{}{}
			res.Nodes = append(res.Nodes, next[k])
		}
		if res.Truncated {
			break
		}
	}
	return res, nil
}

// edgesOf calls fn for every edge spec selects for keys.
func (r *reader) edgesOf(ctx context.Context, spec listSpec, keys []model.EntityKey, fn func(model.Edge)) error {
	for _, c := range groupKeys(keys) {
		q := r.stmts.listSQL(r.f, spec, len(c.IDs))
		if err := func() error {
			rows, err := r.query(ctx, len(c.IDs) == maxInList, q, listArgs(r.f, []any{c.Blueprint}, c.IDs)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var e model.Edge
				if err := rows.Scan(&e.From.Blueprint, &e.From.Identifier, &e.Relation, &e.To.Blueprint, &e.To.Identifier); err != nil {
					return err
				}
				fn(e)
			}
			return rows.Err()
		}(); err != nil {
			return err
		}
	}
	return nil
}
