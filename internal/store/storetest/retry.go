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

	// The marker itself: kept through wrapping, absent from other errors.
	wrapped := store.Retryable(model.NotFoundf("x"))
	if !store.IsRetryable(wrapped) || !errors.Is(wrapped, model.ErrNotFound) || wrapped.Error() != "x" {
		t.Errorf("Retryable(NotFound) = %v: retryable %v, not found %v", wrapped, store.IsRetryable(wrapped), errors.Is(wrapped, model.ErrNotFound))
	}
	if store.IsRetryable(model.NotFoundf("x")) || store.Retryable(nil) != nil {
		t.Error("IsRetryable accepts an unmarked error, or Retryable(nil) is not nil")
	}
}
