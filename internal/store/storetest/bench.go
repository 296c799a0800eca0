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
	ctx := context.Background()
	s := open(b)
	props := map[string]any{"language": "Go", "tier": "gold", "replicas": float64(3), "url": "https://example.com/x", "ok": true}
	n := 0
	b.ResetTimer()
	for b.Loop() {
		changes := make([]store.EntityChange, batch)
		keys := make([]model.EntityKey, batch)
		for i := range changes {
			id := fmt.Sprintf("svc-%08d", n)
			n++
			e := NewEntity(EntityOpts{Identifier: id, Team: []string{"core"}, Properties: props, Relations: map[string]any{
				"db": "db-1", "deps": []string{"svc-a", "svc-b"},
			}})
			keys[i] = e.Key()
			changes[i] = Create(e,
				Edge("service", id, "db", "db", "db-1"),
				Edge("service", id, "deps", "service", "svc-a"),
				Edge("service", id, "deps", "service", "svc-b"))
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
