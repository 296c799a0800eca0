package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
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

// Reopen checks that opening an existing, migrated database again applies
// nothing new and keeps its data. openAt opens the same database on every
// call; the caller closes each store.
func Reopen(t *testing.T, openAt func(t testing.TB) store.Store) {
	ctx := context.Background()
	s1 := openAt(t)
	e := NewEntity(EntityOpts{Identifier: "kept", Properties: richProperties()})
	Apply(t, s1, Origin(0), Create(e))
	v1, err := s1.(SchemaVersioner).SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t)
	defer func() { _ = s2.Close() }()
	v2, err := s2.(SchemaVersioner).SchemaVersion(ctx)
	if err != nil || v2 != v1 {
		t.Errorf("SchemaVersion after reopen = %d, %v; want %d", v2, err, v1)
	}
	got, err := s2.EntityGet(ctx, &store.EntityGetParams{Blueprint: e.Blueprint, Identifier: e.Identifier})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "entity after reopen", e, got)
	Apply(t, s2, Origin(time.Second), Update(e, e))
	evs, err := s2.EventList(ctx, &store.EventListParams{})
	if err != nil || len(evs) != 2 || evs[1].Seq <= evs[0].Seq {
		t.Errorf("events after reopen = %d, %v; want 2 in order", len(evs), err)
	}
}
