package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// leaky lists words that would show a driver's own error to a user.
var leaky = []string{"sqlite", "SQLSTATE", "UNIQUE", "duplicate key", "constraint", "pq:", "pgx"}

func checkKind(t *testing.T, what string, err, kind error, mentions ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: err = %v, want kind %v", what, err, kind)
		return
	}
	msg := err.Error()
	for _, w := range leaky {
		if strings.Contains(msg, w) {
			t.Errorf("%s: message %q leaks driver detail %q", what, msg, w)
		}
	}
	for _, m := range mentions {
		if !strings.Contains(msg, m) {
			t.Errorf("%s: message %q does not name %q", what, msg, m)
		}
	}
}

func testErrors(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("Kinds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "nope"})
		checkKind(t, "EntityGet missing", err, model.ErrNotFound, `"nope"`, `"service"`)
		_, err = s.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: "nope"})
		checkKind(t, "BlueprintGet missing", err, model.ErrNotFound, `"nope"`)

		e := NewEntity(EntityOpts{Identifier: "dup"})
		Apply(t, s, Origin(0), Create(e))
		checkKind(t, "create existing entity", TryApply(s, Origin(1*time.Microsecond), Create(e)), model.ErrConflict, `"dup"`)
		checkKind(t, "create existing entity in a batch", TryApply(s, Origin(1*time.Microsecond),
			Create(NewEntity(EntityOpts{Identifier: "new1"})), Create(e), Create(NewEntity(EntityOpts{Identifier: "new2"}))),
			model.ErrConflict)

		// An update must name the state it replaces: it becomes the closed
		// version's document.
		if err := TryApply(s, Origin(1*time.Microsecond), store.EntityChange{Kind: store.ChangeUpdate, After: e}); err == nil {
			t.Error("update without Before: applied, want an error")
		}

		bp := NewBlueprint("svc")
		applyBlueprint(t, s, store.ChangeCreate, nil, bp)
		checkKind(t, "create existing blueprint", tryBlueprint(s, store.ChangeCreate, nil, bp), model.ErrConflict, `"svc"`)
		checkKind(t, "update missing blueprint", tryBlueprint(s, store.ChangeUpdate, NewBlueprint("x"), NewBlueprint("x")), model.ErrNotFound, `"x"`)
		checkKind(t, "delete missing blueprint", tryBlueprint(s, store.ChangeDelete, NewBlueprint("x"), nil), model.ErrNotFound, `"x"`)

		// Nothing of the failed batch was kept, and the store still works.
		for _, id := range []string{"new1", "new2"} {
			_, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: id})
			checkKind(t, "entity of a failed batch", err, model.ErrNotFound)
		}
		Apply(t, s, Origin(2*time.Microsecond), Create(NewEntity(EntityOpts{Identifier: "after"})))
	})

	t.Run("RollbackLeavesNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		keep := NewEntity(EntityOpts{Blueprint: "db", Identifier: "db1"})
		Apply(t, s, Origin(0), Create(keep))
		lastSeq, err := s.EventLastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// An explicit rollback after successful writes.
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		gone := NewEntity(EntityOpts{Identifier: "gone", Relations: map[string]any{"db": "db1"}})
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Origin: Origin(1 * time.Microsecond), Changes: []store.EntityChange{
			Create(gone, Edge("service", "gone", "db", "db", "db1")),
			Update(keep, NewEntity(EntityOpts{Blueprint: "db", Identifier: "db1", Title: "changed"})),
		}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{Kind: store.ChangeCreate, After: NewBlueprint("gone"), Origin: Origin(1 * time.Microsecond)}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		// A failed second apply in one transaction, then rollback.
		tx, err = s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Origin: Origin(2 * time.Microsecond), Changes: []store.EntityChange{
			Create(gone, Edge("service", "gone", "db", "db", "db1")),
		}}); err != nil {
			t.Fatal(err)
		}
		err = tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Origin: Origin(2 * time.Microsecond), Changes: []store.EntityChange{Create(keep)}})
		checkKind(t, "second apply", err, model.ErrConflict)
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		_, err = s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "service", Identifier: "gone"})
		checkKind(t, "rolled-back entity", err, model.ErrNotFound)
		got, err := s.EntityGet(ctx, &store.EntityGetParams{Blueprint: "db", Identifier: "db1"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "entity updated in a rolled-back tx", keep, got)
		edges, err := s.EdgeListIncoming(ctx, &store.EdgeListIncomingParams{To: []model.EntityKey{keep.Key()}})
		if err != nil || len(edges) != 0 {
			t.Errorf("edges after rollback = %v, %v; want none", edges, err)
		}
		for _, k := range []model.EntityKey{gone.Key(), keep.Key()} {
			vs, err := s.EntityVersionList(ctx, &store.EntityVersionListParams{Blueprint: k.Blueprint, Identifier: k.Identifier})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int{"gone": 0, "db1": 1}[k.Identifier]; len(vs) != want || (want == 1 && vs[0].ValidTo != nil) {
				t.Errorf("versions of %v after rollback: %d (last open: %v), want %d, open", k, len(vs), len(vs) > 0 && vs[len(vs)-1].ValidTo == nil, want)
			}
		}
		if seq, err := s.EventLastSeq(ctx); err != nil || seq != lastSeq {
			t.Errorf("EventLastSeq after rollback = %d, %v; want %d", seq, err, lastSeq)
		}
		if _, err := s.BlueprintGet(ctx, &store.BlueprintGetParams{Identifier: "gone"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("rolled-back blueprint: err = %v, want ErrNotFound", err)
		}
	})
}
