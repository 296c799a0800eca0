package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestFacetMatchesDocuments: countValues of a stored property, over one
// blueprint (answered from its facet index on SQLite) and over all, with
// and without a condition, counts what the documents hold — before and
// after updates and deletes, so the index follows every write.
func TestFacetMatchesDocuments(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, s store.Store) {
		t.Parallel()
		ctx := context.Background()
		r := rand.New(rand.NewPCG(3, 9))
		values := []any{
			"Go", "go", "Zoë", "日本語", "", "it's", `quote"d`, 1.0, 2.5, -0.0, 0.0, json.Number("9007199254740993"),
			json.Number("9007199254740992"), true, false, nil, map[string]any{"a": "Go"}, []any{},
			[]any{"Go", "Go", 1.0, true}, []any{"x", []any{"Go"}, map[string]any{}, nil}, []any{2.5, "2.5"},
		}
		docs := map[model.EntityKey]*model.Entity{}
		var changes []store.EntityChange
		for i := range 300 {
			bp := []string{"service", "component"}[i%2]
			props := map[string]any{"other": "Go"}
			if r.IntN(8) > 0 {
				props["lang"] = values[r.IntN(len(values))]
			}
			e := storetest.NewEntity(storetest.EntityOpts{Blueprint: bp, Identifier: fmt.Sprintf("e%03d", i), Properties: props})
			docs[storetest.Key(bp, e.Identifier)] = e
			changes = append(changes, storetest.Create(e))
		}
		storetest.Apply(t, s, storetest.Origin(0), changes...)

		check := func(t *testing.T, when string) {
			t.Helper()
			for _, tc := range []struct {
				name      string
				blueprint string
				below     string // only identifiers below it, as a condition
			}{
				{"one blueprint", "service", ""},
				{"other blueprint", "component", ""},
				{"all blueprints", "", ""},
				{"one blueprint with a condition", "service", "e150"},
				{"all with a condition", "", "e100"},
			} {
				p := &store.EntityAggregateParams{Func: store.AggregateCountValues, Field: "lang", Blueprint: tc.blueprint}
				if tc.below != "" {
					p.Where = store.EntityAlias + ".identifier < " + s.Dialect().Placeholder(1)
					p.WhereArgs = []any{tc.below}
				}
				got, err := s.EntityAggregate(ctx, p)
				if err != nil {
					t.Fatalf("%s, %s: EntityAggregate: %v", when, tc.name, err)
				}
				want := expectedFacet(docs, tc.blueprint, tc.below)
				if diff := cmp.Diff(want, got.Values); diff != "" {
					t.Errorf("%s, %s: countValues (-want +got):\n%s", when, tc.name, diff)
				}
			}
		}
		check(t, "after create")

		changes = changes[:0]
		keys := slices.Collect(maps.Keys(docs))
		slices.SortFunc(keys, func(a, b model.EntityKey) int {
			return strings.Compare(a.Blueprint+"/"+a.Identifier, b.Blueprint+"/"+b.Identifier)
		})
		for i, k := range keys {
			before := docs[k]
			switch i % 5 {
			case 0:
				changes = append(changes, storetest.Delete(before))
				delete(docs, k)
			case 1:
				after := storetest.NewEntity(storetest.EntityOpts{Blueprint: k.Blueprint, Identifier: k.Identifier,
					Properties: map[string]any{"lang": values[r.IntN(len(values))]}})
				changes = append(changes, storetest.Update(before, after))
				docs[k] = after
			}
		}
		storetest.Apply(t, s, storetest.Origin(0), changes...)
		check(t, "after updates and deletes")
	})
}

// expectedFacet counts, per atom of "lang", the entities holding it: an
// array's distinct string, number and boolean elements, a scalar itself;
// null, objects and nested arrays count nowhere. Numbers are float64.
func expectedFacet(docs map[model.EntityKey]*model.Entity, blueprint, below string) []store.ValueCount {
	counts := map[any]int64{}
	atom := func(v any) (any, bool) {
		switch v := v.(type) {
		case string, bool:
			return v, true
		case float64:
			return v + 0, true // -0 counts as 0
		case json.Number:
			f, _ := v.Float64()
			return f, true
		}
		return nil, false
	}
	for k, e := range docs {
		if blueprint != "" && k.Blueprint != blueprint || below != "" && k.Identifier >= below {
			continue
		}
		v := e.Properties["lang"]
		if arr, ok := v.([]any); ok {
			seen := map[any]bool{}
			for _, el := range arr {
				if a, ok := atom(el); ok && !seen[a] {
					seen[a] = true
					counts[a]++
				}
			}
			continue
		}
		if a, ok := atom(v); ok {
			counts[a]++
		}
	}
	out := []store.ValueCount{}
	for v, c := range counts {
		out = append(out, store.ValueCount{Value: v, Count: c})
	}
	// The store's order: count descending, then booleans, numbers, strings.
	rank := func(v any) int {
		switch v.(type) {
		case bool:
			return 0
		case float64:
			return 1
		}
		return 2
	}
	slices.SortFunc(out, func(x, y store.ValueCount) int {
		if x.Count != y.Count {
			return int(y.Count - x.Count)
		}
		if d := rank(x.Value) - rank(y.Value); d != 0 {
			return d
		}
		switch xv := x.Value.(type) {
		case bool:
			if xv == y.Value.(bool) {
				return 0
			}
			if !xv {
				return -1
			}
			return 1
		case float64:
			yv := y.Value.(float64)
			if xv < yv {
				return -1
			}
			if xv > yv {
				return 1
			}
			return 0
		}
		return strings.Compare(x.Value.(string), y.Value.(string))
	})
	return out
}
