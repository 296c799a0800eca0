package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

func testEdge(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	incoming := func(t *testing.T, s store.Store, to ...model.EntityKey) []model.Edge {
		t.Helper()
		got, err := s.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: to})
		if err != nil {
			t.Fatalf("EdgeListIncoming: %v", err)
		}
		return got
	}

	t.Run("ReplaceAndDelete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		db := NewEntity(EntityOpts{Blueprint: "db", Identifier: "db1"})
		db2 := NewEntity(EntityOpts{Blueprint: "db", Identifier: "db2"})
		team := NewEntity(EntityOpts{Blueprint: "team", Identifier: "core"})
		a1 := NewEntity(EntityOpts{Identifier: "a", Relations: map[string]any{"db": "db1", "owner": "core"}})
		b1 := NewEntity(EntityOpts{Identifier: "b", Relations: map[string]any{"db": []string{"db1", "db2"}}})
		Apply(t, s, Origin(0), Create(db), Create(db2), Create(team),
			Create(a1, Edge("service", "a", "db", "db", "db1"), Edge("service", "a", "owner", "team", "core"),
				Edge("service", "a", "db", "db", "db1")), // duplicate: stored once
			Create(b1, Edge("service", "b", "db", "db", "db1"), Edge("service", "b", "db", "db", "db2")),
		)
		diff(t, "incoming db1", []model.Edge{
			Edge("service", "a", "db", "db", "db1"), Edge("service", "b", "db", "db", "db1"),
		}, incoming(t, s, Key("db", "db1")))
		diff(t, "incoming db1+db2+core", []model.Edge{
			Edge("service", "a", "db", "db", "db1"), Edge("service", "a", "owner", "team", "core"),
			Edge("service", "b", "db", "db", "db1"), Edge("service", "b", "db", "db", "db2"),
		}, incoming(t, s, Key("team", "core"), Key("db", "db2"), Key("db", "db1"), Key("db", "missing")))

		// Update replaces a's outgoing edges.
		a2 := NewEntity(EntityOpts{Identifier: "a", Relations: map[string]any{"db": "db2"}})
		Apply(t, s, Origin(1*time.Microsecond), Update(a1, a2, Edge("service", "a", "db", "db", "db2")))
		diff(t, "incoming db1 after update", []model.Edge{Edge("service", "b", "db", "db", "db1")}, incoming(t, s, Key("db", "db1")))
		diff(t, "incoming core after update", []model.Edge{}, incoming(t, s, Key("team", "core")))
		diff(t, "incoming db2 after update", []model.Edge{
			Edge("service", "a", "db", "db", "db2"), Edge("service", "b", "db", "db", "db2"),
		}, incoming(t, s, Key("db", "db2")))

		// Delete removes b's outgoing edges (edges pointing at a deleted
		// entity are the service's to clean up).
		Apply(t, s, Origin(2*time.Microsecond), Delete(b1))
		diff(t, "incoming db1+db2 after delete", []model.Edge{Edge("service", "a", "db", "db", "db2")},
			incoming(t, s, Key("db", "db1"), Key("db", "db2")))
		diff(t, "incoming nothing", []model.Edge{}, incoming(t, s))
	})

	// Entity ids are chosen or read by the store and cached per transaction:
	// a deleted entity (here the newest, whose id SQLite may hand out
	// again) must not lend its id to edges of the entity re-created under
	// its key, nor of others.
	t.Run("DeleteAndRecreateInOneTransaction", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		db1 := NewEntity(EntityOpts{Blueprint: "db", Identifier: "db1"})
		x := NewEntity(EntityOpts{Identifier: "x"})
		Apply(t, s, Origin(0), Create(db1), Create(x, Edge("service", "x", "db", "db", "db1")))
		y := NewEntity(EntityOpts{Identifier: "y"})
		z := NewEntity(EntityOpts{Identifier: "z"})
		x2 := NewEntity(EntityOpts{Identifier: "x", Title: "again"})
		Apply(t, s, Origin(1*time.Microsecond),
			Delete(x),
			Create(y, Edge("service", "y", "db", "db", "db1")),
			Create(x2, Edge("service", "x", "deps", "service", "y")), // x again: a second run of changes
			Create(z, Edge("service", "z", "deps", "service", "x")))
		diff(t, "incoming db1", []model.Edge{Edge("service", "y", "db", "db", "db1")}, incoming(t, s, Key("db", "db1")))
		diff(t, "incoming y", []model.Edge{Edge("service", "x", "deps", "service", "y")}, incoming(t, s, Key("service", "y")))
		diff(t, "incoming x", []model.Edge{Edge("service", "z", "deps", "service", "x")}, incoming(t, s, Key("service", "x")))
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "x"})
		if err != nil || got.Title != "again" {
			t.Fatalf("EntityGet(x) = %+v, %v; want the re-created x", got, err)
		}
	})

	t.Run("ManyTargets", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var changes []store.EntityChange
		var to []model.EntityKey
		var want []model.Edge
		for i := range 700 {
			id := string(rune('a'+i%26)) + string(rune('a'+i/26))
			e := NewEntity(EntityOpts{Blueprint: "db", Identifier: id})
			changes = append(changes, Create(e))
			to = append(to, e.Key())
			want = append(want, Edge("service", "hub", "dbs", "db", id))
		}
		hub := NewEntity(EntityOpts{Identifier: "hub"})
		changes = append(changes, Create(hub, want...))
		Apply(t, s, Origin(0), changes...)
		got := incoming(t, s, to...)
		if len(got) != len(want) {
			t.Fatalf("EdgeListIncoming returned %d edges, want %d", len(got), len(want))
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].To.Identifier >= got[i].To.Identifier {
				t.Fatalf("edges not ordered by target: %v then %v", got[i-1].To, got[i].To)
			}
		}
	})
}
