package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// historyT0 is a Monday, 09:00 UTC.
var historyT0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// newClockedServer is newServer with a fake clock, so versions have known,
// distinct times.
func newClockedServer(t testing.TB, st store.Store, clk *clocktest.Fake) *httptest.Server {
	t.Helper()
	hub, err := events.New(events.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	cat, err := catalog.New(catalog.Options{Store: st, Clock: clk, OnCommit: hub.Notify})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Init(context.Background()); err != nil {
		t.Fatalf("catalog Init: %v", err)
	}
	api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

// rfc formats an instant for a query string.
func rfc(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }

func TestHistoryAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		clk := clocktest.New(historyT0)
		srv := newClockedServer(t, st, clk)
		serviceModel(t, srv)
		const ents = "/v1/blueprints/service/entities"
		at := func(d time.Duration) time.Time { return historyT0.Add(d) }

		// The timeline: h is created at +1h, patched at +2h and +26h, deleted at
		// +50h; o is created at +2h30m. Now is +51h.
		clk.Set(at(time.Hour))
		wantStatus(t, do(t, srv, "POST", ents+"?run_id=r1", map[string]any{"identifier": "h", "title": "H",
			"properties": map[string]any{"language": "Go", "replicas": 1}}, "X-Atrium-Origin", "CLI"), http.StatusCreated)
		clk.Set(at(2 * time.Hour))
		wantStatus(t, do(t, srv, "PATCH", ents+"/h", map[string]any{"title": "H2",
			"properties": map[string]any{"replicas": 2}}), http.StatusOK)
		clk.Set(at(150 * time.Minute))
		wantStatus(t, do(t, srv, "POST", ents, map[string]any{"identifier": "o"}), http.StatusCreated)
		clk.Set(at(26 * time.Hour))
		wantStatus(t, do(t, srv, "PATCH", ents+"/h", map[string]any{
			"properties": map[string]any{"language": "Rust"}, "relations": map[string]any{"dependsOn": []string{"o"}}}), http.StatusOK)
		clk.Set(at(50 * time.Hour))
		wantStatus(t, do(t, srv, "DELETE", ents+"/h", nil), http.StatusOK)
		clk.Set(at(51 * time.Hour))

		t.Run("history with diffs survives deletion", func(t *testing.T) {
			r := do(t, srv, "GET", ents+"/h/history", nil)
			wantStatus(t, r, http.StatusOK)
			vs, _ := r.Body["versions"].([]any)
			if len(vs) != 4 {
				t.Fatalf("versions = %d, want 4: %s", len(vs), r.Raw)
			}
			type meta struct {
				Version   float64
				ValidFrom string
				ValidTo   any
				Actor     string
				Origin    string
				RunID     any
				Deleted   bool
			}
			ts := func(d time.Duration) string { return at(d).Format(time.RFC3339Nano) }
			wantMeta := []meta{
				{1, ts(time.Hour), ts(2 * time.Hour), "anonymous", "CLI", "r1", false},
				{2, ts(2 * time.Hour), ts(26 * time.Hour), "anonymous", "API", nil, false},
				{3, ts(26 * time.Hour), ts(50 * time.Hour), "anonymous", "API", nil, false},
				{4, ts(50 * time.Hour), nil, "anonymous", "API", nil, true},
			}
			wantChanges := []any{
				[]any{
					map[string]any{"path": "properties.language", "op": "add", "to": "Go"},
					map[string]any{"path": "properties.replicas", "op": "add", "to": 1.0},
					map[string]any{"path": "title", "op": "add", "to": "H"},
				},
				[]any{
					map[string]any{"path": "properties.replicas", "op": "replace", "from": 1.0, "to": 2.0},
					map[string]any{"path": "title", "op": "replace", "from": "H", "to": "H2"},
				},
				[]any{
					map[string]any{"path": "properties.language", "op": "replace", "from": "Go", "to": "Rust"},
					map[string]any{"path": "relations.dependsOn", "op": "add", "to": []any{"o"}},
				},
				[]any{
					map[string]any{"path": "properties.language", "op": "remove", "from": "Rust"},
					map[string]any{"path": "properties.replicas", "op": "remove", "from": 2.0},
					map[string]any{"path": "relations.dependsOn", "op": "remove", "from": []any{"o"}},
					map[string]any{"path": "title", "op": "remove", "from": "H2"},
				},
			}
			for i, v := range vs {
				m := v.(map[string]any)
				got := meta{Version: m["version"].(float64), ValidFrom: m["validFrom"].(string), ValidTo: m["validTo"],
					Actor: m["actor"].(string), Origin: m["origin"].(string), RunID: m["runId"], Deleted: m["deleted"].(bool)}
				if d := cmp.Diff(wantMeta[i], got); d != "" {
					t.Errorf("version %d (-want +got):\n%s", i+1, d)
				}
				if d := cmp.Diff(wantChanges[i], m["changes"]); d != "" {
					t.Errorf("version %d changes (-want +got):\n%s", i+1, d)
				}
			}
			wantError(t, do(t, srv, "GET", ents+"/never/history", nil), http.StatusNotFound, "not_found", "never")
		})

		t.Run("as_of", func(t *testing.T) {
			tests := []struct {
				name         string
				asOf         string
				wantStatus   int
				wantTitle    string
				wantReplicas any
			}{
				{"before creation", rfc(at(time.Hour - time.Microsecond)), http.StatusNotFound, "", nil},
				{"at creation", rfc(at(time.Hour)), http.StatusOK, "H", 1.0},
				{"between versions", rfc(at(90 * time.Minute)), http.StatusOK, "H", 1.0},
				{"at the patch", rfc(at(2 * time.Hour)), http.StatusOK, "H2", 2.0},
				{"in another zone", url.QueryEscape("2026-11-02T12:30:00+01:00"), http.StatusOK, "H2", 2.0},
				{"after deletion", rfc(at(50 * time.Hour)), http.StatusNotFound, "", nil},
				{"bad timestamp", "yesterday", http.StatusUnprocessableEntity, "", nil},
			}
			for _, tc := range tests {
				r := do(t, srv, "GET", ents+"/h?as_of="+tc.asOf, nil)
				switch tc.wantStatus {
				case http.StatusOK:
					wantStatus(t, r, http.StatusOK)
					e := entityOf(t, r)
					if e["title"] != tc.wantTitle || props(t, e)["replicas"] != tc.wantReplicas {
						t.Errorf("%s: entity = %v, want title %q replicas %v", tc.name, e, tc.wantTitle, tc.wantReplicas)
					}
				case http.StatusNotFound:
					wantError(t, r, http.StatusNotFound, "not_found", "h")
				default:
					wantError(t, r, tc.wantStatus, "invalid_request", "as_of")
				}
			}
			// Relations as they were.
			e := entityOf(t, do(t, srv, "GET", ents+"/h?as_of="+rfc(at(30*time.Hour)), nil))
			if d := cmp.Diff([]any{"o"}, e["relations"].(map[string]any)["dependsOn"]); d != "" {
				t.Errorf("relations as of +30h (-want +got):\n%s", d)
			}
		})

		t.Run("search as_of", func(t *testing.T) {
			ids := func(r apiResponse) []string {
				t.Helper()
				wantStatus(t, r, http.StatusOK)
				out := []string{}
				es, _ := r.Body["entities"].([]any)
				for _, e := range es {
					out = append(out, e.(map[string]any)["identifier"].(string))
				}
				return out
			}
			search := func(d time.Duration, rules ...map[string]any) []string {
				t.Helper()
				if rules == nil {
					rules = []map[string]any{}
				}
				return ids(do(t, srv, "POST", "/v1/blueprints/service/entities/search?as_of="+rfc(at(d)),
					map[string]any{"query": map[string]any{"combinator": "and", "rules": rules}}))
			}
			lang := func(v string) map[string]any {
				return map[string]any{"property": "language", "operator": "=", "value": v}
			}
			upstreamOfH := map[string]any{"operator": "relatedTo", "blueprint": "service", "value": "h", "direction": "upstream"}
			for _, tc := range []struct {
				name string
				got  []string
				want []string
			}{
				{"before anything", search(0), []string{}},
				{"Go at +3h", search(3*time.Hour, lang("Go")), []string{"h"}},
				{"Rust at +3h", search(3*time.Hour, lang("Rust")), []string{}},
				{"Rust at +27h", search(27*time.Hour, lang("Rust")), []string{"h"}},
				{"everything at +3h", search(3 * time.Hour), []string{"h", "o"}},
				{"relation not there yet", search(3*time.Hour, upstreamOfH), []string{}},
				{"relation as it was at +27h", search(27*time.Hour, upstreamOfH), []string{"o"}},
				{"after the delete", search(51*time.Hour, lang("Rust")), []string{}},
				{"cross-blueprint route", ids(do(t, srv, "POST", "/v1/entities/search?as_of="+rfc(at(27*time.Hour)),
					map[string]any{"combinator": "and", "rules": []any{lang("Rust")}})), []string{"h"}},
			} {
				if diff := cmp.Diff(tc.want, tc.got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, diff)
				}
			}
			// Paging through the past.
			r := do(t, srv, "POST", "/v1/blueprints/service/entities/search?as_of="+rfc(at(3*time.Hour)), map[string]any{"limit": 1})
			if got := ids(r); len(got) != 1 || got[0] != "h" || r.Body["next"] == nil {
				t.Fatalf("first page as of +3h = %v, next %v; want [h] and a cursor", got, r.Body["next"])
			}
			r = do(t, srv, "POST", "/v1/blueprints/service/entities/search?as_of="+rfc(at(3*time.Hour)), map[string]any{"limit": 1, "from": r.Body["next"]})
			if got := ids(r); len(got) != 1 || got[0] != "o" || r.Body["next"] != nil {
				t.Fatalf("second page as of +3h = %v, next %v; want [o] and no cursor", got, r.Body["next"])
			}
			wantError(t, do(t, srv, "POST", "/v1/blueprints/service/entities/search?as_of=yesterday", map[string]any{}), 422, "invalid_request", "as_of")
			wantError(t, do(t, srv, "POST", "/v1/blueprints/service/entities/search?as_of="+rfc(at(time.Hour)),
				map[string]any{"sort": []any{map[string]any{"property": "$title"}}}), 422, "invalid_request", "sort")
		})

		t.Run("catalog diff", func(t *testing.T) {
			type entry = map[string]any
			tests := []struct {
				name                  string
				query                 string
				added, removed, chngd []any
			}{
				{"changed and added", "from=" + rfc(at(90*time.Minute)) + "&to=" + rfc(at(27*time.Hour)),
					[]any{entry{"blueprint": "service", "identifier": "o"}}, []any{},
					[]any{entry{"blueprint": "service", "identifier": "h", "changes": []any{
						entry{"path": "properties.language", "op": "replace", "from": "Go", "to": "Rust"},
						entry{"path": "properties.replicas", "op": "replace", "from": 1.0, "to": 2.0},
						entry{"path": "relations.dependsOn", "op": "add", "to": []any{"o"}},
						entry{"path": "title", "op": "replace", "from": "H", "to": "H2"},
					}}}},
				{"created then deleted is in no list; to defaults to now", "from=" + rfc(at(0)),
					[]any{entry{"blueprint": "service", "identifier": "o"}}, []any{}, []any{}},
				{"removed", "from=" + rfc(at(27*time.Hour)) + "&to=" + rfc(at(50*time.Hour)) + "&blueprint=service",
					[]any{}, []any{entry{"blueprint": "service", "identifier": "h"}}, []any{}},
				{"other blueprint", "from=" + rfc(at(0)) + "&blueprint=domain", []any{}, []any{}, []any{}},
			}
			for _, tc := range tests {
				r := do(t, srv, "GET", "/v1/catalog/diff?"+tc.query, nil)
				wantStatus(t, r, http.StatusOK)
				want := map[string]any{"ok": true, "added": tc.added, "removed": tc.removed, "changed": tc.chngd}
				if d := cmp.Diff(want, r.Body); d != "" {
					t.Errorf("%s: diff (-want +got):\n%s", tc.name, d)
				}
			}
			// Paging: one entity examined per page.
			var seen []any
			q := "/v1/catalog/diff?limit=1&from=" + rfc(at(90*time.Minute)) + "&to=" + rfc(at(27*time.Hour))
			next := ""
			for page := 0; page < 5; page++ {
				path := q
				if next != "" {
					path += "&cursor=" + next
				}
				r := do(t, srv, "GET", path, nil)
				wantStatus(t, r, http.StatusOK)
				for _, k := range []string{"added", "changed"} {
					for _, e := range r.Body[k].([]any) {
						seen = append(seen, e.(map[string]any)["identifier"])
					}
				}
				next, _ = r.Body["next"].(string)
				if next == "" {
					break
				}
			}
			if d := cmp.Diff([]any{"h", "o"}, seen); d != "" || next != "" {
				t.Errorf("paged diff (-want +got):\n%s (next %q)", d, next)
			}
			wantError(t, do(t, srv, "GET", "/v1/catalog/diff?from=nope", nil), http.StatusUnprocessableEntity, "invalid_request", "from")
			wantError(t, do(t, srv, "GET", "/v1/catalog/diff?from="+rfc(at(2*time.Hour))+"&to="+rfc(at(time.Hour)), nil),
				http.StatusUnprocessableEntity, "invalid_request", "from")
			wantError(t, do(t, srv, "GET", "/v1/catalog/diff?from="+rfc(at(0))+"&blueprint=nope", nil), http.StatusNotFound, "not_found", "nope")
		})

		t.Run("properties-history", func(t *testing.T) {
			const path = "/v1/entities/properties-history"
			req := func(interval string, rng map[string]any, names ...string) map[string]any {
				return map[string]any{"entityIdentifier": "h", "blueprintIdentifier": "service",
					"propertyNames": names, "timeInterval": interval, "timeRange": rng}
			}
			point := func(tm string, lang, replicas any) map[string]any {
				return map[string]any{"time": tm, "properties": map[string]any{"language": lang, "replicas": replicas}}
			}
			tests := []struct {
				name string
				body map[string]any
				want []any
			}{
				{"hours, explicit range", req("hour", map[string]any{"from": at(0), "to": at(4 * time.Hour)}, "language", "replicas"),
					[]any{
						point("2026-11-02T09:00:00Z", nil, nil),
						point("2026-11-02T10:00:00Z", "Go", 1.0),
						point("2026-11-02T11:00:00Z", "Go", 2.0),
						point("2026-11-02T12:00:00Z", "Go", 2.0),
					}},
				{"the last bucket ends with the range", req("day", map[string]any{"from": at(0), "to": at(20 * time.Hour)}, "language", "replicas"),
					[]any{
						point("2026-11-02T00:00:00Z", "Go", 2.0),
						point("2026-11-03T00:00:00Z", "Go", 2.0),
					}},
				{"days in Paris, preset last7Days", req("day", map[string]any{"preset": "last7Days", "timeZone": "Europe/Paris"}, "language", "replicas"),
					[]any{
						point("2026-10-28T00:00:00+01:00", nil, nil),
						point("2026-10-29T00:00:00+01:00", nil, nil),
						point("2026-10-30T00:00:00+01:00", nil, nil),
						point("2026-10-31T00:00:00+01:00", nil, nil),
						point("2026-11-01T00:00:00+01:00", nil, nil),
						point("2026-11-02T00:00:00+01:00", "Go", 2.0),
						point("2026-11-03T00:00:00+01:00", "Rust", 2.0),
						point("2026-11-04T00:00:00+01:00", nil, nil),
					}},
				{"isoWeek starts on Monday", req("isoWeek", map[string]any{"preset": "last14Days"}, "language"),
					[]any{
						map[string]any{"time": "2026-10-19T00:00:00Z", "properties": map[string]any{"language": nil}},
						map[string]any{"time": "2026-10-26T00:00:00Z", "properties": map[string]any{"language": nil}},
						map[string]any{"time": "2026-11-02T00:00:00Z", "properties": map[string]any{"language": nil}},
					}},
				{"yesterday, hours", req("hour", map[string]any{"preset": "yesterday"}, "replicas"), nil},
			}
			for _, tc := range tests {
				r := do(t, srv, "POST", path, tc.body)
				wantStatus(t, r, http.StatusOK)
				if tc.want == nil {
					if n := len(r.Body["points"].([]any)); n != 24 {
						t.Errorf("%s: %d points, want 24", tc.name, n)
					}
					continue
				}
				want := map[string]any{"ok": true, "points": tc.want}
				if d := cmp.Diff(want, r.Body); d != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, d)
				}
			}
			errs := []struct {
				name    string
				body    map[string]any
				status  int
				mention string
			}{
				{"unknown property", req("day", map[string]any{"preset": "today"}, "nope"), http.StatusUnprocessableEntity, "propertyNames[0]"},
				{"bad interval", req("minute", map[string]any{"preset": "today"}, "language"), http.StatusUnprocessableEntity, "timeInterval"},
				{"years need quarters", req("month", map[string]any{"preset": "last3Years"}, "language"), http.StatusUnprocessableEntity, "timeInterval"},
				{"too many buckets", req("hour", map[string]any{"preset": "last12Months"}, "language"), http.StatusUnprocessableEntity, "timeInterval"},
				{"bad zone", req("day", map[string]any{"preset": "today", "timeZone": "Mars/Olympus"}, "language"), http.StatusUnprocessableEntity, "timeZone"},
				{"unknown preset", req("day", map[string]any{"preset": "forever"}, "language"), http.StatusUnprocessableEntity, "preset"},
			}
			for _, tc := range errs {
				wantError(t, do(t, srv, "POST", path, tc.body), tc.status, "invalid_request", tc.mention)
			}
			body := req("day", map[string]any{"preset": "today"}, "language")
			body["entityIdentifier"] = "never"
			wantError(t, do(t, srv, "POST", path, body), http.StatusNotFound, "not_found", "never")
		})
	})
}
