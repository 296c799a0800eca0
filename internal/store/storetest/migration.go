package storetest

import (
	"context"
	"testing"
)

// SchemaVersioner is implemented by drivers that report their applied
// migration version.
type SchemaVersioner interface {
	SchemaVersion(ctx context.Context) (int64, error)
}

// testMigration checks that a fresh store is fully migrated. Upgrades from
// each older schema (migrate to N−1, seed, migrate to N) are tested in the
// driver packages once there is a second migration; today there is one.
func testMigration(t *testing.T, open OpenFunc) {
	t.Run("Applied", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v, ok := s.(SchemaVersioner)
		if !ok {
			t.Fatalf("%T does not report its schema version", s)
		}
		got, err := v.SchemaVersion(context.Background())
		if err != nil {
			t.Fatalf("SchemaVersion: %v", err)
		}
		if got < 1 {
			t.Errorf("SchemaVersion = %d, want ≥ 1", got)
		}
	})
}
