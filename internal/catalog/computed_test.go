package catalog_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// computedFixture extends the base model with a running service that mirrors
// its service's language and its domain's title (two hops), calculates a
// label from them (calc on calc), and a service aggregation counting its
// healthy running services and summing their replicas.
func computedFixture(t *testing.T, open func(testing.TB) store.Store) *fixture {
	f := setup(t, open)
	f.blueprint(t, `{"identifier":"rs","title":"Running service",
		"schema":{"properties":{"status":{"type":"string"},"replicas":{"type":"number"}}},
		"relations":{"service":{"target":"service"}},
		"mirrorProperties":{"lang":{"path":"service.lang"},"domainTitle":{"path":"service.domain.$title"}},
		"calculationProperties":{
			"label":{"type":"string","calculation":".properties.lang + \"/\" + .identifier"},
			"shout":{"type":"string","calculation":".properties.label | ascii_upcase"}}}`)
	if _, err := f.svc.BlueprintPatch(f.ctx, actor, "service", json.RawMessage(`{"aggregationProperties":{
		"healthy":{"type":"number","target":"rs","calculationSpec":{"calculationBy":"entities","func":"count"},
			"query":{"combinator":"and","rules":[{"property":"status","operator":"=","value":"ok"}]}},
		"replicas":{"type":"number","target":"rs","calculationSpec":{"calculationBy":"property","func":"sum","property":"replicas"}}}}`)); err != nil {
		t.Fatalf("add aggregations: %v", err)
	}
	f.create(t, "domain", `{"identifier":"pay","title":"Payments"}`, catalog.WriteOptions{})
	f.create(t, "service", `{"identifier":"api","properties":{"lang":"go"},"relations":{"domain":"pay"}}`, catalog.WriteOptions{})
	f.create(t, "service", `{"identifier":"web","properties":{"lang":"python"}}`, catalog.WriteOptions{})
	return f
}

func (f *fixture) props(t *testing.T, bp, id string) map[string]any {
	t.Helper()
	e, err := f.svc.EntityGet(f.ctx, bp, id)
	if err != nil {
		t.Fatalf("EntityGet(%s, %s) = %v", bp, id, err)
	}
	return e.Properties
}

func (f *fixture) wantProps(t *testing.T, bp, id string, want map[string]any) {
	t.Helper()
	got := f.props(t, bp, id)
	sub := map[string]any{}
	for k := range want {
		if v, ok := got[k]; ok {
			sub[k] = v
		}
	}
	if diff := cmp.Diff(want, sub); diff != "" {
		t.Fatalf("%s/%s computed properties (-want +got):\n%s\nall: %v", bp, id, diff, got)
	}
}

func TestComputedPropertiesStayCurrent(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		f := computedFixture(t, open)
		f.create(t, "rs", `{"identifier":"api-prod","properties":{"status":"ok","replicas":3},"relations":{"service":"api"}}`, catalog.WriteOptions{})
		f.create(t, "rs", `{"identifier":"api-dev","properties":{"status":"down","replicas":1},"relations":{"service":"api"}}`, catalog.WriteOptions{})

		// Own write: mirrors (one and two hops) and calc on calc.
		f.wantProps(t, "rs", "api-prod", map[string]any{"lang": "go", "domainTitle": "Payments", "label": "go/api-prod", "shout": "GO/API-PROD"})
		// Aggregations on the target side, filtered by the query.
		f.wantProps(t, "service", "api", map[string]any{"healthy": 1.0, "replicas": 4.0})
		f.wantProps(t, "service", "web", map[string]any{"healthy": 0.0, "replicas": 0.0})

		// A target's property changes: mirrors and the calculations over them follow.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "service", "api", input(t, `{"properties":{"lang":"python"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "api-prod", map[string]any{"lang": "python", "label": "python/api-prod", "shout": "PYTHON/API-PROD"})

		// Two hops away: the domain's title.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "domain", "pay", input(t, `{"title":"Payments & Billing"}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "api-dev", map[string]any{"domainTitle": "Payments & Billing"})

		// A relation is retargeted: the mirror follows and both aggregations move.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "rs", "api-prod", input(t, `{"relations":{"service":"web"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "api-prod", map[string]any{"lang": "python", "label": "python/api-prod"})
		f.wantProps(t, "service", "api", map[string]any{"healthy": 0.0, "replicas": 1.0})
		f.wantProps(t, "service", "web", map[string]any{"healthy": 1.0, "replicas": 3.0})
		if p := f.props(t, "rs", "api-prod"); p["domainTitle"] != nil {
			t.Fatalf("domainTitle = %v after moving to a service without a domain, want absent", p["domainTitle"])
		}

		// A relation is removed: the mirror is gone.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "rs", "api-dev", input(t, `{"relations":{"service":null}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		// jq's null + "/api-dev" is "/api-dev".
		if p := f.props(t, "rs", "api-dev"); p["lang"] != nil || p["label"] != "/api-dev" {
			t.Fatalf("after removing the relation: lang = %v, label = %v; want absent and \"/api-dev\"", p["lang"], p["label"])
		}
		f.wantProps(t, "service", "api", map[string]any{"healthy": 0.0, "replicas": 0.0})

		// A related entity is deleted: the aggregation drops it.
		if err := f.svc.EntityDelete(f.ctx, actor, "rs", "api-prod", catalog.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "service", "web", map[string]any{"healthy": 0.0, "replicas": 0.0})

		// A formula changes: every entity is recomputed in the same write.
		f.create(t, "rs", `{"identifier":"web-prod","properties":{"status":"ok"},"relations":{"service":"web"}}`, catalog.WriteOptions{})
		if _, err := f.svc.BlueprintPatch(f.ctx, actor, "rs", json.RawMessage(`{"calculationProperties":{"label":{"type":"string","calculation":".identifier + \"@\" + .properties.lang"}}}`)); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "web-prod", map[string]any{"label": "web-prod@python", "shout": "WEB-PROD@PYTHON"})

		// A mirror path changes.
		if _, err := f.svc.BlueprintPatch(f.ctx, actor, "rs", json.RawMessage(`{"mirrorProperties":{"lang":{"path":"service.$identifier"}}}`)); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "web-prod", map[string]any{"lang": "web", "label": "web-prod@web"})

		// Computed values are stored, so the store finds entities by them.
		got, err := f.st.EntityFind(f.ctx, &store.EntityFindParams{Blueprint: "rs", Match: []store.Match{{Field: "label", Values: []any{"web-prod@web"}}}})
		if err != nil || len(got) != 1 || got[0].Identifier != "web-prod" {
			t.Fatalf("EntityFind(label) = %v, %v; want web-prod", got, err)
		}
		// And the query language filters and sorts by them.
		f.create(t, "rs", `{"identifier":"api-2","properties":{"status":"ok","replicas":5},"relations":{"service":"api"}}`, catalog.WriteOptions{})
		page, err := f.svc.EntitySearch(f.ctx, catalog.SearchOptions{Blueprint: "service", Paginate: true,
			Query: json.RawMessage(`{"combinator":"and","rules":[{"property":"healthy","operator":">=","value":0}]}`),
			Sort:  []catalog.SearchSort{{Property: "replicas", Desc: true}}})
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, e := range page.Entities {
			order = append(order, e.Identifier)
		}
		if diff := cmp.Diff([]string{"api", "web"}, order); diff != "" {
			t.Fatalf("services by aggregated replicas, descending (-want +got):\n%s", diff)
		}
		page, err = f.svc.EntitySearch(f.ctx, catalog.SearchOptions{Blueprint: "rs", Paginate: true,
			Query: json.RawMessage(`{"combinator":"and","rules":[{"property":"lang","operator":"=","value":"api"}]}`)})
		if err != nil || len(page.Entities) != 1 || page.Entities[0].Identifier != "api-2" {
			t.Fatalf("search by mirrored lang (now the service's identifier) = %v, %v; want only api-2", page, err)
		}
	})
}

func TestComputedPropertyWritesAreVersioned(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		f := computedFixture(t, open)
		f.create(t, "rs", `{"identifier":"r1","relations":{"service":"api"}}`, catalog.WriteOptions{})
		before := f.props(t, "rs", "r1")
		if _, err := f.svc.EntityPatch(f.ctx, actor, "service", "api", input(t, `{"properties":{"lang":"python"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		vs, err := f.svc.EntityHistory(f.ctx, "rs", "r1")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 {
			t.Fatalf("r1 has %d versions, want 2 (created, then its mirror moved)", len(vs))
		}
		if got := vs[0].Entity.Properties["lang"]; got != before["lang"] || got != "go" {
			t.Fatalf("first version lang = %v, want go", got)
		}
		if got := vs[1].Entity.Properties["lang"]; got != "python" {
			t.Fatalf("second version lang = %v, want python", got)
		}
		if !vs[1].Entity.UpdatedAt.Equal(vs[0].Entity.UpdatedAt) {
			t.Fatalf("a computed-only change moved updatedAt from %v to %v", vs[0].Entity.UpdatedAt, vs[1].Entity.UpdatedAt)
		}
	})
}

func TestComputedPropertiesRefused(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		f := computedFixture(t, open)
		// A calculation cycle is refused when the blueprint is saved.
		_, err := f.svc.BlueprintPatch(f.ctx, actor, "rs", json.RawMessage(`{"calculationProperties":{
			"a":{"type":"string","calculation":".properties.b"},"b":{"type":"string","calculation":".properties.a"}}}`))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != "calculationProperties.a.calculation" {
			t.Fatalf("calc cycle: err = %v, want a validation error on calculationProperties.a.calculation", err)
		}
		// A computed property cannot be written.
		_, err = f.svc.EntityCreate(f.ctx, actor, "rs", input(t, `{"identifier":"x","properties":{"lang":"go"}}`), catalog.WriteOptions{})
		if !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("writing a mirror property: err = %v, want ErrInvalid", err)
		}
	})
}

func TestInheritedOwnershipFollowsTheOwner(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		f := setup(t, open)
		f.create(t, "_team", `{"identifier":"payments"}`, catalog.WriteOptions{})
		f.create(t, "_team", `{"identifier":"search"}`, catalog.WriteOptions{})
		f.blueprint(t, `{"identifier":"api","title":"API","ownership":{"type":"Inherited","path":"svc.domain"},
			"relations":{"svc":{"target":"service"}}}`)
		f.create(t, "domain", `{"identifier":"pay","team":["payments"]}`, catalog.WriteOptions{})
		f.create(t, "domain", `{"identifier":"find","team":["search"]}`, catalog.WriteOptions{})
		f.create(t, "service", `{"identifier":"ledger","relations":{"domain":"pay"}}`, catalog.WriteOptions{})
		f.create(t, "api", `{"identifier":"ledger-api","relations":{"svc":"ledger"}}`, catalog.WriteOptions{})
		team := func() []string {
			e, err := f.svc.EntityGet(f.ctx, "api", "ledger-api")
			if err != nil {
				t.Fatal(err)
			}
			return e.Team
		}
		if diff := cmp.Diff([]string{"payments"}, team()); diff != "" {
			t.Fatalf("team (-want +got):\n%s", diff)
		}
		// The service moves to another domain: the API's teams follow.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "service", "ledger", input(t, `{"relations":{"domain":"find"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"search"}, team()); diff != "" {
			t.Fatalf("team after moving the service (-want +got):\n%s", diff)
		}
		// The owning domain's teams change.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "domain", "find", input(t, `{"team":["search","payments"]}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"search", "payments"}, team()); diff != "" { // in the owner's order
			t.Fatalf("team after the domain's teams changed (-want +got):\n%s", diff)
		}
	})
}

// TestComputedCascades changes a value that reaches an aggregation only
// through other computed values, over three propagation rounds: a
// service's language → its running services' mirrored language → the
// service's count of running services in Go → the domain's count of
// services with any. Later rounds follow only fields that moved, so each link must
// still be followed.
func TestComputedCascades(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		f := computedFixture(t, open)
		if _, err := f.svc.BlueprintPatch(f.ctx, actor, "service", json.RawMessage(`{"aggregationProperties":{
			"goRS":{"type":"number","target":"rs","calculationSpec":{"calculationBy":"entities","func":"count"},
				"query":{"combinator":"and","rules":[{"property":"lang","operator":"=","value":"go"}]}}}}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.BlueprintPatch(f.ctx, actor, "domain", json.RawMessage(`{"aggregationProperties":{
			"goTotal":{"type":"number","target":"service","calculationSpec":{"calculationBy":"entities","func":"count"},
				"query":{"combinator":"and","rules":[{"property":"goRS","operator":">","value":0}]}}}}`)); err != nil {
			t.Fatal(err)
		}
		f.create(t, "rs", `{"identifier":"api-prod","relations":{"service":"api"}}`, catalog.WriteOptions{})
		f.create(t, "rs", `{"identifier":"api-dev","relations":{"service":"api"}}`, catalog.WriteOptions{})
		f.wantProps(t, "service", "api", map[string]any{"goRS": 2.0})
		f.wantProps(t, "domain", "pay", map[string]any{"goTotal": 1.0})

		if _, err := f.svc.EntityPatch(f.ctx, actor, "service", "api", input(t, `{"properties":{"lang":"python"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "rs", "api-prod", map[string]any{"lang": "python"})
		f.wantProps(t, "service", "api", map[string]any{"goRS": 0.0})
		f.wantProps(t, "domain", "pay", map[string]any{"goTotal": 0.0})

		// A running service leaves: only the aggregations move.
		if _, err := f.svc.EntityPatch(f.ctx, actor, "service", "api", input(t, `{"properties":{"lang":"go"}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.EntityDelete(f.ctx, actor, "rs", "api-dev", catalog.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wantProps(t, "service", "api", map[string]any{"goRS": 1.0})
		f.wantProps(t, "domain", "pay", map[string]any{"goTotal": 1.0})
	})
}
