package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// The authorization matrix: every route × every kind of caller, on a real
// server (catalog, events, audit) over both stores.

// Callers of the matrix, in the order of a row's want.
const (
	anon = iota
	member
	owner
	moderator
	admin
	callers
)

var callerNames = [callers]string{"anon", "member", "owner", "mod", "admin"}

// matrixEnv is a server with the fixtures of the matrix.
type matrixEnv struct {
	srv    *httptest.Server
	api    *httpapi.Server
	cat    *catalog.Service
	acc    *access.Service
	audit  *audit.Service
	tokens [callers]string // bearer token per caller; "" for anon
	// vars fill a row's {placeholders}: generated app ids and secrets.
	vars map[string]string
}

// matrixUsers are the callers' users (roles, teams); anon has none.
var matrixUsers = [callers]*access.UserInput{
	member:    {Email: "member@x.io", Roles: []string{model.RoleMember}},
	owner:     {Email: "owner@x.io", Roles: []string{model.RoleMember}, Teams: []string{"owners"}},
	moderator: {Email: "mod@x.io", Roles: []string{model.ModeratorRole("service"), model.ModeratorRole("bp-mod")}},
	admin:     {Email: "admin@x.io", Roles: []string{model.RoleAdmin}},
}

// setupMatrix builds the server and the fixtures: team "owners"; blueprint
// "service" whose update permission is ownedByTeam, with entity "svc" owned
// by "owners"; and per caller w (so destructive rows do not interfere)
// entities e-w and d-w of "service" and blueprint bp-w with a property p,
// relations rel and other to service, and a mirror m.
func setupMatrix(t *testing.T, st store.Store) *matrixEnv {
	t.Helper()
	ctx := context.Background() // no actor: trusted fixture setup
	clk := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	svc := newServices(t, st, clk, nil)
	hub, cat, aud, acc := svc.hub, svc.cat, svc.aud, svc.acc
	env := &matrixEnv{cat: cat, acc: acc, audit: aud, vars: map[string]string{}}
	api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub, Clock: clk, Access: acc, Audit: aud, AuditLog: aud, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	env.api = api
	env.srv = httptest.NewServer(api)
	t.Cleanup(env.srv.Close)

	trusted := model.Actor{ID: "fixture", Origin: model.OriginAPI}
	// newApp makes a credential of user and returns its id and secret.
	newApp := func(name, user string) (string, string) {
		t.Helper()
		app, secret, err := acc.AppCreate(ctx, trusted, name, user)
		if err != nil {
			t.Fatalf("app %s: %v", name, err)
		}
		return app.ID, secret
	}
	mustBP := func(js string) {
		t.Helper()
		var bp model.Blueprint
		if err := json.Unmarshal([]byte(js), &bp); err != nil {
			t.Fatal(err)
		}
		if _, err := cat.BlueprintCreate(ctx, trusted, &bp); err != nil {
			t.Fatalf("blueprint %s: %v", bp.Identifier, err)
		}
	}
	mustEntity := func(bp, js string) {
		t.Helper()
		var in model.EntityInput
		if err := json.Unmarshal([]byte(js), &in); err != nil {
			t.Fatal(err)
		}
		if _, err := cat.EntityCreate(ctx, trusted, bp, &in, catalog.WriteOptions{}); err != nil {
			t.Fatalf("entity %s %s: %v", bp, js, err)
		}
	}
	mustBP(`{"identifier":"service","title":"Service","ownership":{"type":"Direct"},"schema":{"properties":{"language":{"type":"string"}}}}`)
	if _, _, err := cat.BlueprintPermissionsPatch(ctx, trusted, "service",
		json.RawMessage(`{"entities":{"update":{"ownedByTeam":true}}}`)); err != nil {
		t.Fatalf("permissions: %v", err)
	}
	mustEntity("_team", `{"identifier":"owners"}`)
	mustEntity("service", `{"identifier":"svc","title":"Svc","team":["owners"],"properties":{"language":"go"}}`)
	for _, w := range callerNames {
		mustEntity("service", fmt.Sprintf(`{"identifier":"e-%s","team":["owners"]}`, w))
		mustEntity("service", fmt.Sprintf(`{"identifier":"d-%s","team":["owners"]}`, w))
		mustBP(fmt.Sprintf(`{"identifier":"bp-%s","title":"BP","schema":{"properties":{"p":{"type":"string"}}},
			"relations":{"rel":{"target":"service","many":false},"other":{"target":"service","many":false}},
			"mirrorProperties":{"m":{"path":"rel.$title"}}}`, w))
		mustEntity("bp-"+w, `{"identifier":"x"}`)
		mustEntity("_team", fmt.Sprintf(`{"identifier":"t-%s"}`, w))
		if _, _, err := acc.UserCreate(ctx, trusted, &access.UserInput{Email: "u-" + w + "@x.io"}); err != nil {
			t.Fatalf("user u-%s: %v", w, err)
		}
	}
	for c := member; c < callers; c++ {
		if _, _, err := acc.UserCreate(ctx, trusted, matrixUsers[c]); err != nil {
			t.Fatalf("user %s: %v", matrixUsers[c].Email, err)
		}
		id, secret := newApp("token-"+callerNames[c], matrixUsers[c].Email)
		tok, err := acc.IssueAccessToken(ctx, id, secret)
		if err != nil {
			t.Fatalf("token of %s: %v", matrixUsers[c].Email, err)
		}
		env.tokens[c] = tok.Token
	}
	for _, w := range callerNames {
		id, _ := newApp("app-"+w, "admin@x.io")
		env.vars["{app-"+w+"}"] = id
	}
	// A credential and a password anyone may sign in with.
	id, secret := newApp("sign-in", "member@x.io")
	env.vars["{clientId}"], env.vars["{clientSecret}"] = id, secret
	if err := acc.UserSetPassword(ctx, trusted, "member@x.io", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	return env
}

// fill replaces {who} and the env's variables in s.
func (env *matrixEnv) fill(s, who string) string {
	s = strings.ReplaceAll(s, "{who}", who)
	for k, v := range env.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	s = strings.ReplaceAll(s, "{app}", env.vars["{app-"+who+"}"])
	return s
}

// send makes one request as caller c; a stream request returns as soon as
// the headers arrive.
func (env *matrixEnv) send(t *testing.T, c int, method, path string, body any, stream bool) apiResponse {
	t.Helper()
	var hdr []string
	if env.tokens[c] != "" {
		hdr = append(hdr, "Authorization", "Bearer "+env.tokens[c])
	}
	if !stream {
		return do(t, env.srv, method, path, body, hdr...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, env.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := env.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	res.Body.Close()
	return apiResponse{Status: res.StatusCode, Header: res.Header}
}

// matrixRow is one route's expectations: path and body may hold {who}, the
// caller's name (so each caller writes its own fixtures).
type matrixRow struct {
	route  string // as registered, e.g. "GET /v1/blueprints/{identifier}"
	path   string
	body   string
	stream bool
	want   [callers]int
}

// w lists the wanted status per caller: anon, member, owner, mod, admin.
func w(a, m, o, mod, adm int) [callers]int { return [callers]int{a, m, o, mod, adm} }

// everyone is the want of a route every signed-in caller may use.
var everyone = w(401, 200, 200, 200, 200)

// public is the want of a route that needs no credential.
var public = w(200, 200, 200, 200, 200)

// matrixRows run in this order (renames before the blueprint delete).
var matrixRows = []matrixRow{
	{route: "GET /healthz", path: "/healthz", want: public},
	{route: "GET /readyz", path: "/readyz", want: public},
	{route: "GET /v1/openapi.json", path: "/v1/openapi.json", want: public},
	{route: "GET /v1/openapi.yaml", path: "/v1/openapi.yaml", want: public},

	{route: "GET /v1/blueprints", path: "/v1/blueprints", want: everyone},
	{route: "POST /v1/blueprints", path: "/v1/blueprints",
		body: `{"identifier":"new-{who}","title":"N","schema":{"properties":{}}}`, want: w(401, 403, 403, 403, 201)},
	{route: "GET /v1/blueprints/{identifier}", path: "/v1/blueprints/service", want: everyone},
	{route: "PUT /v1/blueprints/{identifier}", path: "/v1/blueprints/bp-{who}",
		body: `{"identifier":"bp-{who}","title":"BP2","schema":{"properties":{"p":{"type":"string"}}},
			"relations":{"rel":{"target":"service","many":false},"other":{"target":"service","many":false}},
			"mirrorProperties":{"m":{"path":"rel.$title"}}}`, want: w(401, 403, 403, 200, 200)},
	{route: "PATCH /v1/blueprints/{identifier}", path: "/v1/blueprints/bp-{who}", body: `{"title":"BP3"}`, want: w(401, 403, 403, 200, 200)},
	{route: "PATCH /v1/blueprints/{blueprint}/properties/{property}/rename", path: "/v1/blueprints/bp-{who}/properties/p/rename",
		body: `{"newPropertyName":"p2"}`, want: w(401, 403, 403, 200, 200)},
	{route: "PATCH /v1/blueprints/{blueprint}/mirror/{mirror}/rename", path: "/v1/blueprints/bp-{who}/mirror/m/rename",
		body: `{"newMirrorName":"m2"}`, want: w(401, 403, 403, 200, 200)},
	{route: "PATCH /v1/blueprints/{blueprint}/relations/{relation}/rename", path: "/v1/blueprints/bp-{who}/relations/other/rename",
		body: `{"newRelationIdentifier":"other2"}`, want: w(401, 403, 403, 200, 200)},

	{route: "POST /v1/blueprints/{blueprint}/entities", path: "/v1/blueprints/service/entities",
		body: `{"identifier":"new-{who}","team":["owners"]}`, want: w(401, 403, 403, 201, 201)},
	{route: "GET /v1/blueprints/{blueprint}/entities", path: "/v1/blueprints/service/entities", want: everyone},
	{route: "POST /v1/blueprints/{blueprint}/entities/bulk", path: "/v1/blueprints/service/entities/bulk",
		body: `{"entities":[{"identifier":"bulk-{who}","team":["owners"]}]}`, want: w(401, 207, 207, 200, 200)},
	{route: "GET /v1/blueprints/{blueprint}/entities/{entity}", path: "/v1/blueprints/service/entities/svc", want: everyone},
	{route: "PUT /v1/blueprints/{blueprint}/entities/{entity}", path: "/v1/blueprints/service/entities/e-{who}",
		body: `{"identifier":"e-{who}","title":"E","team":["owners"]}`, want: w(401, 403, 200, 200, 200)},
	{route: "PATCH /v1/blueprints/{blueprint}/entities/{entity}", path: "/v1/blueprints/service/entities/svc",
		body: `{"title":"Svc {who}"}`, want: w(401, 403, 200, 200, 200)},
	{route: "GET /v1/blueprints/{blueprint}/entities-count", path: "/v1/blueprints/service/entities-count", want: everyone},
	{route: "POST /v1/blueprints/{blueprint}/entities-count", path: "/v1/blueprints/service/entities-count", body: `{}`, want: everyone},
	{route: "POST /v1/blueprints/{blueprint}/entities/search", path: "/v1/blueprints/service/entities/search", body: `{}`, want: everyone},
	{route: "GET /v1/blueprints/{blueprint}/entities/{entity}/history", path: "/v1/blueprints/service/entities/svc/history", want: everyone},
	{route: "GET /v1/blueprints/{blueprint}/entities/{entity}/impact", path: "/v1/blueprints/service/entities/svc/impact", want: everyone},
	{route: "POST /v1/entities/search", path: "/v1/entities/search", body: `{"combinator":"and","rules":[]}`, want: everyone},
	{route: "POST /v1/entities/aggregate", path: "/v1/entities/aggregate", body: `{"func":"count"}`, want: everyone},
	{route: "POST /v1/entities/properties-history", path: "/v1/entities/properties-history",
		body: `{"entityIdentifier":"svc","blueprintIdentifier":"service","propertyNames":["language"],"timeInterval":"day","timeRange":{"preset":"last7Days"}}`,
		want: everyone},
	{route: "GET /v1/search", path: "/v1/search?q=svc", want: everyone},
	{route: "GET /v1/catalog/diff", path: "/v1/catalog/diff?from=2026-01-01T00:00:00Z", want: everyone},
	{route: "GET /v1/events/stream", path: "/v1/events/stream", stream: true, want: everyone},

	{route: "GET /v1/blueprints/{identifier}/permissions", path: "/v1/blueprints/service/permissions", want: w(401, 403, 403, 200, 200)},
	{route: "PATCH /v1/blueprints/{identifier}/permissions", path: "/v1/blueprints/bp-{who}/permissions",
		body: `{"entities":{"register":{"roles":["Member"]}}}`, want: w(401, 403, 403, 200, 200)},

	{route: "POST /v1/auth/access_token", path: "/v1/auth/access_token",
		body: `{"clientId":"{clientId}","clientSecret":"{clientSecret}"}`, want: public},
	{route: "POST /v1/auth/login", path: "/v1/auth/login",
		body: `{"email":"member@x.io","password":"correct horse battery staple"}`, want: public},
	{route: "GET /v1/auth/me", path: "/v1/auth/me", want: everyone},
	{route: "GET /v1/auth/providers", path: "/v1/auth/providers", want: public},
	// SSO is off in the matrix: the routes are public and answer 404.
	{route: "GET /v1/auth/oidc/login", path: "/v1/auth/oidc/login", want: w(404, 404, 404, 404, 404)},
	{route: "GET /v1/auth/oidc/callback", path: "/v1/auth/oidc/callback?state=s&code=c", want: w(404, 404, 404, 404, 404)},

	{route: "GET /v1/users", path: "/v1/users", want: everyone},
	{route: "POST /v1/users", path: "/v1/users", body: `{"email":"new-{who}@x.io"}`, want: w(401, 403, 403, 403, 201)},
	{route: "POST /v1/users/invite", path: "/v1/users/invite", body: `{"invitee":{"email":"inv-{who}@x.io"}}`, want: w(401, 403, 403, 403, 200)},
	{route: "GET /v1/users/{email}", path: "/v1/users/member@x.io", want: everyone},
	{route: "PATCH /v1/users/{email}", path: "/v1/users/u-{who}@x.io", body: `{"firstName":"U"}`, want: w(401, 403, 403, 403, 200)},
	{route: "PUT /v1/users/{email}/password", path: "/v1/users/u-{who}@x.io/password", body: `{"password":"another long passphrase"}`, want: w(401, 403, 403, 403, 200)},
	{route: "POST /v1/rotate-credentials/{user_email}", path: "/v1/rotate-credentials/u-{who}@x.io", want: w(401, 403, 403, 403, 200)},
	{route: "DELETE /v1/users/{email}", path: "/v1/users/u-{who}@x.io", want: w(401, 403, 403, 403, 200)},

	{route: "GET /v1/teams", path: "/v1/teams", want: everyone},
	{route: "POST /v1/teams", path: "/v1/teams", body: `{"name":"nt-{who}"}`, want: w(401, 403, 403, 403, 201)},
	{route: "GET /v1/teams/{name}", path: "/v1/teams/owners", want: everyone},
	{route: "PUT /v1/teams/{name}", path: "/v1/teams/t-{who}", body: `{"name":"t-{who}","description":"d"}`, want: w(401, 403, 403, 403, 200)},
	{route: "PATCH /v1/teams/{name}", path: "/v1/teams/t-{who}", body: `{"description":"e"}`, want: w(401, 403, 403, 403, 200)},
	{route: "DELETE /v1/teams/{name}", path: "/v1/teams/t-{who}", want: w(401, 403, 403, 403, 200)},

	{route: "GET /v1/apps", path: "/v1/apps", want: everyone},
	{route: "POST /v1/apps", path: "/v1/apps", body: `{"name":"new-{who}"}`, want: w(401, 403, 403, 403, 201)},
	{route: "GET /v1/apps/{id}", path: "/v1/apps/{app}", want: w(401, 404, 404, 404, 200)},
	{route: "PUT /v1/apps/{id}", path: "/v1/apps/{app}", body: `{"name":"renamed"}`, want: w(401, 403, 403, 403, 200)},
	{route: "POST /v1/apps/{id}/rotate-secret", path: "/v1/apps/{app}/rotate-secret", want: w(401, 403, 403, 403, 200)},
	{route: "DELETE /v1/apps/{id}", path: "/v1/apps/{app}", want: w(401, 403, 403, 403, 200)},

	{route: "GET /v1/audit-log", path: "/v1/audit-log", want: everyone},

	{route: "DELETE /v1/blueprints/{blueprint}/entities/{entity}", path: "/v1/blueprints/service/entities/d-{who}", want: w(401, 403, 403, 200, 200)},
	{route: "POST /v1/blueprints/{blueprint}/bulk/entities/delete", path: "/v1/blueprints/service/bulk/entities/delete",
		body: `{"entities":["e-{who}"]}`, want: w(401, 403, 403, 200, 200)},
	{route: "DELETE /v1/blueprints/{blueprint}/all-entities", path: "/v1/blueprints/bp-{who}/all-entities", want: w(401, 403, 403, 200, 200)},
	{route: "DELETE /v1/blueprints/{identifier}", path: "/v1/blueprints/bp-{who}", want: w(401, 403, 403, 200, 200)},
	// Last: signing out revokes the caller's token.
	{route: "POST /v1/auth/logout", path: "/v1/auth/logout", want: public},
}

// TestAuthorizationMatrix walks every registered route: each must have a
// row, and each row's status per caller must match.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		env := setupMatrix(t, st)
		routes := env.api.Routes()
		covered := map[string]bool{}
		for _, r := range matrixRows {
			covered[r.route] = true
		}
		for _, route := range routes {
			if !covered[route] {
				t.Errorf("route %s has no row in matrixRows: add what each caller may do", route)
			}
		}
		for _, row := range matrixRows {
			if !slices.Contains(routes, row.route) {
				t.Errorf("matrix row %s names no registered route", row.route)
			}
			for c := anon; c < callers; c++ {
				who := callerNames[c]
				path := env.fill(row.path, who)
				var body any
				if row.body != "" {
					body = env.fill(row.body, who)
				}
				method, _, _ := strings.Cut(row.route, " ")
				r := env.send(t, c, method, path, body, row.stream)
				if r.Status != row.want[c] {
					t.Errorf("%s %s as %s: status %d, want %d; %s", method, path, who, r.Status, row.want[c], r.Raw)
				}
			}
		}
	})
}

// TestEveryWriteIsAudited: each mutating route, called by the Admin, leaves
// exactly one audit entry under its request id naming the route.
func TestEveryWriteIsAudited(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		env := setupMatrix(t, st)
		for _, row := range matrixRows {
			method, _, _ := strings.Cut(row.route, " ")
			if method == http.MethodGet && row.route != "GET /v1/auth/oidc/callback" {
				continue
			}
			path := env.fill(row.path, "admin")
			body := env.fill(row.body, "admin")
			rid := "audit-" + strings.NewReplacer(" ", "-", "/", "-", "{", "", "}", "").Replace(row.route)
			hdr := []string{"Authorization", "Bearer " + env.tokens[admin], httpapi.HeaderRequestID, rid}
			var b any
			if body != "" {
				b = body
			}
			r := do(t, env.srv, method, path, b, hdr...)
			entries, err := env.audit.List(context.Background(), model.Actor{ID: "test"}, audit.ListParams{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var mine []*model.AuditEntry
			for _, e := range entries {
				if e.RequestID == rid {
					mine = append(mine, e)
				}
			}
			isRead := isReadRoute(row.route)
			switch {
			case isRead && len(mine) != 0:
				t.Errorf("%s is a read but left %d audit entries", row.route, len(mine))
			case !isRead && len(mine) != 1:
				t.Errorf("%s (status %d) left %d audit entries under its request id, want 1", row.route, r.Status, len(mine))
			case !isRead:
				e := mine[0]
				if e.Route != row.route || (e.Actor != "admin@x.io" && !strings.HasPrefix(row.route, "POST /v1/auth/")) || e.StatusCode != r.Status || e.Action == "" || e.Resource == "" {
					t.Errorf("%s: entry %+v does not match the request (status %d)", row.route, e, r.Status)
				}
			}
		}
	})
}

// isReadRoute lists the POST routes that only read (they are not audited).
func isReadRoute(route string) bool {
	switch route {
	case "POST /v1/blueprints/{blueprint}/entities-count", "POST /v1/blueprints/{blueprint}/entities/search",
		"POST /v1/entities/search", "POST /v1/entities/aggregate", "POST /v1/entities/properties-history":
		return true
	}
	return false
}
