package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

// TestEdgeIndexes pins migration 0007: a matchAny step read from its
// targets (one relation, target ids) searches edges_to, one read from its
// sources searches the primary key, and neither scans every edge.
func TestEdgeIndexes(t *testing.T) {
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
	for q, index := range map[string]string{
		"SELECT from_id FROM edges WHERE relation = ? AND to_id IN (SELECT k.id FROM entities k WHERE k.blueprint IN (?) AND k.identifier IN (?, ?))": "edges_to",
		"SELECT to_id FROM edges WHERE relation = ? AND from_id IN (SELECT k.id FROM entities k WHERE k.blueprint = ? AND k.identifier IN (?, ?))":    "PRIMARY KEY",
	} {
		plan := queryPlan(t, db, q, "system", "service", "a", "b")
		var edgeLine string
		for _, l := range plan {
			if strings.Contains(l, "edges") {
				edgeLine = l
			}
		}
		if !strings.Contains(edgeLine, "SEARCH") || !strings.Contains(edgeLine, index) {
			t.Errorf("plan of %s:\n%s\nwant a SEARCH of edges via %s", q, strings.Join(plan, "\n"), index)
		}
	}
}
