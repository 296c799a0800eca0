package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestEntityTextSearchSnippetForms: a finished word and the same word as a
// prefix (no longer word in the catalog) take the two snippet statements
// (a cursor per page row, one filtered pass) and must give the same page,
// snippets included.
func TestEntityTextSearchSnippetForms(t *testing.T) {
	t.Parallel()
	s := dbtest.OpenSQLite(t)
	var changes []store.EntityChange
	for i := range 60 {
		changes = append(changes, storetest.Create(storetest.NewEntity(storetest.EntityOpts{
			Identifier: fmt.Sprintf("svc-%02d", i), Title: []string{"Card ledger", "Web", "Billing"}[i%3],
			Properties: map[string]any{"description": []string{"moves money through the ledger", "a ledger of cards, then more words after it", "none"}[i%3]},
		})))
	}
	storetest.Apply(t, s, storetest.Origin(0), changes...)
	search := func(q string) []store.EntityTextHit {
		t.Helper()
		hits, err := s.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: q, Limit: 20})
		if err != nil {
			t.Fatalf("EntityTextSearch(%q): %v", q, err)
		}
		return hits
	}
	whole, prefix := search("ledger "), search("ledger")
	if len(whole) != 20 {
		t.Fatalf("EntityTextSearch(%q) = %d hits, want a full page of 20", "ledger ", len(whole))
	}
	if diff := cmp.Diff(whole, prefix); diff != "" {
		t.Errorf("finished word vs prefix (-whole +prefix):\n%s", diff)
	}
	for _, h := range whole {
		if !strings.Contains(h.Snippet, "<mark>ledger</mark>") {
			t.Errorf("snippet of %s = %q, want the word marked", h.Identifier, h.Snippet)
		}
	}
}
