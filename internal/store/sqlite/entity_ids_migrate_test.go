package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestEntityIDsMigration builds a database at 0006 (string-keyed edges,
// full-text triggers) with entities, edges and one edge to a missing
// entity, then opens it (applying 0007): edges must survive as ids, the
// dangling one go, and the full-text index keep working for old and new
// writes.
func TestEntityIDsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MigrateUpTo(t, db, goose.DialectSQLite3, "migrations", 6)
	const at = "'2026-01-01T00:00:00.000000Z'"
	for _, q := range storetest.EntityIDsFixture(at) {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	storetest.CheckEntityIDsMigrated(t, d)
}
