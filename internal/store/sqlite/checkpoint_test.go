package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// The checkpointer tests change the package's checkpoint settings, so they
// do not run in parallel with each other.

// writeBatches commits n transactions of 1,000 entities with a 1 KB
// property each: over 1 MiB of entity rows per transaction.
func writeBatches(t *testing.T, d *Driver, prefix string, n int) {
	t.Helper()
	big := strings.Repeat("x", 1000)
	for b := range n {
		changes := make([]store.EntityChange, 1000)
		for i := range changes {
			changes[i] = storetest.Create(storetest.NewEntity(storetest.EntityOpts{
				Identifier: fmt.Sprintf("%s-%d-%d", prefix, b, i), Properties: map[string]any{"pad": big}}))
		}
		storetest.Apply(t, d, storetest.Origin(0), changes...)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCheckpointerCopiesTheWAL: committed pages reach the database file
// without any checkpoint by the writer (whose automatic one is far away).
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	defer func(iv time.Duration) { checkpointInterval = iv }(checkpointInterval)
	checkpointInterval = 20 * time.Millisecond
	path := filepath.Join(t.TempDir(), "atrium.db")
	d, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before := fileSize(t, path)
	writeBatches(t, d, "e", 3)
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(t, path) < before+2<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes 5 s after commits of several MiB (was %d): the WAL was not checkpointed", fileSize(t, path), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCheckpointerBoundsTheWAL: a writer committing back to back never
// lets the WAL start over by itself; the RESTART checkpoint must.
func TestCheckpointerBoundsTheWAL(t *testing.T) {
	defer func(iv time.Duration, rf int) { checkpointInterval, restartFrames = iv, rf }(checkpointInterval, restartFrames)
	checkpointInterval, restartFrames = 20*time.Millisecond, 256 // 2 MiB of 8 KiB pages
	path := filepath.Join(t.TempDir(), "atrium.db")
	d, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	writeBatches(t, d, "e", 48)
	t.Logf("WAL: %d MiB", fileSize(t, path+"-wal")>>20)
	if got := fileSize(t, path+"-wal"); got > 32<<20 {
		t.Errorf("WAL is %d MiB after 48 back-to-back commits of several MiB; want it bounded near restartFrames (2 MiB) plus one interval of writes", got>>20)
	}
}
