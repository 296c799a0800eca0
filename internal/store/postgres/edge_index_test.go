package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/postgres"
)

// TestEdgeRelationIndex pins migration 0005: the first step of a matchAny
// path (one relation, target identifiers of any blueprint) can read
// edges_relation_to instead of scanning every edge. Sequential scans are
// turned off because an empty table would otherwise always be scanned.
func TestEdgeRelationIndex(t *testing.T) {
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
	rows, err := conn.QueryContext(ctx, "EXPLAIN SELECT from_blueprint, from_identifier FROM edges WHERE relation = $1 AND to_identifier IN ($2, $3)", "system", "a", "b")
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
	if !strings.Contains(strings.Join(plan, "\n"), "edges_relation_to") {
		t.Errorf("plan:\n%s\nwant edges_relation_to", strings.Join(plan, "\n"))
	}
}
