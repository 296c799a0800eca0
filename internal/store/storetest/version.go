package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

func testVersion(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x", Properties: richProperties(), Relations: map[string]any{"r": []string{"a"}}})
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "two"})
		at := func(us int) time.Duration { return time.Duration(us) * time.Microsecond }
		o1, o2, o3, o4 := Origin(at(1)), Origin(at(2)), Origin(at(3)), Origin(at(1000001))
		o2.Actor, o2.Origin, o2.RunID = "bob", model.OriginUI, ""
		Apply(t, s, o1, Create(v1))
		Apply(t, s, o2, Update(v1, v2))
		Apply(t, s, o3, Delete(v2))
		Apply(t, s, o4, Create(v1))
		got, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: "service", Identifier: "x"})
		if err != nil {
			t.Fatalf("EntityVersionList: %v", err)
		}
		tp := func(o store.Origin) *time.Time { return &o.Time }
		want := []*model.EntityVersion{
			{Blueprint: "service", Identifier: "x", Version: 1, Entity: v1, ValidFrom: o1.Time, ValidTo: tp(o2), Actor: "alice", Origin: "API", RunID: "run-1"},
			{Blueprint: "service", Identifier: "x", Version: 2, Entity: v2, ValidFrom: o2.Time, ValidTo: tp(o3), Actor: "bob", Origin: "UI"},
			{Blueprint: "service", Identifier: "x", Version: 3, Deleted: true, ValidFrom: o3.Time, ValidTo: tp(o4), Actor: "alice", Origin: "API", RunID: "run-1"},
			{Blueprint: "service", Identifier: "x", Version: 4, Entity: v1, ValidFrom: o4.Time, Actor: "alice", Origin: "API", RunID: "run-1"},
		}
		diff(t, "EntityVersionList", want, got)
		none, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: "service", Identifier: "nope"})
		if err != nil || len(none) != 0 || none == nil {
			t.Errorf("EntityVersionList(missing) = %#v, %v; want empty non-nil", none, err)
		}
	})

	t.Run("BatchClosesEachWithItsOwnDocument", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ids := []string{"a", "b", "c"}
		v1, v2 := map[string]*model.Entity{}, map[string]*model.Entity{}
		var creates, updates, deletes []store.EntityChange
		for _, id := range ids {
			v1[id] = NewEntity(EntityOpts{Identifier: id, Title: id + " one", Properties: map[string]any{"n": 1.0}})
			v2[id] = NewEntity(EntityOpts{Identifier: id, Title: id + " two", Properties: map[string]any{"n": 2.0}})
			creates = append(creates, Create(v1[id]))
			updates = append(updates, Update(v1[id], v2[id]))
			if id != "c" {
				deletes = append(deletes, Delete(v2[id]))
			}
		}
		Apply(t, s, Origin(0), creates...)
		Apply(t, s, Origin(time.Second), updates...)
		Apply(t, s, Origin(2*time.Second), deletes...)
		for _, id := range ids {
			vs, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: "service", Identifier: id})
			if err != nil {
				t.Fatal(err)
			}
			want := []*model.Entity{v1[id], v2[id], nil}
			if id == "c" {
				want = want[:2]
			}
			if len(vs) != len(want) {
				t.Fatalf("versions of %s: %d, want %d", id, len(vs), len(want))
			}
			for i, v := range vs {
				diff(t, fmt.Sprintf("version %d of %s", v.Version, id), want[i], v.Entity)
				if v.Deleted != (want[i] == nil) {
					t.Errorf("version %d of %s: deleted %v, want %v", v.Version, id, v.Deleted, want[i] == nil)
				}
			}
		}
	})

	t.Run("BatchVersionsIndependent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := NewEntity(EntityOpts{Identifier: "a"})
		b := NewEntity(EntityOpts{Identifier: "b"})
		Apply(t, s, Origin(0), Create(a))
		Apply(t, s, Origin(time.Second), Update(a, a), Create(b))
		for id, n := range map[string]int64{"a": 2, "b": 1} {
			vs, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: "service", Identifier: id})
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(vs)) != n || vs[len(vs)-1].Version != n || vs[len(vs)-1].ValidTo != nil {
				t.Errorf("versions of %s: %d, last %+v; want %d with the last open", id, len(vs), vs[len(vs)-1], n)
			}
		}
	})
}
