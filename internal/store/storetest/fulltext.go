package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
)

// TextHostileQueries are user inputs that must never break the database's
// full-text syntax: operators, quotes, stars, dashes, unicode.
var TextHostileQueries = []string{
	`"`, `""`, `*`, `**`, `-`, `--payment`, `OR`, `AND`, `NOT`, `NEAR`, `NEAR(a b)`, `payment OR`, `OR payment`,
	`NOT payment`, `pay"ment`, `"pay`, `pay*`, `*pay`, `(`, `)`, `{}`, `^pay`, `col:pay`, `identifier:pay`,
	`'`, `''`, `\`, `\'`, `:*`, `&`, `|`, `!`, `<->`, `a & b | !c`, `%`, `_`, `;--`, "\x00", "\u0301", "e\u0301",
	"日本語", "Zoë", "🙂", "pay\u200bment", strings.Repeat("a", 500), strings.Repeat("ab ", 100), "   ", "",
}

func testFullText(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	search := func(t *testing.T, r store.Reader, q string, bps ...string) []store.EntityTextHit {
		t.Helper()
		got, err := r.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: q, Blueprints: bps})
		if err != nil {
			t.Fatalf("EntityTextSearch(%q): %v", q, err)
		}
		return got
	}
	ids := func(hits []store.EntityTextHit) []string {
		out := []string{}
		for _, h := range hits {
			out = append(out, h.Blueprint+"/"+h.Identifier)
		}
		return out
	}
	seed := func(t *testing.T) store.Store {
		s := open(t)
		Apply(t, s, Origin(0),
			Create(NewEntity(EntityOpts{Identifier: "payment-service", Title: "Payment Service", Properties: map[string]any{
				"language": "Go", "description": "Moves money through the card ledger", "replicas": 3.0,
				"tags": []any{"pci", "billing"}, "owner": map[string]any{"name": "Zoë Martín"},
			}})),
			Create(NewEntity(EntityOpts{Blueprint: "db", Identifier: "ledger-db", Title: "Ledger database"})),
			Create(NewEntity(EntityOpts{Identifier: "frontend", Title: "Web frontend", Properties: map[string]any{"language": "TypeScript"}})),
		)
		return s
	}

	t.Run("Matches", func(t *testing.T) {
		t.Parallel()
		s := seed(t)
		for _, tc := range []struct {
			q    string
			bps  []string
			want []string
		}{
			{q: "payment", want: []string{"service/payment-service"}},
			{q: "Payment Service", want: []string{"service/payment-service"}},
			{q: "pay", want: []string{"service/payment-service"}},                    // prefix of the last word
			{q: "pay ", want: []string{}},                                            // a finished word is whole
			{q: "payment-serv", want: []string{"service/payment-service"}},           // identifier words
			{q: "billing", want: []string{"service/payment-service"}},                // array value
			{q: "zoë", want: []string{"service/payment-service"}},                    // nested value, unicode
			{q: "typescript", want: []string{"service/frontend"}},                    // case-insensitive
			{q: "ledger", want: []string{"db/ledger-db", "service/payment-service"}}, // identifier outranks property
			{q: "ledger", bps: []string{"service"}, want: []string{"service/payment-service"}},
			{q: "ledger", bps: []string{"db", "team"}, want: []string{"db/ledger-db"}},
			{q: "3", want: []string{}},                   // numbers are not text
			{q: "payment OR frontend", want: []string{}}, // OR is a word, and every word must match
			{q: `"payment" -frontend`, want: []string{}}, // so is frontend
			{q: "card*ledger", want: []string{"service/payment-service"}},
			{q: "", want: []string{}},
			{q: "--- ***", want: []string{}},
		} {
			if got := ids(search(t, s, tc.q, tc.bps...)); !equalStrings(got, tc.want) {
				t.Errorf("EntityTextSearch(%q, %v) = %v, want %v", tc.q, tc.bps, got, tc.want)
			}
		}
	})

	t.Run("HitFields", func(t *testing.T) {
		t.Parallel()
		s := seed(t)
		hits := search(t, s, "ledger")
		if len(hits) != 2 {
			t.Fatalf("EntityTextSearch(ledger) = %d hits, want 2", len(hits))
		}
		if hits[0].Title != "Ledger database" || hits[0].Rank <= hits[1].Rank {
			t.Errorf("hits = %+v, want Ledger database first with a higher rank", hits)
		}
		for _, h := range hits {
			if !strings.Contains(strings.ToLower(h.Snippet), "<mark>ledger</mark>") {
				t.Errorf("snippet of %s = %q, want <mark>ledger</mark> in it", h.Identifier, h.Snippet)
			}
		}
		if hits[1].Snippet == "" || !strings.Contains(hits[1].Snippet, "card") {
			t.Errorf("snippet of payment-service = %q, want the description around the match", hits[1].Snippet)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var cs []store.EntityChange
		for _, id := range []string{"alpha-1", "alpha-2", "alpha-3", "alpha-4", "alpha-5"} {
			cs = append(cs, Create(NewEntity(EntityOpts{Identifier: id, Title: "Alpha"})))
		}
		Apply(t, s, Origin(0), cs...)
		got, err := s.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: "alpha", Limit: 3})
		if err != nil || len(got) != 3 {
			t.Fatalf("EntityTextSearch(alpha, limit 3) = %d hits, %v; want 3", len(got), err)
		}
		if got := ids(search(t, s, "alpha")); len(got) != 5 {
			t.Errorf("EntityTextSearch(alpha) = %v, want all 5 (default limit 20)", got)
		}
	})

	t.Run("FollowsWrites", func(t *testing.T) {
		t.Parallel()
		s := seed(t)
		before := NewEntity(EntityOpts{Identifier: "frontend", Title: "Web frontend", Properties: map[string]any{"language": "TypeScript"}})
		after := NewEntity(EntityOpts{Identifier: "frontend", Title: "Storefront", Properties: map[string]any{"language": "Elm"}})
		Apply(t, s, Origin(time.Microsecond), Update(before, after))
		if got := ids(search(t, s, "typescript")); len(got) != 0 {
			t.Errorf("after update, typescript = %v, want none", got)
		}
		if got := ids(search(t, s, "storefront elm")); !equalStrings(got, []string{"service/frontend"}) {
			t.Errorf("after update, storefront elm = %v, want service/frontend", got)
		}
		// A relation-only update keeps the entity findable.
		rel := NewEntity(EntityOpts{Identifier: "frontend", Title: "Storefront", Properties: map[string]any{"language": "Elm"},
			Relations: map[string]any{"db": "ledger-db"}})
		Apply(t, s, Origin(2*time.Microsecond), Update(after, rel, Edge("service", "frontend", "db", "db", "ledger-db")))
		if got := ids(search(t, s, "storefront")); !equalStrings(got, []string{"service/frontend"}) {
			t.Errorf("after relation update, storefront = %v, want service/frontend", got)
		}
		Apply(t, s, Origin(3*time.Microsecond), Delete(rel))
		if got := ids(search(t, s, "storefront")); len(got) != 0 {
			t.Errorf("after delete, storefront = %v, want none", got)
		}

		// Inside a transaction a search sees what is committed (whether it
		// sees the transaction's own writes is the driver's: SQLite's index
		// is a projection of commits); a rollback leaves nothing behind.
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		Entity(t, tx, &EntityOpts{Identifier: "ghost", Title: "Transient"})
		if got := ids(search(t, tx, "ledger")); !equalStrings(got, []string{"db/ledger-db", "service/payment-service"}) {
			t.Errorf("inside the transaction, ledger = %v, want db/ledger-db, service/payment-service", got)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if got := ids(search(t, s, "transient")); len(got) != 0 {
			t.Errorf("after rollback, transient = %v, want none", got)
		}
	})

	t.Run("HostileInput", func(t *testing.T) {
		t.Parallel()
		s := seed(t)
		for _, q := range TextHostileQueries {
			search(t, s, q)
			search(t, s, q, "service")
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
