package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestFacetIndex: a countValues over one blueprint's stored property builds
// that (blueprint, property)'s facet index, and a facet over the blueprint is
// then answered by searching that index, in value order (no sort). SQLite
// reads the indexed expression from the index (it does not print COVERING
// for expression indexes; bench/RESULTS.md shows no document is read).
func TestFacetIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "atrium.db")
	d, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	var changes []store.EntityChange
	for i := range 50 {
		changes = append(changes, storetest.Create(storetest.NewEntity(storetest.EntityOpts{
			Blueprint: []string{"service", "component"}[i%2], Identifier: fmt.Sprintf("e%02d", i),
			Properties: map[string]any{"lang": []string{"Go", "Rust", "Go"}[i%3]},
		})))
	}
	storetest.Apply(t, d, storetest.Origin(0), changes...)
	p := &store.EntityAggregateParams{Func: store.AggregateCountValues, Field: "lang", Blueprint: "service",
		Where: store.EntityAlias + ".blueprint = ?", WhereArgs: []any{"service"}}
	if _, err := d.EntityAggregate(ctx, p); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	name := sqlstore.FacetIndexName("service", "lang")
	var names []string
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'entities_facet_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != name {
		t.Fatalf("facet indexes = %v, want only %s (service, lang)", names, name)
	}

	// The statement aggregateFacet writes for p.
	q := `SELECT e.properties -> '$."lang"' AS v, COUNT(*) FROM entities e WHERE (e.blueprint = ?) AND e.blueprint = 'service' GROUP BY 1`
	steps := queryPlan(t, db, q, "service")
	if got := strings.Join(steps, "; "); !strings.Contains(got, "INDEX "+name+" (blueprint=?)") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("plan of the facet = %q, want a search of %s and no sort", got, name)
	}
}
