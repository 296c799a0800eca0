package catalog

import (
	"context"
	"fmt"
	"sort"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// DeleteOptions are the query parameters of entity deletes.
type DeleteOptions struct {
	// DeleteDependents also deletes, transitively, entities whose relations
	// point at the deleted ones; without it such a delete is an ErrConflict.
	DeleteDependents bool
	RunID            string
}

// keyChunk bounds how many keys one store call carries: well under both
// drivers' bind-parameter limits, and above MaxBulk's default so a default
// bulk write reads its keys with one call.
const keyChunk = 4000

// maxNamedDependents caps how many dependents an error message names.
const maxNamedDependents = 10

// EntityDelete deletes one entity (ErrNotFound when missing).
func (s *Service) EntityDelete(ctx context.Context, actor model.Actor, blueprint, id string, opts DeleteOptions) error {
	return s.EntityBulkDelete(ctx, actor, blueprint, []string{id}, opts)
}

// EntityBulkDelete deletes the listed entities of one blueprint, all or
// nothing: a missing identifier (ErrNotFound) or a dependent without
// DeleteDependents (ErrConflict) deletes none. A list larger than MaxBulk is
// an ErrTooLarge.
func (s *Service) EntityBulkDelete(ctx context.Context, actor model.Actor, blueprint string, ids []string, opts DeleteOptions) error {
	if len(ids) > s.opts.MaxBulk {
		return &model.KindError{Kind: model.ErrTooLarge, Message: fmt.Sprintf("a bulk delete holds at most %d entities, not %d", s.opts.MaxBulk, len(ids))}
	}
	if len(ids) == 0 {
		return &model.ValidationError{Fields: []model.FieldError{{Field: "entities", Reason: "must hold at least one identifier"}}}
	}
	return s.inTx(ctx, func(tx store.Tx) (bool, error) {
		if _, err := getBlueprint(ctx, tx, blueprint); err != nil {
			return false, err
		}
		keys := make([]model.EntityKey, 0, len(ids))
		seen := map[string]bool{}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				keys = append(keys, model.EntityKey{Blueprint: blueprint, Identifier: id})
			}
		}
		if err := lockKeys(ctx, tx, keys); err != nil {
			return false, fmt.Errorf("lock entities of %s: %w", blueprint, err)
		}
		es, err := getMany(ctx, tx, keys)
		if err != nil {
			return false, err
		}
		if len(es) != len(keys) {
			found := map[string]bool{}
			for _, e := range es {
				found[e.Identifier] = true
			}
			for _, k := range keys {
				if !found[k.Identifier] {
					return false, model.NotFoundf("entity %q of blueprint %q not found", k.Identifier, blueprint)
				}
			}
		}
		if err := s.deleteEntitiesTx(ctx, tx, es, opts.DeleteDependents, s.origin(actor, opts.RunID), s.newWriteAccess(ctx, tx, actor)); err != nil {
			return false, err
		}
		return true, nil
	})
}

// lockKeys locks keys for the rest of tx.
func lockKeys(ctx context.Context, tx store.Tx, keys []model.EntityKey) error {
	// One call, however many keys: the store orders one call's keys, and
	// a transaction's later calls do not wait (catalog.go, Locking).
	if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: keys}); err != nil {
		return fmt.Errorf("lock entities: %w", err)
	}
	return nil
}

// getMany reads entities by key in chunks.
func getMany(ctx context.Context, rd store.Reader, keys []model.EntityKey) ([]*model.Entity, error) {
	return readMany(ctx, rd, keys, false)
}

// readMany is getMany reading only keys (store.EntityGetManyParams) when
// keysOnly is set.
func readMany(ctx context.Context, rd store.Reader, keys []model.EntityKey, keysOnly bool) ([]*model.Entity, error) {
	var out []*model.Entity
	for start := 0; start < len(keys); start += keyChunk {
		end := min(start+keyChunk, len(keys))
		es, err := rd.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: keys[start:end], KeysOnly: keysOnly})
		if err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// deleteEntitiesTx deletes es (locked and read by the caller) and, with
// cascade, every entity that transitively points at them; without cascade
// any dependent outside es is an ErrConflict naming it. Every entity
// deleted, dependents included, needs the unregister permission (acc).
func (s *Service) deleteEntitiesTx(ctx context.Context, tx store.Tx, es []*model.Entity, cascade bool, o store.Origin, acc *writeAccess) error {
	set := make(map[model.EntityKey]bool, len(es))
	frontier := make([]model.EntityKey, 0, len(es))
	for _, e := range es {
		set[e.Key()] = true
		frontier = append(frontier, e.Key())
	}
	var dependents []*model.Entity
	for len(frontier) > 0 {
		var next []model.EntityKey
		for start := 0; start < len(frontier); start += keyChunk {
			end := min(start+keyChunk, len(frontier))
			edges, err := tx.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: frontier[start:end]})
			if err != nil {
				return fmt.Errorf("list dependents: %w", err)
			}
			for _, e := range edges {
				if !set[e.From] {
					set[e.From] = true
					next = append(next, e.From)
				}
			}
		}
		if len(next) == 0 {
			break
		}
		sortKeys(next)
		if !cascade {
			names := make([]string, 0, maxNamedDependents)
			for i, k := range next {
				if i == maxNamedDependents {
					names = append(names, fmt.Sprintf("and %d more", len(next)-i))
					break
				}
				names = append(names, fmt.Sprintf("%s/%s", k.Blueprint, k.Identifier))
			}
			return model.Conflictf("cannot delete: other entities relate to it (%s); delete them first or ask to delete dependents", joinComma(names))
		}
		if err := lockKeys(ctx, tx, next); err != nil {
			return fmt.Errorf("lock dependents: %w", err)
		}
		deps, err := getMany(ctx, tx, next)
		if err != nil {
			return err
		}
		dependents = append(dependents, deps...)
		frontier = next
	}
	bps, err := blueprintMap(ctx, tx)
	if err != nil {
		return err
	}
	for i, e := range append(append([]*model.Entity{}, es...), dependents...) {
		if bp := bps[e.Blueprint]; bp != nil {
			if err := acc.unregister(bp, e, i < len(es)); err != nil {
				return err
			}
		}
	}
	// Dependents first (deepest last found first), then the entities asked for.
	changes := make([]store.EntityChange, 0, len(es)+len(dependents))
	for i := len(dependents) - 1; i >= 0; i-- {
		changes = append(changes, store.EntityChange{Kind: store.ChangeDelete, Before: dependents[i]})
	}
	for _, e := range es {
		changes = append(changes, store.EntityChange{Kind: store.ChangeDelete, Before: e})
	}
	if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
		return fmt.Errorf("delete entities: %w", err)
	}
	return s.propagate(ctx, tx, bps, changes, o)
}

func sortKeys(keys []model.EntityKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Blueprint != keys[j].Blueprint {
			return keys[i].Blueprint < keys[j].Blueprint
		}
		return keys[i].Identifier < keys[j].Identifier
	})
}

func joinComma(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

// DeleteAllOptions control EntityDeleteAll.
type DeleteAllOptions struct {
	DeleteBlueprint bool
	RunID           string
}

// EntityDeleteAll deletes every entity of a blueprint (and, if asked, the
// blueprint) and returns how many entities were deleted. Entities of other
// blueprints that relate to them make it an ErrConflict (nothing is
// deleted); delete those first.
func (s *Service) EntityDeleteAll(ctx context.Context, actor model.Actor, blueprint string, opts DeleteAllOptions) (int, error) {
	if opts.DeleteBlueprint && systemBlueprint(blueprint) != nil {
		return 0, model.Conflictf("blueprint %q is a system blueprint and cannot be deleted", blueprint)
	}
	if opts.DeleteBlueprint {
		if err := requireModerator(actor.Principal, blueprint, fmt.Sprintf("deleting blueprint %q", blueprint)); err != nil {
			return 0, err
		}
	}
	var n int
	err := s.inTx(ctx, func(tx store.Tx) (bool, error) {
		bp, err := getBlueprint(ctx, tx, blueprint)
		if err != nil {
			return false, err
		}
		o := s.origin(actor, opts.RunID)
		if n, err = s.deleteAllTx(ctx, tx, bp, o, s.newWriteAccess(ctx, tx, actor)); err != nil {
			return false, err
		}
		if opts.DeleteBlueprint {
			if err := s.deleteBlueprintTx(ctx, tx, actor, blueprint, true, opts.RunID); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if opts.DeleteBlueprint {
		s.schemas.drop(blueprint)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// deleteAllTx deletes every entity of bp, refusing when entities of other
// blueprints depend on them.
func (s *Service) deleteAllTx(ctx context.Context, tx store.Tx, bp *model.Blueprint, o store.Origin, acc *writeAccess) (int, error) {
	es, err := tx.EntityList(ctx, &store.EntityListParams{Blueprint: bp.Identifier})
	if err != nil {
		return 0, fmt.Errorf("list entities of %s: %w", bp.Identifier, err)
	}
	if len(es) == 0 {
		return 0, nil
	}
	keys := make([]model.EntityKey, len(es))
	for i, e := range es {
		keys[i] = e.Key()
	}
	if err := lockKeys(ctx, tx, keys); err != nil {
		return 0, fmt.Errorf("lock entities of %s: %w", bp.Identifier, err)
	}
	// Re-read under the locks: the listing may predate a concurrent write.
	if es, err = getMany(ctx, tx, keys); err != nil {
		return 0, err
	}
	if err := s.deleteEntitiesTx(ctx, tx, es, false, o, acc); err != nil {
		return 0, err
	}
	return len(es), nil
}
