package oidctest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/access/oidc/oidctest"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
)

const (
	callback = "http://client.test/cb"
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize calls /authorize with the usual parameters changed by edit and
// returns the query of the redirect back to the client.
func authorize(t *testing.T, s *oidctest.Server, edit func(url.Values)) url.Values {
	t.Helper()
	q := url.Values{
		"client_id": {s.ClientID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"openid email"},
		"state": {"st"}, "nonce": {"no"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
	}
	if edit != nil {
		edit(q)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.URL + oidctest.PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), callback) {
		t.Fatalf("authorize answered %d to %v (%v); want a redirect to %s", resp.StatusCode, loc, err, callback)
	}
	return loc.Query()
}

func TestAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(url.Values)
		want string
	}{
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "email") }, "invalid_scope"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := oidctest.New(t)
			q := authorize(t, s, tc.edit)
			if q.Get("error") != tc.want || q.Get("code") != "" || q.Get("state") != "st" {
				t.Fatalf("authorize redirect = %v; want error=%s, the state, and no code", q, tc.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(s *oidctest.Server, form url.Values, clk *clocktest.Fake) (basicAuth bool)
		wantStatus int
		wantError  string
	}{
		{name: "basic auth", wantStatus: http.StatusOK},
		{name: "client secret in the form", wantStatus: http.StatusOK, edit: func(s *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Set("client_id", s.ClientID)
			f.Set("client_secret", s.ClientSecret)
			return false
		}},
		{name: "wrong secret", wantStatus: http.StatusUnauthorized, wantError: "invalid_client", edit: func(s *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Set("client_id", s.ClientID)
			f.Set("client_secret", "nope")
			return false
		}},
		{name: "wrong redirect_uri", wantStatus: http.StatusBadRequest, wantError: "invalid_grant", edit: func(_ *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Set("redirect_uri", "http://client.test/other")
			return true
		}},
		{name: "missing verifier", wantStatus: http.StatusBadRequest, wantError: "invalid_grant", edit: func(_ *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Del("code_verifier")
			return true
		}},
		{name: "unknown code", wantStatus: http.StatusBadRequest, wantError: "invalid_grant", edit: func(_ *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Set("code", "made-up")
			return true
		}},
		{name: "code too old", wantStatus: http.StatusBadRequest, wantError: "invalid_grant", edit: func(_ *oidctest.Server, _ url.Values, clk *clocktest.Fake) bool {
			clk.Advance(2 * time.Minute)
			return true
		}},
		{name: "other grant type", wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type", edit: func(_ *oidctest.Server, f url.Values, _ *clocktest.Fake) bool {
			f.Set("grant_type", "client_credentials")
			return true
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := oidctest.New(t)
			clk := clocktest.New(time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC))
			s.SetClock(clk)
			code := authorize(t, s, nil).Get("code")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}}
			basic := true
			if tc.edit != nil {
				basic = tc.edit(s, form, clk)
			}
			req, err := http.NewRequest(http.MethodPost, s.URL+oidctest.PathToken, strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if basic {
				req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST token: %v", err)
			}
			defer resp.Body.Close()
			var body struct {
				Error   string `json:"error"`
				IDToken string `json:"id_token"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("token response: %v", err)
			}
			if resp.StatusCode != tc.wantStatus || body.Error != tc.wantError || (tc.wantStatus == http.StatusOK) != (body.IDToken != "") {
				t.Fatalf("token = %d %+v; want %d with error %q", resp.StatusCode, body, tc.wantStatus, tc.wantError)
			}
			if got := s.Requests(oidctest.PathToken); got != 1 {
				t.Errorf("Requests(token) = %d, want 1", got)
			}
		})
	}
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	s := oidctest.New(t)
	s.RotateKey(true)
	s.RotateKey(false)
	s.RotateKey(true)
	if diff := cmp.Diff([]string{"key-3", "key-4"}, s.KeyIDs()); diff != "" {
		t.Errorf("KeyIDs after rotations (-want +got):\n%s", diff)
	}
}
