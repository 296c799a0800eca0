package demo_test

import (
	"context"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/demo"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// TestLoadStore loads the demo through the real catalog on a fresh store of
// each driver and checks the counts; a second Load is a no-op.
func TestLoadStore(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		testLoad(t, open(t))
	})
}

func testLoad(t *testing.T, st store.Store) {
	ctx := context.Background()
	cat, err := catalog.New(catalog.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Init(ctx); err != nil {
		t.Fatal(err)
	}
	actor := model.Actor{ID: "demo", Origin: model.OriginCLI}
	loaded, err := demo.Load(ctx, cat, actor)
	if err != nil || !loaded {
		t.Fatalf("Load = %v, %v; want true, nil", loaded, err)
	}
	set, err := demo.Set()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, e := range set.Entities {
		want[e.Blueprint]++
	}
	for bp, n := range want {
		got, err := cat.EntityCount(ctx, bp)
		if err != nil || got != n {
			t.Errorf("EntityCount(%s) = %d, %v; want %d", bp, got, err, n)
		}
	}
	rs, err := cat.EntityGet(ctx, "runningService", "payments-api-production-eu")
	if err != nil {
		t.Fatal(err)
	}
	if rs.RelationTargets("service")[0] != "payments-api" {
		t.Errorf("running service relations = %v", rs.Relations)
	}
	loaded, err = demo.Load(ctx, cat, actor)
	if err != nil || loaded {
		t.Errorf("second Load = %v, %v; want false, nil", loaded, err)
	}
}
