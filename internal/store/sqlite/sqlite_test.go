package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, dbtest.OpenSQLite)
}

// BenchmarkIngest reports bulk-create throughput; run with -benchtime=100x
// for 100k entities.
func BenchmarkIngest(b *testing.B) { storetest.BenchmarkIngest(b, dbtest.OpenSQLite, 1000) }

func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "atrium.db")
	storetest.Reopen(t, func(t testing.TB) store.Store {
		d, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		return d
	})
}

func TestOpenRejectsNonFile(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", ":memory:", "x.db?mode=memory"} {
		if d, err := sqlite.Open(context.Background(), p, nil); err == nil {
			_ = d.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

// BenchmarkReingest reports bulk-update throughput over existing entities.
func BenchmarkReingest(b *testing.B) { storetest.BenchmarkReingest(b, dbtest.OpenSQLite, 1000) }

// TestPragmas checks the settings DESIGN §4 relies on persist in the file
// (WAL) and that the store works with a second process-like reader open.
func TestPragmas(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "atrium.db")
	d, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	var mode string
	if err := raw.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Both files the store creates get 8 KiB pages (NewFilePragmas).
	for _, p := range []string{path, path + "-fts"} {
		if size := pageSize(t, p); size != 8192 {
			t.Errorf("%s: page_size = %d; want 8192", filepath.Base(p), size)
		}
	}
}

// pageSize reads the page size of the database file at path.
func pageSize(t *testing.T, path string) int {
	t.Helper()
	f, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var size int
	if err := f.QueryRow("PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	return size
}

// TestPageSizeOfAnExistingFileStays checks that a file created with other
// pages keeps them: SQLite cannot change a WAL file's page size, and the
// store must open it all the same.
func TestPageSizeOfAnExistingFileStays(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "atrium.db")
	raw, err := sql.Open("sqlite", path+"?_pragma=page_size(4096)&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE before_atrium (x)"); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	d, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	if _, err := d.BlueprintList(context.Background(), &store.BlueprintListParams{}); err != nil {
		t.Fatalf("store on a 4 KiB file: %v", err)
	}
	if size := pageSize(t, path); size != 4096 {
		t.Errorf("page_size = %d; want the file's 4096", size)
	}
}
