package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// The blueprint reads every write transaction makes, prepared (warmWriter).
const (
	blueprintGetSQL  = "SELECT doc FROM blueprints WHERE identifier = ?"
	blueprintListSQL = "SELECT doc FROM blueprints ORDER BY identifier"
)

// BlueprintGet returns one blueprint or ErrNotFound.
func (r *reader) BlueprintGet(ctx context.Context, p *store.BlueprintGetParams) (*model.Blueprint, error) {
	var doc []byte
	err := r.queryRow(ctx, true, r.stmts.staticSQL(r.f, blueprintGetSQL), p.Identifier).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("blueprint %q not found", p.Identifier)
	}
	if err != nil {
		return nil, r.wrap("get blueprint", err)
	}
	return decodeBlueprint(doc)
}

// BlueprintList returns every blueprint in identifier order.
func (r *reader) BlueprintList(ctx context.Context, p *store.BlueprintListParams) ([]*model.Blueprint, error) {
	rows, err := r.query(ctx, true, blueprintListSQL)
	if err != nil {
		return nil, r.wrap("list blueprints", err)
	}
	defer rows.Close()
	out := []*model.Blueprint{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, r.wrap("list blueprints", err)
		}
		bp, err := decodeBlueprint(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, bp)
	}
	return out, r.wrap("list blueprints", rows.Err())
}

func decodeBlueprint(doc []byte) (*model.Blueprint, error) {
	var bp model.Blueprint
	if err := json.Unmarshal(doc, &bp); err != nil {
		return nil, fmt.Errorf("decode blueprint: %w", err)
	}
	bp.CreatedAt = bp.CreatedAt.UTC()
	bp.UpdatedAt = bp.UpdatedAt.UTC()
	return &bp, nil
}

// BlueprintChangeApply creates, replaces or deletes one blueprint row and
// appends its event. Entities of a deleted blueprint are the service's to
// remove.
func (t *Tx) BlueprintChangeApply(ctx context.Context, p *store.BlueprintChangeApplyParams) error {
	var before, after []byte
	var err error
	if p.Before != nil {
		if before, err = json.Marshal(p.Before); err != nil {
			return fmt.Errorf("encode blueprint: %w", err)
		}
	}
	if p.After != nil {
		if after, err = json.Marshal(p.After); err != nil {
			return fmt.Errorf("encode blueprint: %w", err)
		}
	}
	var id string
	var typ model.EventType
	a := NewArgs(t.f)
	var q string
	switch p.Kind {
	case store.ChangeCreate:
		if p.After == nil {
			return errors.New("blueprint create without After")
		}
		id, typ = p.After.Identifier, model.EventBlueprintCreated
		q = "INSERT INTO blueprints (identifier, doc, created_at, updated_at) VALUES (" +
			a.Add(id) + ", " + a.Add(string(after)) + ", " + a.Add(t.f.TimeValue(p.After.CreatedAt)) + ", " +
			a.Add(t.f.TimeValue(p.After.UpdatedAt)) + ")"
	case store.ChangeUpdate:
		if p.After == nil {
			return errors.New("blueprint update without After")
		}
		id, typ = p.After.Identifier, model.EventBlueprintUpdated
		q = "UPDATE blueprints SET doc = " + a.Add(string(after)) + ", created_at = " + a.Add(t.f.TimeValue(p.After.CreatedAt)) +
			", updated_at = " + a.Add(t.f.TimeValue(p.After.UpdatedAt)) + " WHERE identifier = " + a.Add(id)
	case store.ChangeDelete:
		if p.Before == nil {
			return errors.New("blueprint delete without Before")
		}
		id, typ = p.Before.Identifier, model.EventBlueprintDeleted
		q = "DELETE FROM blueprints WHERE identifier = " + a.Add(id)
	default:
		return fmt.Errorf("unknown change kind %d", p.Kind)
	}
	res, err := t.exec(ctx, false, q, a.Vals...)
	if err != nil {
		if errors.Is(t.f.InterpretError(err), model.ErrConflict) {
			return model.Conflictf("blueprint %q already exists", id)
		}
		return t.wrap("write blueprint", err)
	}
	if p.Kind != store.ChangeCreate {
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return model.NotFoundf("blueprint %q not found", id)
		}
	}
	ev := eventRow{typ: typ, blueprint: id}
	if before != nil {
		ev.before = string(before)
	}
	if after != nil {
		ev.after = string(after)
	}
	return t.appendEvents(ctx, []eventRow{ev}, p.Origin)
}
