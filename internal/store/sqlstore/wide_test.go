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
// and it finishes within its deadline, on SQLite (whose statements cancel
// cleanly); otherwise, and always on PostgreSQL, Where answers. The forms
// here deliberately differ so the test sees which one ran.
func TestEntitySearchWide(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, s store.Store) {
		t.Parallel()
		ctx := context.Background()
		storetest.Apply(t, s, storetest.Origin(0),
			storetest.Create(storetest.NewEntity(storetest.EntityOpts{Identifier: "a"})),
			storetest.Create(storetest.NewEntity(storetest.EntityOpts{Identifier: "b"})))
		tries := strings.HasSuffix(t.Name(), "/sqlite")
		ph := s.Dialect().Placeholder
		all, onlyA := []string{"a", "b"}, []string{"a"}
		for _, tc := range []struct {
			name string
			wide store.WideWhere
			want []string // when the store tries Wide forms
		}{
			{"probe false: Where", store.WideWhere{Probe: "(" + ph(1) + " = 'y')", ProbeArgs: []any{"x"},
				Where: "e.identifier = " + ph(1), Args: []any{"a"}}, all},
			{"probe true: Wide form", store.WideWhere{Probe: "(" + ph(1) + " = 'x')", ProbeArgs: []any{"x"},
				Where: "e.identifier = " + ph(1), Args: []any{"a"}}, onlyA},
			{"deadline passed: Where", store.WideWhere{Probe: "(1 = 1)",
				Where: "e.identifier = " + ph(1), Args: []any{"a"}, Deadline: time.Nanosecond}, all},
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
				want := all
				if tries {
					want = tc.want
				}
				if diff := cmp.Diff(want, ids); diff != "" {
					t.Errorf("EntitySearch ids (-want +got):\n%s", diff)
				}
			})
		}
	})
}
