// Package oidctest is an in-process OpenID Connect provider for tests: a
// discovery document, an /authorize endpoint that signs in a configured user
// without asking, a /token endpoint that checks the client, the code, the
// redirect URI and the PKCE verifier, and a JWKS whose signing key can be
// rotated. Tests can make the next ID token misbehave (expired, wrong
// audience, nonce or issuer, unknown key) and count requests per endpoint.
//
// Only _test.go files import it; it may import internal/clock but nothing of
// Atrium's services.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/atrium-idp/atrium/internal/clock"
)

// Paths of the provider's endpoints, relative to Server.URL; Requests counts by them.
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathAuthorize = "/authorize"
	PathToken     = "/token"
	PathKeys      = "/keys"
)

// User is the person /authorize signs in. Its fields become the ID token's
// standard claims; empty strings and nil Groups are left out of the token.
type User struct {
	Subject    string
	Email      string
	GivenName  string
	FamilyName string
	Name       string
	Groups     []string
}

// DefaultUser is the user a new Server signs in.
func DefaultUser() User {
	return User{
		Subject: "user-ada", Email: "ada@example.com", GivenName: "Ada", FamilyName: "Lovelace",
		Name: "Ada Lovelace", Groups: []string{"platform", "payments"},
	}
}

// Tamper makes the next ID token wrong in one way; see Server.TamperNextToken.
type Tamper int

// Ways to spoil the next ID token.
const (
	// TokenExpired issues a token whose exp is a minute before the server's now.
	TokenExpired Tamper = iota + 1
	// TokenWrongAudience issues a token for another client.
	TokenWrongAudience
	// TokenWrongNonce issues a token carrying a nonce the client never sent.
	TokenWrongNonce
	// TokenWrongIssuer issues a token naming another issuer.
	TokenWrongIssuer
	// TokenUnknownKey signs the token with a key that is in no JWKS.
	TokenUnknownKey
)

// Server is a running test provider. Its methods are safe for concurrent use.
type Server struct {
	// URL is the issuer (no trailing slash).
	URL string
	// ClientID and ClientSecret are the only client /token accepts.
	ClientID     string
	ClientSecret string

	srv *httptest.Server
	t   testing.TB // fails the test when a key cannot be made

	mu       sync.Mutex // guards every field below
	clock    clock.Clock
	user     User
	extra    map[string]any // claims set with SetClaim; a nil value removes the claim
	keys     []signingKey   // published in the JWKS; the last one signs
	nextKID  int
	codes    map[string]*grant
	tamper   Tamper
	deny     string // error code /authorize answers with, once
	requests map[string]int
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// grant is one issued authorization code and what /token must check it against.
type grant struct {
	redirectURI string
	challenge   string
	nonce       string
	used        bool
	issued      time.Time
}

// codeTTL bounds how long an authorization code may wait for /token.
const codeTTL = time.Minute

// New starts a provider that signs in DefaultUser, and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		ClientID:     "atrium-test",
		ClientSecret: "oidctest-client-secret",
		clock:        clock.Real{},
		user:         DefaultUser(),
		extra:        map[string]any{},
		codes:        map[string]*grant{},
		requests:     map[string]int{},
	}
	s.keys = []signingKey{s.newKey()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathDiscovery, s.discovery)
	mux.HandleFunc("GET "+PathAuthorize, s.authorize)
	mux.HandleFunc("POST "+PathToken, s.token)
	mux.HandleFunc("GET "+PathKeys, s.jwks)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// newKey makes an RSA key with the next key id. The caller holds mu or owns s.
func (s *Server) newKey() signingKey {
	s.t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		s.t.Fatalf("oidctest: generate key: %v", err)
	}
	s.nextKID++
	return signingKey{kid: fmt.Sprintf("key-%d", s.nextKID), key: key}
}

// SetClock makes the provider stamp iat/exp (and age codes) by c instead of
// the wall clock; pass the fake clock the client under test uses.
func (s *Server) SetClock(c clock.Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// SetUser changes who the next /authorize signs in. Claims set with SetClaim stay.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// SetClaim adds or overrides one claim in every later ID token (for example
// "email_verified": false, or a custom teams claim); a nil value removes the claim.
func (s *Server) SetClaim(name string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra[name] = value
}

// RotateKey makes a fresh key sign every later token. With keepOld the old
// keys stay in the JWKS (a graceful rotation); without, only the new key is published.
// Call it from the test's goroutine.
func (s *Server) RotateKey(keepOld bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.newKey()
	if keepOld {
		s.keys = append(s.keys, k)
	} else {
		s.keys = []signingKey{k}
	}
}

// KeyIDs lists the key ids the JWKS publishes, the signing key last.
func (s *Server) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.kid
	}
	return ids
}

// TamperNextToken spoils the next ID token /token issues, then behaviour returns to normal.
func (s *Server) TamperNextToken(how Tamper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = how
}

// DenyNext makes the next /authorize redirect back with error=code (for
// example "access_denied") instead of a code, as a provider does when the user declines.
func (s *Server) DenyNext(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = code
}

// Requests reports how many requests reached path (one of the Path constants).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.URL,
		"authorization_endpoint":                s.URL + PathAuthorize,
		"token_endpoint":                        s.URL + PathToken,
		"jwks_uri":                              s.URL + PathKeys,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile", "groups"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	set := jose.JSONWebKeySet{}
	for _, k := range s.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, set)
}

// authorize signs the configured user in at once: it checks the client and
// the PKCE challenge, then redirects to redirect_uri with a fresh code and the state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		http.Error(w, "oidctest: redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != s.ClientID {
		http.Error(w, "oidctest: unknown client_id", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	s.mu.Lock()
	deny := s.deny
	s.deny = ""
	s.mu.Unlock()
	switch {
	case deny != "":
		back.Set("error", deny)
		back.Set("error_description", "the user declined")
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		back.Set("error", "invalid_scope")
		back.Set("error_description", "openid scope missing")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	default:
		code := rand.Text()
		s.mu.Lock()
		s.codes[code] = &grant{
			redirectURI: redirect.String(), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
			issued: s.clock.Now(),
		}
		s.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token redeems a code once, checking the client, the redirect URI and the
// PKCE verifier, and answers with a signed ID token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 §2.3.1: the basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.ClientSecret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	g := s.codes[r.PostForm.Get("code")]
	switch {
	case g == nil:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown authorization code")
		return
	case g.used:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "authorization code already used")
		return
	case now.Sub(g.issued) > codeTTL:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "authorization code expired")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
		return
	case !pkceMatches(r.PostForm.Get("code_verifier"), g.challenge):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	g.used = true
	idToken, err := s.signIDToken(now, g.nonce)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 3600, "id_token": idToken,
	})
}

// signIDToken builds and signs the ID token for the current user, applying
// and clearing any tamper. The caller holds mu.
func (s *Server) signIDToken(now time.Time, nonce string) (string, error) {
	claims := map[string]any{
		"iss": s.URL, "sub": s.user.Subject, "aud": s.ClientID,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if s.user.Email != "" {
		claims["email"] = s.user.Email
		claims["email_verified"] = true
	}
	for name, v := range map[string]string{"given_name": s.user.GivenName, "family_name": s.user.FamilyName, "name": s.user.Name} {
		if v != "" {
			claims[name] = v
		}
	}
	if s.user.Groups != nil {
		claims["groups"] = s.user.Groups
	}
	for name, v := range maps.All(s.extra) {
		if v == nil {
			delete(claims, name)
		} else {
			claims[name] = v
		}
	}
	key := s.keys[len(s.keys)-1]
	switch s.tamper {
	case TokenExpired:
		claims["iat"], claims["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix()
	case TokenWrongAudience:
		claims["aud"] = "some-other-client"
	case TokenWrongNonce:
		claims["nonce"] = "not-the-nonce-you-sent"
	case TokenWrongIssuer:
		claims["iss"] = "https://evil.example.com"
	case TokenUnknownKey:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", err
		}
		key = signingKey{kid: "unpublished", key: k}
	}
	s.tamper = 0
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.key, KeyID: key.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// pkceMatches reports whether verifier hashes to challenge (RFC 7636 S256).
func pkceMatches(verifier, challenge string) bool {
	if verifier == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
