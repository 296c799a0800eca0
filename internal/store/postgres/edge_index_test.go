package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/postgres"
)

// TestEdgeIndexes pins migration 0007: the first step of a matchAny path
// read from its targets (one relation, target ids) can read edges_to
// instead of scanning every edge. Sequential scans are
// turned off because an empty table would otherwise always be scanned.
func TestEdgeIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.PostgresURL(t)
	d, err := postgres.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN SELECT ed.from_id FROM edges ed WHERE ed.relation = $1 AND ed.to_id IN (SELECT k.id FROM entities k WHERE k.blueprint IN ($2) AND k.identifier IN ($3, $4))", "system", "service", "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "edges_to") {
		t.Errorf("plan:\n%s\nwant edges_to", strings.Join(plan, "\n"))
	}
}
