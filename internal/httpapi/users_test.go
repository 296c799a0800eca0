package httpapi_test

import (
	"strings"
	"testing"

	"context"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
)

// fakeAccess (authn_test.go) only authenticates; these stubs complete the
// Access interface. Identity routes are tested against the real access
// service (users_test.go and the others).

var errFakeIdentities = &model.KindError{Kind: model.ErrNotFound, Message: "fakeAccess keeps no identities"}

func (*fakeAccess) IssueAccessToken(context.Context, string, string) (*access.AccessToken, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) Login(context.Context, string, string) (*access.Session, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) LoginExternal(context.Context, access.ExternalIdentity) (*access.Session, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) Logout(context.Context, string) error { return nil }

func (*fakeAccess) Principal(context.Context, string) (*model.Principal, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserList(context.Context, model.Actor) ([]*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserGet(context.Context, model.Actor, string) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserCreate(context.Context, model.Actor, *access.UserInput) (*access.User, *access.NewCredential, error) {
	return nil, nil, errFakeIdentities
}

func (*fakeAccess) UserInvite(context.Context, model.Actor, *access.UserInput) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserPatch(context.Context, model.Actor, string, *access.UserPatch) (*access.User, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) UserDelete(context.Context, model.Actor, string) error { return errFakeIdentities }

func (*fakeAccess) UserSetPassword(context.Context, model.Actor, string, string) error {
	return errFakeIdentities
}

func (*fakeAccess) RotateUserCredentials(context.Context, model.Actor, string) ([]access.NewCredential, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamList(context.Context, model.Actor) ([]*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamGet(context.Context, model.Actor, string) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamCreate(context.Context, model.Actor, *access.Team) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamReplace(context.Context, model.Actor, string, *access.Team) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamPatch(context.Context, model.Actor, string, *access.TeamPatch) (*access.Team, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) TeamDelete(context.Context, model.Actor, string) error { return errFakeIdentities }

func (*fakeAccess) AppCreate(context.Context, model.Actor, string, string) (*access.App, string, error) {
	return nil, "", errFakeIdentities
}

func (*fakeAccess) AppList(context.Context, model.Actor) ([]*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppGet(context.Context, model.Actor, string) (*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppRename(context.Context, model.Actor, string, string) (*access.App, error) {
	return nil, errFakeIdentities
}

func (*fakeAccess) AppRotateSecret(context.Context, model.Actor, string) (*access.App, string, error) {
	return nil, "", errFakeIdentities
}

func (*fakeAccess) AppDelete(context.Context, model.Actor, string) error { return errFakeIdentities }

// step is one request of a route test: who sends it (headers), and the
// status, error code and body fragments expected.
type step struct {
	name       string
	as         string // "admin", "member", "anon" or a key of the test's callers
	method     string
	path       string
	body       any
	wantStatus int
	wantCode   string
	wantIn     []string // fragments the raw body must contain
	wantNotIn  []string // fragments it must not contain
}

// runSteps runs steps in order (each builds on the state the previous left).
func runSteps(t *testing.T, env *accessEnv, callers map[string][]string, steps []step) {
	t.Helper()
	for _, s := range steps {
		var hdr []string
		switch s.as {
		case "admin", "":
			hdr = env.admin
		case "anon":
		default:
			hdr = callers[s.as]
		}
		r := do(t, env.srv, s.method, s.path, s.body, hdr...)
		if r.Status != s.wantStatus {
			t.Errorf("%s: %s %s = %d %s, want %d", s.name, s.method, s.path, r.Status, r.Raw, s.wantStatus)
			continue
		}
		if s.wantCode != "" && r.Body["error"] != s.wantCode {
			t.Errorf("%s: error = %v, want %s (%s)", s.name, r.Body["error"], s.wantCode, r.Raw)
		}
		for _, f := range s.wantIn {
			if !strings.Contains(string(r.Raw), f) {
				t.Errorf("%s: body %s does not contain %s", s.name, r.Raw, f)
			}
		}
		for _, f := range s.wantNotIn {
			if strings.Contains(string(r.Raw), f) {
				t.Errorf("%s: body %s contains %s", s.name, r.Raw, f)
			}
		}
	}
}

func TestUserRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		if r := do(t, env.srv, "POST", "/v1/teams", map[string]any{"name": "platform"}, env.admin...); r.Status != 201 {
			t.Fatalf("team: %d %s", r.Status, r.Raw)
		}
		callers := map[string][]string{"member": env.member(t, "member@atrium.test", nil, nil)}
		runSteps(t, env, callers, []step{
			{name: "list", method: "GET", path: "/v1/users", wantStatus: 200,
				wantIn: []string{`"users":[`, `"email":"admin@atrium.test"`, `"email":"member@atrium.test"`}},
			{name: "list as member", as: "member", method: "GET", path: "/v1/users", wantStatus: 200},
			{name: "list anonymously", as: "anon", method: "GET", path: "/v1/users", wantStatus: 401, wantCode: "unauthenticated"},
			{name: "create", method: "POST", path: "/v1/users", body: map[string]any{"email": "Grace@Atrium.test",
				"firstName": "Grace", "lastName": "Hopper", "roles": []string{"Member"}, "teams": []string{"platform"}},
				wantStatus: 201, wantIn: []string{`"email":"grace@atrium.test"`, `"firstName":"Grace"`, `"teams":[{"name":"platform"}]`},
				wantNotIn: []string{"credentials"}},
			{name: "create twice", method: "POST", path: "/v1/users", body: map[string]any{"email": "grace@atrium.test"},
				wantStatus: 409, wantCode: "conflict"},
			{name: "create with a bad email", method: "POST", path: "/v1/users", body: map[string]any{"email": "not-an-email"},
				wantStatus: 422, wantCode: "invalid_request", wantIn: []string{`"field":"email"`}},
			{name: "create without email", method: "POST", path: "/v1/users", body: map[string]any{"firstName": "x"},
				wantStatus: 422, wantIn: []string{`"field":"email"`}},
			{name: "create a bad JSON body", method: "POST", path: "/v1/users", body: `{"email":`, wantStatus: 400},
			{name: "create with an unknown role", method: "POST", path: "/v1/users",
				body: map[string]any{"email": "x@atrium.test", "roles": []string{"nope-moderator"}}, wantStatus: 422,
				wantIn: []string{`"field":"roles`}},
			{name: "create with an unknown team", method: "POST", path: "/v1/users",
				body: map[string]any{"email": "x@atrium.test", "teams": []string{"nope"}}, wantStatus: 422, wantIn: []string{`"field":"teams`}},
			{name: "create with roles not a list", method: "POST", path: "/v1/users",
				body: map[string]any{"email": "x@atrium.test", "roles": "Admin"}, wantStatus: 422, wantIn: []string{"roles"}},
			{name: "create as member", as: "member", method: "POST", path: "/v1/users",
				body: map[string]any{"email": "x@atrium.test"}, wantStatus: 403, wantCode: "forbidden"},
			{name: "invite (Port's shape)", method: "POST", path: "/v1/users/invite",
				body:       map[string]any{"invitee": map[string]any{"email": "ada@atrium.test", "roles": []string{"Admin"}}, "notify": true},
				wantStatus: 200, wantIn: []string{`"status":"Invited"`, `"roles":[{"name":"Admin"}]`}},
			{name: "invite without email", method: "POST", path: "/v1/users/invite", body: map[string]any{"invitee": map[string]any{}},
				wantStatus: 422, wantIn: []string{`"field":"email"`}},
			{name: "invite as member", as: "member", method: "POST", path: "/v1/users/invite",
				body: map[string]any{"invitee": map[string]any{"email": "y@atrium.test"}}, wantStatus: 403},
			{name: "get", as: "member", method: "GET", path: "/v1/users/GRACE@atrium.test", wantStatus: 200,
				wantIn: []string{`"lastName":"Hopper"`}},
			{name: "get unknown", method: "GET", path: "/v1/users/nobody@atrium.test", wantStatus: 404, wantCode: "not_found"},
			{name: "patch", method: "PATCH", path: "/v1/users/grace@atrium.test",
				body: map[string]any{"roles": []string{"Admin"}, "teams": []string{}, "status": "Disabled"}, wantStatus: 200,
				wantIn: []string{`"roles":[{"name":"Admin"}]`, `"teams":[]`, `"status":"Disabled"`}},
			{name: "patch a bad status", method: "PATCH", path: "/v1/users/grace@atrium.test",
				body: map[string]any{"status": "Gone"}, wantStatus: 422, wantIn: []string{"status"}},
			{name: "patch unknown", method: "PATCH", path: "/v1/users/nobody@atrium.test", body: map[string]any{}, wantStatus: 404},
			{name: "patch as member", as: "member", method: "PATCH", path: "/v1/users/grace@atrium.test",
				body: map[string]any{"firstName": "G"}, wantStatus: 403},
			{name: "set own password", as: "member", method: "PUT", path: "/v1/users/member@atrium.test/password",
				body: map[string]any{"password": "a long enough password"}, wantStatus: 200},
			{name: "set another's password as member", as: "member", method: "PUT", path: "/v1/users/grace@atrium.test/password",
				body: map[string]any{"password": "a long enough password"}, wantStatus: 403},
			{name: "set a short password", method: "PUT", path: "/v1/users/grace@atrium.test/password",
				body: map[string]any{"password": "short"}, wantStatus: 422, wantIn: []string{"password"}, wantNotIn: []string{"short\""}},
			{name: "set no password", method: "PUT", path: "/v1/users/grace@atrium.test/password",
				body: map[string]any{}, wantStatus: 422, wantIn: []string{`"field":"password"`}},
			{name: "set a password for an unknown user", method: "PUT", path: "/v1/users/nobody@atrium.test/password",
				body: map[string]any{"password": "a long enough password"}, wantStatus: 404},
			{name: "rotate another's credentials as member", as: "member", method: "POST",
				path: "/v1/rotate-credentials/admin@atrium.test", wantStatus: 403},
			{name: "rotate an unknown user's credentials", method: "POST", path: "/v1/rotate-credentials/nobody@atrium.test", wantStatus: 404},
			{name: "delete as member", as: "member", method: "DELETE", path: "/v1/users/grace@atrium.test", wantStatus: 403},
			{name: "delete", method: "DELETE", path: "/v1/users/grace@atrium.test", wantStatus: 200, wantIn: []string{`{"ok":true}`}},
			{name: "delete again", method: "DELETE", path: "/v1/users/grace@atrium.test", wantStatus: 404},
			{name: "get deleted", method: "GET", path: "/v1/users/grace@atrium.test", wantStatus: 404},
			{name: "rotate own credentials", as: "member", method: "POST", path: "/v1/rotate-credentials/member@atrium.test",
				wantStatus: 200, wantIn: []string{`"credentials":[{"clientId":"atrci_`, `"clientSecret":"atrcs_`}},
		})
		// Rotating revoked the member's token.
		if r := do(t, env.srv, "GET", "/v1/users", nil, callers["member"]...); r.Status != 401 {
			t.Errorf("member's token after rotation: %d %s, want 401", r.Status, r.Raw)
		}
	})
}
