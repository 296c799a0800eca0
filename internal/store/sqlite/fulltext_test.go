package sqlite_test

import (
	"context"
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
