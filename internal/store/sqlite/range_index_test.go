package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

type binder struct{ vals []any }

func (b *binder) Bind(v any) string { b.vals = append(b.vals, v); return "?" }

// TestRangeIndex: a search ranging over a property (EntitySearchParams.
// RangeKeys) builds the blueprint's range index once, the statement uses it,
// and the answer is the range's.
func TestRangeIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "range.db")
	d, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	var changes []store.EntityChange
	for i := range 30 {
		changes = append(changes, storetest.Create(storetest.NewEntity(storetest.EntityOpts{Blueprint: "deploy", Identifier: fmt.Sprintf("d%02d", i),
			Properties: map[string]any{"at": fmt.Sprintf("2026-01-%02dT00:00:00Z", i+1)}})))
	}
	changes = append(changes, storetest.Create(storetest.NewEntity(storetest.EntityOpts{Blueprint: "deploy", Identifier: "none"})),
		storetest.Create(storetest.NewEntity(storetest.EntityOpts{Blueprint: "deploy", Identifier: "number", Properties: map[string]any{"at": 5.0}})))
	storetest.Apply(t, d, storetest.Origin(0), changes...)

	tr := d.Dialect().(store.TextRanger)
	b := &binder{}
	where := tr.JSONTextRange(b, store.EntityAlias+".properties", "at", `"2026-01-10T00:00:00Z"`, `"2026-01-12T00:00:00Z"`, true, true)
	p := &store.EntitySearchParams{Blueprint: "deploy", Where: where, WhereArgs: b.vals, RangeKeys: []string{"at"}}
	got, err := d.EntitySearch(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.Identifier)
	}
	if want := []string{"d09", "d10", "d11"}; !slices.Equal(ids, want) {
		t.Errorf("range search = %v, want %v", ids, want)
	}
	// A page (picked from the index, then read) and the next one.
	p.Limit = 2
	page, err := d.EntitySearch(ctx, p)
	if err != nil || len(page) != 2 || page[0].Identifier != "d09" || page[1].Identifier != "d10" || page[0].Properties["at"] != "2026-01-10T00:00:00Z" {
		t.Fatalf("first page = %v, %v", page, err)
	}
	p.After = &store.SearchCursor{Blueprint: "deploy", Identifier: "d10"}
	if page, err = d.EntitySearch(ctx, p); err != nil || len(page) != 1 || page[0].Identifier != "d11" {
		t.Errorf("second page = %v, %v", page, err)
	}
	// NOT of the range keeps the entity without the property and the one
	// holding a number.
	b = &binder{}
	not := "NOT " + tr.JSONTextRange(b, store.EntityAlias+".properties", "at", `"2026-01-02T00:00:00Z"`, `"2026-01-30T00:00:00Z"`, true, true)
	got, err = d.EntitySearch(ctx, &store.EntitySearchParams{Blueprint: "deploy", Where: not, WhereArgs: b.vals, RangeKeys: []string{"at"}})
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, e := range got {
		ids = append(ids, e.Identifier)
	}
	if want := []string{"d00", "none", "number"}; !slices.Equal(ids, want) {
		t.Errorf("NOT range search = %v, want %v", ids, want)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'entities_range_%'").Scan(&name); err != nil {
		t.Fatalf("no range index after a range search: %v", err)
	}
	b = &binder{}
	q := "SELECT e.identifier FROM entities e WHERE " +
		tr.JSONTextRange(b, "e.properties", "at", `"2026-01-10T00:00:00Z"`, `"2026-01-12T00:00:00Z"`, true, true) +
		" AND e.blueprint = 'deploy' ORDER BY e.identifier LIMIT 50"
	plan := queryPlan(t, db, q, b.vals...)
	if !strings.Contains(strings.Join(plan, "\n"), name) {
		t.Errorf("plan:\n%s\nwant the range index %s", strings.Join(plan, "\n"), name)
	}
}
