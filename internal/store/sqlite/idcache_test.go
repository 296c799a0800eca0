package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	st "github.com/atrium-idp/atrium/internal/store/storetest"
)

// The store keeps entity ids across write transactions (sqlstore's
// idCache). These tests change entities behind its back — in another
// transaction, in another process — and check that no write uses an id
// that no longer belongs to the key.

func keysOnly(t *testing.T, s store.Store, keys ...model.EntityKey) []*model.Entity {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	got, err := tx.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: keys, KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestIDCacheForgetsDeletedEntities(t *testing.T) {
	t.Parallel()
	s := OpenSQLiteFile(t, filepath.Join(t.TempDir(), "atrium.db"))
	db1 := st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "db1"})
	st.Apply(t, s, st.Origin(0), st.Create(db1))
	if got := keysOnly(t, s, db1.Key()); len(got) != 1 {
		t.Fatalf("db1 before the delete: %d entities, want 1", len(got))
	}
	st.Apply(t, s, st.Origin(1), st.Delete(db1))
	if got := keysOnly(t, s, db1.Key()); len(got) != 0 {
		t.Fatalf("db1 after the delete: %+v, want none", got)
	}
	if err := st.TryApply(s, st.Origin(2), st.Create(st.NewEntity(st.EntityOpts{Identifier: "a"}), st.Edge("service", "a", "db", "db", "db1"))); err == nil {
		t.Fatal("an edge to a deleted entity was written")
	}
}

// TestIDCacheForgetsEntitiesDeletedInTheirTransaction deletes entities in
// the transaction that learned their ids — one for good, one to create it
// again under a new id — and checks that the cache keeps neither old id.
func TestIDCacheForgetsEntitiesDeletedInTheirTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := OpenSQLiteFile(t, filepath.Join(t.TempDir(), "atrium.db"))
	db1 := st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "db1"})
	db2 := st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "db2"})
	st.Apply(t, s, st.Origin(0), st.Create(db1), st.Create(db2), st.Delete(db1), st.Delete(db2), st.Create(db2))
	if got := keysOnly(t, s, db1.Key()); len(got) != 0 {
		t.Fatalf("db1, created and deleted in one transaction: %+v, want none", got)
	}
	if err := st.TryApply(s, st.Origin(1), st.Create(st.NewEntity(st.EntityOpts{Identifier: "a"}), st.Edge("service", "a", "db", "db", "db1"))); err == nil {
		t.Fatal("an edge to an entity deleted in its creating transaction was written")
	}
	st.Apply(t, s, st.Origin(2), st.Create(st.NewEntity(st.EntityOpts{Identifier: "b"}), st.Edge("service", "b", "db", "db", "db2")))
	edges, err := s.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: []model.EntityKey{db2.Key()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) != 1 || edges[0].From.Identifier != "b" {
		t.Fatalf("edges into db2 (created again under a new id): %+v, want the one from b", edges)
	}
}

func TestIDCacheFollowsAnotherProcess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "atrium.db")
	a := OpenSQLiteFile(t, path)
	db1 := st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "db1"})
	st.Apply(t, a, st.Origin(0), st.Create(db1), st.Create(st.NewEntity(st.EntityOpts{Identifier: "x"}), st.Edge("service", "x", "db", "db", "db1")),
		st.Create(st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "keeps-ids-growing"})))

	// Another process deletes db1 and creates it again, under a new id.
	b := OpenSQLiteFile(t, path)
	x := st.NewEntity(st.EntityOpts{Identifier: "x"})
	st.Apply(t, b, st.Origin(1), st.Delete(x), st.Delete(db1))
	st.Apply(t, b, st.Origin(2), st.Create(st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "db1", Title: "new"})))

	// This process's next edge to db1 must reach the new db1.
	st.Apply(t, a, st.Origin(3), st.Create(st.NewEntity(st.EntityOpts{Identifier: "y"}), st.Edge("service", "y", "db", "db", "db1")))
	in, err := b.EdgeListIncoming(context.Background(), &store.EdgeListIncomingParams{To: []model.EntityKey{db1.Key()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].From.Identifier != "y" {
		t.Fatalf("edges into the new db1 = %+v, want y's", in)
	}
}

// OpenSQLiteFile opens a store on path, closed when t ends.
func OpenSQLiteFile(t *testing.T, path string) store.Store {
	t.Helper()
	d, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}
