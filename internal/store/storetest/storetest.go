// Package storetest is the store conformance suite (STYLE §3): every driver
// runs storetest.Run once, and the suite pins down where drivers could
// disagree — error kinds, ordering, time precision, JSON number round-trips,
// empty vs null, atomicity, versions and the outbox.
//
// Only _test.go files import it.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// OpenFunc opens a fresh, empty, migrated store that is closed when t ends.
type OpenFunc = func(t testing.TB) store.Store

// Run runs the whole conformance suite against stores made by open.
func Run(t *testing.T, open OpenFunc) {
	t.Run("Blueprint", func(t *testing.T) { t.Parallel(); testBlueprint(t, open) })
	t.Run("Entity", func(t *testing.T) { t.Parallel(); testEntity(t, open) })
	t.Run("Edge", func(t *testing.T) { t.Parallel(); testEdge(t, open) })
	t.Run("Traverse", func(t *testing.T) { t.Parallel(); testTraverse(t, open) })
	t.Run("Reach", func(t *testing.T) { t.Parallel(); testReach(t, open) })
	t.Run("FullText", func(t *testing.T) { t.Parallel(); testFullText(t, open) })
	t.Run("Version", func(t *testing.T) { t.Parallel(); testVersion(t, open) })
	t.Run("History", func(t *testing.T) { t.Parallel(); testHistory(t, open) })
	t.Run("Event", func(t *testing.T) { t.Parallel(); testEvent(t, open) })
	t.Run("Errors", func(t *testing.T) { t.Parallel(); testErrors(t, open) })
	t.Run("Migration", func(t *testing.T) { t.Parallel(); testMigration(t, open) })
	t.Run("Search", func(t *testing.T) { t.Parallel(); testSearch(t, open) })
	t.Run("Aggregate", func(t *testing.T) { t.Parallel(); testAggregate(t, open) })
	t.Run("Access", func(t *testing.T) { t.Parallel(); testAccess(t, open) })
	t.Run("Audit", func(t *testing.T) { t.Parallel(); testAudit(t, open) })
	t.Run("Settings", func(t *testing.T) { t.Parallel(); testSettings(t, open) })
	t.Run("Retryable", func(t *testing.T) { t.Parallel(); testRetryable(t, open(t)) })
}

// T0 is the suite's base time: it has microseconds, which both stores keep.
var T0 = time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)

// Origin returns an Origin at T0 + d.
func Origin(d time.Duration) store.Origin {
	return store.Origin{Actor: "alice", Origin: model.OriginAPI, RunID: "run-1", RequestID: "req-1", Time: T0.Add(d)}
}

// EntityOpts describes a fixture entity; unset fields get defaults, so tests
// state only what they check.
type EntityOpts struct {
	Blueprint  string // default "service"
	Identifier string // default "svc"
	Title      string // default Identifier
	Icon       string
	Team       []string       // default empty
	Properties map[string]any // default empty
	Relations  map[string]any // default empty
	At         time.Time      // CreatedAt and UpdatedAt; default T0
}

// NewEntity builds an entity from o with defaults.
func NewEntity(o EntityOpts) *model.Entity {
	e := &model.Entity{
		Blueprint: "service", Identifier: "svc",
		Team: []string{}, Properties: map[string]any{}, Relations: map[string]any{},
		CreatedAt: T0, UpdatedAt: T0, CreatedBy: "alice", UpdatedBy: "alice",
	}
	if o.Blueprint != "" {
		e.Blueprint = o.Blueprint
	}
	if o.Identifier != "" {
		e.Identifier = o.Identifier
	}
	e.Title = e.Identifier
	if o.Title != "" {
		e.Title = o.Title
	}
	e.Icon = o.Icon
	if o.Team != nil {
		e.Team = o.Team
	}
	if o.Properties != nil {
		e.Properties = o.Properties
	}
	if o.Relations != nil {
		e.Relations = o.Relations
	}
	if !o.At.IsZero() {
		e.CreatedAt, e.UpdatedAt = o.At, o.At
	}
	return e
}

// Entity creates a fixture entity in tx and returns it.
func Entity(t testing.TB, tx store.Tx, o *EntityOpts) *model.Entity {
	t.Helper()
	if o == nil {
		o = &EntityOpts{}
	}
	e := NewEntity(*o)
	err := tx.EntityChangeApply(context.Background(), &store.EntityChangeApplyParams{
		Changes: []store.EntityChange{{Kind: store.ChangeCreate, After: e}},
		Origin:  Origin(0),
	})
	if err != nil {
		t.Fatalf("create entity %s/%s: %v", e.Blueprint, e.Identifier, err)
	}
	return e
}

// Create returns a create change for e with edges.
func Create(e *model.Entity, edges ...model.Edge) store.EntityChange {
	return store.EntityChange{Kind: store.ChangeCreate, After: e, Edges: edges}
}

// Update returns an update change from before to after with edges.
func Update(before, after *model.Entity, edges ...model.Edge) store.EntityChange {
	return store.EntityChange{Kind: store.ChangeUpdate, Before: before, After: after, Edges: edges}
}

// Delete returns a delete change of e.
func Delete(e *model.Entity) store.EntityChange {
	return store.EntityChange{Kind: store.ChangeDelete, Before: e}
}

// Apply applies changes in one committed transaction, failing t on error.
func Apply(t testing.TB, s store.Store, o store.Origin, changes ...store.EntityChange) {
	t.Helper()
	if err := TryApply(s, o, changes...); err != nil {
		t.Fatalf("apply %d changes: %v", len(changes), err)
	}
}

// TryApply applies changes in one transaction, committing on success.
func TryApply(s store.Store, o store.Origin, changes ...store.EntityChange) error {
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Edge builds an edge.
func Edge(fromBP, fromID, rel, toBP, toID string) model.Edge {
	return model.Edge{
		From: model.EntityKey{Blueprint: fromBP, Identifier: fromID}, Relation: rel,
		To: model.EntityKey{Blueprint: toBP, Identifier: toID},
	}
}

// Key builds an entity key.
func Key(bp, id string) model.EntityKey { return model.EntityKey{Blueprint: bp, Identifier: id} }

// diff reports a go-cmp diff of want and got, failing t with what.
func diff(t testing.TB, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// identifiers lists es's identifiers in order.
func identifiers(es []*model.Entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Identifier
	}
	return out
}
