package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// API behaviour tests: real HTTP (httptest.Server) over the real catalog on
// every store driver (SQLite, and PostgreSQL from ATRIUM_TEST_PG_URL).

// newServer wires a catalog, events hub and API over st, like serve does.
func newServer(t testing.TB, st store.Store) *httptest.Server {
	t.Helper()
	hub, err := events.New(events.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	cat, err := catalog.New(catalog.Options{Store: st, OnCommit: hub.Notify})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Init(context.Background()); err != nil {
		t.Fatalf("catalog Init: %v", err)
	}
	api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub,
		Ready: func(ctx context.Context) error { _, err := st.EventLastSeq(ctx); return err }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

// serviceModel creates the blueprints the tests use: domain, and service with
// typed properties, a single relation to domain and a many self-relation.
func serviceModel(t testing.TB, srv *httptest.Server) {
	t.Helper()
	domain := map[string]any{
		"identifier": "domain", "title": "Domain",
		"schema": map[string]any{"properties": map[string]any{}},
	}
	props := map[string]any{
		"language": map[string]any{"type": "string", "title": "Language"},
		"replicas": map[string]any{"type": "number", "maximum": 10},
	}
	for i := range 50 {
		props[fmt.Sprintf("p%d", i)] = map[string]any{"type": "number"}
	}
	service := map[string]any{
		"identifier": "service", "title": "Service",
		"schema": map[string]any{"properties": props},
		"relations": map[string]any{
			"domain":    map[string]any{"title": "Domain", "target": "domain", "many": false},
			"dependsOn": map[string]any{"title": "Depends on", "target": "service", "many": true},
		},
	}
	for _, bp := range []any{domain, service} {
		if r := do(t, srv, "POST", "/v1/blueprints", bp); r.Status != http.StatusCreated {
			t.Fatalf("create blueprint: %d %s", r.Status, r.Raw)
		}
	}
}

func entityOf(t testing.TB, r apiResponse) map[string]any {
	t.Helper()
	e, ok := r.Body["entity"].(map[string]any)
	if !ok || r.Body["ok"] != true {
		t.Fatalf("response is not {ok, entity}: %d %s", r.Status, r.Raw)
	}
	return e
}

func props(t testing.TB, e map[string]any) map[string]any {
	t.Helper()
	p, _ := e["properties"].(map[string]any)
	return p
}

func wantStatus(t testing.TB, r apiResponse, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d: %s", r.Status, status, r.Raw)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		srv := newServer(t, st)
		serviceModel(t, srv)
		const ents = "/v1/blueprints/service/entities"

		t.Run("blueprints", func(t *testing.T) { testBlueprints(t, srv) })

		t.Run("create then 409", func(t *testing.T) {
			body := map[string]any{"identifier": "create1", "title": "C1", "blueprint": "service",
				"properties": map[string]any{"language": "Go"}}
			r := do(t, srv, "POST", ents, body)
			wantStatus(t, r, http.StatusCreated)
			if e := entityOf(t, r); e["identifier"] != "create1" || e["blueprint"] != "service" || props(t, e)["language"] != "Go" {
				t.Errorf("created entity = %v", e)
			}
			wantError(t, do(t, srv, "POST", ents, body), http.StatusConflict, "conflict", "create1")
			r = do(t, srv, "GET", ents+"/create1", nil)
			wantStatus(t, r, http.StatusOK)
			entityOf(t, r)
		})

		t.Run("upsert replace drops unsent fields", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "up1",
				"properties": map[string]any{"language": "Go", "replicas": 3}}), http.StatusCreated)
			r := do(t, srv, "POST", ents+"?upsert=true", map[string]any{"identifier": "up1",
				"properties": map[string]any{"language": "Rust"}})
			wantStatus(t, r, http.StatusOK)
			p := props(t, entityOf(t, r))
			if p["language"] != "Rust" || p["replicas"] != nil {
				t.Errorf("after upsert properties = %v, want language Rust and no replicas", p)
			}
		})

		t.Run("upsert merge keeps unsent fields", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents+"?upsert=true&merge=true", map[string]any{"identifier": "up2",
				"properties": map[string]any{"language": "Go", "replicas": 3}}), http.StatusCreated)
			r := do(t, srv, "POST", ents+"?upsert=true&merge=true", map[string]any{"identifier": "up2",
				"properties": map[string]any{"language": "Rust"}})
			wantStatus(t, r, http.StatusOK)
			p := props(t, entityOf(t, r))
			if p["language"] != "Rust" || p["replicas"] != 3.0 {
				t.Errorf("after merge properties = %v, want language Rust and replicas 3", p)
			}
		})

		t.Run("PUT and PATCH", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "pp", "title": "T",
				"properties": map[string]any{"language": "Go", "replicas": 3}}), http.StatusCreated)
			r := do(t, srv, "PATCH", ents+"/pp", map[string]any{"properties": map[string]any{"replicas": 4}})
			wantStatus(t, r, http.StatusOK)
			if p := props(t, entityOf(t, r)); p["language"] != "Go" || p["replicas"] != 4.0 {
				t.Errorf("after PATCH properties = %v", p)
			}
			r = do(t, srv, "PUT", ents+"/pp", map[string]any{"identifier": "pp", "title": "T2",
				"properties": map[string]any{"replicas": 5}})
			wantStatus(t, r, http.StatusOK)
			e := entityOf(t, r)
			if p := props(t, e); p["language"] != nil || p["replicas"] != 5.0 || e["title"] != "T2" {
				t.Errorf("after PUT entity = %v", e)
			}
			wantError(t, do(t, srv, "PUT", ents+"/nope", map[string]any{"identifier": "nope"}), http.StatusNotFound, "not_found")
			wantError(t, do(t, srv, "PATCH", ents+"/nope", map[string]any{}), http.StatusNotFound, "not_found")
		})

		t.Run("delete and delete_dependents", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "leaf"}), http.StatusCreated)
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "user1",
				"relations": map[string]any{"dependsOn": []string{"leaf"}}}), http.StatusCreated)
			wantError(t, do(t, srv, "DELETE", ents+"/leaf", nil), http.StatusConflict, "conflict")
			wantStatus(t, do(t, srv, "GET", ents+"/leaf", nil), http.StatusOK)
			wantStatus(t, do(t, srv, "DELETE", ents+"/leaf?delete_dependents=true", nil), http.StatusOK)
			wantError(t, do(t, srv, "GET", ents+"/leaf", nil), http.StatusNotFound, "not_found")
			wantError(t, do(t, srv, "GET", ents+"/user1", nil), http.StatusNotFound, "not_found")
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "solo"}), http.StatusCreated)
			wantStatus(t, do(t, srv, "DELETE", ents+"/solo", nil), http.StatusOK)
			wantError(t, do(t, srv, "DELETE", ents+"/solo", nil), http.StatusNotFound, "not_found")
		})

		t.Run("validation_only writes nothing", func(t *testing.T) {
			r := do(t, srv, "POST", ents+"?validation_only=true", map[string]any{"identifier": "dry"})
			wantStatus(t, r, http.StatusOK)
			wantError(t, do(t, srv, "GET", ents+"/dry", nil), http.StatusNotFound, "not_found")
			wantError(t, do(t, srv, "POST", ents+"?validation_only=true", map[string]any{"identifier": "dry",
				"properties": map[string]any{"replicas": 11}}), http.StatusUnprocessableEntity, "invalid_request", "replicas")
		})

		t.Run("create_missing_related_entities", func(t *testing.T) {
			body := map[string]any{"identifier": "cm", "relations": map[string]any{"domain": "payments"}}
			r := do(t, srv, "POST", ents, body)
			if r.Status < 400 || r.Status >= 500 || !strings.Contains(string(r.Raw), "domain") {
				t.Fatalf("missing target: %d %s, want a 4xx naming the relation", r.Status, r.Raw)
			}
			wantStatus(t, do(t, srv, "POST", ents+"?create_missing_related_entities=true", body), http.StatusCreated)
			wantStatus(t, do(t, srv, "GET", "/v1/blueprints/domain/entities/payments", nil), http.StatusOK)
		})

		t.Run("bulk", func(t *testing.T) {
			r := do(t, srv, "POST", ents+"/bulk", map[string]any{"entities": []any{
				map[string]any{"identifier": "b1"}, map[string]any{"identifier": "b2"}}})
			wantStatus(t, r, http.StatusOK)
			r = do(t, srv, "POST", ents+"/bulk", map[string]any{"entities": []any{
				map[string]any{"identifier": "b3"},
				map[string]any{"identifier": "b4", "properties": map[string]any{"replicas": 99}},
				map[string]any{"identifier": "b5"}}})
			wantStatus(t, r, http.StatusMultiStatus)
			errs, _ := r.Body["errors"].([]any)
			okEnts, _ := r.Body["entities"].([]any)
			if len(errs) != 1 || len(okEnts) != 2 {
				t.Fatalf("207 body = %s, want 2 entities and 1 error", r.Raw)
			}
			e := errs[0].(map[string]any)
			if e["index"] != 1.0 || e["identifier"] != "b4" || e["statusCode"] != 422.0 || !strings.Contains(e["message"].(string), "replicas") {
				t.Errorf("error item = %v", e)
			}
			wantStatus(t, do(t, srv, "GET", ents+"/b5", nil), http.StatusOK)
			wantError(t, do(t, srv, "GET", ents+"/b4", nil), http.StatusNotFound, "not_found")

			// A field of the wrong type fails its entity only, naming the field.
			r = do(t, srv, "POST", ents+"/bulk", `{"entities": [{"identifier":"b6","title":5}, {"identifier":"b7"}]}`)
			wantStatus(t, r, http.StatusMultiStatus)
			if errs, _ := r.Body["errors"].([]any); len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "title") {
				t.Errorf("207 body = %s, want one error naming title", r.Raw)
			}
			wantError(t, do(t, srv, "POST", ents+"/bulk", `{}`), http.StatusUnprocessableEntity, "invalid_request", "entities")
			wantError(t, do(t, srv, "POST", ents+"/bulk", `{"entities": [`), http.StatusBadRequest, "bad_request")

			many := make([]any, 1001)
			for i := range many {
				many[i] = map[string]any{"identifier": fmt.Sprintf("m%d", i)}
			}
			wantError(t, do(t, srv, "POST", ents+"/bulk", map[string]any{"entities": many}), http.StatusRequestEntityTooLarge, "too_large", "1000")
		})

		t.Run("bulk delete and delete all", func(t *testing.T) {
			const dents = "/v1/blueprints/domain/entities"
			for _, id := range []string{"d1", "d2", "d3"} {
				wantStatus(t, do(t, srv, "POST", dents, map[string]any{"identifier": id}), http.StatusCreated)
			}
			r := do(t, srv, "POST", "/v1/blueprints/domain/bulk/entities/delete", map[string]any{"entities": []string{"d1", "d2"}})
			wantStatus(t, r, http.StatusOK)
			wantError(t, do(t, srv, "GET", dents+"/d1", nil), http.StatusNotFound, "not_found")
			wantStatus(t, do(t, srv, "GET", dents+"/d3", nil), http.StatusOK)

			r = do(t, srv, "DELETE", "/v1/blueprints/domain/all-entities", nil)
			if r.Status == http.StatusConflict { // service entities point at domain "payments"
				wantStatus(t, do(t, srv, "DELETE", "/v1/blueprints/service/entities/cm", nil), http.StatusOK)
				r = do(t, srv, "DELETE", "/v1/blueprints/domain/all-entities", nil)
			}
			wantStatus(t, r, http.StatusOK)
			r = do(t, srv, "GET", "/v1/blueprints/domain/entities-count", nil)
			if r.Status != 200 || r.Body["count"] != 0.0 {
				t.Errorf("count after delete all = %s", r.Raw)
			}
		})

		t.Run("errors name the field", func(t *testing.T) {
			wantError(t, do(t, srv, "POST", ents, map[string]any{"identifier": "bad",
				"properties": map[string]any{"replicas": 11}}), 422, "invalid_request", "replicas")
			wantError(t, do(t, srv, "POST", ents, map[string]any{"identifier": "bad",
				"properties": map[string]any{"language": 5}}), 422, "invalid_request", "language")
			wantError(t, do(t, srv, "POST", ents, `{"identifier": "x",`), 400, "bad_request")
			big := `{"identifier":"big","title":"` + strings.Repeat("x", 1<<20) + `"}`
			wantError(t, do(t, srv, "POST", ents, big), 413, "too_large", "max-body-bytes")
			wantError(t, do(t, srv, "POST", "/v1/blueprints/nope/entities", map[string]any{"identifier": "x"}), 404, "not_found", "nope")
			wantError(t, do(t, srv, "GET", "/v1/blueprints/nope/entities", nil), 404, "not_found", "nope")
			wantError(t, do(t, srv, "GET", ents+"/nope", nil), 404, "not_found", "nope")
			wantError(t, do(t, srv, "GET", "/v1/blueprints/nope", nil), 404, "not_found", "nope")
		})

		t.Run("list pages and count", func(t *testing.T) {
			for i := range 5 {
				wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", map[string]any{"identifier": fmt.Sprintf("pg%d", i)}), http.StatusCreated)
			}
			var seen []string
			next := ""
			for range 10 {
				r := do(t, srv, "GET", "/v1/blueprints/domain/entities?limit=2&from="+next, nil)
				wantStatus(t, r, 200)
				list, _ := r.Body["entities"].([]any)
				if len(list) > 2 {
					t.Fatalf("page of %d entities, want ≤ 2", len(list))
				}
				for _, e := range list {
					seen = append(seen, e.(map[string]any)["identifier"].(string))
				}
				next, _ = r.Body["next"].(string)
				if next == "" {
					break
				}
			}
			if len(seen) != 5 {
				t.Errorf("paged through %v, want 5 entities", seen)
			}
			r := do(t, srv, "GET", "/v1/blueprints/domain/entities-count", nil)
			if r.Body["count"] != 5.0 {
				t.Errorf("count = %s, want 5", r.Raw)
			}
		})

		t.Run("history", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "h", "title": "v1"}), http.StatusCreated)
			wantStatus(t, do(t, srv, "PATCH", ents+"/h", map[string]any{"title": "v2"}), http.StatusOK)
			r := do(t, srv, "GET", ents+"/h/history", nil)
			wantStatus(t, r, http.StatusOK)
			if vs, _ := r.Body["versions"].([]any); len(vs) != 2 {
				t.Errorf("versions = %s, want 2", r.Raw)
			}
		})

		t.Run("actor, origin and run_id reach the history", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents+"?run_id=r42", map[string]any{"identifier": "ran"},
				"X-Atrium-Origin", "CLI"), http.StatusCreated)
			r := do(t, srv, "GET", ents+"/ran/history", nil)
			vs, _ := r.Body["versions"].([]any)
			if len(vs) != 1 {
				t.Fatalf("versions = %s", r.Raw)
			}
			v := vs[0].(map[string]any)
			if v["actor"] != "anonymous" || v["origin"] != "CLI" || v["runId"] != "r42" {
				t.Errorf("version = %v, want actor anonymous, origin CLI, runId r42", v)
			}
		})

		t.Run("identifier with a slash", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "team/svc"}), http.StatusCreated)
			r := do(t, srv, "GET", ents+"/team%2Fsvc", nil)
			wantStatus(t, r, http.StatusOK)
			if e := entityOf(t, r); e["identifier"] != "team/svc" {
				t.Errorf("identifier = %v", e["identifier"])
			}
			wantStatus(t, do(t, srv, "DELETE", ents+"/team%2Fsvc", nil), http.StatusOK)
		})

		t.Run("delete all with delete_blueprint", func(t *testing.T) {
			bp := map[string]any{"identifier": "gone", "title": "Gone", "schema": map[string]any{"properties": map[string]any{}}}
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints", bp), http.StatusCreated)
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints/gone/entities", map[string]any{"identifier": "g1"}), http.StatusCreated)
			r := do(t, srv, "DELETE", "/v1/blueprints/gone/all-entities?delete_blueprint=true", nil)
			wantStatus(t, r, http.StatusOK)
			if r.Body["deleted"] != 1.0 {
				t.Errorf("deleted = %v, want 1", r.Body["deleted"])
			}
			wantError(t, do(t, srv, "GET", "/v1/blueprints/gone", nil), http.StatusNotFound, "not_found")
		})

		t.Run("bulk delete is all or nothing", func(t *testing.T) {
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "bd1"}), http.StatusCreated)
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "bd2"}), http.StatusCreated)
			wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "bd3",
				"relations": map[string]any{"dependsOn": []string{"bd2"}}}), http.StatusCreated)
			wantError(t, do(t, srv, "POST", "/v1/blueprints/service/bulk/entities/delete",
				map[string]any{"entities": []string{"bd1", "bd2"}}), http.StatusConflict, "conflict")
			wantStatus(t, do(t, srv, "GET", ents+"/bd1", nil), http.StatusOK)
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints/service/bulk/entities/delete?delete_dependents=true",
				map[string]any{"entities": []string{"bd1", "bd2"}}), http.StatusOK)
			for _, id := range []string{"bd1", "bd2", "bd3"} {
				wantError(t, do(t, srv, "GET", ents+"/"+id, nil), http.StatusNotFound, "not_found")
			}
		})

		t.Run("50 concurrent merges", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan string, 50)
			for i := range 50 {
				wg.Go(func() {
					r := do(t, srv, "POST", ents+"?upsert=true&merge=true", map[string]any{"identifier": "conc",
						"properties": map[string]any{fmt.Sprintf("p%d", i): i}})
					if r.Status != 200 && r.Status != 201 {
						errs <- fmt.Sprintf("upsert p%d: %d %s", i, r.Status, r.Raw)
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			p := props(t, entityOf(t, do(t, srv, "GET", ents+"/conc", nil)))
			for i := range 50 {
				if p[fmt.Sprintf("p%d", i)] != float64(i) {
					t.Errorf("p%d = %v, want %d (lost merge)", i, p[fmt.Sprintf("p%d", i)], i)
				}
			}
		})
	})
}

func testBlueprints(t *testing.T, srv *httptest.Server) {
	r := do(t, srv, "GET", "/v1/blueprints", nil)
	wantStatus(t, r, 200)
	ids := map[string]bool{}
	for _, b := range r.Body["blueprints"].([]any) {
		ids[b.(map[string]any)["identifier"].(string)] = true
	}
	for _, want := range []string{"_user", "_team", "service", "domain"} {
		if !ids[want] {
			t.Errorf("blueprint list lacks %s: %v", want, ids)
		}
	}
	bp := map[string]any{"identifier": "tmp", "title": "Tmp", "schema": map[string]any{"properties": map[string]any{
		"a": map[string]any{"type": "string"}}}}
	wantStatus(t, do(t, srv, "POST", "/v1/blueprints", bp), http.StatusCreated)
	wantError(t, do(t, srv, "POST", "/v1/blueprints", bp), http.StatusConflict, "conflict", "tmp")
	r = do(t, srv, "GET", "/v1/blueprints/tmp", nil)
	wantStatus(t, r, 200)
	if b, _ := r.Body["blueprint"].(map[string]any); b["title"] != "Tmp" {
		t.Errorf("get blueprint = %s", r.Raw)
	}
	wantStatus(t, do(t, srv, "PATCH", "/v1/blueprints/tmp", map[string]any{"title": "Tmp2"}), 200)
	bp["title"] = "Tmp3"
	wantStatus(t, do(t, srv, "PUT", "/v1/blueprints/tmp", bp), 200)
	// Changing a property's type is refused, naming the property.
	bad := map[string]any{"identifier": "tmp", "title": "Tmp", "schema": map[string]any{"properties": map[string]any{
		"a": map[string]any{"type": "number"}}}}
	wantError(t, do(t, srv, "PUT", "/v1/blueprints/tmp", bad), 422, "invalid_request", "a")

	wantStatus(t, do(t, srv, "POST", "/v1/blueprints/tmp/entities", map[string]any{"identifier": "e1",
		"properties": map[string]any{"a": "x"}}), http.StatusCreated)
	r = do(t, srv, "PATCH", "/v1/blueprints/tmp/properties/a/rename", map[string]any{"newPropertyName": "b"})
	wantStatus(t, r, 200)
	if p := props(t, entityOf(t, do(t, srv, "GET", "/v1/blueprints/tmp/entities/e1", nil))); p["b"] != "x" || p["a"] != nil {
		t.Errorf("after rename properties = %v, want b=x", p)
	}
	wantError(t, do(t, srv, "DELETE", "/v1/blueprints/tmp", nil), http.StatusConflict, "conflict")
	wantStatus(t, do(t, srv, "DELETE", "/v1/blueprints/tmp?delete_entities=true", nil), 200)
	wantError(t, do(t, srv, "GET", "/v1/blueprints/tmp", nil), 404, "not_found")
}

// TestEventStream reads GET /v1/events/stream over real HTTP: events arrive
// in order, the blueprint filter holds, and Last-Event-ID resumes.
func TestEventStream(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		srv := newServer(t, st)
		serviceModel(t, srv)
		stream := func(query string, hdr ...string) <-chan sseEvent {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/events/stream"+query, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			return readSSE(res)
		}
		all := stream("")
		svc := stream("?blueprint=service")
		for _, id := range []string{"s1", "s2"} {
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints/service/entities", map[string]any{"identifier": id}), 201)
		}
		wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", map[string]any{"identifier": "d1"}), 201)

		// The unfiltered stream sees blueprint events first, then s1, s2, d1.
		var got []sseEvent
		for len(got) == 0 || got[len(got)-1].Event.Entity != "d1" {
			got = append(got, nextSSE(t, all))
		}
		var entities []string
		for i, e := range got {
			if i > 0 && e.Event.Seq <= got[i-1].Event.Seq {
				t.Errorf("out of order: %d after %d", e.Event.Seq, got[i-1].Event.Seq)
			}
			if e.ID != fmt.Sprint(e.Event.Seq) || e.Type != string(e.Event.Type) {
				t.Errorf("frame id/event %q/%q do not match data %+v", e.ID, e.Type, e.Event)
			}
			if e.Event.Entity != "" {
				entities = append(entities, e.Event.Entity)
			}
		}
		if strings.Join(entities, ",") != "s1,s2,d1" {
			t.Errorf("entity events = %v, want s1,s2,d1", entities)
		}
		// The filtered stream sees only service events.
		var s1Seq string
		for _, want := range []string{"s1", "s2"} {
			for {
				e := nextSSE(t, svc)
				if e.Event.Blueprint != "service" {
					t.Fatalf("filtered stream got %+v", e.Event)
				}
				if e.Event.Entity == want {
					if want == "s1" {
						s1Seq = e.ID
					}
					break
				}
			}
		}
		// Resume after s1: the next entity event is s2.
		resumed := stream("?blueprint=service", "Last-Event-ID", s1Seq)
		if e := nextSSE(t, resumed); e.Event.Entity != "s2" || e.Event.Type != model.EventEntityCreated {
			t.Errorf("resumed stream starts with %+v, want s2 created", e.Event)
		}
		// From now: no history, only what is committed after it opened.
		fresh := stream("?after=now")
		wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", map[string]any{"identifier": "d2"}), 201)
		if e := nextSSE(t, fresh); e.Event.Entity != "d2" {
			t.Errorf("stream from now starts with %+v, want d2", e.Event)
		}
	})
}

type sseEvent struct {
	ID, Type string
	Event    model.Event
}

func readSSE(res *http.Response) <-chan sseEvent {
	ch := make(chan sseEvent, 100)
	go func() {
		defer res.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.ID != "" {
					ch <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				e.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &e.Event)
			}
		}
	}()
	return ch
}

func nextSSE(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}
