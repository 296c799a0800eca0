package oidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/atrium-idp/atrium/internal/access/oidc"
	"github.com/atrium-idp/atrium/internal/access/oidc/oidctest"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
)

// redirectURL is Atrium's callback in these tests; nothing listens there: the
// browser stops at the redirect and the test plays the callback.
const redirectURL = "http://atrium.test/v1/auth/oidc/callback"

// start is far from the wall clock, so a verifier reading time.Now instead of
// the injected clock would accept the expired token and fail a test.
var start = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

type fixture struct {
	idp   *oidctest.Server
	p     *oidc.Provider
	clock *clocktest.Fake
}

func setup(t *testing.T, configure func(*oidc.Config)) fixture {
	t.Helper()
	idp := oidctest.New(t)
	clk := clocktest.New(start)
	idp.SetClock(clk)
	cfg := oidc.Config{Issuer: idp.URL, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, RedirectURL: redirectURL}
	if configure != nil {
		configure(&cfg)
	}
	p, err := oidc.New(t.Context(), oidc.Options{Config: cfg, Clock: clk})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fixture{idp: idp, p: p, clock: clk}
}

// authorize plays the browser: Begin, then GET the provider's URL following
// redirects until one points at Atrium's callback, whose query it returns.
func (fx fixture) authorize(t *testing.T, returnTo string) (oidc.Flow, url.Values) {
	t.Helper()
	authURL, f, err := fx.p.Begin(returnTo)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	browser := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("GET %s: %v", authURL, err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirectURL) {
		t.Fatalf("GET authorize: status %d, location %v (%v); want a redirect to the callback", resp.StatusCode, loc, err)
	}
	return f, loc.Query()
}

func TestFinish(t *testing.T) {
	t.Parallel()
	ada := &oidc.Identity{Subject: "user-ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
		Teams: []string{"payments", "platform"}}
	tests := []struct {
		name      string
		configure func(*oidc.Config)
		before    func(fixture)                      // before the browser goes to the provider
		after     func(fixture, *oidc.Flow, *string) // between the callback and Finish; may edit flow and state
		want      *oidc.Identity
		wantKind  error
		wantMsg   string
	}{
		{name: "default user", want: ada},
		{
			name: "name split, email lower-cased, no groups",
			before: func(fx fixture) {
				fx.idp.SetUser(oidctest.User{Subject: "s-bob", Email: "Bob@Example.COM", Name: "Bob van Dyke"})
			},
			want: &oidc.Identity{Subject: "s-bob", Email: "bob@example.com", FirstName: "Bob", LastName: "van Dyke"},
		},
		{
			name:      "teams from a custom claim holding one string",
			configure: func(c *oidc.Config) { c.TeamsClaim = "roles" },
			before:    func(fx fixture) { fx.idp.SetClaim("roles", " sre ") },
			want:      &oidc.Identity{Subject: "user-ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Teams: []string{"sre"}},
		},
		{
			name:   "teams deduplicated, blanks dropped",
			before: func(fx fixture) { fx.idp.SetClaim("groups", []string{"b", "a", "b", " "}) },
			want:   &oidc.Identity{Subject: "user-ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Teams: []string{"a", "b"}},
		},
		{
			name:      "teams claim switched off",
			configure: func(c *oidc.Config) { c.TeamsClaim = oidc.NoTeamsClaim },
			want:      &oidc.Identity{Subject: "user-ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"},
		},
		{
			name:      "custom email claim",
			configure: func(c *oidc.Config) { c.EmailClaim = "upn" },
			before:    func(fx fixture) { fx.idp.SetClaim("upn", "ada@corp.example") },
			want:      &oidc.Identity{Subject: "user-ada", Email: "ada@corp.example", FirstName: "Ada", LastName: "Lovelace", Teams: ada.Teams},
		},
		{name: "email_verified as the string true", before: func(fx fixture) { fx.idp.SetClaim("email_verified", "true") }, want: ada},
		{name: "email_verified absent", before: func(fx fixture) { fx.idp.SetClaim("email_verified", nil) }, want: ada},
		{
			name:      "allowed domain, case-insensitive",
			configure: func(c *oidc.Config) { c.AllowedDomains = []string{"corp.example", "@Example.com"} },
			want:      ada,
		},
		{
			name:     "teams claim of the wrong type",
			before:   func(fx fixture) { fx.idp.SetClaim("groups", 42) },
			wantKind: model.ErrUnauthenticated, wantMsg: `claim "groups" must be a string or an array of strings`,
		},
		{
			name:     "unverified email",
			before:   func(fx fixture) { fx.idp.SetClaim("email_verified", false) },
			wantKind: model.ErrUnauthenticated, wantMsg: "has not verified the email address ada@example.com",
		},
		{
			name:     "no email",
			before:   func(fx fixture) { fx.idp.SetUser(oidctest.User{Subject: "s-x", Name: "X"}) },
			wantKind: model.ErrUnauthenticated, wantMsg: `no email address in claim "email"`,
		},
		{
			name:      "disallowed domain",
			configure: func(c *oidc.Config) { c.AllowedDomains = []string{"corp.example"} },
			wantKind:  model.ErrForbidden, wantMsg: `email domain "example.com" is not allowed`,
		},
		{
			name:     "state mismatch",
			after:    func(_ fixture, _ *oidc.Flow, state *string) { *state = "forged" },
			wantKind: model.ErrUnauthenticated, wantMsg: "state returned by the identity provider does not match",
		},
		{
			name:     "flow expired",
			after:    func(fx fixture, _ *oidc.Flow, _ *string) { fx.clock.Advance(oidc.FlowTTL) },
			wantKind: model.ErrUnauthenticated, wantMsg: "took longer than 10m0s",
		},
		{
			name:     "no flow (cookie lost)",
			after:    func(_ fixture, f *oidc.Flow, _ *string) { *f = oidc.Flow{} },
			wantKind: model.ErrUnauthenticated, wantMsg: "no sign-in in progress",
		},
		{
			name: "wrong PKCE verifier is refused by the provider",
			after: func(_ fixture, f *oidc.Flow, _ *string) {
				f.Verifier = oauth2.GenerateVerifier()
			},
			wantKind: model.ErrUnauthenticated, wantMsg: "refused the authorization code: invalid_grant (PKCE verification failed)",
		},
		{
			name:     "wrong nonce",
			before:   func(fx fixture) { fx.idp.TamperNextToken(oidctest.TokenWrongNonce) },
			wantKind: model.ErrUnauthenticated, wantMsg: "nonce does not match",
		},
		{
			name:     "wrong audience",
			before:   func(fx fixture) { fx.idp.TamperNextToken(oidctest.TokenWrongAudience) },
			wantKind: model.ErrUnauthenticated, wantMsg: `expected audience "atrium-test"`,
		},
		{
			name:     "wrong issuer",
			before:   func(fx fixture) { fx.idp.TamperNextToken(oidctest.TokenWrongIssuer) },
			wantKind: model.ErrUnauthenticated, wantMsg: "id token issued by a different provider",
		},
		{
			name:     "expired ID token",
			before:   func(fx fixture) { fx.idp.TamperNextToken(oidctest.TokenExpired) },
			wantKind: model.ErrUnauthenticated, wantMsg: "the ID token expired at 2031-03-04T05:05:07Z",
		},
		{
			name:     "token signed by an unpublished key",
			before:   func(fx fixture) { fx.idp.TamperNextToken(oidctest.TokenUnknownKey) },
			wantKind: model.ErrUnauthenticated, wantMsg: "failed to verify id token signature",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := setup(t, tc.configure)
			if tc.before != nil {
				tc.before(fx)
			}
			f, q := fx.authorize(t, "/")
			state := q.Get("state")
			if tc.after != nil {
				tc.after(fx, &f, &state)
			}
			got, err := fx.p.Finish(t.Context(), f, state, q.Get("code"))
			if tc.wantKind != nil {
				if !errors.Is(err, tc.wantKind) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("Finish = %+v, %v; want a %v error containing %q", got, err, tc.wantKind, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Finish identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFinishReplayedCallback(t *testing.T) {
	t.Parallel()
	fx := setup(t, nil)
	f, q := fx.authorize(t, "/")
	if _, err := fx.p.Finish(t.Context(), f, q.Get("state"), q.Get("code")); err != nil {
		t.Fatalf("first Finish: %v", err)
	}
	_, err := fx.p.Finish(t.Context(), f, q.Get("state"), q.Get("code"))
	if !errors.Is(err, model.ErrUnauthenticated) || !strings.Contains(err.Error(), "authorization code already used") {
		t.Fatalf("replayed Finish = %v; want an unauthenticated error saying the code was used", err)
	}
}

// TestKeyRotation proves go-oidc's key set refetches the JWKS when a token
// names a key id it has not cached, and only then.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	for _, keepOld := range []bool{false, true} {
		name := map[bool]string{false: "old key withdrawn", true: "old key kept"}[keepOld]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := setup(t, nil)
			login := func(step string) {
				t.Helper()
				f, q := fx.authorize(t, "/")
				if _, err := fx.p.Finish(t.Context(), f, q.Get("state"), q.Get("code")); err != nil {
					t.Fatalf("%s: Finish: %v", step, err)
				}
			}
			login("before rotation")
			login("again, cached key")
			if got := fx.idp.Requests(oidctest.PathKeys); got != 1 {
				t.Fatalf("JWKS fetched %d times before rotation, want 1", got)
			}
			fx.idp.RotateKey(keepOld)
			login("after rotation")
			if got := fx.idp.Requests(oidctest.PathKeys); got != 2 {
				t.Fatalf("JWKS fetched %d times after rotation, want 2 (one refetch)", got)
			}
			login("after rotation, cached key")
			if got := fx.idp.Requests(oidctest.PathKeys); got != 2 {
				t.Fatalf("JWKS fetched %d times, want still 2", got)
			}
			wantKeys := map[bool]int{false: 1, true: 2}[keepOld]
			if got := len(fx.idp.KeyIDs()); got != wantKeys {
				t.Fatalf("JWKS publishes %d keys, want %d", got, wantKeys)
			}
		})
	}
}

func TestBegin(t *testing.T) {
	t.Parallel()
	fx := setup(t, func(c *oidc.Config) { c.Scopes = []string{"email", "groups"} })
	tests := []struct {
		returnTo, want string
	}{
		{"/catalog/service?tab=2#x", "/catalog/service?tab=2#x"},
		{"/", "/"},
		{"", "/"},
		{"catalog", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/x", "/"},
		{`/\evil.example`, "/"},
		{"javascript:alert(1)", "/"},
		{"/a\nb", "/"},
		{"/a\x7fb", "/"},
	}
	for _, tc := range tests {
		authURL, f, err := fx.p.Begin(tc.returnTo)
		if err != nil {
			t.Fatalf("Begin(%q): %v", tc.returnTo, err)
		}
		if f.ReturnTo != tc.want {
			t.Errorf("Begin(%q).ReturnTo = %q, want %q", tc.returnTo, f.ReturnTo, tc.want)
		}
		if want := start.Add(oidc.FlowTTL); !f.Expires.Equal(want) {
			t.Errorf("Begin(%q).Expires = %v, want %v", tc.returnTo, f.Expires, want)
		}
		u, err := url.Parse(authURL)
		if err != nil {
			t.Fatalf("Begin(%q) auth URL %q: %v", tc.returnTo, authURL, err)
		}
		sum := sha256.Sum256([]byte(f.Verifier))
		want := url.Values{
			"client_id": {fx.idp.ClientID}, "redirect_uri": {redirectURL}, "response_type": {"code"},
			"scope": {"openid email groups"}, "state": {f.State}, "nonce": {f.Nonce},
			"code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		}
		if diff := cmp.Diff(want, u.Query()); diff != "" {
			t.Errorf("Begin(%q) auth URL query (-want +got):\n%s", tc.returnTo, diff)
		}
		if got := u.Scheme + "://" + u.Host + u.Path; got != fx.idp.URL+oidctest.PathAuthorize {
			t.Errorf("Begin(%q) auth URL = %s, want the provider's authorization endpoint", tc.returnTo, got)
		}
	}
	_, a, _ := fx.p.Begin("/")
	_, b, _ := fx.p.Begin("/")
	if a.State == b.State || a.Nonce == b.Nonce || a.Verifier == b.Verifier {
		t.Errorf("two Begin calls share state, nonce or verifier: %+v, %+v", a, b)
	}
}

func TestCallbackError(t *testing.T) {
	t.Parallel()
	fx := setup(t, nil)
	fx.idp.DenyNext("access_denied")
	_, q := fx.authorize(t, "/")
	if q.Get("code") != "" {
		t.Fatalf("denied callback carries a code: %v", q)
	}
	err := oidc.CallbackError(q.Get("error"), q.Get("error_description")+"\r\nX-Injected: 1")
	if !errors.Is(err, model.ErrUnauthenticated) || err.Error() != "OIDC sign-in: the identity provider refused the sign-in: access_denied (the user declinedX-Injected: 1)" {
		t.Fatalf("CallbackError = %v; want an unauthenticated error quoting the provider without control characters", err)
	}
	if err := oidc.CallbackError("", "whatever"); err != nil {
		t.Fatalf("CallbackError with no code = %v, want nil", err)
	}
}

func TestNewDiscoveryFailure(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t)
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name, issuer, wantMsg string
	}{
		{"no discovery document", notFound.URL, `OIDC discovery for Issuer "` + notFound.URL + `": 404 Not Found`},
		{"unreachable", closed.URL, `OIDC discovery for Issuer "` + closed.URL + `": `},
		{"issuer differs from the document", idp.URL + "/", `OIDC discovery for Issuer "` + idp.URL + `/": oidc: issuer URL provided to client ("` + idp.URL + `/") did not match`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := oidc.New(t.Context(), oidc.Options{Config: oidc.Config{Issuer: tc.issuer, ClientID: "c", RedirectURL: redirectURL}})
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Fatalf("New(%s) = %v, want an error starting %q", tc.issuer, err, tc.wantMsg)
			}
		})
	}
}

func TestNewInvalidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  oidc.Config
		want []model.FieldError
	}{
		{"empty", oidc.Config{}, []model.FieldError{
			{Field: "Issuer", Reason: "required"}, {Field: "RedirectURL", Reason: "required"}, {Field: "ClientID", Reason: "required"},
		}},
		{"relative URLs and a bad domain", oidc.Config{Issuer: "idp.example.com", ClientID: "c", RedirectURL: "/cb", AllowedDomains: []string{"ok.example", "a@b"}}, []model.FieldError{
			{Field: "Issuer", Reason: `must be an absolute http(s) URL, got "idp.example.com"`},
			{Field: "RedirectURL", Reason: `must be an absolute http(s) URL, got "/cb"`},
			{Field: "AllowedDomains[1]", Reason: `must be a domain such as example.com, got "a@b"`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := oidc.New(context.Background(), oidc.Options{Config: tc.cfg})
			var ve *model.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("New = %v, want a *model.ValidationError", err)
			}
			if diff := cmp.Diff(tc.want, ve.Fields); diff != "" {
				t.Errorf("New fields (-want +got):\n%s", diff)
			}
		})
	}
}
