package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/access/oidc"
	"github.com/atrium-idp/atrium/internal/access/oidc/oidctest"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// Tests of the access-control routes run a real server over the real
// catalog, access, audit and OIDC services on every store driver, with an
// OIDC provider inside the test and a fake clock.

const (
	envAdminEmail    = "admin@atrium.test"
	envAdminPassword = "correct horse battery staple"
)

// accessEnv is a server with authentication on and a signed-in Admin.
type accessEnv struct {
	srv   *httptest.Server
	clk   *clocktest.Fake
	idp   *oidctest.Server
	admin []string // headers of the Admin's bearer token
}

func setupAccess(t *testing.T, st store.Store) *accessEnv {
	t.Helper()
	return setupAccessWith(t, st, nil)
}

// setupAccessWith is setupAccess with configure applied to the API's options.
func setupAccessWith(t *testing.T, st store.Store, configure func(*httpapi.Options)) *accessEnv {
	t.Helper()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc := newServices(t, st, clk, nil)
	hub, cat, aud, acc := svc.hub, svc.cat, svc.aud, svc.acc
	boot, err := acc.Bootstrap(ctx, access.BootstrapOptions{Email: envAdminEmail, Password: envAdminPassword})
	if err != nil {
		t.Fatal(err)
	}

	// The provider needs the callback URL before the API exists.
	var api http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	idp := oidctest.New(t)
	idp.SetClock(clk)
	prov, err := oidc.New(ctx, oidc.Options{Clock: clk, Config: oidc.Config{Issuer: idp.URL, ClientID: idp.ClientID,
		ClientSecret: idp.ClientSecret, RedirectURL: srv.URL + "/v1/auth/oidc/callback", TeamsClaim: "groups"}})
	if err != nil {
		t.Fatal(err)
	}
	opts := httpapi.Options{Catalog: cat, Events: hub, Clock: clk, Access: acc, Audit: aud, AuditLog: aud, OIDC: prov, RateLimit: -1}
	if configure != nil {
		configure(&opts)
	}
	s, err := httpapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api = s
	env := &accessEnv{srv: srv, clk: clk, idp: idp}
	env.admin = bearer(env.token(t, boot.ClientID, boot.ClientSecret))
	return env
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// token exchanges a credential for an access token.
func (env *accessEnv) token(t testing.TB, clientID, secret string) string {
	t.Helper()
	r := do(t, env.srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": clientID, "clientSecret": secret})
	if r.Status != http.StatusOK {
		t.Fatalf("access token: %d %s", r.Status, r.Raw)
	}
	tok, _ := r.Body["accessToken"].(string)
	return tok
}

// member creates a service account with the given roles and teams and
// returns its bearer headers.
func (env *accessEnv) member(t testing.TB, email string, roles, teams []string) []string {
	t.Helper()
	r := do(t, env.srv, "POST", "/v1/users", map[string]any{"email": email, "type": "Service Account",
		"roles": roles, "teams": teams}, env.admin...)
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", email, r.Status, r.Raw)
	}
	cred, _ := r.Body["credentials"].(map[string]any)
	id, _ := cred["clientId"].(string)
	secret, _ := cred["clientSecret"].(string)
	return bearer(env.token(t, id, secret))
}

// cookies returns the cookies of res by name.
func cookies(h http.Header) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		out[c.Name] = c
	}
	return out
}

func TestAccessTokenRoute(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		r := do(t, env.srv, "POST", "/v1/users", map[string]any{"email": "ci@atrium.test", "type": "Service Account"}, env.admin...)
		cred, _ := r.Body["credentials"].(map[string]any)
		id, _ := cred["clientId"].(string)
		secret, _ := cred["clientSecret"].(string)
		if !strings.HasPrefix(secret, "atrcs_") {
			t.Fatalf("service account credentials = %s, want an atrcs_ secret", r.Raw)
		}

		tests := []struct {
			name       string
			body       any
			wantStatus int
			wantCode   string
		}{
			{"good", map[string]string{"clientId": id, "clientSecret": secret}, 200, ""},
			{"wrong secret", map[string]string{"clientId": id, "clientSecret": "atrcs_nope"}, 401, "unauthenticated"},
			{"unknown client", map[string]string{"clientId": "atrci_nope", "clientSecret": secret}, 401, "unauthenticated"},
			{"secret pasted as the client id", map[string]string{"clientId": secret, "clientSecret": secret}, 401, "unauthenticated"},
			{"missing secret", map[string]string{"clientId": id}, 422, "invalid_request"},
			{"secret not a string", map[string]any{"clientId": id, "clientSecret": 5}, 422, "invalid_request"},
		}
		for _, tc := range tests {
			r := do(t, env.srv, "POST", "/v1/auth/access_token", tc.body)
			if r.Status != tc.wantStatus || (tc.wantCode != "" && r.Body["error"] != tc.wantCode) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Raw, tc.wantStatus, tc.wantCode)
			}
			if tc.wantStatus != 200 && strings.Contains(string(r.Raw), secret) {
				t.Errorf("%s: the response carries the secret: %s", tc.name, r.Raw)
			}
			if strings.Contains(tc.name, "not a string") && !strings.Contains(string(r.Raw), "clientSecret") {
				t.Errorf("%s: the error does not name clientSecret: %s", tc.name, r.Raw)
			}
		}

		r = do(t, env.srv, "GET", "/v1/audit-log?resources=session", nil, env.admin...)
		if r.Status != 200 || strings.Contains(string(r.Raw), secret) || !strings.Contains(string(r.Raw), `"identifier":"`+id+`"`) {
			t.Errorf("token issue audit entries (with the client id, without the secret): %d %s", r.Status, r.Raw)
		}

		r = do(t, env.srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": id, "clientSecret": secret})
		tok, _ := r.Body["accessToken"].(string)
		if !strings.HasPrefix(tok, "atrat_") || r.Body["tokenType"] != "Bearer" || r.Body["expiresIn"] != float64(3*3600) {
			t.Fatalf("access token response = %s", r.Raw)
		}
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, bearer(tok)...); r.Status != 200 {
			t.Fatalf("me with a fresh token: %d %s", r.Status, r.Raw)
		}
		env.clk.Advance(3*time.Hour - time.Second)
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, bearer(tok)...); r.Status != 200 {
			t.Fatalf("me a second before expiry: %d %s", r.Status, r.Raw)
		}
		env.clk.Advance(time.Second)
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, bearer(tok)...); r.Status != 401 {
			t.Fatalf("me with an expired token: %d %s, want 401", r.Status, r.Raw)
		}
	})
}

func TestLoginRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)

		for _, tc := range []struct {
			name       string
			body       any
			wantStatus int
		}{
			{"wrong password", map[string]string{"email": envAdminEmail, "password": "wrong password!!"}, 401},
			{"unknown user", map[string]string{"email": "nobody@atrium.test", "password": envAdminPassword}, 401},
			{"no password", map[string]string{"email": envAdminEmail}, 422},
		} {
			r := do(t, env.srv, "POST", "/v1/auth/login", tc.body)
			if r.Status != tc.wantStatus || len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("%s: %d %v %s, want %d and no cookie", tc.name, r.Status, r.Header.Values("Set-Cookie"), r.Raw, tc.wantStatus)
			}
		}

		r := do(t, env.srv, "POST", "/v1/auth/login", map[string]string{"email": "ADMIN@atrium.test", "password": envAdminPassword})
		if r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Raw)
		}
		cs := cookies(r.Header)
		sess, csrf := cs[httpapi.CookieSession], cs[httpapi.CookieCSRF]
		if sess == nil || csrf == nil {
			t.Fatalf("login cookies = %v", r.Header.Values("Set-Cookie"))
		}
		type cookieAttrs struct {
			Path     string
			HttpOnly bool
			SameSite http.SameSite
			MaxAge   int
		}
		want := []cookieAttrs{{"/", true, http.SameSiteLaxMode, 12 * 3600}, {"/", false, http.SameSiteLaxMode, 12 * 3600}}
		got := []cookieAttrs{{sess.Path, sess.HttpOnly, sess.SameSite, sess.MaxAge}, {csrf.Path, csrf.HttpOnly, csrf.SameSite, csrf.MaxAge}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cookie attributes (-want +got):\n%s", diff)
		}
		user, _ := r.Body["user"].(map[string]any)
		if user["email"] != envAdminEmail || r.Body["csrfToken"] != csrf.Value || r.Body["expiresAt"] != "2026-05-01T21:00:00Z" {
			t.Errorf("login body = %s", r.Raw)
		}

		cookie := []string{"Cookie", httpapi.CookieSession + "=" + sess.Value}
		r = do(t, env.srv, "GET", "/v1/auth/me", nil, cookie...)
		if r.Status != 200 || r.Body["roles"].([]any)[0] != model.RoleAdmin {
			t.Fatalf("me with the session: %d %s", r.Status, r.Raw)
		}
		// A cookie write needs the CSRF token.
		team := map[string]any{"name": "web"}
		if r := do(t, env.srv, "POST", "/v1/teams", team, cookie...); r.Status != 403 {
			t.Errorf("write without CSRF: %d %s, want 403", r.Status, r.Raw)
		}
		if r := do(t, env.srv, "POST", "/v1/teams", team, append(cookie, httpapi.HeaderCSRF, csrf.Value)...); r.Status != 201 {
			t.Errorf("write with CSRF: %d %s, want 201", r.Status, r.Raw)
		}

		r = do(t, env.srv, "POST", "/v1/auth/logout", nil, append(cookie, httpapi.HeaderCSRF, csrf.Value)...)
		cs = cookies(r.Header)
		if r.Status != 200 || cs[httpapi.CookieSession] == nil || cs[httpapi.CookieSession].MaxAge >= 0 || cs[httpapi.CookieCSRF] == nil {
			t.Fatalf("logout: %d %v %s", r.Status, r.Header.Values("Set-Cookie"), r.Raw)
		}
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, cookie...); r.Status != 401 {
			t.Errorf("me after logout: %d %s, want 401", r.Status, r.Raw)
		}
		if r := do(t, env.srv, "POST", "/v1/auth/logout", nil); r.Status != 200 {
			t.Errorf("logout without a session: %d %s, want 200", r.Status, r.Raw)
		}

		// Sign-ins are audited without passwords, tokens or CSRF tokens.
		r = do(t, env.srv, "GET", "/v1/audit-log?resources=session", nil, env.admin...)
		for _, secret := range []string{envAdminPassword, "wrong password!!", sess.Value, csrf.Value} {
			if strings.Contains(string(r.Raw), secret) {
				t.Errorf("the audit log holds a secret: %s", r.Raw)
			}
		}
		var entries []string
		for _, a := range r.Body["audits"].([]any) {
			e := a.(map[string]any)
			if e["route"] != "POST /v1/auth/access_token" {
				entries = append(entries, e["actor"].(string)+" "+e["action"].(string)+" "+e["status"].(string))
			}
		}
		wantEntries := []string{"anonymous LOGOUT SUCCESS", "admin@atrium.test LOGOUT SUCCESS", "admin@atrium.test LOGIN SUCCESS",
			"anonymous LOGIN FAILURE", "anonymous LOGIN FAILURE", "anonymous LOGIN FAILURE"}
		if diff := cmp.Diff(wantEntries, entries); diff != "" {
			t.Errorf("sign-in audit entries, newest first (-want +got):\n%s", diff)
		}

		// Sessions expire on the injected clock.
		r = do(t, env.srv, "POST", "/v1/auth/login", map[string]string{"email": envAdminEmail, "password": envAdminPassword})
		cookie = []string{"Cookie", httpapi.CookieSession + "=" + cookies(r.Header)[httpapi.CookieSession].Value}
		env.clk.Advance(12 * time.Hour)
		if r := do(t, env.srv, "GET", "/v1/auth/me", nil, cookie...); r.Status != 401 {
			t.Errorf("me with an expired session: %d %s, want 401", r.Status, r.Raw)
		}
	})
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		env := setupAccessWith(t, dbtest.OpenSQLite(t), func(o *httpapi.Options) { o.SecureCookies = secure })
		r := do(t, env.srv, "POST", "/v1/auth/login", map[string]string{"email": envAdminEmail, "password": envAdminPassword})
		cs := cookies(r.Header)
		for _, name := range []string{httpapi.CookieSession, httpapi.CookieCSRF} {
			if c := cs[name]; c == nil || c.Secure != secure {
				t.Errorf("SecureCookies %v: cookie %s = %v", secure, name, c)
			}
		}
		r = do(t, env.srv, "POST", "/v1/auth/logout", nil)
		if c := cookies(r.Header)[httpapi.CookieSession]; c == nil || c.Secure != secure {
			t.Errorf("SecureCookies %v: logout cookie = %v", secure, c)
		}
	}
}

func TestProvidersRoute(t *testing.T) {
	t.Parallel()
	env := setupAccess(t, dbtest.OpenSQLite(t))
	r := do(t, env.srv, "GET", "/v1/auth/providers", nil)
	if diff := cmp.Diff(map[string]any{"ok": true, "local": true, "oidc": true}, r.Body); r.Status != 200 || diff != "" {
		t.Errorf("providers: %d (-want +got):\n%s", r.Status, diff)
	}
	off, _, _ := setupFake(t, httpapi.Options{})
	r = do(t, off, "GET", "/v1/auth/providers", nil)
	if diff := cmp.Diff(map[string]any{"ok": true, "local": false, "oidc": false}, r.Body); r.Status != 200 || diff != "" {
		t.Errorf("providers with authentication off: %d (-want +got):\n%s", r.Status, diff)
	}
	r = do(t, off, "GET", "/v1/auth/me", nil)
	if user, _ := r.Body["user"].(map[string]any); r.Status != 200 || user["email"] != httpapi.AnonymousActor {
		t.Errorf("me with authentication off: %d %s", r.Status, r.Raw)
	}
	if r := do(t, off, "GET", "/v1/users", nil); r.Status != 404 {
		t.Errorf("users with authentication off: %d %s, want 404", r.Status, r.Raw)
	}
}

// readResponse reads res like do does.
func readResponse(t testing.TB, res *http.Response) apiResponse {
	t.Helper()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := apiResponse{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, raw)
		}
	}
	return out
}

// browser follows redirects like a browser would, except the one back to
// Atrium's callback, which it returns.
func browser(callback string) *http.Client {
	return &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func TestOIDCRoutes(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		env := setupAccess(t, st)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		callback := env.srv.URL + "/v1/auth/oidc/callback"

		// begin starts a sign-in and returns the flow cookie and the
		// provider's redirect back to the callback.
		begin := func(t *testing.T) (*http.Cookie, *url.URL) {
			t.Helper()
			res, err := noRedirect.Get(env.srv.URL + "/v1/auth/oidc/login?returnTo=/catalog%3Fx%3D1")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			flow := cookies(res.Header)[httpapi.CookieOIDCFlow]
			if res.StatusCode != http.StatusFound || flow == nil || !flow.HttpOnly || flow.Path != "/v1/auth/oidc" || flow.MaxAge != 600 {
				t.Fatalf("oidc login: %d %v", res.StatusCode, res.Header)
			}
			res, err = browser(callback).Get(res.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			back, err := url.Parse(res.Header.Get("Location"))
			if err != nil || !strings.HasPrefix(back.String(), callback) {
				t.Fatalf("provider redirect = %q, want the callback", res.Header.Get("Location"))
			}
			return flow, back
		}
		call := func(t *testing.T, u string, flow *http.Cookie) (*http.Response, apiResponse) {
			t.Helper()
			req, _ := http.NewRequest("GET", u, nil)
			if flow != nil {
				req.AddCookie(flow)
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			return res, readResponse(t, res)
		}

		// A wrong state is refused.
		flow, back := begin(t)
		q := back.Query()
		q.Set("state", "forged")
		bad := *back
		bad.RawQuery = q.Encode()
		res, r := call(t, bad.String(), flow)
		if res.StatusCode != 401 || cookies(res.Header)[httpapi.CookieSession] != nil {
			t.Errorf("callback with a wrong state: %d %s, want 401 and no session", res.StatusCode, r.Raw)
		}
		if c := cookies(res.Header)[httpapi.CookieOIDCFlow]; c == nil || c.MaxAge >= 0 {
			t.Errorf("callback with a wrong state does not clear the flow cookie: %v", res.Header.Values("Set-Cookie"))
		}
		// No flow cookie (another browser) is refused.
		if res, r := call(t, back.String(), nil); res.StatusCode != 401 {
			t.Errorf("callback without the flow cookie: %d %s, want 401", res.StatusCode, r.Raw)
		}
		// The provider's own refusal is refused.
		if res, r := call(t, callback+"?error=access_denied&state=x", flow); res.StatusCode != 401 ||
			!strings.Contains(string(r.Raw), "access_denied") {
			t.Errorf("callback with error=access_denied: %d %s", res.StatusCode, r.Raw)
		}

		// The real flow signs Ada in with her groups as teams.
		flow, back = begin(t)
		res, r = call(t, back.String(), flow)
		sess := cookies(res.Header)[httpapi.CookieSession]
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/catalog?x=1" || sess == nil || !sess.HttpOnly {
			t.Fatalf("callback: %d %v %s", res.StatusCode, res.Header, r.Raw)
		}
		r = do(t, env.srv, "GET", "/v1/auth/me", nil, "Cookie", httpapi.CookieSession+"="+sess.Value)
		user, _ := r.Body["user"].(map[string]any)
		if r.Status != 200 || user["email"] != "ada@example.com" || user["firstName"] != "Ada" {
			t.Fatalf("me after OIDC: %d %s", r.Status, r.Raw)
		}
		if diff := cmp.Diff([]any{"payments", "platform"}, r.Body["teams"]); diff != "" {
			t.Errorf("teams after OIDC (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]any{model.RoleMember}, r.Body["roles"]); diff != "" {
			t.Errorf("roles after OIDC (-want +got):\n%s", diff)
		}
		// The code is good once.
		if res, r := call(t, back.String(), flow); res.StatusCode != 401 {
			t.Errorf("replayed callback: %d %s, want 401", res.StatusCode, r.Raw)
		}

		// The sign-ins are in the audit log: the failure without an actor,
		// the success as Ada.
		r = do(t, env.srv, "GET", "/v1/audit-log?resources=session&action=LOGIN", nil, env.admin...)
		var got []string
		for _, a := range r.Body["audits"].([]any) {
			e := a.(map[string]any)
			if e["route"] == "GET /v1/auth/oidc/callback" {
				got = append(got, e["actor"].(string)+" "+e["status"].(string))
			}
		}
		want := []string{"anonymous FAILURE", "ada@example.com SUCCESS", "anonymous FAILURE", "anonymous FAILURE", "anonymous FAILURE"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("OIDC audit entries, newest first (-want +got):\n%s", diff)
		}
	})
}

func TestOIDCOff(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{Access: newFakeAccess()})
	for _, path := range []string{"/v1/auth/oidc/login", "/v1/auth/oidc/callback?code=x&state=y"} {
		if r := do(t, srv, "GET", path, nil); r.Status != 404 {
			t.Errorf("GET %s without OIDC: %d %s, want 404", path, r.Status, r.Raw)
		}
	}
}
