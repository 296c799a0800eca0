package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// testHistory covers the time-travel reads: the version valid at an instant
// and the entities changed between two instants.
func testHistory(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("VersionAt", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x", Title: "one"})
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "two"})
		Apply(t, s, Origin(time.Second), Create(v1))
		Apply(t, s, Origin(2*time.Second), Update(v1, v2))
		Apply(t, s, Origin(3*time.Second), Delete(v2))
		tests := []struct {
			name        string
			at          time.Duration
			wantVersion int64 // 0: ErrNotFound
			wantDeleted bool
		}{
			{"before creation", 999 * time.Millisecond, 0, false},
			{"at creation", time.Second, 1, false},
			{"between", 1500 * time.Millisecond, 1, false},
			{"one microsecond before the update", 2*time.Second - time.Microsecond, 1, false},
			{"at the update", 2 * time.Second, 2, false},
			{"at the deletion", 3 * time.Second, 3, true},
			{"long after", time.Hour, 3, true},
		}
		for _, tc := range tests {
			got, err := s.EntityVersionAt(ctx, &store.EntityVersionAtParams{Blueprint: "service", Identifier: "x", At: T0.Add(tc.at)})
			if tc.wantVersion == 0 {
				if !errors.Is(err, model.ErrNotFound) {
					t.Errorf("%s: EntityVersionAt = %+v, %v; want ErrNotFound", tc.name, got, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: EntityVersionAt: %v", tc.name, err)
			}
			if got.Version != tc.wantVersion || got.Deleted != tc.wantDeleted {
				t.Errorf("%s: EntityVersionAt = version %d deleted %v; want %d, %v", tc.name, got.Version, got.Deleted, tc.wantVersion, tc.wantDeleted)
			}
		}
		got, err := s.EntityVersionAt(ctx, &store.EntityVersionAtParams{Blueprint: "service", Identifier: "x", At: T0.Add(2500 * time.Millisecond)})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "EntityVersionAt entity", v2, got.Entity)
		if _, err := s.EntityVersionAt(ctx, &store.EntityVersionAtParams{Blueprint: "service", Identifier: "nope", At: T0.Add(time.Hour)}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("EntityVersionAt(missing) = %v; want ErrNotFound", err)
		}
	})

	t.Run("VersionAtSameInstant", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x", Title: "one"})
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "two"})
		Apply(t, s, Origin(0), Create(v1))
		Apply(t, s, Origin(0), Update(v1, v2))
		got, err := s.EntityVersionAt(ctx, &store.EntityVersionAtParams{Blueprint: "service", Identifier: "x", At: T0})
		if err != nil || got.Version != 2 {
			t.Errorf("EntityVersionAt(same instant) = %+v, %v; want version 2", got, err)
		}
	})

	t.Run("VersionAtMany", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a1 := NewEntity(EntityOpts{Identifier: "a", Title: "one"})
		a2 := NewEntity(EntityOpts{Identifier: "a", Title: "two"})
		b := NewEntity(EntityOpts{Identifier: "b"})
		d := NewEntity(EntityOpts{Blueprint: "domain", Identifier: "d"})
		Apply(t, s, Origin(time.Second), Create(a1), Create(b), Create(d))
		Apply(t, s, Origin(2*time.Second), Update(a1, a2), Delete(b))
		Apply(t, s, Origin(2*time.Second), Update(a2, a1)) // same instant: the newer version wins
		k := func(bp, id string) model.EntityKey { return model.EntityKey{Blueprint: bp, Identifier: id} }
		keys := []model.EntityKey{k("service", "b"), k("service", "a"), k("domain", "d"), k("service", "nope"), k("service", "a")}
		type got struct {
			Key     model.EntityKey
			Version int64
			Deleted bool
			Title   string
		}
		at := func(d time.Duration) []got {
			t.Helper()
			vs, err := s.EntityVersionAtMany(ctx, &store.EntityVersionAtManyParams{Keys: keys, At: T0.Add(d)})
			if err != nil {
				t.Fatalf("EntityVersionAtMany: %v", err)
			}
			out := []got{}
			for _, v := range vs {
				g := got{Key: k(v.Blueprint, v.Identifier), Version: v.Version, Deleted: v.Deleted}
				if v.Entity != nil {
					g.Title = v.Entity.Title
				}
				out = append(out, g)
			}
			return out
		}
		diff(t, "EntityVersionAtMany before", []got{}, at(0))
		diff(t, "EntityVersionAtMany at 1s", []got{
			{k("domain", "d"), 1, false, "d"}, {k("service", "a"), 1, false, "one"}, {k("service", "b"), 1, false, "b"},
		}, at(time.Second))
		diff(t, "EntityVersionAtMany at 2s", []got{
			{k("domain", "d"), 1, false, "d"}, {k("service", "a"), 3, false, "one"}, {k("service", "b"), 2, true, ""},
		}, at(2*time.Second))

		// EntityVersionsAt: every entity alive then, deletions left out.
		all := func(d time.Duration, bps ...string) []got {
			t.Helper()
			vs, err := s.EntityVersionsAt(ctx, &store.EntityVersionsAtParams{Blueprints: bps, At: T0.Add(d)})
			if err != nil {
				t.Fatalf("EntityVersionsAt: %v", err)
			}
			out := []got{}
			for _, v := range vs {
				out = append(out, got{Key: k(v.Blueprint, v.Identifier), Version: v.Version, Deleted: v.Deleted, Title: v.Entity.Title})
			}
			return out
		}
		diff(t, "EntityVersionsAt before", []got{}, all(0))
		diff(t, "EntityVersionsAt at 1s", []got{
			{k("domain", "d"), 1, false, "d"}, {k("service", "a"), 1, false, "one"}, {k("service", "b"), 1, false, "b"},
		}, all(time.Second))
		diff(t, "EntityVersionsAt at 2s, services", []got{{k("service", "a"), 3, false, "one"}}, all(2*time.Second, "service"))
	})

	t.Run("Changes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := NewEntity(EntityOpts{Identifier: "a"})
		b := NewEntity(EntityOpts{Identifier: "b"})
		c := NewEntity(EntityOpts{Identifier: "c"})
		d := NewEntity(EntityOpts{Blueprint: "domain", Identifier: "d"})
		Apply(t, s, Origin(time.Second), Create(a), Create(b))
		Apply(t, s, Origin(2*time.Second), Update(a, a), Create(c), Create(d))
		Apply(t, s, Origin(3*time.Second), Delete(b))
		changes := func(p store.EntityVersionChangesParams) []store.EntityVersionChange {
			t.Helper()
			got, err := s.EntityVersionChanges(ctx, &p)
			if err != nil {
				t.Fatalf("EntityVersionChanges(%+v): %v", p, err)
			}
			return got
		}
		ch := func(sec int, bp, id string) store.EntityVersionChange {
			return store.EntityVersionChange{Key: model.EntityKey{Blueprint: bp, Identifier: id}, At: T0.Add(time.Duration(sec) * time.Second)}
		}
		after := func(sec int, bp, id string) *store.EntityVersionChange { x := ch(sec, bp, id); return &x }
		tests := []struct {
			name string
			p    store.EntityVersionChangesParams
			want []store.EntityVersionChange
		}{
			{"everything, each entity once at its first change", store.EntityVersionChangesParams{From: T0, To: T0.Add(time.Hour)},
				[]store.EntityVersionChange{ch(1, "service", "a"), ch(1, "service", "b"), ch(2, "domain", "d"), ch(2, "service", "c")}},
			{"from is exclusive, to inclusive", store.EntityVersionChangesParams{From: T0.Add(time.Second), To: T0.Add(2 * time.Second)},
				[]store.EntityVersionChange{ch(2, "domain", "d"), ch(2, "service", "a"), ch(2, "service", "c")}},
			{"one blueprint", store.EntityVersionChangesParams{Blueprint: "service", From: T0.Add(time.Second), To: T0.Add(3 * time.Second)},
				[]store.EntityVersionChange{ch(2, "service", "a"), ch(2, "service", "c"), ch(3, "service", "b")}},
			{"page", store.EntityVersionChangesParams{From: T0, To: T0.Add(time.Hour), After: after(1, "service", "a"), Limit: 2},
				[]store.EntityVersionChange{ch(1, "service", "b"), ch(2, "domain", "d")}},
			{"next page", store.EntityVersionChangesParams{From: T0, To: T0.Add(time.Hour), After: after(2, "domain", "d"), Limit: 2},
				[]store.EntityVersionChange{ch(2, "service", "c")}},
			{"nothing", store.EntityVersionChangesParams{From: T0.Add(3 * time.Second), To: T0.Add(time.Hour)},
				[]store.EntityVersionChange{}},
		}
		for _, tc := range tests {
			diff(t, "EntityVersionChanges "+tc.name, tc.want, changes(tc.p))
		}
	})
}
