package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// fakeAccess resolves fixed tokens and sessions; transport tests of the
// guard need no store (the matrix test runs the real access service).
type fakeAccess struct {
	tokens   map[string]*model.Principal
	sessions map[string]*model.Principal // session → principal; its CSRF token is "csrf-"+session
}

func (f *fakeAccess) Authenticate(_ context.Context, token string) (*model.Principal, error) {
	if p, ok := f.tokens[token]; ok {
		return p, nil
	}
	return nil, &model.KindError{Kind: model.ErrUnauthenticated, Message: "invalid or expired token"}
}

func (f *fakeAccess) AuthenticateSession(_ context.Context, session, csrf string, write bool) (*model.Principal, error) {
	p, ok := f.sessions[session]
	if !ok {
		return nil, &model.KindError{Kind: model.ErrUnauthenticated, Message: "invalid or expired session"}
	}
	if write && csrf != "csrf-"+session {
		return nil, &model.KindError{Kind: model.ErrForbidden, Message: "forbidden: missing or wrong " + httpapi.HeaderCSRF}
	}
	return p, nil
}

// memAuditor keeps recorded entries in memory.
type memAuditor struct {
	mu      sync.Mutex
	entries []model.AuditEntry
	err     error
}

func (m *memAuditor) Record(_ context.Context, e *model.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, *e)
	return m.err
}

func (m *memAuditor) all() []model.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries)
}

var (
	adminP  = &model.Principal{UserID: "admin@x", Roles: []string{model.RoleAdmin}}
	memberP = &model.Principal{UserID: "member@x", Roles: []string{model.RoleMember}, Teams: []string{"owners"}}
)

func newFakeAccess() *fakeAccess {
	return &fakeAccess{
		tokens:   map[string]*model.Principal{"admin-token": adminP, "member-token": memberP},
		sessions: map[string]*model.Principal{"member-session": memberP},
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv, fc, _ := setupFake(t, httpapi.Options{Access: newFakeAccess()})
	session := "atrium_session=member-session"
	tests := []struct {
		name       string
		method     string
		path       string
		hdr        []string
		wantStatus int
		wantCode   string
		wantActor  string // the actor the catalog saw, for writes that pass
	}{
		{name: "no credential", method: "GET", path: "/v1/blueprints", wantStatus: 401, wantCode: "unauthenticated"},
		{name: "bad token", method: "GET", path: "/v1/blueprints", hdr: []string{"Authorization", "Bearer nope"}, wantStatus: 401, wantCode: "unauthenticated"},
		{name: "malformed header", method: "GET", path: "/v1/blueprints", hdr: []string{"Authorization", "Basic abc"}, wantStatus: 401, wantCode: "unauthenticated"},
		{name: "member token reads", method: "GET", path: "/v1/blueprints", hdr: []string{"Authorization", "Bearer member-token"}, wantStatus: 200},
		{name: "scheme is case-insensitive", method: "GET", path: "/v1/blueprints", hdr: []string{"Authorization", "bearer member-token"}, wantStatus: 200},
		{name: "member writes an entity", method: "DELETE", path: "/v1/blueprints/service/entities/a", hdr: []string{"Authorization", "Bearer member-token"}, wantStatus: 200, wantActor: "member@x"},
		{name: "member may not create a blueprint", method: "POST", path: "/v1/blueprints", hdr: []string{"Authorization", "Bearer member-token"}, wantStatus: 403, wantCode: "forbidden"},
		{name: "admin creates a blueprint", method: "POST", path: "/v1/blueprints", hdr: []string{"Authorization", "Bearer admin-token"}, wantStatus: 201, wantActor: "admin@x"},
		{name: "session reads without CSRF", method: "GET", path: "/v1/blueprints", hdr: []string{"Cookie", session}, wantStatus: 200},
		{name: "session write without CSRF", method: "DELETE", path: "/v1/blueprints/service/entities/a", hdr: []string{"Cookie", session}, wantStatus: 403, wantCode: "forbidden"},
		{name: "session write with CSRF", method: "DELETE", path: "/v1/blueprints/service/entities/a", hdr: []string{"Cookie", session, httpapi.HeaderCSRF, "csrf-member-session"}, wantStatus: 200, wantActor: "member@x"},
		{name: "unknown session", method: "GET", path: "/v1/blueprints", hdr: []string{"Cookie", "atrium_session=other"}, wantStatus: 401, wantCode: "unauthenticated"},
		{name: "health is public", method: "GET", path: "/healthz", wantStatus: 200},
		{name: "openapi is public", method: "GET", path: "/v1/openapi.json", wantStatus: 200},
		{name: "public route ignores a bad token", method: "GET", path: "/healthz", hdr: []string{"Authorization", "Bearer nope"}, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := any(nil)
			if tc.method == "POST" {
				body = map[string]any{"identifier": "svc", "title": "Svc", "schema": map[string]any{"properties": map[string]any{}}}
			}
			r := do(t, srv, tc.method, tc.path, body, tc.hdr...)
			if tc.wantCode != "" {
				wantError(t, r, tc.wantStatus, tc.wantCode)
			} else if r.Status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", r.Status, tc.wantStatus, r.Raw)
			}
			if tc.wantStatus == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if tc.wantActor != "" {
				fc.mu.Lock()
				a := fc.lastActor
				fc.mu.Unlock()
				if a.ID != tc.wantActor || a.Principal == nil || a.Principal.UserID != tc.wantActor {
					t.Errorf("catalog saw actor %+v, want %q with its principal", a, tc.wantActor)
				}
			}
		})
	}
}

func TestAuthenticationOff(t *testing.T) {
	t.Parallel()
	srv, fc, _ := setupFake(t, httpapi.Options{})
	r := do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil, httpapi.HeaderOrigin, "cli")
	wantStatus(t, r, 200)
	fc.mu.Lock()
	got := fc.lastActor
	fc.mu.Unlock()
	want := model.Actor{ID: httpapi.AnonymousActor, Origin: model.OriginCLI, RequestID: r.Header.Get(httpapi.HeaderRequestID),
		Principal: &model.Principal{UserID: httpapi.AnonymousActor, Roles: []string{model.RoleAdmin}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actor (-want +got):\n%s", diff)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{})
	secure, _, _ := setupFake(t, httpapi.Options{SecureCookies: true})
	always := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "no-referrer",
		"Content-Security-Policy":    "default-src 'none'; frame-ancestors 'none'",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	tests := []struct {
		name      string
		secure    bool
		path      string
		wantCache string
	}{
		{name: "api", path: "/v1/blueprints", wantCache: "no-store"},
		{name: "error", path: "/v1/nowhere", wantCache: "no-store"},
		{name: "health", path: "/healthz", wantCache: ""},
		{name: "stream", path: "/v1/events/stream", wantCache: ""},
		{name: "tls", secure: true, path: "/v1/blueprints", wantCache: "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := srv
			if tc.secure {
				s = secure
			}
			r := do(t, s, "GET", tc.path, nil)
			for k, v := range always {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := r.Header.Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.wantCache)
			}
			if got := r.Header.Get("Strict-Transport-Security"); (got != "") != tc.secure {
				t.Errorf("Strict-Transport-Security = %q, want set: %v", got, tc.secure)
			}
		})
	}
}

func TestAuditRecording(t *testing.T) {
	t.Parallel()
	aud := &memAuditor{}
	srv, fc, _ := setupFake(t, httpapi.Options{Access: newFakeAccess(), Audit: aud})
	admin := []string{"Authorization", "Bearer admin-token", httpapi.HeaderRequestID, "req-1", httpapi.HeaderOrigin, "UI"}
	wantStatus(t, do(t, srv, "GET", "/v1/blueprints/service/entities/a", nil, admin...), 200)
	wantStatus(t, do(t, srv, "POST", "/v1/entities/search", map[string]any{}, admin...), 200)
	if got := aud.all(); len(got) != 0 {
		t.Fatalf("reads were audited: %+v", got)
	}
	wantStatus(t, do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil, admin...), 200)
	fc.mu.Lock()
	fc.err = model.Conflictf("entity %q has dependents", "a")
	fc.mu.Unlock()
	wantStatus(t, do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil, admin...), 409)
	// Refused by the rule: still an entry, with the caller.
	wantStatus(t, do(t, srv, "POST", "/v1/blueprints", map[string]any{"identifier": "x"}, "Authorization", "Bearer member-token"), 403)
	// Unauthenticated: no entry.
	wantStatus(t, do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil), 401)

	got := aud.all()
	for i := range got {
		if got[i].Time.IsZero() || got[i].RequestID == "" {
			t.Errorf("entry %d lacks its time or request id: %+v", i, got[i])
		}
		got[i].Time = time.Time{}
	}
	if len(got) == 3 {
		got[2].RequestID = "" // generated
		// The fake catalog's entity before the delete, and nothing after.
		if d := string(got[0].Diff); !strings.HasPrefix(d, `{"before":{"identifier":"a"`) || !strings.HasSuffix(d, `"after":null}`) {
			t.Errorf("delete diff = %s, want the entity before and null after", d)
		}
		got[0].Diff = nil
	}
	base := model.AuditEntry{Actor: "admin@x", Origin: model.OriginUI, RequestID: "req-1",
		Action: model.AuditDelete, Resource: model.AuditResourceEntity, Blueprint: "service", Identifier: "a",
		Route: "DELETE /v1/blueprints/{blueprint}/entities/{entity}"}
	ok, conflict := base, base
	ok.Status, ok.StatusCode = model.AuditSuccess, 200
	conflict.Status, conflict.StatusCode, conflict.Message = model.AuditFailure, 409, `entity "a" has dependents`
	forbidden := model.AuditEntry{Actor: "member@x", Origin: model.OriginAPI, Action: model.AuditCreate,
		Resource: model.AuditResourceBlueprint, Route: "POST /v1/blueprints", Status: model.AuditFailure, StatusCode: 403,
		Message: "forbidden: POST /v1/blueprints needs the Admin role"}
	want := []model.AuditEntry{ok, conflict, forbidden}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit entries (-want +got):\n%s", diff)
	}
}

func TestAuditRecordFailureIsLogged(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	aud := &memAuditor{err: context.DeadlineExceeded}
	srv, _, _ := setupFake(t, httpapi.Options{Audit: aud, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(logs.String(), "audit record failed") {
		t.Errorf("log does not report the failed audit record:\n%s", logs.String())
	}
}

// TestUnknownRouteIsGuarded: an unknown /v1 path answers 401 to anonymous
// callers and 404 to signed-in ones.
func TestUnknownRouteIsGuarded(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{Access: newFakeAccess()})
	wantError(t, do(t, srv, "GET", "/v1/nowhere", nil), 401, "unauthenticated")
	wantError(t, do(t, srv, "GET", "/v1/nowhere", nil, "Authorization", "Bearer member-token"), 404, "not_found", "/v1/nowhere")
}

// TestEveryRuleNamesARoute: a rule whose route is gone (or misspelt) fails,
// so the table stays the list of routes.
func TestEveryRuleNamesARoute(t *testing.T) {
	t.Parallel()
	_, _, api := setupFake(t, httpapi.Options{})
	routes := api.Routes()
	for _, p := range httpapi.RulePatterns() {
		if !slices.Contains(routes, p) {
			t.Errorf("rules.go has a rule for %s, which is not a registered route", p)
		}
	}
}

// TestPanickingWriteIsAudited: a write whose handler panics answers 500 and
// still leaves a FAILURE entry.
func TestPanickingWriteIsAudited(t *testing.T) {
	t.Parallel()
	aud := &memAuditor{}
	srv, _, _ := setupFake(t, httpapi.Options{Catalog: panicCatalog{&fakeCatalog{}}, Audit: aud})
	wantError(t, do(t, srv, "DELETE", "/v1/blueprints/service/entities/a", nil), 500, "internal_error")
	got := aud.all()
	if len(got) != 1 || got[0].Status != model.AuditFailure || got[0].StatusCode != 500 {
		t.Fatalf("entries = %+v, want one FAILURE 500", got)
	}
}

// panicCatalog panics on entity deletes.
type panicCatalog struct{ *fakeCatalog }

func (panicCatalog) EntityDelete(context.Context, model.Actor, string, string, catalog.DeleteOptions) error {
	panic("boom")
}

// TestSessionCookieNeedsCSRFOnWrites runs the real access service: a
// session cookie reads freely, writes only with its CSRF token.
func TestSessionCookieNeedsCSRFOnWrites(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		env := setupMatrix(t, st)
		r := do(t, env.srv, "POST", "/v1/auth/login", `{"email":"member@x.io","password":"correct horse battery staple"}`)
		wantStatus(t, r, 200)
		var session string
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == httpapi.CookieSession {
				session = c.Value
			}
		}
		csrf, _ := r.Body["csrfToken"].(string)
		if session == "" || csrf == "" {
			t.Fatalf("login set no session or CSRF token: %v %s", r.Header, r.Raw)
		}
		cookie := httpapi.CookieSession + "=" + session
		wantStatus(t, do(t, env.srv, "GET", "/v1/blueprints/service/entities/svc", nil, "Cookie", cookie), 200)
		// Without (or with a wrong) CSRF token the write is refused before
		// it reaches the catalog.
		wantError(t, do(t, env.srv, "PATCH", "/v1/blueprints/service/entities/svc", `{"title":"x"}`, "Cookie", cookie),
			403, "forbidden", "CSRF")
		wantError(t, do(t, env.srv, "PATCH", "/v1/blueprints/service/entities/svc", `{"title":"x"}`,
			"Cookie", cookie, httpapi.HeaderCSRF, "atrcf_wrong"), 403, "forbidden", "CSRF")
		// With the token the request reaches the catalog, which refuses the
		// member for lack of the update permission.
		wantError(t, do(t, env.srv, "PATCH", "/v1/blueprints/service/entities/svc", `{"title":"x"}`,
			"Cookie", cookie, httpapi.HeaderCSRF, csrf), 403, "forbidden", "update")
	})
}

// TestCrossSiteWritesRefused: a browser's cross-site POST is refused, even to
// a public sign-in route; same-origin and non-browser requests pass.
func TestCrossSiteWritesRefused(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{Access: newFakeAccess()})
	login := `{"email":"a@x.io","password":"p"}`
	wantError(t, do(t, srv, "POST", "/v1/auth/login", login, "Sec-Fetch-Site", "cross-site"), 403, "forbidden", "cross-origin")
	wantError(t, do(t, srv, "POST", "/v1/auth/login", login, "Origin", "https://evil.example"), 403, "forbidden", "cross-origin")
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "same-origin"}, nil} {
		if r := do(t, srv, "POST", "/v1/auth/login", login, hdr...); r.Status == http.StatusForbidden {
			t.Errorf("login with %v refused: %s", hdr, r.Raw)
		}
	}
	// Reads are never refused for their origin.
	wantStatus(t, do(t, srv, "GET", "/v1/blueprints", nil, "Authorization", "Bearer member-token", "Sec-Fetch-Site", "cross-site"), 200)
}

// TestEntityWriteAuditNotes: entity writes note their identifier, diff and
// (for dry runs) that nothing was written; an upsert that changed an entity
// is an UPDATE.
func TestEntityWriteAuditNotes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		env := setupMatrix(t, st)
		hdr := func(rid string) []string {
			return []string{"Authorization", "Bearer " + env.tokens[admin], httpapi.HeaderRequestID, rid}
		}
		wantStatus(t, do(t, env.srv, "POST", "/v1/blueprints/service/entities?validation_only=true", `{"identifier":"dry"}`, hdr("dry")...), 200)
		wantStatus(t, do(t, env.srv, "POST", "/v1/blueprints/service/entities?upsert=true&merge=true", `{"identifier":"svc","title":"New"}`, hdr("upsert")...), 200)
		wantStatus(t, do(t, env.srv, "POST", "/v1/blueprints/service/entities/bulk", `{"entities":[{"identifier":"b1"},{"identifier":"b2"}]}`, hdr("bulk")...), 200)
		wantStatus(t, do(t, env.srv, "PATCH", "/v1/blueprints/bp-admin", `{"title":"Renamed"}`, hdr("bp")...), 200)
		entries, err := env.audit.List(context.Background(), model.Actor{ID: "test"}, audit.ListParams{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*model.AuditEntry{}
		for _, e := range entries {
			byID[e.RequestID] = e
		}
		if e := byID["dry"]; e == nil || e.Identifier != "dry" || !strings.Contains(e.Message, "nothing was written") {
			t.Errorf("dry run entry = %+v", e)
		}
		if e := byID["upsert"]; e == nil || e.Action != model.AuditUpdate || e.Identifier != "svc" ||
			!strings.Contains(string(e.Diff), `"title":"Svc"`) || !strings.Contains(string(e.Diff), `"title":"New"`) {
			t.Errorf("upsert entry = %+v diff %s", e, e.Diff)
		}
		if e := byID["bulk"]; e == nil || string(e.Diff) != `{"before":null,"after":{"entities":["b1","b2"]}}` {
			t.Errorf("bulk entry = %+v", e)
		}
		if e := byID["bp"]; e == nil || e.Blueprint != "bp-admin" || e.Resource != model.AuditResourceBlueprint ||
			!strings.Contains(string(e.Diff), `"before":{"identifier":"bp-admin","title":"BP"`) || !strings.Contains(string(e.Diff), `"title":"Renamed"`) {
			t.Errorf("blueprint entry = %+v diff %s", e, e.Diff)
		}
	})
}
