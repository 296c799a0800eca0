package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecretsStayInCreationResults issues every kind of secret, then makes
// failing calls with them and reads everything back: no error message, log
// line or later read may carry a secret.
func TestSecretsStayInCreationResults(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		logs := &syncBuffer{}
		cat, _ := catalog.New(catalog.Options{Store: st})
		if err := cat.Init(ctx); err != nil {
			t.Fatalf("Init: %v", err)
		}
		svc, err := access.New(access.Options{Store: st, Catalog: cat, FastPasswordHashesForTests: true,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		const password = "the admin's password"
		boot, err := svc.Bootstrap(ctx, access.BootstrapOptions{Password: password})
		if err != nil {
			t.Fatalf("Bootstrap: %v", err)
		}
		admin := model.Actor{ID: boot.Email, Principal: &model.Principal{UserID: boot.Email, Roles: []string{model.RoleAdmin}}}
		_, bot, err := svc.UserCreate(ctx, admin, &access.UserInput{Email: "bot@example.com", Type: access.TypeServiceAccount})
		if err != nil {
			t.Fatalf("UserCreate: %v", err)
		}
		tok, err := svc.IssueAccessToken(ctx, bot.ClientID, bot.ClientSecret)
		if err != nil {
			t.Fatalf("IssueAccessToken: %v", err)
		}
		sess, err := svc.Login(ctx, boot.Email, password)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		ext, err := svc.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Email: "ext@example.com", Teams: []string{"x"}})
		if err != nil {
			t.Fatalf("LoginExternal: %v", err)
		}
		_, rotated, err := svc.AppRotateSecret(ctx, admin, bot.ClientID)
		if err != nil {
			t.Fatalf("AppRotateSecret: %v", err)
		}
		secrets := []string{password, boot.ClientSecret, bot.ClientSecret, tok.Token, sess.Token, sess.CSRFToken, ext.Token, ext.CSRFToken, rotated}

		var seen []string
		record := func(v any, err error) {
			if err != nil {
				seen = append(seen, err.Error())
			}
			b, _ := json.Marshal(v)
			seen = append(seen, string(b))
		}
		for _, s := range secrets {
			_, err := svc.Authenticate(ctx, s+"x")
			record(nil, err)
			_, err = svc.AuthenticateSession(ctx, sess.Token, s, true)
			record(nil, err)
			_, err = svc.IssueAccessToken(ctx, bot.ClientID, s)
			record(nil, err)
			_, err = svc.Login(ctx, boot.Email, s+"x")
			record(nil, err)
			record(nil, svc.UserSetPassword(ctx, admin, boot.Email, s[:5]))
		}
		_, err = svc.Authenticate(ctx, tok.Token) // revoked by the rotation
		record(nil, err)
		record(svc.AppList(ctx, admin))
		record(svc.UserList(ctx, admin))
		record(svc.TeamList(ctx, admin))
		record(svc.AppGet(ctx, admin, bot.ClientID))
		seen = append(seen, logs.String())
		all := strings.Join(seen, "\n")
		for _, s := range secrets {
			if strings.Contains(all, s) {
				t.Fatalf("secret %.10s… appears in an error, log line or read", s)
			}
		}
		if !strings.Contains(logs.String(), "bootstrap admin created") {
			t.Fatalf("logs %q lack the bootstrap line: the log check would pass vacuously", logs.String())
		}
	})
}
