package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// The fake catalog answers full-text search and impact analysis emptily, so
// their routes are registered (and in the OpenAPI golden file).

func (f *fakeCatalog) EntityTextSearch(context.Context, string, catalog.TextSearchOptions) ([]catalog.TextHit, error) {
	return []catalog.TextHit{}, f.err
}

func (f *fakeCatalog) EntityImpact(_ context.Context, bp, id string, opts catalog.ImpactOptions) (*catalog.Impact, error) {
	return &catalog.Impact{Blueprint: bp, Identifier: id, Direction: opts.Direction, MaxHops: opts.MaxHops}, f.err
}

func TestFullTextAndImpactAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		srv := newServer(t, st)
		serviceModel(t, srv)
		for _, body := range []string{
			`{"identifier":"ledger","title":"Ledger","properties":{"language":"Rust"}}`,
			`{"identifier":"payments","title":"Payments","properties":{"language":"Go"},"relations":{"dependsOn":["ledger"]}}`,
			`{"identifier":"checkout","title":"Checkout","team":[],"relations":{"dependsOn":["payments"]}}`,
		} {
			wantStatus(t, do(t, srv, "POST", "/v1/blueprints/service/entities", body), http.StatusCreated)
		}
		wantStatus(t, do(t, srv, "POST", "/v1/blueprints/domain/entities", `{"identifier":"pay","title":"Payments domain"}`), http.StatusCreated)

		results := func(t *testing.T, r apiResponse) []string {
			t.Helper()
			wantStatus(t, r, http.StatusOK)
			var body struct {
				OK      bool
				Results []catalog.TextHit
			}
			if err := json.Unmarshal(r.Raw, &body); err != nil || !body.OK {
				t.Fatalf("not {ok, results}: %s", r.Raw)
			}
			out := []string{}
			for _, h := range body.Results {
				if h.Snippet == "" {
					t.Errorf("hit %s/%s has no snippet", h.Blueprint, h.Identifier)
				}
				out = append(out, h.Blueprint+"/"+h.Identifier)
			}
			return out
		}
		q := func(s string) string { return url.QueryEscape(s) }
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"q=paym", []string{"service/payments", "domain/pay"}},
			{"q=paym&blueprint=domain", []string{"domain/pay"}},
			{"q=paym&blueprint=domain,service&limit=1", []string{"service/payments"}},
			{"q=rust", []string{"service/ledger"}},
			{"q=" + q(`"rust" OR *`), []string{}},
		} {
			if got := results(t, do(t, srv, "GET", "/v1/search?"+tc.query, nil)); !cmp.Equal(got, tc.want) {
				t.Errorf("GET /v1/search?%s = %v, want %v", tc.query, got, tc.want)
			}
		}
		for _, tc := range []struct {
			query  string
			status int
			names  string
		}{
			{"q=", http.StatusUnprocessableEntity, `"q"`},
			{"", http.StatusUnprocessableEntity, `"q"`},
			{"q=a&limit=101", http.StatusUnprocessableEntity, "limit"},
			{"q=a&blueprint=nope", http.StatusNotFound, "nope"},
		} {
			r := do(t, srv, "GET", "/v1/search?"+tc.query, nil)
			if r.Status != tc.status || !strings.Contains(string(r.Raw), tc.names) {
				t.Errorf("GET /v1/search?%s = %d %s, want %d naming %s", tc.query, r.Status, r.Raw, tc.status, tc.names)
			}
		}

		// Impact: ledger ← payments ← checkout.
		r := do(t, srv, "GET", "/v1/blueprints/service/entities/ledger/impact", nil)
		wantStatus(t, r, http.StatusOK)
		var imp struct {
			OK     bool
			Impact catalog.Impact
		}
		if err := json.Unmarshal(r.Raw, &imp); err != nil || !imp.OK {
			t.Fatalf("not {ok, impact}: %s", r.Raw)
		}
		want := catalog.Impact{Blueprint: "service", Identifier: "ledger", Direction: "downstream", MaxHops: 3, Total: 2,
			Blueprints: []catalog.ImpactBlueprint{{Blueprint: "service", Count: 2, Entities: []catalog.ImpactEntity{
				{Blueprint: "service", Identifier: "payments", Title: "Payments", Team: []string{}, Hops: 1, Path: []catalog.PathStep{
					{Blueprint: "service", Identifier: "ledger"}, {Blueprint: "service", Identifier: "payments", Relation: "dependsOn"}}},
				{Blueprint: "service", Identifier: "checkout", Title: "Checkout", Team: []string{}, Hops: 2, Path: []catalog.PathStep{
					{Blueprint: "service", Identifier: "ledger"}, {Blueprint: "service", Identifier: "payments", Relation: "dependsOn"},
					{Blueprint: "service", Identifier: "checkout", Relation: "dependsOn"}}},
			}}},
			Teams: []catalog.ImpactTeam{{Team: "", Count: 2, Entities: []catalog.EntityRef{
				{Blueprint: "service", Identifier: "payments"}, {Blueprint: "service", Identifier: "checkout"}}}},
		}
		if d := cmp.Diff(want, imp.Impact); d != "" {
			t.Errorf("impact of ledger mismatch (-want +got):\n%s", d)
		}
		r = do(t, srv, "GET", "/v1/blueprints/service/entities/checkout/impact?direction=upstream&max_hops=1", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Raw), `"total":1`) || !strings.Contains(string(r.Raw), `"identifier":"payments"`) {
			t.Errorf("upstream impact of checkout, 1 hop = %s, want payments only", r.Raw)
		}
		for _, tc := range []struct {
			path   string
			status int
		}{
			{"/v1/blueprints/service/entities/ledger/impact?direction=sideways", http.StatusUnprocessableEntity},
			{"/v1/blueprints/service/entities/ledger/impact?max_hops=16", http.StatusUnprocessableEntity},
			{"/v1/blueprints/service/entities/ledger/impact?max_hops=0", http.StatusUnprocessableEntity},
			{"/v1/blueprints/service/entities/nope/impact", http.StatusNotFound},
			{"/v1/blueprints/nope/entities/ledger/impact", http.StatusNotFound},
		} {
			if r := do(t, srv, "GET", tc.path, nil); r.Status != tc.status {
				t.Errorf("GET %s = %d %s, want %d", tc.path, r.Status, r.Raw, tc.status)
			}
		}
	})
}
