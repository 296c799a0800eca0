package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// Map by property (port.md §2.3) accepts the full query language.
func TestMapByPropertyFullLanguage(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		f.create(t, "service", `{"identifier":"pay-api","properties":{"pagerduty":"P1","tier":2,"tags":["web"]}}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"pay-db","properties":{"pagerduty":"P2","tier":3}}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"search","properties":{"pagerduty":"P3","tier":1,"tags":["web"]}}`, catalog.WriteOptions{})

		e := f.create(t, "service", `{"identifier":"gw","relations":{"deps":{"combinator":"and","rules":[
			{"property":"$identifier","operator":"beginsWith","value":"pay-"},
			{"combinator":"or","rules":[{"property":"tier","operator":">=","value":3},{"property":"tags","operator":"containsAny","value":["web"]}]}]}}}`,
			catalog.WriteOptions{})
		if !cmp.Equal(e.Relations["deps"], []string{"pay-api", "pay-db"}) {
			t.Errorf("deps = %v, want [pay-api pay-db]", e.Relations["deps"])
		}
		res, err := f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[
			{"property":"pagerduty","operator":"endsWith","value":"3"}]},"properties":{"tier":2}}`), catalog.WriteOptions{Upsert: true, Merge: true})
		if err != nil || res.Entity.Identifier != "search" {
			t.Fatalf("identifier query = %+v, %v", res, err)
		}
		_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[
			{"property":"nope","operator":"contains","value":"x"}]}}`), catalog.WriteOptions{Upsert: true})
		wantKind(t, err, model.ErrInvalid)
		_, err = f.svc.EntityCreate(f.ctx, actor, "service", input(t, `{"identifier":{"combinator":"and","rules":[
			{"property":"pagerduty","operator":"beginsWith","value":"P"}]}}`), catalog.WriteOptions{Upsert: true})
		wantKind(t, err, model.ErrInvalid) // matches three
	})
}
