package httpapi_test

import (
	"testing"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func TestTeamRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		callers := map[string][]string{"member": env.member(t, "member@atrium.test", nil, nil)}
		runSteps(t, env, callers, []step{
			{name: "list empty", method: "GET", path: "/v1/teams", wantStatus: 200, wantIn: []string{`{"ok":true,"teams":[]}`}},
			{name: "create", method: "POST", path: "/v1/teams",
				body:       map[string]any{"name": "platform", "description": "Platform", "users": []string{"member@atrium.test"}},
				wantStatus: 201, wantIn: []string{`"name":"platform"`, `"description":"Platform"`, `"users":["member@atrium.test"]`}},
			{name: "create twice", method: "POST", path: "/v1/teams", body: map[string]any{"name": "platform"},
				wantStatus: 409, wantCode: "conflict"},
			{name: "create without a name", method: "POST", path: "/v1/teams", body: map[string]any{"description": "x"},
				wantStatus: 422, wantIn: []string{`"field":"name"`}},
			{name: "create with users not a list", method: "POST", path: "/v1/teams", body: map[string]any{"name": "x", "users": "a"},
				wantStatus: 422, wantIn: []string{"users"}},
			{name: "create with an unknown user", method: "POST", path: "/v1/teams",
				body: map[string]any{"name": "x", "users": []string{"nobody@atrium.test"}}, wantStatus: 422, wantIn: []string{"users"}},
			{name: "create as member", as: "member", method: "POST", path: "/v1/teams", body: map[string]any{"name": "x"},
				wantStatus: 403, wantCode: "forbidden"},
			{name: "create anonymously", as: "anon", method: "POST", path: "/v1/teams", body: map[string]any{"name": "x"},
				wantStatus: 401},
			{name: "list as member", as: "member", method: "GET", path: "/v1/teams", wantStatus: 200,
				wantIn: []string{`"name":"platform"`}},
			{name: "get", as: "member", method: "GET", path: "/v1/teams/platform", wantStatus: 200,
				wantIn: []string{`"users":["member@atrium.test"]`}},
			{name: "get unknown", method: "GET", path: "/v1/teams/nope", wantStatus: 404, wantCode: "not_found"},
			{name: "replace", method: "PUT", path: "/v1/teams/platform", body: map[string]any{"description": "P2"},
				wantStatus: 200, wantIn: []string{`"description":"P2"`, `"users":[]`}},
			{name: "replace with another name", method: "PUT", path: "/v1/teams/platform", body: map[string]any{"name": "other"},
				wantStatus: 422, wantIn: []string{`"field":"name"`}},
			{name: "replace unknown", method: "PUT", path: "/v1/teams/nope", body: map[string]any{}, wantStatus: 404},
			{name: "replace as member", as: "member", method: "PUT", path: "/v1/teams/platform", body: map[string]any{},
				wantStatus: 403},
			{name: "patch: add a member and rename", method: "PATCH", path: "/v1/teams/platform",
				body: map[string]any{"name": "infra", "users": []string{"member@atrium.test"}}, wantStatus: 200,
				wantIn: []string{`"name":"infra"`, `"description":"P2"`, `"users":["member@atrium.test"]`}},
			{name: "old name gone", method: "GET", path: "/v1/teams/platform", wantStatus: 404},
			{name: "the member follows the rename", method: "GET", path: "/v1/users/member@atrium.test", wantStatus: 200,
				wantIn: []string{`"teams":[{"name":"infra"}]`}},
			{name: "patch with description not a string", method: "PATCH", path: "/v1/teams/infra",
				body: map[string]any{"description": 5}, wantStatus: 422, wantIn: []string{"description"}},
			{name: "patch as member", as: "member", method: "PATCH", path: "/v1/teams/infra", body: map[string]any{},
				wantStatus: 403},
			{name: "delete as member", as: "member", method: "DELETE", path: "/v1/teams/infra", wantStatus: 403},
			{name: "delete", method: "DELETE", path: "/v1/teams/infra", wantStatus: 200},
			{name: "delete again", method: "DELETE", path: "/v1/teams/infra", wantStatus: 404},
			{name: "the member left it", method: "GET", path: "/v1/users/member@atrium.test", wantStatus: 200,
				wantIn: []string{`"teams":[]`}},
		})
	})
}
