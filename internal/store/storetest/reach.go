package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// testReach checks a store.Reacher's answers follow creates, updates,
// deletes and rolled-back writes, against the SQL walk's meaning (EdgeTraverse
// over every hop). Stores without an index are skipped.
func testReach(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	s := open(t)
	rc, ok := s.(store.Reacher)
	if !ok {
		t.Skip("the store keeps no graph index")
	}
	if _, ok, _ := rc.Reach(ctx, []model.EntityKey{Key("service", "none")}, true, 10); !ok {
		t.Skip("the store's graph index does not answer")
	}
	// reach lists what the index says, as keys, and checks it against a
	// walk of the tables.
	reach := func(t *testing.T, from model.EntityKey, forward bool) []string {
		t.Helper()
		ids, ok, err := rc.Reach(ctx, []model.EntityKey{from}, forward, 1000)
		if err != nil || !ok {
			t.Fatalf("Reach(%v, %v) = %v, %v", from, forward, ok, err)
		}
		tr, err := s.EdgeTraverse(ctx, &store.EdgeTraverseParams{Start: from, Incoming: !forward, MaxHops: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{}
		for _, n := range tr.Nodes {
			want = append(want, n.Key.Blueprint+"/"+n.Key.Identifier)
		}
		slices.Sort(want)
		if len(ids) != len(want) {
			t.Fatalf("Reach(%v, forward %v) has %d ids; the tables reach %v", from, forward, len(ids), want)
		}
		return want
	}
	e := func(id string) *model.Entity { return NewEntity(EntityOpts{Identifier: id}) }
	Apply(t, s, Origin(0),
		Create(e("db")),
		Create(e("api"), Edge("service", "api", "dependsOn", "service", "db")),
		Create(e("web"), Edge("service", "web", "dependsOn", "service", "api")),
	)
	if got := reach(t, Key("service", "web"), true); !slices.Equal(got, []string{"service/api", "service/db"}) {
		t.Errorf("after creates, web reaches %v", got)
	}
	// web now depends on db directly; api on nothing.
	Apply(t, s, Origin(1),
		Update(e("web"), e("web"), Edge("service", "web", "dependsOn", "service", "db")),
		Update(e("api"), e("api")),
	)
	if got := reach(t, Key("service", "db"), false); !slices.Equal(got, []string{"service/web"}) {
		t.Errorf("after updates, db is reached from %v; want web only", got)
	}
	// A rolled-back write leaves the index alone.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: []store.EntityChange{
		Update(e("api"), e("api"), Edge("service", "api", "dependsOn", "service", "db")),
	}, Origin: Origin(2)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := reach(t, Key("service", "db"), false); !slices.Equal(got, []string{"service/web"}) {
		t.Errorf("after a rollback, db is reached from %v; want web only", got)
	}
	// Deleting web (and its edges) leaves db unreached.
	Apply(t, s, Origin(3), Delete(e("web")))
	if got := reach(t, Key("service", "db"), false); len(got) != 0 {
		t.Errorf("after deleting web, db is reached from %v", got)
	}
}
