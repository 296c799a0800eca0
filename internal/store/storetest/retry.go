package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// testRetryable makes two writers lock two keys in crossing order, each in
// two EntityLock calls. Where both hold their first key at once (drivers
// with concurrent writers) the database must break the deadlock by failing
// exactly one, with an error that store.IsRetryable accepts, that is an
// ErrUnavailable and leaks no driver detail; where writers are serialised
// (one writer) both succeed. After a retryable failure the same work run
// again in a new transaction succeeds.
func testRetryable(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := Key("service", "cross-a"), Key("service", "cross-b")
	held := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	errs := [2]error{}
	var wg sync.WaitGroup
	for i, order := range [2][2]model.EntityKey{{a, b}, {b, a}} {
		wg.Go(func() {
			errs[i] = func() error {
				tx, err := s.Begin(ctx)
				if err != nil {
					return err
				}
				defer func() { _ = tx.Rollback(ctx) }()
				if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: order[:1]}); err != nil {
					return err
				}
				close(held[i])
				// With one writer the other cannot hold its key yet: go on.
				select {
				case <-held[1-i]:
				case <-time.After(500 * time.Millisecond):
				}
				if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: order[1:]}); err != nil {
					return err
				}
				return tx.Commit(ctx)
			}()
		})
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed++
		if !store.IsRetryable(err) {
			t.Errorf("writer %d: err = %v, want a retryable error", i, err)
		}
		checkKind(t, "deadlock victim", err, model.ErrUnavailable)
		if errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrInvalid) {
			t.Errorf("writer %d: err = %v is also a client error", i, err)
		}
	}
	if failed > 1 {
		t.Errorf("both crossing writers failed (%v, %v); want at most one deadlock victim", errs[0], errs[1])
	}
	// The victim's work, run again, goes through.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{b, a}}); err != nil {
		t.Fatalf("EntityLock after the deadlock: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit after the deadlock: %v", err)
	}

	noWait(t, s)

	// The marker itself: kept through wrapping, absent from other errors.
	wrapped := store.Retryable(model.NotFoundf("x"))
	if !store.IsRetryable(wrapped) || !errors.Is(wrapped, model.ErrNotFound) || wrapped.Error() != "x" {
		t.Errorf("Retryable(NotFound) = %v: retryable %v, not found %v", wrapped, store.IsRetryable(wrapped), errors.Is(wrapped, model.ErrNotFound))
	}
	if store.IsRetryable(model.NotFoundf("x")) || store.Retryable(nil) != nil {
		t.Error("IsRetryable accepts an unmarked error, or Retryable(nil) is not nil")
	}
}

// noWait checks EntityLockParams.NoWait: while one writer holds a key,
// another asking for it without waiting fails at once with a retryable
// error and does not take it; where writers are serialised (one writer) the
// second gets no further than Begin until the first ends, and then locks.
func noWait(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	k := Key("service", "nowait")
	tx1, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx1.Rollback(ctx) }()
	if err := tx1.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{k}}); err != nil {
		t.Fatal(err)
	}
	begun, got := make(chan struct{}), make(chan error, 1)
	go func() {
		got <- func() error {
			tx2, err := s.Begin(ctx)
			close(begun)
			if err != nil {
				return err
			}
			defer func() { _ = tx2.Rollback(ctx) }()
			return tx2.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{Key("service", "other"), k}, NoWait: true})
		}()
	}()
	select {
	case <-begun:
		// Concurrent writers: the call must not wait for tx1.
		select {
		case err := <-got:
			if !store.IsRetryable(err) {
				t.Fatalf("NoWait EntityLock of a held key = %v, want a retryable error", err)
			}
			checkKind(t, "NoWait on a held key", err, model.ErrUnavailable)
		case <-time.After(10 * time.Second):
			t.Fatal("NoWait EntityLock of a held key waits for its holder")
		}
		return
	case <-time.After(500 * time.Millisecond):
	}
	// One writer: the second waits in Begin, and locks once the first ends.
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("NoWait EntityLock after the holder committed = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("second writer still waits after the first committed")
	}
}
