package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func TestAuditLogRoute(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st) // entry 1: the Admin's token (09:00)
		memberHdr := env.member(t, "member@atrium.test", nil, nil)
		// entries 2, 3: creating the member, its token (09:00)
		env.clk.Advance(time.Hour)
		must := func(method, path string, body any, want int, hdr ...string) {
			t.Helper()
			if r := do(t, env.srv, method, path, body, hdr...); r.Status != want {
				t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Raw, want)
			}
		}
		must("POST", "/v1/teams", map[string]any{"name": "platform"}, 201, env.admin...) // 4 (10:00)
		must("POST", "/v1/teams", map[string]any{"name": "platform"}, 409, env.admin...) // 5 FAILURE
		env.clk.Advance(time.Hour)
		must("POST", "/v1/blueprints", map[string]any{"identifier": "service", "title": "S",
			"schema": map[string]any{"properties": map[string]any{}}}, 201, env.admin...) // 6 (11:00)
		must("POST", "/v1/blueprints/service/entities", map[string]any{"identifier": "svc"}, 201, env.admin...)           // 7
		must("POST", "/v1/auth/login", map[string]any{"email": "member@atrium.test", "password": "wrong password!"}, 401) // 8 FAILURE

		// list returns actor action resource identifier status per entry.
		list := func(t *testing.T, query string, hdr []string) ([]string, map[string]any) {
			t.Helper()
			r := do(t, env.srv, "GET", "/v1/audit-log"+query, nil, hdr...)
			if r.Status != http.StatusOK {
				t.Fatalf("GET /v1/audit-log%s: %d %s", query, r.Status, r.Raw)
			}
			out := []string{}
			for _, a := range r.Body["audits"].([]any) {
				e := a.(map[string]any)
				id, _ := e["identifier"].(string)
				out = append(out, e["actor"].(string)+" "+e["action"].(string)+" "+e["resourceType"].(string)+" "+id+" "+e["status"].(string))
			}
			return out, r.Body
		}
		const (
			createMember = "admin@atrium.test CREATE user member@atrium.test SUCCESS"
			createTeam   = "admin@atrium.test CREATE team platform SUCCESS"
			teamAgain    = "admin@atrium.test CREATE team platform FAILURE"
			createBP     = "admin@atrium.test CREATE blueprint  SUCCESS"
			createSvc    = "admin@atrium.test CREATE entity svc SUCCESS"
			badLogin     = "anonymous LOGIN session member@atrium.test FAILURE"
		)
		tests := []struct {
			name  string
			query string
			want  []string
		}{
			{"resources", "?resources=team", []string{teamAgain, createTeam}},
			{"resources as a comma list", "?resources=team,entity", []string{createSvc, teamAgain, createTeam}},
			{"resources repeated", "?resources=team&resources=entity", []string{createSvc, teamAgain, createTeam}},
			{"action and status", "?action=CREATE&status=FAILURE", []string{teamAgain}},
			{"identifier", "?identifier=platform", []string{teamAgain, createTeam}},
			{"entity", "?entity=svc", []string{createSvc}},
			{"blueprint", "?blueprint=service", []string{createSvc, createBP}},
			{"from and to", "?from=2026-05-01T10:00:00Z&to=2026-05-01T11:00:00Z&resources=team,user,blueprint",
				[]string{teamAgain, createTeam}},
			{"sign-in failures", "?resources=session&status=FAILURE", []string{badLogin}},
		}
		for _, tc := range tests {
			got, _ := list(t, tc.query, env.admin)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: GET /v1/audit-log%s (-want +got):\n%s", tc.name, tc.query, diff)
			}
		}

		// Paging: limit, then before = next.
		page1, body := list(t, "?resources=team,entity&limit=2", env.admin)
		next, _ := body["next"].(string)
		if diff := cmp.Diff([]string{createSvc, teamAgain}, page1); diff != "" || next == "" {
			t.Fatalf("page 1 (next %q) (-want +got):\n%s", next, diff)
		}
		page2, body := list(t, "?resources=team,entity&limit=2&before="+next, env.admin)
		if diff := cmp.Diff([]string{createTeam}, page2); diff != "" || body["next"] != nil {
			t.Errorf("page 2 (next %v) (-want +got):\n%s", body["next"], diff)
		}

		// A Member sees their own entries (their token issue), not the
		// Admin's team, user and sign-in entries.
		got, _ := list(t, "?resources=team,user,session", memberHdr)
		for _, g := range got {
			if g[:len("member@atrium.test")] != "member@atrium.test" {
				t.Errorf("member sees %q", g)
			}
		}
		if len(got) != 1 {
			t.Errorf("member's entries = %q, want their token issue only", got)
		}

		for _, tc := range []struct{ query, field string }{
			{"?from=yesterday", "from"},
			{"?to=2026-13-01T00:00:00Z", "to"},
			{"?action=READ", "action"},
			{"?status=OK", "status"},
			{"?resources=team,widgets", "resources"},
			{"?limit=5000", "limit"},
			{"?before=abc", "before"},
			{"?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "from"},
		} {
			r := do(t, env.srv, "GET", "/v1/audit-log"+tc.query, nil, env.admin...)
			fields, _ := r.Body["details"].(map[string]any)["fields"].([]any)
			if r.Status != 422 || len(fields) == 0 || fields[0].(map[string]any)["field"] != tc.field {
				t.Errorf("GET /v1/audit-log%s: %d %s, want 422 naming %s", tc.query, r.Status, r.Raw, tc.field)
			}
		}
		if r := do(t, env.srv, "GET", "/v1/audit-log", nil); r.Status != 401 {
			t.Errorf("anonymous audit log: %d, want 401", r.Status)
		}
	})
}
