package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// FuzzEntityTextSearch sends arbitrary user text to FTS5: no input may
// break its query syntax (an error here is a quoting bug).
func FuzzEntityTextSearch(f *testing.F) {
	for _, q := range storetest.TextHostileQueries {
		f.Add(q)
	}
	s := dbtest.OpenSQLite(f)
	storetest.Apply(f, s, storetest.Origin(0), storetest.Create(storetest.NewEntity(storetest.EntityOpts{
		Identifier: "payment-service", Properties: map[string]any{"description": "card ledger Zoë 日本語"},
	})))
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: q, Blueprints: []string{"service"}}); err != nil {
			t.Fatalf("EntityTextSearch(%q): %v", q, err)
		}
	})
}

// TestEntityTextSearchRankWindow: past the rank window, an old entity named
// by the word still ranks first; property-only matches come from the newest.
func TestEntityTextSearchRankWindow(t *testing.T) {
	t.Parallel()
	s := dbtest.OpenSQLite(t)
	changes := []store.EntityChange{storetest.Create(storetest.NewEntity(storetest.EntityOpts{Identifier: "common-root"}))}
	for i := range 5100 {
		changes = append(changes, storetest.Create(storetest.NewEntity(storetest.EntityOpts{
			Identifier: fmt.Sprintf("svc-%05d", i), Properties: map[string]any{"description": "a common word"},
		})))
	}
	storetest.Apply(t, s, storetest.Origin(0), changes...)
	hits, err := s.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: "common", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || hits[0].Identifier != "common-root" {
		t.Fatalf("EntityTextSearch(common) = %+v, want common-root first of 3", hits)
	}
	for _, h := range hits[1:] {
		if h.Identifier < "svc-00100" {
			t.Errorf("property-only hit %s is older than the newest 5,000", h.Identifier)
		}
	}
}
