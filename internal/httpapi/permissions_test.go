package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// fakeCatalog (transport_test.go) has no permissions; these complete the
// Catalog interface. The routes are tested on the real catalog below.

func (f *fakeCatalog) BlueprintPermissions(context.Context, model.Actor, string) (*model.BlueprintPermissions, error) {
	return nil, model.NotFoundf("fakeCatalog keeps no permissions")
}

func (f *fakeCatalog) BlueprintPermissionsPatch(context.Context, model.Actor, string, json.RawMessage) (before, after *model.BlueprintPermissions, err error) {
	return nil, nil, model.NotFoundf("fakeCatalog keeps no permissions")
}

func TestPermissionRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		bp := map[string]any{"identifier": "service", "title": "Service",
			"schema": map[string]any{"properties": map[string]any{"language": map[string]any{"type": "string"}}}}
		if r := do(t, env.srv, "POST", "/v1/blueprints", bp, env.admin...); r.Status != 201 {
			t.Fatalf("blueprint: %d %s", r.Status, r.Raw)
		}
		callers := map[string][]string{
			"member": env.member(t, "member@atrium.test", nil, nil),
			"mod":    env.member(t, "mod@atrium.test", []string{"service-moderator"}, nil),
		}
		path := "/v1/blueprints/service/permissions"
		runSteps(t, env, callers, []step{
			{name: "get defaults", method: "GET", path: path, wantStatus: 200,
				wantIn: []string{`"permissions":{"entities":{"read":{"roles":["Admin","Member","service-moderator"]`,
					`"updateProperties":{"language":{"roles":["Admin","service-moderator"]`}},
			{name: "get as moderator", as: "mod", method: "GET", path: path, wantStatus: 200},
			{name: "get as member", as: "member", method: "GET", path: path, wantStatus: 403, wantCode: "forbidden",
				wantIn: []string{"service-moderator"}},
			{name: "get anonymously", as: "anon", method: "GET", path: path, wantStatus: 401},
			{name: "get unknown blueprint", method: "GET", path: "/v1/blueprints/nope/permissions", wantStatus: 404},
			{name: "patch", as: "mod", method: "PATCH", path: path,
				body:       map[string]any{"entities": map[string]any{"update": map[string]any{"ownedByTeam": true, "teams": []string{"x"}}}},
				wantStatus: 200, wantIn: []string{`"update":{"roles":["Admin","service-moderator"],"users":[],"teams":["x"],"ownedByTeam":true}`}},
			{name: "patch kept", as: "member", method: "GET", path: "/v1/blueprints/service", wantStatus: 200},
			{name: "patch a bad field", method: "PATCH", path: path,
				body: map[string]any{"entities": map[string]any{"read": map[string]any{"roles": "Admin"}}}, wantStatus: 422,
				wantIn: []string{"roles"}},
			{name: "patch not JSON", method: "PATCH", path: path, body: `{"entities":`, wantStatus: 400},
			{name: "patch as member", as: "member", method: "PATCH", path: path,
				body: map[string]any{"entities": map[string]any{}}, wantStatus: 403},
			{name: "patch unknown blueprint", method: "PATCH", path: "/v1/blueprints/nope/permissions",
				body: map[string]any{"entities": map[string]any{}}, wantStatus: 404},
		})

		// The change is in the audit log with its diff.
		r := do(t, env.srv, "GET", "/v1/audit-log?resources=permissions&status=SUCCESS", nil, env.admin...)
		audits, _ := r.Body["audits"].([]any)
		if r.Status != 200 || len(audits) != 1 {
			t.Fatalf("permission audit entries: %d %s", r.Status, r.Raw)
		}
		e := audits[0].(map[string]any)
		diff, _ := e["diff"].(map[string]any)
		before := diff["before"].(map[string]any)["entities"].(map[string]any)["update"].(map[string]any)
		after := diff["after"].(map[string]any)["entities"].(map[string]any)["update"].(map[string]any)
		got := []any{e["actor"], e["action"], e["blueprint"], before["ownedByTeam"], after["ownedByTeam"]}
		if d := cmp.Diff([]any{"mod@atrium.test", "UPDATE", "service", false, true}, got); d != "" {
			t.Errorf("audit entry (-want +got):\n%s\n%s", d, r.Raw)
		}
	})
}
