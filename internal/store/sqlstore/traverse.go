package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// The walk runs over entity ids: each hop reads the frontier's edges from
// the edges' covering indexes, then the keys of the entities reached first
// at that hop — one entity read per new node rather than per edge.
var (
	outgoingIDSpec = listSpec{head: "SELECT from_id, relation, to_id FROM edges WHERE from_id IN ",
		array: "SELECT from_id, relation, to_id FROM edges WHERE from_id = ANY(?::bigint[])"}
	incomingIDSpec = listSpec{head: "SELECT from_id, relation, to_id FROM edges WHERE to_id IN ",
		array: "SELECT from_id, relation, to_id FROM edges WHERE to_id = ANY(?::bigint[])"}
	entitySummarySpec = listSpec{head: "SELECT id, " + summaryCols + " FROM entities WHERE id IN ",
		array: "SELECT id, " + summaryCols + " FROM entities WHERE id = ANY(?::bigint[])"}
)

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
	spec := outgoingIDSpec
	if p.Incoming {
		spec = incomingIDSpec
	}
	res := &store.EdgeTraverseResult{Nodes: []store.TraverseNode{}}
	ids, err := r.entityIDs(ctx, []model.EntityKey{p.Start})
	if err != nil {
		return nil, r.wrap("traverse edges", err)
	}
	start, ok := ids[p.Start]
	if !ok {
		return res, nil
	}
	keys := map[int64]model.EntityKey{start: p.Start} // of every node reached
	summaries := map[int64]*model.Entity{}
	frontier := []int64{start}
	type via struct {
		parent   int64
		relation string
	}
	for hop := 1; hop <= p.MaxHops && len(frontier) > 0; hop++ {
		next := map[int64]via{}
		err := r.idEdgesOf(ctx, spec, frontier, func(from int64, relation string, to int64) {
			parent, child := from, to
			if p.Incoming {
				parent, child = to, from
			}
			if _, ok := keys[child]; ok {
				return
			}
			if old, ok := next[child]; ok && cmp.Or(compareKeys(keys[old.parent], keys[parent]), strings.Compare(old.relation, relation)) <= 0 {
				return
			}
			next[child] = via{parent: parent, relation: relation}
		})
		if err != nil {
			return nil, r.wrap("traverse edges", err)
		}
		found := make([]int64, 0, len(next))
		for id := range next {
			found = append(found, id)
		}
		if err := r.entitySummaries(ctx, found, keys, summaries); err != nil {
			return nil, r.wrap("traverse edges", err)
		}
		frontier = frontier[:0]
		for _, id := range found {
			if _, ok := keys[id]; ok { // an entity deleted meanwhile has no key
				frontier = append(frontier, id)
			}
		}
		slices.SortFunc(frontier, func(a, b int64) int { return compareKeys(keys[a], keys[b]) })
		if room := limit - len(res.Nodes); len(frontier) > room {
			for _, id := range frontier[room:] {
				delete(keys, id)
			}
			frontier, res.Truncated = frontier[:room], true
		}
		for _, id := range frontier {
			v := next[id]
			n := store.TraverseNode{Key: keys[id], Hops: hop, Parent: keys[v.parent], Relation: v.relation}
			if p.Summaries {
				n.Summary = summaries[id]
			}
			res.Nodes = append(res.Nodes, n)
		}
		if res.Truncated {
			break
		}
	}
	return res, nil
}

// idEdgesOf calls fn for every edge spec selects for ids.
func (r *reader) idEdgesOf(ctx context.Context, spec listSpec, ids []int64, fn func(from int64, relation string, to int64)) error {
	return r.forIDChunks(ctx, spec, ids, func(rows *sql.Rows) error {
		var from, to int64
		var relation string
		if err := rows.Scan(&from, &relation, &to); err != nil {
			return err
		}
		fn(from, relation, to)
		return nil
	})
}

// entitySummaries adds the keys and summaries (see scanSummary) of the
// entities ids to keys and summaries; an id without an entity adds nothing.
func (r *reader) entitySummaries(ctx context.Context, ids []int64, keys map[int64]model.EntityKey, summaries map[int64]*model.Entity) error {
	return r.forIDChunks(ctx, entitySummarySpec, ids, func(rows *sql.Rows) error {
		var id int64
		e, err := scanSummary(idFirst{rows, &id})
		if err != nil {
			return err
		}
		keys[id], summaries[id] = e.Key(), e
		return nil
	})
}

// idFirst scans a leading id column before the columns asked for.
type idFirst struct {
	rows *sql.Rows
	id   *int64
}

func (s idFirst) Scan(dest ...any) error { return s.rows.Scan(append([]any{s.id}, dest...)...) }

// forKeyChunks runs spec over keys, one statement per blueprint and chunk
// of at most maxInList identifiers (groupKeys), with pre's values before
// the blueprint, and calls scan for every row with the chunk's blueprint.
func (r *reader) forKeyChunks(ctx context.Context, spec listSpec, pre []any, keys []model.EntityKey, scan func(blueprint string, rows *sql.Rows) error) error {
	for _, c := range groupKeys(keys) {
		ids := padList(r.f, c.IDs)
		q := r.stmts.listSQL(r.f, spec, len(ids))
		args := listArgs(r.f, append(append([]any{}, pre...), c.Blueprint), ids)
		if err := r.execOrScan(ctx, true, q, args, func(rows *sql.Rows) error {
			return scan(c.Blueprint, rows)
		}); err != nil {
			return err
		}
	}
	return nil
}

// forIDChunks runs spec over ids in chunks of at most maxInList (one array
// parameter for ArrayMatcher flavors) and calls scan for every row; with
// scan nil the statement returns none (a write).
func (r *reader) forIDChunks(ctx context.Context, spec listSpec, ids []int64, scan func(*sql.Rows) error) error {
	_, arrays := r.f.(ArrayMatcher)
	for start := 0; start < len(ids); start += maxInList {
		chunk := padList(r.f, ids[start:min(start+maxInList, len(ids))])
		var args []any
		if arrays {
			args = []any{chunk}
		} else {
			args = make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
		}
		q := r.stmts.listSQL(r.f, spec, len(chunk))
		if err := r.execOrScan(ctx, true, q, args, scan); err != nil {
			return err
		}
	}
	return nil
}
