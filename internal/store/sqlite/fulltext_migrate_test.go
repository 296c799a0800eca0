package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestFullTextMigrationBackfills migrates a database to 0001, writes an
// entity the way 0001 stored it, then opens it (applying 0002 and later):
// the entity must be searchable.
func TestFullTextMigrationBackfills(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MigrateUpTo(t, db, goose.DialectSQLite3, "migrations", 1)
	if _, err := db.ExecContext(ctx, `INSERT INTO entities (blueprint, identifier, title, properties, created_at, updated_at)
		VALUES ('service', 'old-pay', 'Old payments', '{"notes": {"text": "keeps the ledger"}, "n": 3}',
		        '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	d, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	for _, q := range []string{"old-pay", "payments", "ledger"} {
		hits, err := d.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: q})
		if err != nil || len(hits) != 1 || hits[0].Identifier != "old-pay" {
			t.Errorf("after migrating, EntityTextSearch(%q) = %+v, %v; want old-pay", q, hits, err)
		}
	}
}
