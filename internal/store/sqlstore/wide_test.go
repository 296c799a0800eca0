package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
	"github.com/atrium-idp/atrium/internal/store/storetest"
)

// TestEntitySearchWide: a search's Wide form answers when its probe holds
// and it finishes within its deadline (SQLite cancels the statement,
// PostgreSQL's statement_timeout stops it); otherwise Where answers. The
// forms here deliberately differ so the test sees which one ran.
func TestEntitySearchWide(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, s store.Store) {
		t.Parallel()
		ctx := context.Background()
		storetest.Apply(t, s, storetest.Origin(0),
			storetest.Create(storetest.NewEntity(storetest.EntityOpts{Identifier: "a"})),
			storetest.Create(storetest.NewEntity(storetest.EntityOpts{Identifier: "b"})))
		ph := s.Dialect().Placeholder
		// A probe that outlasts a 10 ms deadline on each database.
		slow := "(1 = 1)"
		if strings.HasSuffix(t.Name(), "/postgres") {
			slow = "(pg_sleep(0.2) IS NOT NULL)"
		}
		all, onlyA := []string{"a", "b"}, []string{"a"}
		for _, tc := range []struct {
			name string
			wide store.WideWhere
			want []string
		}{
			{"probe false: Where", store.WideWhere{Probe: "(" + ph(1) + " = 'y')", ProbeArgs: []any{"x"},
				Where: "e.identifier = " + ph(1), Args: []any{"a"}}, all},
			{"probe true: Wide form", store.WideWhere{Probe: "(" + ph(1) + " = 'x')", ProbeArgs: []any{"x"},
				Where: "e.identifier = " + ph(1), Args: []any{"a"}}, onlyA},
			{"deadline passed: Where", store.WideWhere{Probe: slow,
				Where: "e.identifier = " + ph(1), Args: []any{"a"}, Deadline: deadline(t)}, all},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := tc.wide
				got, err := s.EntitySearch(ctx, &store.EntitySearchParams{Blueprint: "service", Wide: &w})
				if err != nil {
					t.Fatal(err)
				}
				ids := []string{}
				for _, e := range got {
					ids = append(ids, e.Identifier)
				}
				if diff := cmp.Diff(tc.want, ids); diff != "" {
					t.Errorf("EntitySearch ids (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// deadline is 1 ns on SQLite (the context is done before the probe runs)
// and 10 ms on PostgreSQL (statement_timeout counts whole milliseconds).
func deadline(t *testing.T) time.Duration {
	if strings.HasSuffix(t.Name(), "/postgres") {
		return 10 * time.Millisecond
	}
	return time.Nanosecond
}
