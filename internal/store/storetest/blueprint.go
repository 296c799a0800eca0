package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// NewBlueprint returns a small blueprint fixture.
func NewBlueprint(id string) *model.Blueprint {
	return &model.Blueprint{
		Identifier: id, Title: id,
		Schema: model.BlueprintSchema{
			Properties: map[string]model.Property{"tier": {Type: "string", Enum: []any{"gold", "silver"}}},
			Required:   []string{},
		},
		MirrorProperties:      map[string]model.MirrorProperty{},
		CalculationProperties: map[string]model.CalculationProperty{},
		AggregationProperties: map[string]model.AggregationProperty{},
		Relations:             map[string]model.Relation{},
		CreatedAt:             T0, UpdatedAt: T0, CreatedBy: "alice", UpdatedBy: "alice",
	}
}

// applyBlueprint applies one blueprint change in a committed transaction.
func applyBlueprint(t testing.TB, s store.Store, kind store.ChangeKind, before, after *model.Blueprint) {
	t.Helper()
	if err := tryBlueprint(s, kind, before, after); err != nil {
		t.Fatalf("BlueprintChangeApply(%d): %v", kind, err)
	}
}

func tryBlueprint(s store.Store, kind store.ChangeKind, before, after *model.Blueprint) error {
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: kind, Before: before, After: after, Origin: Origin(0)}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func testBlueprint(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		minimum, maxLen := 1.5, 10
		yes := true
		bp := NewBlueprint("service")
		bp.Icon, bp.Description = "Service", "Services ✓ <b>"
		bp.Ownership = &model.Ownership{Type: model.OwnershipInherited, Path: "team"}
		bp.Schema.Properties["replicas"] = model.Property{Type: "number", Minimum: &minimum, Default: float64(3)}
		bp.Schema.Properties["meta"] = model.Property{Type: "object", Properties: json.RawMessage(`{"a":{"type":"string"}}`),
			SpecAuthentication: json.RawMessage(`{"clientId":"x","scopes":["a","b"]}`)}
		bp.Schema.Properties["name"] = model.Property{Type: "string", MaxLength: &maxLen, Pattern: `^[a-z]+$`}
		bp.Schema.Required = []string{"name"}
		bp.Relations["team"] = model.Relation{Target: "_team", Many: true}
		bp.CalculationProperties["url"] = model.CalculationProperty{Calculation: `"https://x/" + .identifier`, Type: "string"}
		bp.ChangelogDestination = json.RawMessage(`{"type":"WEBHOOK","url":"https://example.com"}`)
		bp.IncludeInGlobalSearch = &yes
		bp.CreatedAt = T0.Add(7000)
		bp.UpdatedAt = T0.Add(8000)
		applyBlueprint(t, s, store.ChangeCreate, nil, bp)
		got, err := s.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: "service"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "BlueprintGet", bp, got)
		want, _ := json.Marshal(bp)
		gotJSON, _ := json.Marshal(got)
		if string(want) != string(gotJSON) {
			t.Errorf("blueprint JSON changed in the store:\n got %s\nwant %s", gotJSON, want)
		}
	})

	t.Run("ListUpdateDelete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []string{"b", "_user", "A", "a"} {
			applyBlueprint(t, s, store.ChangeCreate, nil, NewBlueprint(id))
		}
		list, err := s.BlueprintList(ctx, &store.BlueprintListParams{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range list {
			ids = append(ids, b.Identifier)
		}
		diff(t, "BlueprintList order", []string{"A", "_user", "a", "b"}, ids)

		upd := NewBlueprint("a")
		upd.Title = "Alpha"
		upd.UpdatedAt = T0.Add(time.Microsecond)
		applyBlueprint(t, s, store.ChangeUpdate, NewBlueprint("a"), upd)
		got, err := s.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: "a"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "after update", upd, got)

		applyBlueprint(t, s, store.ChangeDelete, upd, nil)
		if _, err := s.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: "a"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("BlueprintGet after delete: err = %v, want ErrNotFound", err)
		}
		list, err = s.BlueprintList(ctx, &store.BlueprintListParams{})
		if err != nil || len(list) != 3 {
			t.Errorf("BlueprintList after delete = %d, %v; want 3", len(list), err)
		}
	})

	t.Run("EmptyList", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		list, err := s.BlueprintList(ctx, &store.BlueprintListParams{})
		if err != nil || list == nil || len(list) != 0 {
			t.Errorf("BlueprintList = %#v, %v; want empty non-nil", list, err)
		}
	})
}
