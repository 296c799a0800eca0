package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// BenchmarkIngest measures bulk creates the way the catalog writes them: per
// op one transaction with EntityLock, EntityGetMany and EntityChangeApply of
// batch entities, each with three relations (DESIGN §9's bulk-ingest shape).
// It reports entities/s.
func BenchmarkIngest(b *testing.B, open OpenFunc, batch int) {
	benchmarkWrite(b, open, batch, false)
}

// BenchmarkReingest is BenchmarkIngest over entities that already exist:
// every op updates batch of them (closing versions, replacing edges).
func BenchmarkReingest(b *testing.B, open OpenFunc, batch int) {
	benchmarkWrite(b, open, batch, true)
}

func benchmarkWrite(b *testing.B, open OpenFunc, batch int, update bool) {
	ctx := context.Background()
	s := open(b)
	const existing = 20000
	props := map[string]any{"language": "Go", "tier": "gold", "replicas": float64(3), "url": "https://example.com/x", "ok": true}
	n := 0
	if update {
		var changes []store.EntityChange
		for i := range existing {
			changes = append(changes, Create(NewEntity(EntityOpts{Identifier: fmt.Sprintf("svc-%08d", i), Properties: props})))
		}
		Apply(b, s, Origin(0), changes...)
	}
	b.ResetTimer()
	for b.Loop() {
		changes := make([]store.EntityChange, batch)
		keys := make([]model.EntityKey, batch)
		for i := range changes {
			id := fmt.Sprintf("svc-%08d", n)
			if update {
				id = fmt.Sprintf("svc-%08d", n%existing)
			}
			n++
			e := NewEntity(EntityOpts{Identifier: id, Team: []string{"core"}, Properties: props, Relations: map[string]any{
				"db": "db-1", "deps": []string{"svc-a", "svc-b"},
			}})
			keys[i] = e.Key()
			kind := store.ChangeCreate
			if update {
				kind = store.ChangeUpdate
			}
			changes[i] = store.EntityChange{Kind: kind, Before: e, After: e, Edges: []model.Edge{
				Edge("service", id, "db", "db", "db-1"),
				Edge("service", id, "deps", "service", "svc-a"),
				Edge("service", id, "deps", "service", "svc-b")}}
			if !update {
				changes[i].Before = nil
			}
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: keys}); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: keys}); err != nil {
			b.Fatal(err)
		}
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: Origin(0)}); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entities/s")
}
