package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// testEntityLock checks that a second writer locking the same key waits for
// the first to end (on SQLite it already waits in Begin: one writer), and
// that bulk locks taken in opposite orders do not deadlock.
func testEntityLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	keys := []model.EntityKey{Key("service", "a"), Key("service", "b")}
	tx1, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx1.Rollback(ctx) }()
	if err := tx1.EntityLock(ctx, &store.EntityLockParams{Keys: keys}); err != nil {
		t.Fatalf("EntityLock: %v", err)
	}
	acquired := make(chan error, 1)
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tx2, err := s.Begin(ctx)
		if err != nil {
			acquired <- err
			return
		}
		defer func() { _ = tx2.Rollback(ctx) }()
		acquired <- tx2.EntityLock(ctx, &store.EntityLockParams{Keys: []model.EntityKey{keys[1]}})
		<-release
	}()
	select {
	case err := <-acquired:
		t.Fatalf("second writer got the lock while the first holds it (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-acquired:
		if err != nil {
			t.Fatalf("second writer's EntityLock: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("second writer still waits after the first committed")
	}
	close(release)
	wg.Wait()

	// Opposite orders: locks are taken sorted, so neither deadlocks.
	errs := make(chan error, 2)
	for _, ks := range [][]model.EntityKey{{keys[0], keys[1]}, {keys[1], keys[0]}} {
		go func() {
			errs <- func() error {
				for range 20 {
					tx, err := s.Begin(ctx)
					if err != nil {
						return err
					}
					if err := tx.EntityLock(ctx, &store.EntityLockParams{Keys: ks}); err != nil {
						_ = tx.Rollback(ctx)
						return err
					}
					if err := tx.Commit(ctx); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("concurrent EntityLock: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("concurrent EntityLock in opposite orders did not finish")
		}
	}
}
