package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func searchIDs(t testing.TB, r apiResponse) []string {
	t.Helper()
	es, ok := r.Body["entities"].([]any)
	if !ok {
		t.Fatalf("no entities in %s", r.Raw)
	}
	ids := []string{}
	for _, e := range es {
		ids = append(ids, fmt.Sprint(e.(map[string]any)["identifier"]))
	}
	return ids
}

func TestSearchAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		srv := newServer(t, st)
		serviceModel(t, srv)
		const ents = "/v1/blueprints/service/entities"
		wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", map[string]any{"identifier": "pay"}), http.StatusCreated)
		for i := range 25 {
			lang := []string{"Go", "Rust", "go"}[i%3]
			body := map[string]any{"identifier": fmt.Sprintf("s%02d", i), "properties": map[string]any{"language": lang, "replicas": i % 5},
				"relations": map[string]any{}}
			if i%4 == 0 {
				body["relations"] = map[string]any{"domain": "pay"}
			}
			wantStatus(t, do(t, srv, "POST", ents, body), http.StatusCreated)
		}
		q := func(rules ...any) map[string]any { return map[string]any{"combinator": "and", "rules": rules} }

		t.Run("filter", func(t *testing.T) {
			r := do(t, srv, "POST", ents+"/search", map[string]any{
				"query": q(map[string]any{"property": "language", "operator": "=", "value": "Go"},
					map[string]any{"property": "replicas", "operator": ">", "value": 2}),
				"include": []string{"identifier", "properties.replicas"},
			})
			wantStatus(t, r, http.StatusOK)
			if got, want := searchIDs(t, r), []string{"s03", "s09", "s18", "s24"}; !slices.Equal(got, want) {
				t.Fatalf("search = %v, want %v", got, want)
			}
			e := r.Body["entities"].([]any)[0].(map[string]any)
			if _, ok := e["title"]; ok || len(e["properties"].(map[string]any)) != 1 {
				t.Errorf("include not applied: %v", e)
			}
		})

		t.Run("relatedTo", func(t *testing.T) {
			r := do(t, srv, "POST", ents+"/search", map[string]any{
				"query": q(map[string]any{"operator": "relatedTo", "blueprint": "domain", "value": "pay", "direction": "downstream"}),
			})
			wantStatus(t, r, http.StatusOK)
			if got, want := searchIDs(t, r), []string{"s00", "s04", "s08", "s12", "s16", "s20", "s24"}; !slices.Equal(got, want) {
				t.Fatalf("search = %v, want %v", got, want)
			}
		})

		t.Run("pages", func(t *testing.T) {
			var all []string
			body := map[string]any{"limit": 7, "exclude": []string{"properties"}}
			for range 10 {
				r := do(t, srv, "POST", ents+"/search", body)
				wantStatus(t, r, http.StatusOK)
				all = append(all, searchIDs(t, r)...)
				next, _ := r.Body["next"].(string)
				if next == "" {
					break
				}
				body["from"] = next
			}
			if len(all) != 25 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 25 {
				t.Fatalf("pages = %v", all)
			}
		})

		t.Run("sorted pages", func(t *testing.T) {
			var all []string
			body := map[string]any{"limit": 4, "sort": []any{map[string]any{"property": "replicas", "order": "desc"}},
				"query": q(map[string]any{"property": "$identifier", "operator": "beginsWith", "value": "s"})}
			for range 10 {
				r := do(t, srv, "POST", ents+"/search", body)
				wantStatus(t, r, http.StatusOK)
				all = append(all, searchIDs(t, r)...)
				next, _ := r.Body["next"].(string)
				if next == "" {
					break
				}
				body["from"] = next
			}
			want := []string{"s04", "s09", "s14", "s19", "s24", "s03", "s08", "s13", "s18", "s23"}
			if len(all) != 25 || !slices.Equal(all[:10], want) {
				t.Fatalf("sorted pages = %v, want prefix %v", all, want)
			}
			wantError(t, do(t, srv, "POST", ents+"/search", map[string]any{"sort": []any{map[string]any{"property": "nope"}}}),
				http.StatusUnprocessableEntity, "invalid_request", "sort[0].property")
		})

		t.Run("pages under concurrent writes", func(t *testing.T) {
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 20 {
					do(t, srv, "POST", ents, map[string]any{"identifier": fmt.Sprintf("n%02d", i)})
					do(t, srv, "PATCH", ents+fmt.Sprintf("/s%02d", i), map[string]any{"properties": map[string]any{"replicas": 9}})
				}
			})
			seen := map[string]bool{}
			body := map[string]any{"limit": 3, "query": q(map[string]any{"property": "$identifier", "operator": "beginsWith", "value": "s"})}
			for {
				r := do(t, srv, "POST", ents+"/search", body)
				wantStatus(t, r, http.StatusOK)
				for _, id := range searchIDs(t, r) {
					if seen[id] {
						t.Fatalf("%s repeated", id)
					}
					seen[id] = true
				}
				next, _ := r.Body["next"].(string)
				if next == "" {
					break
				}
				body["from"] = next
			}
			wg.Wait()
			if len(seen) != 25 {
				t.Fatalf("saw %d entities, want 25", len(seen))
			}
		})

		t.Run("across blueprints", func(t *testing.T) {
			r := do(t, srv, "POST", "/v1/entities/search", q(map[string]any{"property": "$identifier", "operator": "in", "value": []any{"pay", "s01"}}))
			wantStatus(t, r, http.StatusOK)
			if got, want := searchIDs(t, r), []string{"pay", "s01"}; !slices.Equal(got, want) {
				t.Fatalf("search = %v, want %v", got, want)
			}
			if mb := fmt.Sprint(r.Body["matchingBlueprints"]); mb != "[domain service]" {
				t.Errorf("matchingBlueprints = %s", mb)
			}
		})

		t.Run("errors", func(t *testing.T) {
			wantError(t, do(t, srv, "POST", ents+"/search", map[string]any{"query": q(map[string]any{"property": "nope", "operator": "=", "value": 1})}),
				http.StatusUnprocessableEntity, "invalid_request", "query.rules[0].property")
			wantError(t, do(t, srv, "POST", ents+"/search", map[string]any{"query": q(map[string]any{"property": "replicas", "operator": "=", "value": "x"})}),
				http.StatusUnprocessableEntity, "invalid_request", "query.rules[0].value")
			wantError(t, do(t, srv, "POST", ents+"/search", map[string]any{"query": q(map[string]any{"property": "replicas", "operator": "like", "value": 1})}),
				http.StatusUnprocessableEntity, "invalid_request", "query.rules[0].operator")
			wantError(t, do(t, srv, "POST", "/v1/entities/search", map[string]any{"combinator": "and"}),
				http.StatusUnprocessableEntity, "invalid_request", "body.rules")
			wantError(t, do(t, srv, "POST", "/v1/blueprints/nope/entities/search", map[string]any{}), http.StatusNotFound, "not_found", "nope")
			wantError(t, do(t, srv, "POST", ents+"/search", map[string]any{"from": "!!"}), http.StatusUnprocessableEntity, "invalid_request", "from")
		})
	})
}
