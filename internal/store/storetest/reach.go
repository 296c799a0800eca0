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
	if _, release, ok, _ := rc.Reach(ctx, []model.EntityKey{Key("service", "none")}, true); !ok {
		t.Skip("the store's graph index does not answer")
	} else {
		release()
	}
	// reach lists what the index says, as keys, with both of its forms (a
	// list of ids; a membership test), and checks it against a walk of the
	// tables.
	lister, canForce := s.(interface{ SetReachListMax(int) })
	reach := func(t *testing.T, from model.EntityKey, forward bool) []string {
		t.Helper()
		var got [][]string
		for _, listMax := range []int{1000, 0} {
			if canForce {
				lister.SetReachListMax(listMax)
			}
			cond, release, ok, err := rc.Reach(ctx, []model.EntityKey{from}, forward)
			if err != nil || !ok {
				t.Fatalf("Reach(%v, %v) = %v, %v", from, forward, ok, err)
			}
			b := &binder{d: s.Dialect()}
			es, err := s.EntitySearch(ctx, &store.EntitySearchParams{Where: cond(b, store.EntityAlias+".id"), WhereArgs: b.vals})
			release()
			if err != nil {
				t.Fatal(err)
			}
			keys := []string{}
			for _, e := range es {
				keys = append(keys, e.Blueprint+"/"+e.Identifier)
			}
			slices.Sort(keys)
			got = append(got, keys)
		}
		if canForce {
			lister.SetReachListMax(1000)
		}
		if !slices.Equal(got[0], got[1]) {
			t.Fatalf("Reach(%v, forward %v): listed %v, tested %v", from, forward, got[0], got[1])
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
		if !slices.Equal(got[0], want) {
			t.Fatalf("Reach(%v, forward %v) = %v; the tables reach %v", from, forward, got[0], want)
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

// binder binds values for a dialect's placeholders.
type binder struct {
	d    store.Dialect
	vals []any
}

func (b *binder) Bind(v any) string {
	b.vals = append(b.vals, v)
	return b.d.Placeholder(len(b.vals))
}
