package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

func testEvent(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		seq, err := s.EventLastSeq(ctx)
		if err != nil || seq != 0 {
			t.Errorf("EventLastSeq = %d, %v; want 0", seq, err)
		}
		evs, err := s.EventList(ctx, &store.EventListParams{})
		if err != nil || evs == nil || len(evs) != 0 {
			t.Errorf("EventList = %#v, %v; want empty non-nil", evs, err)
		}
	})

	t.Run("Payloads", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v1 := NewEntity(EntityOpts{Identifier: "x", Properties: richProperties(), Relations: map[string]any{"r": []string{"a", "b"}, "s": "c"}})
		v2 := NewEntity(EntityOpts{Identifier: "x", Title: "two"})
		o := Origin(1 * time.Microsecond)
		o.RunID = ""
		// Each event read at once, while its version is still open (its
		// document is the entity's row), and again at the end.
		checkLast := func(before, after *model.Entity) {
			t.Helper()
			last, err := s.EventLastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := s.EventList(ctx, &store.EventListParams{AfterSeq: last - 1})
			if err != nil || len(evs) != 1 {
				t.Fatalf("EventList after %d = %d events, %v; want 1", last-1, len(evs), err)
			}
			diff(t, fmt.Sprintf("event %d before, read at once", last), before, decodeEntity(t, evs[0].Before))
			diff(t, fmt.Sprintf("event %d after, read at once", last), after, decodeEntity(t, evs[0].After))
		}
		Apply(t, s, o, Create(v1))
		checkLast(nil, v1)
		Apply(t, s, Origin(2*time.Microsecond), Update(v1, v2))
		checkLast(v1, v2)
		Apply(t, s, Origin(3*time.Microsecond), Delete(v2))
		checkLast(v2, nil)
		evs, err := s.EventList(ctx, &store.EventListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			t.Fatalf("got %d events, want 3", len(evs))
		}
		types := []model.EventType{model.EventEntityCreated, model.EventEntityUpdated, model.EventEntityDeleted}
		befores := []*model.Entity{nil, v1, v2}
		afters := []*model.Entity{v1, v2, nil}
		for i, e := range evs {
			if e.Type != types[i] || e.Blueprint != "service" || e.Entity != "x" {
				t.Errorf("event %d = %s %s/%s, want %s service/x", i, e.Type, e.Blueprint, e.Entity, types[i])
			}
			diff(t, fmt.Sprintf("event %d before", i), befores[i], decodeEntity(t, e.Before))
			diff(t, fmt.Sprintf("event %d after", i), afters[i], decodeEntity(t, e.After))
			if i > 0 && e.Seq <= evs[i-1].Seq {
				t.Errorf("seq %d after %d: not increasing", e.Seq, evs[i-1].Seq)
			}
		}
		diff(t, "first event origin", []any{"alice", "API", "", "req-1", o.Time},
			[]any{evs[0].Actor, evs[0].Origin, evs[0].RunID, evs[0].RequestID, evs[0].Time})
		if evs[1].RunID != "run-1" {
			t.Errorf("RunID = %q, want run-1", evs[1].RunID)
		}
		last, err := s.EventLastSeq(ctx)
		if err != nil || last != evs[2].Seq {
			t.Errorf("EventLastSeq = %d, %v; want %d", last, err, evs[2].Seq)
		}
	})

	t.Run("PagingAndFilter", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i := range 10 {
			bp := []string{"service", "db", "team"}[i%3]
			Apply(t, s, Origin(time.Duration(i)), Create(NewEntity(EntityOpts{Blueprint: bp, Identifier: fmt.Sprint(i)})))
		}
		all, err := s.EventList(ctx, &store.EventListParams{})
		if err != nil || len(all) != 10 {
			t.Fatalf("EventList = %d events, %v; want 10", len(all), err)
		}
		page, err := s.EventList(ctx, &store.EventListParams{AfterSeq: all[3].Seq, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "page seqs", seqs(all[4:8]), seqs(page))
		f, err := s.EventList(ctx, &store.EventListParams{Blueprints: []string{"db", "team"}, AfterSeq: all[1].Seq})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, e := range all[2:] {
			if e.Blueprint != "service" {
				want = append(want, e.Seq)
			}
		}
		diff(t, "filtered seqs", want, seqs(f))
		none, err := s.EventList(ctx, &store.EventListParams{AfterSeq: all[9].Seq})
		if err != nil || len(none) != 0 {
			t.Errorf("EventList after last = %d, %v", len(none), err)
		}
	})

	t.Run("ConcurrentWritersNoSkip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const writers, perWriter = 4, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					e := NewEntity(EntityOpts{Identifier: fmt.Sprintf("w%d-%d", w, i)})
					if err := TryApply(s, Origin(0), Create(e), Update(e, e)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		// Tail the outbox the way the events hub does; a cursor past an
		// uncommitted lower seq would lose that event forever.
		var seen []*model.Event
		var after int64
		finished := false
		deadline := time.After(2 * time.Minute)
		for {
			evs, err := s.EventList(ctx, &store.EventListParams{AfterSeq: after})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				seen = append(seen, e)
				after = e.Seq
			}
			if finished && len(evs) == 0 {
				break
			}
			select {
			case <-done:
				finished = true
			case err := <-errs:
				t.Fatalf("writer: %v", err)
			case <-deadline:
				t.Fatal("writers did not finish")
			default:
			}
		}
		if len(seen) != writers*perWriter*2 {
			t.Fatalf("tailing reader saw %d events, want %d", len(seen), writers*perWriter*2)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].Seq <= seen[i-1].Seq {
				t.Fatalf("seq %d after %d", seen[i].Seq, seen[i-1].Seq)
			}
		}
	})

	t.Run("OutboxLockDoesNotDeadlock", func(t *testing.T) {
		t.Parallel()
		// A writes events and then waits for an entity lock held by B, which
		// then writes events and commits. If writing events took the outbox
		// lock at once, A would hold it while B waits for it: a deadlock.
		s := open(t)
		key := Key("service", "k")
		txB, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = txB.Rollback(ctx) }()
		if err := txB.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{key}}); err != nil {
			t.Fatal(err)
		}
		aWrote := make(chan struct{})
		aDone := make(chan error, 1)
		go func() {
			aDone <- func() error {
				tx, err := s.Begin(ctx) // on a single-writer store this waits for B
				if err != nil {
					return err
				}
				defer func() { _ = tx.Rollback(ctx) }()
				if err := tx.BlueprintChangeApply(ctx, &store.BlueprintChangeApplyParams{
					Kind: store.ChangeCreate, After: NewBlueprint("a"), Origin: Origin(0)}); err != nil {
					return err
				}
				close(aWrote)
				if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{key}}); err != nil {
					return err
				}
				return tx.Commit(ctx)
			}()
		}()
		select {
		case <-aWrote:
		case <-time.After(time.Second): // single writer: A cannot begin before B ends
		}
		if err := txB.EntityChangeApply(ctx, &store.EntityChangeApplyParams{
			Changes: []store.EntityChange{Create(NewEntity(EntityOpts{Identifier: "k"}))}, Origin: Origin(0)}); err != nil {
			t.Fatalf("B apply: %v", err)
		}
		if err := txB.Commit(ctx); err != nil {
			t.Fatalf("B commit: %v", err)
		}
		select {
		case err := <-aDone:
			if err != nil {
				t.Fatalf("A: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("A did not finish")
		}
		evs, err := s.EventList(ctx, &store.EventListParams{})
		if err != nil || len(evs) != 2 {
			t.Fatalf("events = %d, %v; want 2", len(evs), err)
		}
	})

	t.Run("Blueprint", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		bp := NewBlueprint("svc")
		applyBlueprint(t, s, store.ChangeCreate, nil, bp)
		bp2 := NewBlueprint("svc")
		bp2.Title = "Service"
		applyBlueprint(t, s, store.ChangeUpdate, bp, bp2)
		applyBlueprint(t, s, store.ChangeDelete, bp2, nil)
		evs, err := s.EventList(ctx, &store.EventListParams{Blueprints: []string{"svc"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, fmt.Sprintf("%s %s %q before=%t after=%t", e.Type, e.Blueprint, e.Entity, e.Before != nil, e.After != nil))
		}
		diff(t, "blueprint events", []string{
			`BLUEPRINT_CREATED svc "" before=false after=true`,
			`BLUEPRINT_UPDATED svc "" before=true after=true`,
			`BLUEPRINT_DELETED svc "" before=true after=false`,
		}, got)
		var after model.Blueprint
		if err := json.Unmarshal(evs[1].After, &after); err != nil {
			t.Fatal(err)
		}
		diff(t, "update event after", bp2, &after)
	})
}

func seqs(evs []*model.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// decodeEntity decodes an event document; nil or JSON null is nil.
func decodeEntity(t testing.TB, raw json.RawMessage) *model.Entity {
	t.Helper()
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var e model.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("decode event entity %s: %v", raw, err)
	}
	for k, v := range e.Relations {
		if l, ok := v.([]any); ok {
			s := make([]string, len(l))
			for i, x := range l {
				s[i], _ = x.(string)
			}
			e.Relations[k] = s
		}
	}
	return &e
}
