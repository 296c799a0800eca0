package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestEntityIDsMigration builds a schema at 0006 (string-keyed edges) with
// entities, edges and one edge to a missing entity, then opens it
// (applying 0007): edges must survive as ids and the dangling one go.
func TestEntityIDsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.PostgresURL(t)
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MigrateUpTo(t, db, goose.DialectPostgres, "migrations", 6)
	for _, q := range storetest.EntityIDsFixture("now()") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := postgres.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	storetest.CheckEntityIDsMigrated(t, d)
}
