package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// TestSecretsStaySecret runs a session that creates credentials, issues
// tokens, signs in with a password and rotates secrets, with every service
// logging at debug level into one buffer; then no secret (nor the password,
// nor a secret's SHA-256, which is what the store keeps) may appear in the
// logs, in any audit entry, or in any later GET answer.
func TestSecretsStaySecret(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		var logs lockedBuffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		clk := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
		svc := newServices(t, st, clk, logger)
		hub, cat, aud, acc := svc.hub, svc.cat, svc.aud, svc.acc
		api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub, Clock: clk, Logger: logger,
			Access: acc, Audit: aud, AuditLog: aud})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(api)
		t.Cleanup(srv.Close)

		var secrets []string
		keep := func(what, s string) string {
			t.Helper()
			if len(s) < 16 {
				t.Fatalf("%s: %q is not a secret", what, s)
			}
			secrets = append(secrets, s)
			return s
		}
		str := func(r apiResponse, path ...string) string {
			t.Helper()
			var v any = r.Body
			for _, p := range path {
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("no %v in %s", path, r.Raw)
				}
				v = m[p]
			}
			s, ok := v.(string)
			if !ok {
				t.Fatalf("no string %v in %s", path, r.Raw)
			}
			return s
		}

		// The bootstrap admin's credential, as cmd/atrium makes it.
		boot, err := acc.Bootstrap(ctx, access.BootstrapOptions{Email: "admin@x.io"})
		if err != nil {
			t.Fatal(err)
		}
		bootID, bootSecret := bootstrapCredential(t, boot)
		keep("bootstrap secret", bootSecret)

		r := do(t, srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": bootID, "clientSecret": bootSecret})
		wantStatus(t, r, 200)
		admin := []string{"Authorization", "Bearer " + keep("admin token", str(r, "accessToken"))}

		r = do(t, srv, "POST", "/v1/users", map[string]any{"email": "dev@x.io"}, admin...)
		wantStatus(t, r, 201)
		r = do(t, srv, "POST", "/v1/users", map[string]any{"email": "bot@x.io", "type": "Service Account"}, admin...)
		wantStatus(t, r, 201)
		keep("service account secret", str(r, "credentials", "clientSecret"))

		r = do(t, srv, "POST", "/v1/apps", map[string]any{"name": "ci", "user": "dev@x.io"}, admin...)
		wantStatus(t, r, 201)
		appID, appSecret := str(r, "clientId"), keep("app secret", str(r, "clientSecret"))

		r = do(t, srv, "POST", "/v1/auth/access_token", map[string]string{"clientId": appID, "clientSecret": appSecret})
		wantStatus(t, r, 200)
		dev := []string{"Authorization", "Bearer " + keep("dev token", str(r, "accessToken"))}
		wantStatus(t, do(t, srv, "GET", "/v1/auth/me", nil, dev...), 200)

		password := keep("password", "correct horse battery staple 42")
		wantStatus(t, do(t, srv, "PUT", "/v1/users/dev@x.io/password", map[string]string{"password": password}, admin...), 200)
		// A failed sign-in whose "password" is one of the secrets.
		wantError(t, do(t, srv, "POST", "/v1/auth/login", map[string]string{"email": "dev@x.io", "password": appSecret}),
			401, "unauthenticated")
		r = do(t, srv, "POST", "/v1/auth/login", map[string]string{"email": "dev@x.io", "password": password})
		wantStatus(t, r, 200)
		csrf := keep("csrf token", str(r, "csrfToken"))
		var session string
		for _, c := range r.Header.Values("Set-Cookie") {
			if v, ok := strings.CutPrefix(c, httpapi.CookieSession+"="); ok {
				session, _, _ = strings.Cut(v, ";")
			}
		}
		keep("session", session)
		cookie := []string{"Cookie", httpapi.CookieSession + "=" + session, httpapi.HeaderCSRF, csrf}
		wantStatus(t, do(t, srv, "GET", "/v1/auth/me", nil, cookie...), 200)

		r = do(t, srv, "POST", "/v1/apps/"+appID+"/rotate-secret", nil, admin...)
		wantStatus(t, r, 200)
		keep("rotated app secret", str(r, "clientSecret"))
		r = do(t, srv, "POST", "/v1/rotate-credentials/bot@x.io", nil, admin...)
		wantStatus(t, r, 200)
		var rotated struct {
			Credentials []access.NewCredential `json:"credentials"`
		}
		if err := json.Unmarshal(r.Raw, &rotated); err != nil || len(rotated.Credentials) == 0 {
			t.Fatalf("rotate-credentials answered %s", r.Raw)
		}
		for _, c := range rotated.Credentials {
			keep("rotated credential", c.ClientSecret)
		}
		// The dev token was revoked with its credential's rotation.
		wantError(t, do(t, srv, "GET", "/v1/auth/me", nil, dev...), 401, "unauthenticated")
		wantStatus(t, do(t, srv, "POST", "/v1/auth/logout", nil, cookie...), 200)

		// Later reads of everything that describes users, credentials and
		// the log.
		var reads strings.Builder
		for _, path := range []string{"/v1/users", "/v1/users/dev@x.io", "/v1/users/bot@x.io", "/v1/apps", "/v1/apps/" + appID,
			"/v1/teams", "/v1/audit-log", "/v1/auth/me", "/v1/blueprints/_user/entities", "/v1/blueprints/_user/entities/dev@x.io",
			"/v1/blueprints/_user/entities/dev@x.io/history", "/v1/search?q=dev", "/v1/catalog/diff?from=2026-01-01T00:00:00Z"} {
			r := do(t, srv, "GET", path, nil, admin...)
			wantStatus(t, r, 200)
			reads.Write(r.Raw)
		}
		entries, err := aud.List(ctx, model.Actor{ID: "test"}, audit.ListParams{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 8 {
			t.Fatalf("only %d audit entries for the whole session", len(entries))
		}
		auditJSON, err := json.Marshal(entries)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "http request") {
			t.Fatalf("the logs captured nothing:\n%s", logs.String())
		}
		for _, s := range secrets {
			sum := sha256.Sum256([]byte(s))
			for _, needle := range []string{s, hex.EncodeToString(sum[:])} {
				for where, hay := range map[string]string{"logs": logs.String(), "audit log": string(auditJSON), "GET answers": reads.String()} {
					if strings.Contains(hay, needle) {
						t.Errorf("the %s contain a secret (%.10s…)", where, needle)
					}
				}
			}
		}
	})
}

// bootstrapCredential returns the client id and secret Bootstrap generated.
func bootstrapCredential(t *testing.T, b *access.BootstrapResult) (string, string) {
	t.Helper()
	if b == nil || b.ClientID == "" || b.ClientSecret == "" {
		t.Fatalf("bootstrap made no credential: %+v", b)
	}
	return b.ClientID, b.ClientSecret
}
