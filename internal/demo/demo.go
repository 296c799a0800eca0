// Package demo loads the demo catalog (examples/sdlc blueprints and the
// generated examples/demo entities) into an empty store through the catalog
// service; `atrium serve --demo` calls it.
//
// It imports catalog, model, manifest and the embedded examples; only
// cmd/atrium and tests import it.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/atrium-idp/atrium/examples"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

// Catalog is the part of *catalog.Service the loader uses.
type Catalog interface {
	BlueprintList(ctx context.Context) ([]*model.Blueprint, error)
	BlueprintCreate(ctx context.Context, actor model.Actor, bp *model.Blueprint) (*model.Blueprint, error)
	BlueprintReplace(ctx context.Context, actor model.Actor, id string, bp *model.Blueprint) (*model.Blueprint, error)
	EntityBulkCreate(ctx context.Context, actor model.Actor, blueprint string, ins []*model.EntityInput, opts catalog.WriteOptions) ([]catalog.BulkItemResult, error)
}

var _ Catalog = (*catalog.Service)(nil)

// Load applies the demo blueprints and entities when the catalog holds no
// user blueprints yet, and reports whether it loaded anything. A catalog
// with any non-system blueprint is left alone, so restarting with --demo is
// harmless.
func Load(ctx context.Context, cat Catalog, actor model.Actor) (bool, error) {
	bps, err := cat.BlueprintList(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: list blueprints: %w", err)
	}
	for _, bp := range bps {
		if !model.IsSystemBlueprint(bp.Identifier) {
			return false, nil
		}
	}
	set, err := Set()
	if err != nil {
		return false, err
	}
	if err := Apply(ctx, cat, actor, set); err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return true, nil
}

// Set returns the demo catalog: the SDLC blueprints and the demo entities.
func Set() (*manifest.Set, error) {
	fsys := examples.FS()
	bps, err := manifest.LoadFS(fsys, "sdlc/blueprints.yaml")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	ents, err := manifest.LoadFS(fsys, "demo")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	set := &manifest.Set{Blueprints: bps.Blueprints, Entities: ents.Entities}
	if err := set.Check(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return set, nil
}

// Apply creates the set's blueprints (none may exist yet) and upserts its
// entities in plan order, directly through the catalog service.
func Apply(ctx context.Context, cat Catalog, actor model.Actor, set *manifest.Set) error {
	plan := set.NewPlan(0)
	// Pass 1: every blueprint without references, so relation cycles and
	// forward references resolve; pass 2: the complete blueprints.
	for _, bp := range plan.Blueprints {
		if _, err := cat.BlueprintCreate(ctx, actor, manifest.Skeleton(&bp.Blueprint)); err != nil {
			return fmt.Errorf("%s: create blueprint %s: %w", bp.Source, bp.Identifier, err)
		}
	}
	for _, bp := range plan.Blueprints {
		if !manifest.HasReferences(&bp.Blueprint) {
			continue
		}
		full := bp.Blueprint
		if _, err := cat.BlueprintReplace(ctx, actor, bp.Identifier, &full); err != nil {
			return fmt.Errorf("%s: complete blueprint %s: %w", bp.Source, bp.Identifier, err)
		}
	}
	for _, b := range plan.Batches {
		ins := make([]*model.EntityInput, len(b.Entities))
		for i, e := range b.Entities {
			in, err := e.Input()
			if err != nil {
				return err
			}
			ins[i] = in
		}
		res, err := cat.EntityBulkCreate(ctx, actor, b.Blueprint, ins, catalog.WriteOptions{Upsert: true})
		if err != nil {
			return fmt.Errorf("upsert %d %s entities: %w", len(ins), b.Blueprint, err)
		}
		var errs []error
		for _, r := range res {
			if r.Err != nil && r.Index >= 0 && r.Index < len(b.Entities) {
				e := b.Entities[r.Index]
				errs = append(errs, fmt.Errorf("%s: entity %s/%s: %w", e.Source, e.Blueprint, e.Identifier, r.Err))
			} else if r.Err != nil {
				errs = append(errs, fmt.Errorf("entity %s/%s: %w", b.Blueprint, r.Identifier, r.Err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}
