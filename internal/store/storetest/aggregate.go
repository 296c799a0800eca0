package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/store"
)

func testAggregate(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	s := open(t)
	Apply(t, s, Origin(0),
		Create(NewEntity(EntityOpts{Identifier: "a", Team: []string{"core", "web"}, Properties: map[string]any{
			"lang": "Go", "n": 3.0, "ok": true, "tags": []any{"x", "y", "x"}, "obj": map[string]any{"lang": "Go"}, "nums": []any{1.0, 2.5},
		}, Relations: map[string]any{"db": "pg"}})),
		Create(NewEntity(EntityOpts{Identifier: "b", Team: []string{"core"}, Properties: map[string]any{
			"lang": "Go", "n": 1.5, "ok": false, "tags": []any{}, "obj": map[string]any{}, "nums": 2.5,
		}, Relations: map[string]any{"db": []any{"pg", "my"}}})),
		Create(NewEntity(EntityOpts{Identifier: "c", Properties: map[string]any{"lang": nil, "n": "3", "tags": "x", "ok": 1.0}})),
		Create(NewEntity(EntityOpts{Identifier: "d", Properties: map[string]any{"n": 0.1}})),
		Create(NewEntity(EntityOpts{Blueprint: "db", Identifier: "pg", Properties: map[string]any{"n": 100.0}})),
	)
	d := s.Dialect()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name  string
		p     store.EntityAggregateParams
		where func(w *whereBuilder) string
		want  *store.EntityAggregateResult
	}{
		{"count all", store.EntityAggregateParams{Func: "count"}, nil, &store.EntityAggregateResult{Count: 5}},
		{"count blueprint", store.EntityAggregateParams{Func: "count", Blueprint: "service"}, nil, &store.EntityAggregateResult{Count: 4}},
		{"count where", store.EntityAggregateParams{Func: "count"}, func(w *whereBuilder) string {
			return "e.identifier IN (" + w.Bind("a") + ", " + w.Bind("pg") + ")"
		}, &store.EntityAggregateResult{Count: 2}},
		{"where and blueprint", store.EntityAggregateParams{Func: "sum", Field: "n", Blueprint: "service"}, func(w *whereBuilder) string {
			return "e.identifier <> " + w.Bind("d")
		}, &store.EntityAggregateResult{Count: 2, Value: f(4.5)}},
		{"sum skips strings", store.EntityAggregateParams{Func: "sum", Field: "n", Blueprint: "service"}, nil, &store.EntityAggregateResult{Count: 3, Value: f(4.6)}},
		{"sum of nothing is 0", store.EntityAggregateParams{Func: "sum", Field: "missing"}, nil, &store.EntityAggregateResult{Value: f(0)}},
		{"average of nothing is nil", store.EntityAggregateParams{Func: "average", Field: "missing"}, nil, &store.EntityAggregateResult{}},
		{"average", store.EntityAggregateParams{Func: "average", Field: "n"}, nil, &store.EntityAggregateResult{Count: 4, Value: f((0.1 + 1.5 + 3 + 100) / 4)}},
		{"min", store.EntityAggregateParams{Func: "min", Field: "n"}, nil, &store.EntityAggregateResult{Count: 4, Value: f(0.1)}},
		{"max", store.EntityAggregateParams{Func: "max", Field: "n"}, nil, &store.EntityAggregateResult{Count: 4, Value: f(100)}},
		{"median even", store.EntityAggregateParams{Func: "median", Field: "n"}, nil, &store.EntityAggregateResult{Count: 4, Value: f(2.25)}},
		{"median odd, array elements", store.EntityAggregateParams{Func: "median", Field: "nums"}, nil, &store.EntityAggregateResult{Count: 3, Value: f(2.5)}},
		{"numbers of an object", store.EntityAggregateParams{Func: "max", Field: "obj"}, nil, &store.EntityAggregateResult{}},
		{"countValues strings", store.EntityAggregateParams{Func: "countValues", Field: "lang"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: "Go", Count: 2}}}},
		{"countValues array counts an entity once", store.EntityAggregateParams{Func: "countValues", Field: "tags"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: "x", Count: 2}, {Value: "y", Count: 1}}}},
		{"countValues mixed types", store.EntityAggregateParams{Func: "countValues", Field: "ok"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: false, Count: 1}, {Value: true, Count: 1}, {Value: 1.0, Count: 1}}}},
		{"countValues numbers", store.EntityAggregateParams{Func: "countValues", Field: "n"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: 0.1, Count: 1}, {Value: 1.5, Count: 1}, {Value: 3.0, Count: 1}, {Value: 100.0, Count: 1}, {Value: "3", Count: 1}}}},
		{"countValues objects count nowhere", store.EntityAggregateParams{Func: "countValues", Field: "obj"}, nil, &store.EntityAggregateResult{Values: []store.ValueCount{}}},
		{"countValues team", store.EntityAggregateParams{Func: "countValues", Field: "$team"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: "core", Count: 2}, {Value: "web", Count: 1}}}},
		{"countValues blueprint", store.EntityAggregateParams{Func: "countValues", Field: "$blueprint"}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: "service", Count: 4}, {Value: "db", Count: 1}}}},
		{"countValues relation", store.EntityAggregateParams{Func: "countValues", Field: "db", Relation: true}, nil, &store.EntityAggregateResult{
			Values: []store.ValueCount{{Value: "pg", Count: 2}, {Value: "my", Count: 1}}}},
		{"countValues where", store.EntityAggregateParams{Func: "countValues", Field: "$identifier"}, func(w *whereBuilder) string {
			return "e.blueprint = " + w.Bind("db")
		}, &store.EntityAggregateResult{Values: []store.ValueCount{{Value: "pg", Count: 1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if tc.where != nil {
				w := &whereBuilder{d: d}
				p.Where = tc.where(w)
				p.WhereArgs = w.args
			}
			got, err := s.EntityAggregate(ctx, &p)
			if err != nil {
				t.Fatalf("EntityAggregate(%+v): %v", p, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("EntityAggregate(%+v) (-want +got):\n%s", p, diff)
			}
		})
	}
	// Sums whose rounding depends on the order of addition come out the
	// same on every driver: ascending order, as computed here.
	fs := []any{0.1, 1e16, 0.2, -1e16, 0.3, 1.0, 1e-3, 7.0 / 3}
	var changes []store.EntityChange
	for i, v := range fs {
		changes = append(changes, Create(NewEntity(EntityOpts{Blueprint: "float", Identifier: fmt.Sprintf("f%d", i), Properties: map[string]any{"v": v}})))
	}
	Apply(t, s, Origin(0), changes...)
	sorted := make([]float64, 0, len(fs))
	for _, v := range fs {
		sorted = append(sorted, v.(float64))
	}
	slices.Sort(sorted)
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	for fn, want := range map[string]float64{"sum": sum, "average": sum / float64(len(sorted)), "median": sorted[3]/2 + sorted[4]/2} {
		got, err := s.EntityAggregate(ctx, &store.EntityAggregateParams{Blueprint: "float", Func: fn, Field: "v"})
		if err != nil || got.Value == nil || math.Float64bits(*got.Value) != math.Float64bits(want) {
			t.Errorf("%s of floats = %+v, %v; want exactly %v", fn, got, err, want)
		}
	}
	// Integers beyond 2^53 group as the doubles they read as.
	Apply(t, s, Origin(0),
		Create(NewEntity(EntityOpts{Blueprint: "big", Identifier: "a", Properties: map[string]any{"v": json.Number("9007199254740993")}})),
		Create(NewEntity(EntityOpts{Blueprint: "big", Identifier: "b", Properties: map[string]any{"v": json.Number("9007199254740992")}})))
	got, err := s.EntityAggregate(ctx, &store.EntityAggregateParams{Blueprint: "big", Func: "countValues", Field: "v"})
	if want := []store.ValueCount{{Value: 9007199254740992.0, Count: 2}}; err != nil || !cmp.Equal(got.Values, want) {
		t.Errorf("countValues of integers beyond 2^53 = %+v, %v; want %v", got, err, want)
	}
	for _, p := range []store.EntityAggregateParams{{Func: "nope"}, {Func: "sum", Field: "$team"}, {Func: "countValues", Field: "$createdAt"}} {
		if _, err := s.EntityAggregate(ctx, &p); err == nil {
			t.Errorf("EntityAggregate(%+v): no error", p)
		}
	}
}
