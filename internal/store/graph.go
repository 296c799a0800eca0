package store

import (
	"context"
	"errors"

	"github.com/atrium-idp/atrium/internal/model"
)

// EdgeTraverseParams walks relations breadth first from Start.
type EdgeTraverseParams struct {
	Start model.EntityKey
	// Incoming follows edges backwards, to the entities that point at each
	// reached entity (its dependents); otherwise edges are followed forwards
	// to their targets (what it depends on).
	Incoming bool
	// MaxHops bounds the walk; it must be at least 1.
	MaxHops int
	// MaxNodes stops the walk once this many entities are reached (Start not
	// counted) and sets Truncated; 0 means 10,000.
	MaxNodes int
	// Summaries fills each node's Summary (the walk reads those columns
	// anyway to order nodes by key).
	Summaries bool
}

// EdgeTraverseResult is what a walk reached.
type EdgeTraverseResult struct {
	// Nodes are the reached entities, Start excluded, each once, ordered by
	// hops, then by key.
	Nodes []TraverseNode
	// Truncated is set when MaxNodes stopped the walk before MaxHops.
	Truncated bool
}

// TraverseNode is one reached entity and the edge it was first reached by,
// so following Parent back to Start gives one shortest path. Among equally
// short ways the smallest parent key (then relation) is kept, so the path is
// deterministic.
type TraverseNode struct {
	Key  model.EntityKey
	Hops int
	// Parent is the entity one hop closer to Start.
	Parent model.EntityKey
	// Relation names the relation of the edge between Parent and Key (the
	// edge runs Key → Parent when walking Incoming, Parent → Key otherwise).
	Relation string
	// Summary is the entity's blueprint, identifier, title and team, when
	// EdgeTraverseParams.Summaries asked for it.
	Summary *model.Entity
}

// Reacher is implemented by stores that answer relatedTo reaches from an
// in-memory graph (internal/store/graphindex) instead of a recursive SQL
// walk.
type Reacher interface {
	// Reach answers the set of entities reachable in one or more steps
	// from the entities start, following edges forward (from → to) or
	// backward, as the SQL reach does — as a condition: cond renders
	// "the entity whose id column is idCol is in the set", binding through
	// b (a list of ids for a small reach, a membership test for a wide one).
	// release frees what the condition needs once the statement ran. ok is
	// false when the store cannot answer from its graph now (not loaded
	// yet, or written by another process since): the caller walks in SQL.
	Reach(ctx context.Context, start []model.EntityKey, forward bool) (cond func(b Binder, idCol string) string, release func(), ok bool, err error)
}

// ErrWarming is what a Warmer's store answers readiness with while it
// still loads what it keeps in memory.
var ErrWarming = errors.New("warming up: loading the relation graph")

// Warmer is implemented by stores that load an in-memory cache after
// opening (the relation graph on SQLite): they serve meanwhile, slower, and
// report not ready (GET /readyz) until Warmed.
type Warmer interface {
	Warmed() bool
}

// Ready is a server's readiness check of s: ErrWarming while s loads what
// it keeps in memory, an error when the database does not answer.
func Ready(ctx context.Context, s Store) error {
	if w, ok := s.(Warmer); ok && !w.Warmed() {
		return ErrWarming
	}
	_, err := s.EventLastSeq(ctx)
	return err
}
