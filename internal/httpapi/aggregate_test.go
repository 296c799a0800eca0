package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// The fake catalog aggregates to nothing, so the aggregate routes are
// registered (and in the OpenAPI golden file).

func (f *fakeCatalog) EntityAggregate(context.Context, catalog.AggregateOptions) (*catalog.AggregateResult, error) {
	return &catalog.AggregateResult{}, f.err
}

func (f *fakeCatalog) EntityCountQuery(context.Context, string, json.RawMessage) (int64, error) {
	return 0, f.err
}

func TestAggregateAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		srv := newServer(t, st)
		serviceModel(t, srv)
		for _, body := range []string{
			`{"identifier":"ledger","properties":{"language":"Rust","replicas":1}}`,
			`{"identifier":"payments","properties":{"language":"Go","replicas":4},"relations":{"dependsOn":["ledger"]}}`,
			`{"identifier":"checkout","properties":{"language":"Go","replicas":2.5},"relations":{"dependsOn":["payments","ledger"]}}`,
			`{"identifier":"legacy","properties":{"language":"Perl"}}`,
		} {
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints/service/entities", body), http.StatusCreated)
		}
		wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", `{"identifier":"pay"}`), http.StatusCreated)

		goQuery := `{"combinator":"and","rules":[{"property":"$blueprint","operator":"=","value":"service"},{"property":"language","operator":"=","value":"Go"}]}`
		for _, tc := range []struct {
			name string
			body string
			want string
		}{
			{"count all", `{"func":"count"}`, `{"ok":true,"result":5}`},
			{"count query", `{"func":"count","query":` + goQuery + `}`, `{"ok":true,"result":2}`},
			{"sum", `{"func":"sum","property":"replicas","query":{"combinator":"and","rules":[{"property":"$blueprint","operator":"=","value":"service"}]}}`, `{"ok":true,"result":7.5}`},
			{"average", `{"func":"average","property":"replicas","averageOf":"total"}`, `{"ok":true,"result":2.5}`},
			// Every entity was created within the last day: one bucket.
			{"average entities per day", `{"func":"average","averageOf":"day","query":` + goQuery + `}`, `{"ok":true,"result":2}`},
			{"average entities total", `{"func":"average","measureTimeBy":"$updatedAt"}`, `{"ok":true,"result":5}`},
			{"average entities of nothing", `{"func":"average","averageOf":"week","query":{"combinator":"or","rules":[]}}`, `{"ok":true,"result":0}`},
			{"min", `{"func":"min","property":"replicas"}`, `{"ok":true,"result":1}`},
			{"max", `{"func":"max","property":"replicas"}`, `{"ok":true,"result":4}`},
			{"median", `{"func":"median","property":"replicas","query":` + goQuery + `}`, `{"ok":true,"result":3.25}`},
			{"median of nothing", `{"func":"median","property":"replicas","query":{"combinator":"or","rules":[]}}`, `{"ok":true,"result":null}`},
			{"countValues", `{"func":"countValues","property":"language"}`,
				`{"ok":true,"result":{"Go":2,"Perl":1,"Rust":1},"values":[{"value":"Go","count":2},{"value":"Perl","count":1},{"value":"Rust","count":1}]}`},
			{"countValues numbers", `{"func":"countValues","property":"replicas","query":` + goQuery + `}`,
				`{"ok":true,"result":{"2.5":1,"4":1},"values":[{"value":2.5,"count":1},{"value":4,"count":1}]}`},
			{"countValues blueprint", `{"func":"countValues","property":"$blueprint"}`,
				`{"ok":true,"result":{"domain":1,"service":4},"values":[{"value":"service","count":4},{"value":"domain","count":1}]}`},
			{"countValues relation", `{"func":"countValues","relation":"dependsOn"}`,
				`{"ok":true,"result":{"ledger":2,"payments":1},"values":[{"value":"ledger","count":2},{"value":"payments","count":1}]}`},
		} {
			r := do(t, srv, "POST", "/v1/entities/aggregate", tc.body)
			wantStatus(t, r, http.StatusOK)
			var got, want any
			if err := json.Unmarshal(r.Raw, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: POST /v1/entities/aggregate %s (-want +got):\n%s", tc.name, tc.body, diff)
			}
		}
		for _, tc := range []struct {
			body    string
			mention string
		}{
			{`{"func":"sum","property":"language"}`, "language"},
			{`{"func":"sum","property":"nope"}`, "nope"},
			{`{"func":"sum"}`, "property"},
			{`{"func":"countValues","relation":"nope"}`, "nope"},
			{`{"func":"countValues","property":"$createdAt"}`, "$createdAt"},
			{`{"func":"average","averageOf":"year"}`, "averageOf"},
			{`{"func":"average","averageOf":"day","measureTimeBy":"deployedAt"}`, "measureTimeBy"},
			{`{"func":"count","query":{"combinator":"and","rules":[{"property":"nope","operator":"=","value":1}]}}`, "query.rules[0]"},
			// The $blueprint rule narrows the check: domain has no language.
			{`{"func":"count","query":{"combinator":"and","rules":[{"property":"$blueprint","operator":"=","value":"domain"},{"property":"language","operator":"=","value":"Go"}]}}`, "language"},
		} {
			wantError(t, do(t, srv, "POST", "/v1/entities/aggregate", tc.body), http.StatusUnprocessableEntity, "invalid_request", tc.mention)
		}

		count := func(t *testing.T, r apiResponse) float64 {
			t.Helper()
			wantStatus(t, r, http.StatusOK)
			n, ok := r.Body["count"].(float64)
			if !ok || r.Body["ok"] != true {
				t.Fatalf("not {ok, count}: %s", r.Raw)
			}
			return n
		}
		onlyGo := `{"combinator":"and","rules":[{"property":"language","operator":"=","value":"Go"}]}`
		if n := count(t, do(t, srv, "GET", "/v1/blueprints/service/entities-count", nil)); n != 4 {
			t.Errorf("GET entities-count = %v, want 4", n)
		}
		if n := count(t, do(t, srv, "GET", "/v1/blueprints/service/entities-count?query="+url.QueryEscape(onlyGo), nil)); n != 2 {
			t.Errorf("GET entities-count?query = %v, want 2", n)
		}
		if n := count(t, do(t, srv, "POST", "/v1/blueprints/service/entities-count", `{"query":`+onlyGo+`}`)); n != 2 {
			t.Errorf("POST entities-count = %v, want 2", n)
		}
		if n := count(t, do(t, srv, "POST", "/v1/blueprints/service/entities-count", `{}`)); n != 4 {
			t.Errorf("POST entities-count {} = %v, want 4", n)
		}
		wantError(t, do(t, srv, "GET", "/v1/blueprints/service/entities-count?query="+url.QueryEscape("{"), nil), http.StatusUnprocessableEntity, "invalid_request", "query")
		wantError(t, do(t, srv, "POST", "/v1/blueprints/domain/entities-count", `{"query":`+onlyGo+`}`), http.StatusUnprocessableEntity, "invalid_request", "language")
		wantError(t, do(t, srv, "POST", "/v1/blueprints/nope/entities-count", `{}`), http.StatusNotFound, "not_found", "nope")
	})
}
