package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

// TestEdgeRelationIndex pins migration 0005: the first step of a matchAny
// path (one relation, target identifiers of any blueprint) reads
// edges_relation_to instead of scanning every edge.
func TestEdgeRelationIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "idx.db")
	d, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{
		"SELECT from_blueprint, from_identifier FROM edges WHERE relation = ? AND to_identifier IN (?, ?)",
		"SELECT from_blueprint, from_identifier FROM edges WHERE to_identifier = ? AND relation IN (?, ?)",
	} {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "system", "a", "b")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		var edgeLine string
		for _, l := range plan {
			if strings.Contains(l, "edges") {
				edgeLine = l
			}
		}
		if !strings.Contains(edgeLine, "SEARCH") || !strings.Contains(edgeLine, "edges_relation_to") {
			t.Errorf("plan of %s:\n%s\nwant a SEARCH of edges via edges_relation_to", q, strings.Join(plan, "\n"))
		}
	}
}
