package catalog

import (
	"context"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
)

// BulkItemResult is one entity's outcome in a bulk write: either Entity or Err.
type BulkItemResult struct {
	Index      int
	Identifier string
	Created    bool
	Entity     *model.Entity
	// Before is the entity before the write (nil on create), for audit
	// diffs.
	Before *model.Entity
	Err    error
}

// EntityBulkCreate writes up to MaxBulk entities with the semantics of
// EntityCreate. Valid entities are written in one transaction (one lock, one
// read of the current state, one read of relation targets, one apply); each
// invalid one gets its own error and is not written. An entity whose
// relation points at an entity of the same request that failed fails too.
// The same identifier twice in one request is an error for the later one.
// A batch larger than MaxBulk is an ErrTooLarge; an empty one an ErrInvalid.
func (s *Service) EntityBulkCreate(ctx context.Context, actor model.Actor, blueprint string, ins []*model.EntityInput, opts WriteOptions) ([]BulkItemResult, error) {
	if len(ins) > s.opts.MaxBulk {
		return nil, &model.KindError{Kind: model.ErrTooLarge, Message: fmt.Sprintf("a bulk write holds at most %d entities, not %d", s.opts.MaxBulk, len(ins))}
	}
	if len(ins) == 0 {
		return nil, &model.ValidationError{Fields: []model.FieldError{{Field: "entities", Reason: "must hold at least one entity"}}}
	}
	items := make([]*writeItem, len(ins))
	for i, in := range ins {
		items[i] = &writeItem{in: in}
	}
	if err := s.writeBatch(ctx, actor, blueprint, items, createMode(opts), opts, true); err != nil {
		return nil, err
	}
	out := make([]BulkItemResult, len(items))
	for i, it := range items {
		out[i] = BulkItemResult{Index: i, Identifier: it.id, Err: it.err}
		if it.err == nil {
			out[i].Entity = it.after
			out[i].Created = it.created
			out[i].Before = it.before
		}
	}
	return out, nil
}
