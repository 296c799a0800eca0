package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func TestAppRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		callers := map[string][]string{"member": env.member(t, "member@atrium.test", nil, nil)}

		r := do(t, env.srv, "POST", "/v1/apps", map[string]any{"name": "deploy bot", "user": "member@atrium.test"}, env.admin...)
		app, _ := r.Body["app"].(map[string]any)
		id, _ := r.Body["clientId"].(string)
		secret, _ := r.Body["clientSecret"].(string)
		if r.Status != http.StatusCreated || !strings.HasPrefix(id, "atrci_") || !strings.HasPrefix(secret, "atrcs_") ||
			app["id"] != id || app["user"] != "member@atrium.test" || app["name"] != "deploy bot" {
			t.Fatalf("create app: %d %s", r.Status, r.Raw)
		}
		if strings.Count(string(r.Raw), secret) != 1 {
			t.Errorf("create app: the secret appears %d times in %s, want once", strings.Count(string(r.Raw), secret), r.Raw)
		}
		tok := env.token(t, id, secret)
		appPath := "/v1/apps/" + id

		runSteps(t, env, callers, []step{
			{name: "list", method: "GET", path: "/v1/apps", wantStatus: 200, wantIn: []string{`"apps":[`, id}, wantNotIn: []string{secret}},
			{name: "list as member: own only", as: "member", method: "GET", path: "/v1/apps", wantStatus: 200,
				wantIn: []string{id}, wantNotIn: []string{secret, `"user":"admin@atrium.test"`}},
			{name: "get", method: "GET", path: appPath, wantStatus: 200, wantIn: []string{`"name":"deploy bot"`}, wantNotIn: []string{secret}},
			{name: "get own as member", as: "member", method: "GET", path: appPath, wantStatus: 200, wantNotIn: []string{secret}},
			{name: "get unknown", method: "GET", path: "/v1/apps/atrci_nope", wantStatus: 404, wantCode: "not_found"},
			{name: "create without a name", method: "POST", path: "/v1/apps", body: map[string]any{"user": "member@atrium.test"},
				wantStatus: 422, wantIn: []string{`"field":"name"`}},
			{name: "create for an unknown user", method: "POST", path: "/v1/apps",
				body: map[string]any{"name": "x", "user": "nobody@atrium.test"}, wantStatus: 422, wantIn: []string{`"field":"user"`}},
			{name: "create as member", as: "member", method: "POST", path: "/v1/apps", body: map[string]any{"name": "x"},
				wantStatus: 403, wantCode: "forbidden"},
			{name: "rename", method: "PUT", path: appPath, body: map[string]any{"name": "release bot"}, wantStatus: 200,
				wantIn: []string{`"name":"release bot"`}, wantNotIn: []string{secret}},
			{name: "rename to nothing", method: "PUT", path: appPath, body: map[string]any{"name": ""}, wantStatus: 422,
				wantIn: []string{`"field":"name"`}},
			{name: "rename with name not a string", method: "PUT", path: appPath, body: map[string]any{"name": 1}, wantStatus: 422,
				wantIn: []string{"name"}},
			{name: "rename unknown", method: "PUT", path: "/v1/apps/atrci_nope", body: map[string]any{"name": "x"}, wantStatus: 404},
			{name: "rename as member", as: "member", method: "PUT", path: appPath, body: map[string]any{"name": "x"}, wantStatus: 403},
			{name: "rotate as member", as: "member", method: "POST", path: appPath + "/rotate-secret", wantStatus: 403},
			{name: "rotate unknown", method: "POST", path: "/v1/apps/atrci_nope/rotate-secret", wantStatus: 404},
		})

		// Rotation: a new secret, once; the old secret and its tokens stop working.
		r = do(t, env.srv, "POST", appPath+"/rotate-secret", nil, env.admin...)
		newSecret, _ := r.Body["clientSecret"].(string)
		if r.Status != 200 || !strings.HasPrefix(newSecret, "atrcs_") || newSecret == secret || strings.Count(string(r.Raw), newSecret) != 1 {
			t.Fatalf("rotate: %d %s", r.Status, r.Raw)
		}
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, bearer(tok)...); r.Status != 401 {
			t.Errorf("token of the old secret: %d, want 401", r.Status)
		}
		if r := do(t, env.srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": id, "clientSecret": secret}); r.Status != 401 {
			t.Errorf("old secret: %d, want 401", r.Status)
		}
		tok = env.token(t, id, newSecret)

		// Neither secret shows in any later read, the audit log included.
		for _, path := range []string{"/v1/apps", appPath, "/v1/audit-log?limit=1000"} {
			r := do(t, env.srv, "GET", path, nil, env.admin...)
			if r.Status != 200 || strings.Contains(string(r.Raw), secret) || strings.Contains(string(r.Raw), newSecret) {
				t.Errorf("GET %s: %d, secret leaked or failed: %s", path, r.Status, r.Raw)
			}
		}

		runSteps(t, env, callers, []step{
			{name: "delete as member", as: "member", method: "DELETE", path: appPath, wantStatus: 403},
			{name: "delete", method: "DELETE", path: appPath, wantStatus: 200},
			{name: "delete again", method: "DELETE", path: appPath, wantStatus: 404},
			{name: "get deleted", method: "GET", path: appPath, wantStatus: 404},
		})
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, bearer(tok)...); r.Status != 401 {
			t.Errorf("token of a deleted app: %d, want 401", r.Status)
		}
	})
}
