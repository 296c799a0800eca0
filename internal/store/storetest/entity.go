package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// richProperties covers JSON values whose round-trip drivers could change:
// number forms, unicode, nesting, arrays, null, empties.
func richProperties() map[string]any {
	return map[string]any{
		"int":       float64(1),
		"frac":      1.5,
		"neg":       -0.25,
		"big":       1e20,
		"huge":      1.7976931348623157e308,
		"tiny":      5e-324,
		"zero":      float64(0),
		"maxsafe":   float64(9007199254740993), // rounds to ...992 in float64 on both sides
		"str":       "héllo ✓ 😀 \"quoted\" \\ <tag> & \t\n",
		"numstr":    "1",
		"empty":     "",
		"null":      nil,
		"true":      true,
		"false":     false,
		"obj":       map[string]any{"a": map[string]any{"b": []any{float64(1), "x", nil, true}}, "z": map[string]any{}},
		"arr":       []any{float64(3), 2.5, "s", []any{}, map[string]any{"k": "v"}},
		"emptyArr":  []any{},
		"emptyObj":  map[string]any{},
		"キー":        "unicode key",
		"with.dot":  "dotted key",
		"with\"quo": "quoted key",
	}
}

func testEntity(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := NewEntity(EntityOpts{
			Identifier: "payments", Title: "Payments ✓", Icon: "Service",
			Team:       []string{"core", "платежи"},
			Properties: richProperties(),
			Relations: map[string]any{
				"one": "db-1", "many": []string{"a", "b"}, "unset": nil, "none": []string{},
			},
			At: T0.Add(1234567 * time.Microsecond), // 1.234567 ms: microseconds must survive
		})
		want.UpdatedAt = want.CreatedAt.Add(999 * time.Microsecond)
		want.UpdatedBy = "bob"
		Apply(t, s, Origin(0), Create(want))
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "payments"})
		if err != nil {
			t.Fatalf("EntityGet: %v", err)
		}
		diff(t, "EntityGet", want, got)
		if got.CreatedAt.Location() != want.CreatedAt.Location() {
			t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
		}
		many, err := s.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: []model.EntityKey{want.Key()}})
		if err != nil {
			t.Fatalf("EntityGetMany: %v", err)
		}
		diff(t, "EntityGetMany", []*model.Entity{want}, many)
	})

	t.Run("EmptyVsNull", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		e := NewEntity(EntityOpts{Identifier: "bare"})
		e.Team, e.Properties, e.Relations = nil, nil, nil
		Apply(t, s, Origin(0), Create(e))
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "bare"})
		if err != nil {
			t.Fatalf("EntityGet: %v", err)
		}
		if got.Team == nil || len(got.Team) != 0 {
			t.Errorf("Team = %#v, want empty non-nil", got.Team)
		}
		if got.Properties == nil || len(got.Properties) != 0 {
			t.Errorf("Properties = %#v, want empty non-nil", got.Properties)
		}
		if got.Relations == nil || len(got.Relations) != 0 {
			t.Errorf("Relations = %#v, want empty non-nil", got.Relations)
		}
		if got.Icon != "" {
			t.Errorf("Icon = %q, want empty", got.Icon)
		}
	})

	t.Run("TxSeesOwnWrites", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		e := Entity(t, tx, &EntityOpts{Identifier: "inflight"})
		got, err := tx.EntityGet(ctx, &store.EntityGetParams{Blueprint: e.Blueprint, Identifier: e.Identifier})
		if err != nil {
			t.Fatalf("tx.EntityGet before commit: %v", err)
		}
		diff(t, "tx.EntityGet", e, got)
		if _, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: e.Blueprint, Identifier: e.Identifier}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("store.EntityGet of uncommitted entity: err = %v, want ErrNotFound", err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Errorf("Rollback after Commit = %v, want nil", err)
		}
		if _, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: e.Blueprint, Identifier: e.Identifier}); err != nil {
			t.Errorf("store.EntityGet after commit: %v", err)
		}
	})

	t.Run("GetMany", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := NewEntity(EntityOpts{Identifier: "a"})
		b := NewEntity(EntityOpts{Identifier: "b"})
		c := NewEntity(EntityOpts{Blueprint: "team", Identifier: "a"})
		Apply(t, s, Origin(0), Create(a), Create(b), Create(c))
		got, err := s.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: []model.EntityKey{
			Key("team", "a"), Key("service", "missing"), Key("service", "b"), Key("nobp", "a"), Key("service", "a"), Key("service", "b"),
		}})
		if err != nil {
			t.Fatalf("EntityGetMany: %v", err)
		}
		diff(t, "EntityGetMany", []*model.Entity{c, b, a}, got)
		got, err = s.EntityGetMany(ctx, &store.EntityGetManyParams{})
		if err != nil || len(got) != 0 {
			t.Errorf("EntityGetMany(no keys) = %v, %v; want empty", got, err)
		}
	})

	t.Run("GetManySummary", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := NewEntity(EntityOpts{Identifier: "a", Title: "A", Icon: "Github", Team: []string{"x", "y"},
			Properties: map[string]any{"tier": 1.0}, Relations: map[string]any{"dep": "b"}})
		b := NewEntity(EntityOpts{Identifier: "b"})
		Apply(t, s, Origin(0), Create(a), Create(b))
		got, err := s.EntityGetMany(ctx, &store.EntityGetManyParams{Summary: true, Keys: []model.EntityKey{
			Key("service", "b"), Key("service", "missing"), Key("service", "a"),
		}})
		if err != nil {
			t.Fatalf("EntityGetMany(Summary): %v", err)
		}
		// Only the key, title and team are read; the rest stays zero.
		want := []*model.Entity{
			{Blueprint: "service", Identifier: "b", Title: "b", Team: []string{}},
			{Blueprint: "service", Identifier: "a", Title: "A", Team: []string{"x", "y"}},
		}
		diff(t, "EntityGetMany(Summary)", want, got)

		got, err = s.EntityGetMany(ctx, &store.EntityGetManyParams{KeysOnly: true, Keys: []model.EntityKey{
			Key("service", "b"), Key("service", "missing"), Key("service", "a"),
		}})
		if err != nil {
			t.Fatalf("EntityGetMany(KeysOnly): %v", err)
		}
		diff(t, "EntityGetMany(KeysOnly)", []*model.Entity{
			{Blueprint: "service", Identifier: "b"}, {Blueprint: "service", Identifier: "a"},
		}, got)
	})

	t.Run("GetManyChunks", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var changes []store.EntityChange
		var keys []model.EntityKey
		for i := range 1234 {
			e := NewEntity(EntityOpts{Identifier: fmt.Sprintf("e%04d", i)})
			changes = append(changes, Create(e))
			keys = append(keys, e.Key())
		}
		Apply(t, s, Origin(0), changes...)
		slices.Reverse(keys)
		got, err := s.EntityGetMany(ctx, &store.EntityGetManyParams{Keys: keys})
		if err != nil {
			t.Fatalf("EntityGetMany: %v", err)
		}
		if len(got) != len(keys) {
			t.Fatalf("EntityGetMany returned %d entities, want %d", len(got), len(keys))
		}
		for i, e := range got {
			if e.Key() != keys[i] {
				t.Fatalf("EntityGetMany[%d] = %v, want %v (request order)", i, e.Key(), keys[i])
			}
		}
		n, err := s.EntityCount(ctx, &store.EntityCountParams{Blueprint: "service"})
		if err != nil || n != 1234 {
			t.Errorf("EntityCount = %d, %v; want 1234", n, err)
		}
	})

	t.Run("ListOrderAndPaging", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// Byte order, as SQLite's BINARY collation and PostgreSQL's "C".
		ids := []string{"b", "B", "a", "ä", "_x", "a-1", "a_1", "Z", "a1", "10", "9", "é"}
		var changes []store.EntityChange
		for _, id := range ids {
			changes = append(changes, Create(NewEntity(EntityOpts{Identifier: id})))
		}
		changes = append(changes, Create(NewEntity(EntityOpts{Blueprint: "other", Identifier: "a"})))
		Apply(t, s, Origin(0), changes...)
		want := slices.Clone(ids)
		slices.Sort(want)
		got, err := s.EntityList(ctx, &store.EntityListParams{Blueprint: "service"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "EntityList identifiers", want, identifiers(got))
		var paged []string
		after := ""
		for {
			page, err := s.EntityList(ctx, &store.EntityListParams{Blueprint: "service", After: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 5 {
				t.Fatalf("page of %d, limit 5", len(page))
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, identifiers(page)...)
			after = page[len(page)-1].Identifier
		}
		diff(t, "paged EntityList", want, paged)
		n, err := s.EntityCount(ctx, &store.EntityCountParams{Blueprint: "nothing"})
		if err != nil || n != 0 {
			t.Errorf("EntityCount(empty blueprint) = %d, %v", n, err)
		}
	})

	t.Run("UpdateAndDelete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x", Team: []string{"t"}, Properties: map[string]any{"a": "1"}})
		Apply(t, s, Origin(0), Create(v1))
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "renamed", Properties: map[string]any{"b": 2.0}, Relations: map[string]any{"r": "y"}})
		v2.UpdatedAt = T0.Add(5 * time.Second)
		v2.UpdatedBy = "bob"
		Apply(t, s, Origin(5*time.Second), Update(v1, v2))
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "x"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "after update", v2, got)
		Apply(t, s, Origin(6*time.Second), Delete(v2))
		if _, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "x"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("EntityGet after delete: err = %v, want ErrNotFound", err)
		}
		// Re-creating a deleted entity is a plain create.
		Apply(t, s, Origin(7*time.Second), Create(v1))
		if _, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "x"}); err != nil {
			t.Errorf("EntityGet after re-create: %v", err)
		}
	})

	t.Run("SameKeyTwiceInOneApply", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x"})
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "two"})
		other := NewEntity(EntityOpts{Identifier: "y"})
		Apply(t, s, Origin(0), Create(v1), Create(other), Update(v1, v2), Delete(other))
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "x"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "after create+update in one apply", v2, got)
		if _, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "y"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("created then deleted entity: err = %v, want ErrNotFound", err)
		}
		vs, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: "service", Identifier: "x"})
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions = %d, %v; want 2", len(vs), err)
		}
		evs, err := s.EventList(ctx, &store.EventListParams{})
		if err != nil {
			t.Fatal(err)
		}
		var got2 []string
		for _, e := range evs {
			got2 = append(got2, string(e.Type)+" "+e.Entity)
		}
		diff(t, "event order", []string{"ENTITY_CREATED x", "ENTITY_CREATED y", "ENTITY_UPDATED x", "ENTITY_DELETED y"}, got2)
	})

	t.Run("Find", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mk := func(id, title string, props map[string]any) store.EntityChange {
			return Create(NewEntity(EntityOpts{Identifier: id, Title: title, Properties: props}))
		}
		Apply(t, s, Origin(0),
			mk("num1", "One", map[string]any{"v": float64(1), "tier": "gold"}),
			mk("num1.0", "One", map[string]any{"v": 1.0, "tier": "silver"}),
			mk("str1", "Str", map[string]any{"v": "1", "tier": "gold"}),
			mk("true", "Bool", map[string]any{"v": true}),
			mk("false", "Bool", map[string]any{"v": false}),
			mk("frac", "Frac", map[string]any{"v": 1.5}),
			mk("big", "Big", map[string]any{"v": 1e20}),
			mk("null", "Null", map[string]any{"v": nil}),
			mk("arr", "Arr", map[string]any{"v": []any{float64(1)}}),
			mk("obj", "Obj", map[string]any{"v": map[string]any{"x": float64(1)}}),
			mk("none", "None", map[string]any{}),
			mk("uni", "Ünï", map[string]any{"v": "ü ✓", "with.dot": "d", "キー": "k"}),
		)
		Apply(t, s, Origin(0), Create(NewEntity(EntityOpts{Blueprint: "other", Identifier: "num1", Properties: map[string]any{"v": float64(1)}})))
		tests := []struct {
			name  string
			match []store.Match
			limit int
			want  []string
		}{
			{"number", []store.Match{{Field: "v", Values: []any{float64(1)}}}, 0, []string{"num1", "num1.0"}},
			{"string", []store.Match{{Field: "v", Values: []any{"1"}}}, 0, []string{"str1"}},
			{"true", []store.Match{{Field: "v", Values: []any{true}}}, 0, []string{"true"}},
			{"false", []store.Match{{Field: "v", Values: []any{false}}}, 0, []string{"false"}},
			{"fraction", []store.Match{{Field: "v", Values: []any{1.5}}}, 0, []string{"frac"}},
			{"big", []store.Match{{Field: "v", Values: []any{1e20}}}, 0, []string{"big"}},
			{"unicode", []store.Match{{Field: "v", Values: []any{"ü ✓"}}}, 0, []string{"uni"}},
			{"any of", []store.Match{{Field: "v", Values: []any{"1", true, 1.5}}}, 0, []string{"frac", "str1", "true"}},
			{"and", []store.Match{{Field: "v", Values: []any{float64(1), "1"}}, {Field: "tier", Values: []any{"gold"}}}, 0, []string{"num1", "str1"}},
			{"limit", []store.Match{{Field: "v", Values: []any{float64(1), "1"}}}, 2, []string{"num1", "num1.0"}},
			{"identifier", []store.Match{{Field: "$identifier", Values: []any{"big", "nope", "frac"}}}, 0, []string{"big", "frac"}},
			{"title", []store.Match{{Field: "$title", Values: []any{"One"}}}, 0, []string{"num1", "num1.0"}},
			{"title and prop", []store.Match{{Field: "$title", Values: []any{"One"}}, {Field: "tier", Values: []any{"silver"}}}, 0, []string{"num1.0"}},
			{"dotted key", []store.Match{{Field: "with.dot", Values: []any{"d"}}}, 0, []string{"uni"}},
			{"unicode key", []store.Match{{Field: "キー", Values: []any{"k"}}}, 0, []string{"uni"}},
			{"missing property", []store.Match{{Field: "nope", Values: []any{"1"}}}, 0, []string{}},
			{"no values", []store.Match{{Field: "v", Values: nil}}, 0, []string{}},
			{"identifier typed", []store.Match{{Field: "$identifier", Values: []any{float64(1)}}}, 0, []string{}},
			{"no conditions", nil, 3, []string{"arr", "big", "false"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.EntityFind(ctx, &store.EntityFindParams{Blueprint: "service", Match: tc.match, Limit: tc.limit})
				if err != nil {
					t.Fatalf("EntityFind: %v", err)
				}
				diff(t, "EntityFind identifiers", tc.want, identifiers(got))
			})
		}
	})

	t.Run("ReadersDuringWrites", func(t *testing.T) {
		t.Parallel()
		// Readers never fail or block on a busy writer (SQLite: WAL readers).
		s := open(t)
		stop := make(chan struct{})
		errs := make(chan error, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := s.EntityList(ctx, &store.EntityListParams{Blueprint: "service", Limit: 50}); err != nil {
						errs <- err
						return
					}
					if _, err := s.EventList(ctx, &store.EventListParams{Limit: 50}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for b := range 10 {
			var changes []store.EntityChange
			for i := range 100 {
				changes = append(changes, Create(NewEntity(EntityOpts{Identifier: fmt.Sprintf("r%02d-%03d", b, i)})))
			}
			Apply(t, s, Origin(0), changes...)
		}
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("reader: %v", err)
		}
		n, err := s.EntityCount(ctx, &store.EntityCountParams{Blueprint: "service"})
		if err != nil || n != 1000 {
			t.Errorf("EntityCount = %d, %v; want 1000", n, err)
		}
	})

	t.Run("LockConcurrent", func(t *testing.T) {
		t.Parallel()
		testEntityLock(t, open(t))
	})
}
