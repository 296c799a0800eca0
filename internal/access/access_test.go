package access_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// fixture is a Service over a fresh store, with the system blueprints, a
// "service" blueprint, an Active Admin (admin@example.com) and a Member
// (member@example.com) in team "platform".
type fixture struct {
	t     testing.TB
	svc   *access.Service
	cat   *catalog.Service
	st    store.Store
	clk   *clocktest.Fake
	admin model.Actor
	mem   model.Actor
}

const (
	adminEmail  = "admin@example.com"
	memberEmail = "member@example.com"
)

func actorOf(email string, roles ...string) model.Actor {
	return model.Actor{ID: email, Origin: model.OriginAPI, Principal: &model.Principal{UserID: email, Roles: roles}}
}

func setup(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	cat, err := catalog.New(catalog.Options{Store: st, Clock: clk})
	if err != nil {
		t.Fatalf("catalog.New: %v", err)
	}
	if err := cat.Init(ctx); err != nil {
		t.Fatalf("catalog Init: %v", err)
	}
	if _, err := cat.BlueprintCreate(ctx, model.Actor{ID: "test"}, &model.Blueprint{Identifier: "service", Title: "Service"}); err != nil {
		t.Fatalf("create blueprint service: %v", err)
	}
	svc, err := access.New(access.Options{Store: st, Catalog: cat, Clock: clk, FastPasswordHashesForTests: true})
	if err != nil {
		t.Fatalf("access.New: %v", err)
	}
	f := &fixture{t: t, svc: svc, cat: cat, st: st, clk: clk,
		admin: actorOf(adminEmail, model.RoleAdmin), mem: actorOf(memberEmail, model.RoleMember)}
	trusted := model.Actor{ID: "test"}
	if _, err := svc.TeamCreate(ctx, trusted, &access.Team{Name: "platform", Description: "Platform"}); err != nil {
		t.Fatalf("create team: %v", err)
	}
	if _, _, err := svc.UserCreate(ctx, trusted, &access.UserInput{Email: adminEmail, Roles: []string{model.RoleAdmin}}); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	if _, _, err := svc.UserCreate(ctx, trusted, &access.UserInput{Email: memberEmail, FirstName: "Mia", LastName: "Member", Teams: []string{"platform"}}); err != nil {
		t.Fatalf("create member: %v", err)
	}
	return f
}

// newApp creates a credential for user and returns its client id and secret.
func (f *fixture) newApp(user string) (string, string) {
	f.t.Helper()
	app, secret, err := f.svc.AppCreate(context.Background(), f.admin, "test app", user)
	if err != nil {
		f.t.Fatalf("AppCreate(%q): %v", user, err)
	}
	return app.ID, secret
}

// wantKind fails t unless err wraps kind.
func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: error %v, want kind %v", what, err, kind)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	st := dbtest.OpenSQLite(t)
	cat, _ := catalog.New(catalog.Options{Store: st})
	tests := []struct {
		name string
		opts access.Options
		want string
	}{
		{"no store", access.Options{Catalog: cat}, "Store"},
		{"no catalog", access.Options{Store: st}, "Catalog"},
		{"negative token ttl", access.Options{Store: st, Catalog: cat, TokenTTL: -time.Second}, "TokenTTL"},
		{"negative session ttl", access.Options{Store: st, Catalog: cat, SessionTTL: -time.Second}, "SessionTTL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := access.New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestAccessTokenLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		u, cred, err := f.svc.UserCreate(ctx, f.admin, &access.UserInput{Email: "bot@example.com", Type: access.TypeServiceAccount, Teams: []string{"platform"}})
		if err != nil {
			t.Fatalf("UserCreate(service account): %v", err)
		}
		if cred == nil || !strings.HasPrefix(cred.ClientID, access.PrefixClientID) || !strings.HasPrefix(cred.ClientSecret, access.PrefixClientSecret) {
			t.Fatalf("UserCreate(service account) credential = %+v, want atrci_/atrcs_ values", cred)
		}
		if u.Type != access.TypeServiceAccount || u.Status != access.StatusActive {
			t.Fatalf("service account = %+v, want type %q status Active", u, access.TypeServiceAccount)
		}

		tok, err := f.svc.IssueAccessToken(ctx, cred.ClientID, cred.ClientSecret)
		if err != nil {
			t.Fatalf("IssueAccessToken: %v", err)
		}
		if !strings.HasPrefix(tok.Token, access.PrefixAccessToken) || tok.ExpiresIn != 3*3600 ||
			!tok.ExpiresAt.Equal(f.clk.Now().Add(3*time.Hour)) || tok.UserID != "bot@example.com" {
			t.Fatalf("IssueAccessToken = %+v, want an atrat_ token for bot@example.com valid 3h", tok)
		}
		p, err := f.svc.Authenticate(ctx, tok.Token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		want := &model.Principal{UserID: "bot@example.com", Roles: []string{model.RoleMember}, Teams: []string{"platform"}, Service: true, ClientID: cred.ClientID}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Fatalf("Authenticate principal (-want +got):\n%s", diff)
		}
		// A second token is a different token, and both work.
		tok2, err := f.svc.IssueAccessToken(ctx, cred.ClientID, cred.ClientSecret)
		if err != nil || tok2.Token == tok.Token {
			t.Fatalf("second IssueAccessToken = %v, %v; want a new token", tok2, err)
		}

		f.clk.Advance(3*time.Hour - time.Second)
		if _, err := f.svc.Authenticate(ctx, tok.Token); err != nil {
			t.Fatalf("Authenticate a second before expiry: %v", err)
		}
		f.clk.Advance(time.Second)
		_, err = f.svc.Authenticate(ctx, tok.Token)
		wantKind(t, "Authenticate at expiry", err, model.ErrUnauthenticated)

		// tok2 was issued at the same instant: both are gone once past expiry.
		f.clk.Advance(time.Second)
		fresh, err := f.svc.IssueAccessToken(ctx, cred.ClientID, cred.ClientSecret)
		if err != nil {
			t.Fatalf("IssueAccessToken(fresh): %v", err)
		}
		n, err := f.svc.SweepExpiredTokens(ctx)
		if err != nil || n != 2 {
			t.Fatalf("SweepExpiredTokens = %d, %v; want 2 (both expired tokens)", n, err)
		}
		if _, err := f.svc.Authenticate(ctx, fresh.Token); err != nil {
			t.Fatalf("Authenticate(fresh) after the sweep: %v", err)
		}
	})
}

func TestAuthenticateRefuses(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		id, secret := f.newApp(memberEmail)
		tests := []struct {
			name  string
			token string
		}{
			{"empty", ""},
			{"no prefix", "Bearer-xyz"},
			{"prefix only", access.PrefixAccessToken},
			{"unknown access token", access.PrefixAccessToken + "bm9wZQ"},
			{"unknown session", access.PrefixSession + "bm9wZQ"},
			{"client secret as token", secret},
			{"client id as token", id},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Authenticate(ctx, tc.token)
				wantKind(t, "Authenticate("+tc.name+")", err, model.ErrUnauthenticated)
			})
		}
	})
}

func TestIssueAccessTokenBadCredentials(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		id, secret := f.newApp(memberEmail)
		var msgs []string
		for _, c := range []struct{ id, secret string }{
			{id, secret + "x"},
			{id, ""},
			{"atrci_unknown", secret},
			{"", ""},
		} {
			_, err := f.svc.IssueAccessToken(ctx, c.id, c.secret)
			wantKind(t, "IssueAccessToken(bad)", err, model.ErrUnauthenticated)
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("IssueAccessToken error %q carries the secret", err)
			}
			msgs = append(msgs, err.Error())
		}
		for _, m := range msgs[1:] {
			if m != msgs[0] {
				t.Fatalf("IssueAccessToken messages differ: %q", msgs)
			}
		}
	})
}

func TestTokensRevoked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// revoke acts on the credential id of member's token; it returns the
		// credential's new secret when it has one.
		revoke        func(t *testing.T, f *fixture, id string) string
		wantNewSecret bool
	}{
		{"rotate secret", func(t *testing.T, f *fixture, id string) string {
			app, secret, err := f.svc.AppRotateSecret(context.Background(), f.admin, id)
			if err != nil || app.ID != id {
				t.Fatalf("AppRotateSecret = %v, %v", app, err)
			}
			return secret
		}, true},
		{"rotate user credentials", func(t *testing.T, f *fixture, id string) string {
			creds, err := f.svc.RotateUserCredentials(context.Background(), f.mem, memberEmail)
			if err != nil || len(creds) != 1 || creds[0].ClientID != id {
				t.Fatalf("RotateUserCredentials = %v, %v; want one credential %s", creds, err, id)
			}
			return creds[0].ClientSecret
		}, true},
		{"delete app", func(t *testing.T, f *fixture, id string) string {
			if err := f.svc.AppDelete(context.Background(), f.admin, id); err != nil {
				t.Fatalf("AppDelete: %v", err)
			}
			return ""
		}, false},
		{"delete user", func(t *testing.T, f *fixture, id string) string {
			if err := f.svc.UserDelete(context.Background(), f.admin, memberEmail); err != nil {
				t.Fatalf("UserDelete: %v", err)
			}
			return ""
		}, false},
		{"disable user", func(t *testing.T, f *fixture, id string) string {
			s := access.StatusDisabled
			if _, err := f.svc.UserPatch(context.Background(), f.admin, memberEmail, &access.UserPatch{Status: &s}); err != nil {
				t.Fatalf("UserPatch(Disabled): %v", err)
			}
			return ""
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
				t.Parallel()
				ctx := context.Background()
				f := setup(t, st)
				id, secret := f.newApp(memberEmail)
				tok, err := f.svc.IssueAccessToken(ctx, id, secret)
				if err != nil {
					t.Fatalf("IssueAccessToken: %v", err)
				}
				newSecret := tc.revoke(t, f, id)
				_, err = f.svc.Authenticate(ctx, tok.Token)
				wantKind(t, "Authenticate after "+tc.name, err, model.ErrUnauthenticated)
				_, err = f.svc.IssueAccessToken(ctx, id, secret)
				wantKind(t, "IssueAccessToken with the old secret", err, model.ErrUnauthenticated)
				if !tc.wantNewSecret {
					return
				}
				if newSecret == secret || !strings.HasPrefix(newSecret, access.PrefixClientSecret) {
					t.Fatalf("new secret %q, want a fresh atrcs_ secret", newSecret)
				}
				tok2, err := f.svc.IssueAccessToken(ctx, id, newSecret)
				if err != nil {
					t.Fatalf("IssueAccessToken with the new secret: %v", err)
				}
				if _, err := f.svc.Authenticate(ctx, tok2.Token); err != nil {
					t.Fatalf("Authenticate with the new token: %v", err)
				}
			})
		})
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		if err := f.svc.UserSetPassword(ctx, f.mem, memberEmail, "correct horse battery"); err != nil {
			t.Fatalf("UserSetPassword(self): %v", err)
		}
		sess, err := f.svc.Login(ctx, "Member@Example.com", "correct horse battery")
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if !strings.HasPrefix(sess.Token, access.PrefixSession) || !strings.HasPrefix(sess.CSRFToken, access.PrefixCSRF) ||
			sess.UserID != memberEmail || !sess.ExpiresAt.Equal(f.clk.Now().Add(12*time.Hour)) {
			t.Fatalf("Login = %+v, want atrss_/atrcf_ tokens for %s valid 12h", sess, memberEmail)
		}
		tests := []struct {
			name     string
			session  string
			csrf     string
			write    bool
			wantKind error
		}{
			{"read without csrf", sess.Token, "", false, nil},
			{"write with csrf", sess.Token, sess.CSRFToken, true, nil},
			{"write without csrf", sess.Token, "", true, model.ErrForbidden},
			{"write with wrong csrf", sess.Token, access.PrefixCSRF + "wrong", true, model.ErrForbidden},
			{"write with the session as csrf", sess.Token, sess.Token, true, model.ErrForbidden},
			{"unknown session", access.PrefixSession + "nope", sess.CSRFToken, true, model.ErrUnauthenticated},
			{"csrf as session", sess.CSRFToken, sess.CSRFToken, false, model.ErrUnauthenticated},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.svc.AuthenticateSession(ctx, tc.session, tc.csrf, tc.write)
				if tc.wantKind != nil {
					wantKind(t, "AuthenticateSession", err, tc.wantKind)
					if tc.wantKind == model.ErrForbidden && !strings.Contains(err.Error(), "CSRF") {
						t.Fatalf("AuthenticateSession error %q, want it to name the CSRF token", err)
					}
					return
				}
				if err != nil || p.UserID != memberEmail || p.ClientID != "" {
					t.Fatalf("AuthenticateSession = %+v, %v; want %s", p, err, memberEmail)
				}
			})
		}
		// A session token also works as a bearer token.
		if p, err := f.svc.Authenticate(ctx, sess.Token); err != nil || p.UserID != memberEmail {
			t.Fatalf("Authenticate(session) = %+v, %v", p, err)
		}

		f.clk.Advance(12 * time.Hour)
		_, err = f.svc.AuthenticateSession(ctx, sess.Token, "", false)
		wantKind(t, "AuthenticateSession after 12h", err, model.ErrUnauthenticated)

		sess2, err := f.svc.Login(ctx, memberEmail, "correct horse battery")
		if err != nil {
			t.Fatalf("Login again: %v", err)
		}
		if err := f.svc.Logout(ctx, sess2.Token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		_, err = f.svc.AuthenticateSession(ctx, sess2.Token, "", false)
		wantKind(t, "AuthenticateSession after Logout", err, model.ErrUnauthenticated)
		if err := f.svc.Logout(ctx, sess2.Token); err != nil {
			t.Fatalf("Logout twice: %v", err)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		const pw = "correct horse battery"
		for _, email := range []string{memberEmail, adminEmail} {
			if err := f.svc.UserSetPassword(ctx, f.admin, email, pw); err != nil {
				t.Fatalf("UserSetPassword(%s): %v", email, err)
			}
		}
		if _, _, err := f.svc.UserCreate(ctx, f.admin, &access.UserInput{Email: "nopass@example.com"}); err != nil {
			t.Fatalf("UserCreate: %v", err)
		}
		disabled := access.StatusDisabled
		if err := f.svc.UserSetPassword(ctx, f.admin, "nopass@example.com", pw); err != nil {
			t.Fatalf("UserSetPassword: %v", err)
		}
		if _, err := f.svc.UserPatch(ctx, f.admin, "nopass@example.com", &access.UserPatch{Status: &disabled}); err != nil {
			t.Fatalf("UserPatch(Disabled): %v", err)
		}
		tests := []struct {
			name, email, password string
		}{
			{"wrong password", memberEmail, "not the password!"},
			{"unknown user", "ghost@example.com", pw},
			{"empty password", memberEmail, ""},
			{"another user's password", "admin@example.com", "not the password!"},
		}
		var first string
		for _, tc := range tests {
			_, err := f.svc.Login(ctx, tc.email, tc.password)
			wantKind(t, "Login("+tc.name+")", err, model.ErrUnauthenticated)
			if first == "" {
				first = err.Error()
			}
			if err.Error() != first {
				t.Fatalf("Login(%s) message %q differs from %q", tc.name, err, first)
			}
		}
		_, err := f.svc.Login(ctx, "nopass@example.com", pw)
		wantKind(t, "Login(Disabled user)", err, model.ErrUnauthenticated)
	})
}

func TestUserSetPassword(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		tests := []struct {
			name     string
			actor    model.Actor
			email    string
			password string
			wantKind error
		}{
			{"self", f.mem, memberEmail, "a long enough password", nil},
			{"admin for another", f.admin, memberEmail, "another long password", nil},
			{"member for another", f.mem, adminEmail, "a long enough password", model.ErrForbidden},
			{"too short", f.mem, memberEmail, "short", model.ErrInvalid},
			{"unknown user", f.admin, "ghost@example.com", "a long enough password", model.ErrNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := f.svc.UserSetPassword(ctx, tc.actor, tc.email, tc.password)
				if tc.wantKind == nil {
					if err != nil {
						t.Fatalf("UserSetPassword: %v", err)
					}
					if _, err := f.svc.Login(ctx, tc.email, tc.password); err != nil {
						t.Fatalf("Login with the new password: %v", err)
					}
					return
				}
				wantKind(t, "UserSetPassword", err, tc.wantKind)
				if strings.Contains(err.Error(), tc.password) {
					t.Fatalf("UserSetPassword error %q carries the password", err)
				}
			})
		}
	})
}

func TestPrincipalFromEntity(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		if _, err := f.svc.TeamCreate(ctx, f.admin, &access.Team{Name: "payments"}); err != nil {
			t.Fatalf("TeamCreate: %v", err)
		}
		id, secret := f.newApp(memberEmail)
		tok, err := f.svc.IssueAccessToken(ctx, id, secret)
		if err != nil {
			t.Fatalf("IssueAccessToken: %v", err)
		}
		tests := []struct {
			name  string
			patch access.UserPatch
			want  *model.Principal
		}{
			{"member", access.UserPatch{}, &model.Principal{Roles: []string{"Member"}, Teams: []string{"platform"}}},
			{"moderator", access.UserPatch{Roles: &[]string{"service-moderator"}},
				&model.Principal{Roles: []string{"Member", "service-moderator"}, Teams: []string{"platform"}}},
			{"admin in two teams", access.UserPatch{Roles: &[]string{"Admin"}, Teams: &[]string{"platform", "payments"}},
				&model.Principal{Roles: []string{"Admin"}, Teams: []string{"platform", "payments"}}},
			{"member without teams", access.UserPatch{Roles: &[]string{"Member"}, Teams: &[]string{}},
				&model.Principal{Roles: []string{"Member"}, Teams: []string{}}},
		}
		// Sequential: each case changes the same user, and the token sees the
		// change on the next call.
		for _, tc := range tests {
			if _, err := f.svc.UserPatch(ctx, f.admin, memberEmail, &tc.patch); err != nil {
				t.Fatalf("%s: UserPatch: %v", tc.name, err)
			}
			p, err := f.svc.Authenticate(ctx, tok.Token)
			if err != nil {
				t.Fatalf("%s: Authenticate: %v", tc.name, err)
			}
			tc.want.UserID, tc.want.ClientID = memberEmail, id
			if diff := cmp.Diff(tc.want, p); diff != "" {
				t.Fatalf("%s: principal (-want +got):\n%s", tc.name, diff)
			}
			if tc.name == "moderator" && !p.Moderates("service") {
				t.Fatalf("moderator principal does not moderate service")
			}
		}
		if p, err := f.svc.Principal(ctx, "Member@Example.com"); err != nil || p.UserID != memberEmail {
			t.Fatalf("Principal(mixed case) = %+v, %v; want %s", p, err, memberEmail)
		}
		_, err = f.svc.Principal(ctx, "ghost@example.com")
		wantKind(t, "Principal(unknown)", err, model.ErrUnauthenticated)
	})
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		clk := clocktest.New(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
		cat, _ := catalog.New(catalog.Options{Store: st, Clock: clk})
		if err := cat.Init(ctx); err != nil {
			t.Fatalf("Init: %v", err)
		}
		svc, err := access.New(access.Options{Store: st, Catalog: cat, Clock: clk, FastPasswordHashesForTests: true})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		_, err = svc.Bootstrap(ctx, access.BootstrapOptions{Email: "not an email", Password: "short", ClientSecret: "tiny"})
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Bootstrap(bad) = %v, want a ValidationError", err)
		}
		var fields []string
		for _, fe := range ve.Fields {
			fields = append(fields, fe.Field)
		}
		if diff := cmp.Diff([]string{"email", "clientSecret", "password"}, fields); diff != "" {
			t.Fatalf("Bootstrap(bad) fields (-want +got):\n%s", diff)
		}

		res, err := svc.Bootstrap(ctx, access.BootstrapOptions{Password: "admin password 1"})
		if err != nil {
			t.Fatalf("Bootstrap: %v", err)
		}
		if !res.Created || res.Email != access.DefaultAdminEmail || !strings.HasPrefix(res.ClientID, access.PrefixClientID) ||
			!strings.HasPrefix(res.ClientSecret, access.PrefixClientSecret) {
			t.Fatalf("Bootstrap = %+v, want a created admin@atrium.local with generated credential", res)
		}
		tok, err := svc.IssueAccessToken(ctx, res.ClientID, res.ClientSecret)
		if err != nil {
			t.Fatalf("IssueAccessToken(generated): %v", err)
		}
		p, err := svc.Authenticate(ctx, tok.Token)
		if err != nil || !p.IsAdmin() || p.UserID != access.DefaultAdminEmail {
			t.Fatalf("Authenticate(bootstrap token) = %+v, %v; want the Admin", p, err)
		}
		if _, err := svc.Login(ctx, access.DefaultAdminEmail, "admin password 1"); err != nil {
			t.Fatalf("Login(bootstrap admin): %v", err)
		}

		again, err := svc.Bootstrap(ctx, access.BootstrapOptions{Email: "other@example.com"})
		if err != nil || again.Created || again.ClientSecret != "" {
			t.Fatalf("Bootstrap again = %+v, %v; want nothing created", again, err)
		}
		if _, err := svc.UserGet(ctx, model.Actor{}, "other@example.com"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("UserGet(other) after idempotent Bootstrap: %v, want not found", err)
		}
		apps, err := svc.AppList(ctx, model.Actor{})
		if err != nil || len(apps) != 1 {
			t.Fatalf("AppList after two Bootstraps = %d apps, %v; want 1", len(apps), err)
		}
	})
}

func TestBootstrapGivenCredential(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		cat, _ := catalog.New(catalog.Options{Store: st})
		if err := cat.Init(ctx); err != nil {
			t.Fatalf("Init: %v", err)
		}
		svc, _ := access.New(access.Options{Store: st, Catalog: cat, FastPasswordHashesForTests: true})
		// An existing Member of that email becomes the Admin.
		if _, _, err := svc.UserCreate(ctx, model.Actor{}, &access.UserInput{Email: "ops@example.com"}); err != nil {
			t.Fatalf("UserCreate: %v", err)
		}
		res, err := svc.Bootstrap(ctx, access.BootstrapOptions{Email: "Ops@Example.com", ClientID: "ci-admin", ClientSecret: "a configured secret"})
		if err != nil {
			t.Fatalf("Bootstrap: %v", err)
		}
		if diff := cmp.Diff(&access.BootstrapResult{Created: true, Email: "ops@example.com", ClientID: "ci-admin"}, res); diff != "" {
			t.Fatalf("Bootstrap (-want +got):\n%s", diff)
		}
		tok, err := svc.IssueAccessToken(ctx, "ci-admin", "a configured secret")
		if err != nil {
			t.Fatalf("IssueAccessToken(configured): %v", err)
		}
		if p, err := svc.Authenticate(ctx, tok.Token); err != nil || !p.IsAdmin() {
			t.Fatalf("Authenticate = %+v, %v; want an Admin", p, err)
		}
	})
}

// op is one call of a users/teams/apps table, run as actor.
type op struct {
	name string
	call func(ctx context.Context, f *fixture, a model.Actor) error
}

var adminOnlyOps = []op{
	{"UserCreate", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, _, err := f.svc.UserCreate(ctx, a, &access.UserInput{Email: "new@example.com"})
		return err
	}},
	{"UserInvite", func(ctx context.Context, f *fixture, a model.Actor) error {
		in := access.InviteInput{}
		if err := json.Unmarshal([]byte(`{"invitee":{"email":"inv@example.com","roles":["Member"],"teams":["platform"]},"notify":true}`), &in); err != nil {
			return err
		}
		u, err := f.svc.UserInvite(ctx, a, &in.Invitee)
		if err == nil && (u.Status != access.StatusInvited || len(u.Teams) != 1) {
			return errors.New("invited user has the wrong status or teams")
		}
		return err
	}},
	{"UserPatch", func(ctx context.Context, f *fixture, a model.Actor) error {
		first := "Max"
		u, err := f.svc.UserPatch(ctx, a, memberEmail, &access.UserPatch{FirstName: &first})
		if err == nil && (u.FirstName != "Max" || u.LastName != "Member") {
			return errors.New("patched names wrong: " + u.FirstName + " " + u.LastName)
		}
		return err
	}},
	{"UserDelete", func(ctx context.Context, f *fixture, a model.Actor) error {
		return f.svc.UserDelete(ctx, a, memberEmail)
	}},
	{"TeamCreate", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.TeamCreate(ctx, a, &access.Team{Name: "new"})
		return err
	}},
	{"TeamReplace", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.TeamReplace(ctx, a, "platform", &access.Team{Description: "d"})
		return err
	}},
	{"TeamPatch", func(ctx context.Context, f *fixture, a model.Actor) error {
		d := "d"
		_, err := f.svc.TeamPatch(ctx, a, "platform", &access.TeamPatch{Description: &d})
		return err
	}},
	{"TeamDelete", func(ctx context.Context, f *fixture, a model.Actor) error {
		return f.svc.TeamDelete(ctx, a, "platform")
	}},
	{"AppCreate", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, _, err := f.svc.AppCreate(ctx, a, "app", memberEmail)
		return err
	}},
	{"AppRename", func(ctx context.Context, f *fixture, a model.Actor) error {
		id, _ := f.newApp(memberEmail)
		_, err := f.svc.AppRename(ctx, a, id, "renamed")
		return err
	}},
	{"AppRotateSecret", func(ctx context.Context, f *fixture, a model.Actor) error {
		id, _ := f.newApp(memberEmail)
		_, _, err := f.svc.AppRotateSecret(ctx, a, id)
		return err
	}},
	{"AppDelete", func(ctx context.Context, f *fixture, a model.Actor) error {
		id, _ := f.newApp(memberEmail)
		return f.svc.AppDelete(ctx, a, id)
	}},
	{"RotateUserCredentials of another", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.RotateUserCredentials(ctx, a, adminEmail)
		return err
	}},
}

var readOps = []op{
	{"UserList", func(ctx context.Context, f *fixture, a model.Actor) error {
		us, err := f.svc.UserList(ctx, a)
		if err == nil && len(us) != 2 {
			return errors.New("UserList: want 2 users")
		}
		return err
	}},
	{"UserGet", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.UserGet(ctx, a, adminEmail)
		return err
	}},
	{"TeamList", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.TeamList(ctx, a)
		return err
	}},
	{"TeamGet", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.TeamGet(ctx, a, "platform")
		return err
	}},
	{"AppList", func(ctx context.Context, f *fixture, a model.Actor) error {
		_, err := f.svc.AppList(ctx, a)
		return err
	}},
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open dbtest.OpenFunc) {
		t.Parallel()
		type actorCase struct {
			name      string
			actor     func(f *fixture) model.Actor
			adminOnly error // kind for admin-only ops; nil: allowed
		}
		actors := []actorCase{
			{"member", func(f *fixture) model.Actor { return f.mem }, model.ErrForbidden},
			{"moderator", func(f *fixture) model.Actor {
				return actorOf(memberEmail, model.RoleMember, model.ModeratorRole("service"))
			}, model.ErrForbidden},
			{"admin", func(f *fixture) model.Actor { return f.admin }, nil},
			{"trusted", func(f *fixture) model.Actor { return model.Actor{ID: "test"} }, nil},
		}
		for _, ac := range actors {
			for _, o := range adminOnlyOps {
				t.Run(ac.name+"/"+o.name, func(t *testing.T) {
					t.Parallel()
					f := setup(t, open(t))
					err := o.call(context.Background(), f, ac.actor(f))
					if ac.adminOnly == nil {
						if err != nil {
							t.Fatalf("%s as %s: %v", o.name, ac.name, err)
						}
						return
					}
					wantKind(t, o.name+" as "+ac.name, err, ac.adminOnly)
					if !strings.Contains(err.Error(), "Admin") {
						t.Fatalf("%s as %s: message %q does not name the Admin role", o.name, ac.name, err)
					}
				})
			}
		}
		f := setup(t, open(t))
		for _, ac := range actors {
			for _, o := range readOps {
				if err := o.call(context.Background(), f, ac.actor(f)); err != nil {
					t.Fatalf("%s as %s: %v", o.name, ac.name, err)
				}
			}
		}
	})
}
