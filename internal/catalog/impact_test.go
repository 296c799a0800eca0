package catalog_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func TestEntityImpact(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		f.create(t, "domain", `{"identifier":"pay","team":[]}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"ledger","relations":{"domain":"pay"}}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"api","title":"API","relations":{"deps":["ledger"],"domain":"pay"}}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"web","relations":{"deps":["api"]}}`, catalog.WriteOptions{})

		got, err := f.svc.EntityImpact(f.ctx, "service", "ledger", catalog.ImpactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := &catalog.Impact{Blueprint: "service", Identifier: "ledger", Direction: "downstream", MaxHops: 3, Total: 2,
			Blueprints: []catalog.ImpactBlueprint{{Blueprint: "service", Count: 2, Entities: []catalog.ImpactEntity{
				{Blueprint: "service", Identifier: "api", Title: "API", Team: []string{}, Hops: 1, Path: []catalog.PathStep{
					{Blueprint: "service", Identifier: "ledger"}, {Blueprint: "service", Identifier: "api", Relation: "deps"}}},
				{Blueprint: "service", Identifier: "web", Title: "web", Team: []string{}, Hops: 2, Path: []catalog.PathStep{
					{Blueprint: "service", Identifier: "ledger"}, {Blueprint: "service", Identifier: "api", Relation: "deps"},
					{Blueprint: "service", Identifier: "web", Relation: "deps"}}},
			}}},
			Teams: []catalog.ImpactTeam{{Team: "", Count: 2, Entities: []catalog.EntityRef{
				{Blueprint: "service", Identifier: "api"}, {Blueprint: "service", Identifier: "web"}}}},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("EntityImpact(ledger) mismatch (-want +got):\n%s", d)
		}

		up, err := f.svc.EntityImpact(f.ctx, "service", "web", catalog.ImpactOptions{Direction: "upstream", MaxHops: 2})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range up.Blueprints {
			for _, e := range g.Entities {
				ids = append(ids, e.Blueprint+"/"+e.Identifier)
			}
		}
		if d := cmp.Diff([]string{"domain/pay", "service/api", "service/ledger"}, ids); d != "" {
			t.Errorf("EntityImpact(web, upstream, 2 hops) mismatch (-want +got):\n%s", d)
		}

		for _, tc := range []struct {
			name string
			id   string
			opts catalog.ImpactOptions
			kind error
		}{
			{"bad direction", "web", catalog.ImpactOptions{Direction: "sideways"}, model.ErrInvalid},
			{"too many hops", "web", catalog.ImpactOptions{MaxHops: 16}, model.ErrInvalid},
			{"negative hops", "web", catalog.ImpactOptions{MaxHops: -1}, model.ErrInvalid},
			{"missing entity", "nope", catalog.ImpactOptions{}, model.ErrNotFound},
		} {
			if _, err := f.svc.EntityImpact(f.ctx, "service", tc.id, tc.opts); !errors.Is(err, tc.kind) {
				t.Errorf("%s: EntityImpact = %v, want %v", tc.name, err, tc.kind)
			}
		}
	})
}

func TestEntityTextSearch(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		f.create(t, "service", `{"identifier":"payments","title":"Payments API","properties":{"pagerduty":"P-LEDGER"}}`, catalog.WriteOptions{})
		f.create(t, "domain", `{"identifier":"pay","title":"Payments domain"}`, catalog.WriteOptions{})

		got, err := f.svc.EntityTextSearch(f.ctx, "payme", catalog.TextSearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("EntityTextSearch(payme) = %+v, want 2 hits", got)
		}
		got, err = f.svc.EntityTextSearch(f.ctx, "ledger", catalog.TextSearchOptions{Blueprints: []string{"service"}})
		if err != nil || len(got) != 1 || got[0].Identifier != "payments" || got[0].Snippet == "" {
			t.Errorf("EntityTextSearch(ledger, service) = %+v, %v; want payments with a snippet", got, err)
		}
		for _, tc := range []struct {
			name string
			q    string
			opts catalog.TextSearchOptions
			kind error
		}{
			{"blank", "  ", catalog.TextSearchOptions{}, model.ErrInvalid},
			{"limit", "pay", catalog.TextSearchOptions{Limit: 101}, model.ErrInvalid},
			{"unknown blueprint", "pay", catalog.TextSearchOptions{Blueprints: []string{"nope"}}, model.ErrNotFound},
		} {
			if _, err := f.svc.EntityTextSearch(f.ctx, tc.q, tc.opts); !errors.Is(err, tc.kind) {
				t.Errorf("%s: EntityTextSearch = %v, want %v", tc.name, err, tc.kind)
			}
		}
	})
}
