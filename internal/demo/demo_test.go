package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/demo"
	"github.com/atrium-idp/atrium/internal/model"
)

// fakeCatalog checks the loader's order: blueprints exist before anything
// refers to them, and relation targets before the entities pointing at them.
type fakeCatalog struct {
	t          *testing.T
	blueprints map[string]*model.Blueprint
	entities   map[model.EntityKey]bool
	batches    int
}

func newFake(t *testing.T) *fakeCatalog {
	return &fakeCatalog{t: t,
		blueprints: map[string]*model.Blueprint{
			"_user": {Identifier: "_user", Relations: map[string]model.Relation{"team": {Target: "_team", Many: true}}},
			"_team": {Identifier: "_team"},
		},
		entities: map[model.EntityKey]bool{}}
}

func (f *fakeCatalog) BlueprintList(context.Context) ([]*model.Blueprint, error) {
	var out []*model.Blueprint
	for _, bp := range f.blueprints {
		out = append(out, bp)
	}
	return out, nil
}

func (f *fakeCatalog) checkRefs(bp *model.Blueprint) error {
	for name, r := range bp.Relations {
		if f.blueprints[r.Target] == nil {
			return fmt.Errorf("relation %s targets missing blueprint %s", name, r.Target)
		}
	}
	return nil
}

func (f *fakeCatalog) BlueprintCreate(_ context.Context, _ model.Actor, bp *model.Blueprint) (*model.Blueprint, error) {
	if f.blueprints[bp.Identifier] != nil {
		return nil, model.Conflictf("blueprint %s exists", bp.Identifier)
	}
	if err := f.checkRefs(bp); err != nil {
		return nil, err
	}
	f.blueprints[bp.Identifier] = bp
	return bp, nil
}

func (f *fakeCatalog) BlueprintReplace(_ context.Context, _ model.Actor, id string, bp *model.Blueprint) (*model.Blueprint, error) {
	if f.blueprints[id] == nil {
		return nil, model.NotFoundf("blueprint %s", id)
	}
	if err := f.checkRefs(bp); err != nil {
		return nil, err
	}
	f.blueprints[id] = bp
	return bp, nil
}

func (f *fakeCatalog) EntityBulkCreate(_ context.Context, actor model.Actor, bpID string, ins []*model.EntityInput, opts catalog.WriteOptions) ([]catalog.BulkItemResult, error) {
	f.batches++
	if !opts.Upsert || actor.Origin != model.OriginAPI {
		f.t.Errorf("EntityBulkCreate(%s) opts = %+v actor = %+v", bpID, opts, actor)
	}
	if len(ins) > 1000 {
		return nil, model.ErrTooLarge
	}
	bp := f.blueprints[bpID]
	if bp == nil {
		return nil, model.NotFoundf("blueprint %s", bpID)
	}
	res := make([]catalog.BulkItemResult, len(ins))
	for i, in := range ins {
		var id string
		_ = json.Unmarshal(in.Identifier, &id)
		res[i] = catalog.BulkItemResult{Index: i, Identifier: id}
		for rel, raw := range in.Relations {
			r, ok := bp.Relations[rel]
			if !ok {
				res[i].Err = model.Invalidf("unknown relation %s", rel)
				continue
			}
			var v any
			_ = json.Unmarshal(raw, &v)
			for _, target := range model.RelationValueTargets(v) {
				if !f.entities[model.EntityKey{Blueprint: r.Target, Identifier: target}] {
					res[i].Err = model.Invalidf("relations.%s: %s/%s does not exist", rel, r.Target, target)
				}
			}
		}
		var teams []string
		_ = json.Unmarshal(in.Team, &teams)
		for _, tm := range teams {
			if !f.entities[model.EntityKey{Blueprint: "_team", Identifier: tm}] {
				res[i].Err = model.Invalidf("team: %s does not exist", tm)
			}
		}
	}
	for i := range res {
		if res[i].Err == nil {
			f.entities[model.EntityKey{Blueprint: bpID, Identifier: res[i].Identifier}] = true
		}
	}
	return res, nil
}

func TestLoadOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	actor := model.Actor{ID: "demo", Origin: model.OriginAPI}
	loaded, err := demo.Load(ctx, f, actor)
	if err != nil || !loaded {
		t.Fatalf("Load = %v, %v; want true, nil", loaded, err)
	}
	set, err := demo.Set()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.entities) != len(set.Entities) {
		t.Errorf("loaded %d entities, want %d", len(f.entities), len(set.Entities))
	}
	if f.blueprints["runningService"] == nil || len(f.blueprints["runningService"].Relations) != 2 {
		t.Errorf("runningService not complete: %+v", f.blueprints["runningService"])
	}
	// A second Load sees user blueprints and does nothing.
	batches := f.batches
	loaded, err = demo.Load(ctx, f, actor)
	if err != nil || loaded || f.batches != batches {
		t.Errorf("second Load = %v, %v (batches %d → %d); want false, nil, no writes", loaded, err, batches, f.batches)
	}
}
