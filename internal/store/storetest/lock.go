package storetest

import (
	"context"
	"fmt"
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
	var bulk []model.EntityKey
	for i := range 200 {
		bulk = append(bulk, Key("service", fmt.Sprintf("bulk-%03d", i)))
	}
	// Drivers may lock a large set more coarsely than a small one; every
	// pairing must still exclude the other writer of a shared key.
	for _, tc := range []struct {
		name          string
		first, second []model.EntityKey
	}{
		{"small then small", keys, keys[1:]},
		{"bulk then small", bulk, bulk[137:138]},
		{"small then bulk", bulk[42:43], bulk},
		{"bulk then bulk", bulk[:150], bulk[100:]},
	} {
		secondWaits(t, s, tc.name, tc.first, tc.second)
	}

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

// secondWaits checks that a writer locking second waits until the writer
// holding first commits.
func secondWaits(t *testing.T, s store.Store, name string, first, second []model.EntityKey) {
	t.Helper()
	ctx := context.Background()
	tx1, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx1.Rollback(ctx) }()
	if err := tx1.EntityLock(ctx, &store.EntityLockParams{Keys: first}); err != nil {
		t.Fatalf("%s: EntityLock: %v", name, err)
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
		acquired <- tx2.EntityLock(ctx, &store.EntityLockParams{Keys: second})
		<-release
	}()
	defer wg.Wait()
	defer close(release)
	select {
	case err := <-acquired:
		t.Fatalf("%s: second writer got the lock while the first holds it (err %v)", name, err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-acquired:
		if err != nil {
			t.Fatalf("%s: second writer's EntityLock: %v", name, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: second writer still waits after the first committed", name)
	}
}
