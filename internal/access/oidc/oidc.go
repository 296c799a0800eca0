// Package oidc signs people in through an OpenID Connect provider: discovery,
// the authorization code flow with PKCE (S256), ID-token verification against
// the provider's JWKS (refetched when a token names an unknown key, so key
// rotation needs no restart), and mapping the token's claims to an Identity.
//
// It keeps no state between Begin and Finish: the caller (httpapi) carries the
// Flow in a cookie and turns the Identity into a session with
// access.Service.LoginExternal. It imports model and clock only; httpapi and
// cmd/atrium import it. Tests use the provider in oidctest.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
)

// Config says which provider to trust and how to read its tokens.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document
	// states it (discovery reads Issuer + "/.well-known/openid-configuration"). Required.
	Issuer string
	// ClientID is Atrium's client id at the provider. Required.
	ClientID string
	// ClientSecret is Atrium's client secret; empty for a public client (PKCE still applies).
	ClientSecret string
	// RedirectURL is Atrium's callback, registered at the provider
	// (<public URL>/v1/auth/oidc/callback). Required.
	RedirectURL string
	// Scopes requested; default openid, email, profile. "openid" is added when
	// missing. Providers that put groups in the ID token only on request need "groups" here.
	Scopes []string
	// TeamsClaim names the claim holding team names (a string or an array of
	// strings); default "groups". "-" takes no teams from the token.
	TeamsClaim string
	// EmailClaim names the claim holding the email address; default "email".
	// A token whose email_verified claim is present and false is refused.
	EmailClaim string
	// AllowedDomains, when set, refuses emails outside these domains
	// (case-insensitive, exact domain match: "example.com" does not admit "eu.example.com").
	AllowedDomains []string
}

// NoTeamsClaim as Config.TeamsClaim takes no teams from the token.
const NoTeamsClaim = "-"

// Options configure New.
type Options struct {
	// Config is the provider configuration.
	Config Config
	// HTTPClient talks to the provider (discovery, token exchange, JWKS);
	// default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Clock checks flow and ID-token expiry; default clock.Real.
	Clock clock.Clock
	// Logger gets the discovery result; default discards.
	Logger *slog.Logger
}

// Provider runs sign-ins against one OpenID Connect provider. It is safe for
// concurrent use; build one at start-up and share it.
type Provider struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *gooidc.IDTokenVerifier
	client   *http.Client
	clock    clock.Clock
	domains  []string // AllowedDomains, lower case, without "@"
}

// defaultHTTPTimeout bounds each call to the provider, so a hung provider
// cannot hold a sign-in request (or start-up) forever.
const defaultHTTPTimeout = 10 * time.Second

// New validates opts and runs discovery now, so a wrong issuer fails start-up
// rather than the first sign-in. Configuration errors are a
// *model.ValidationError naming the Config field; a failed discovery names the issuer.
func New(ctx context.Context, opts Options) (*Provider, error) {
	cfg, err := withDefaults(opts.Config)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, client: opts.HTTPClient, clock: opts.Clock}
	if p.client == nil {
		p.client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if p.clock == nil {
		p.clock = clock.Real{}
	}
	for _, d := range cfg.AllowedDomains {
		p.domains = append(p.domains, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")))
	}
	// go-oidc keeps the client from this context for its JWKS fetches.
	discovered, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC discovery for Issuer %q: %w", cfg.Issuer, err)
	}
	p.oauth = oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: discovered.Endpoint(), Scopes: cfg.Scopes,
	}
	// One verifier, so one cached key set: an unknown key id triggers a refetch.
	p.verifier = discovered.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: p.clock.Now})
	if opts.Logger != nil {
		opts.Logger.Info("OIDC provider discovered", "component", "oidc", "issuer", cfg.Issuer,
			"authorization_endpoint", p.oauth.Endpoint.AuthURL)
	}
	return p, nil
}

// withDefaults fills defaults and reports every invalid field.
func withDefaults(c Config) (Config, error) {
	ve := &model.ValidationError{Subject: "OIDC configuration"}
	checkURL := func(field, v string) {
		if v == "" {
			ve.Add(field, "required")
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ve.Add(field, "must be an absolute http(s) URL, got %q", v)
		}
	}
	checkURL("Issuer", c.Issuer)
	checkURL("RedirectURL", c.RedirectURL)
	if strings.TrimSpace(c.ClientID) == "" {
		ve.Add("ClientID", "required")
	}
	for i, d := range c.AllowedDomains {
		d = strings.TrimPrefix(strings.TrimSpace(d), "@")
		if d == "" || strings.ContainsAny(d, "@/ ") {
			ve.Add(fmt.Sprintf("AllowedDomains[%d]", i), "must be a domain such as example.com, got %q", c.AllowedDomains[i])
		}
	}
	if err := ve.Err(); err != nil {
		return Config{}, err
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{gooidc.ScopeOpenID, "email", "profile"}
	} else if !slices.Contains(c.Scopes, gooidc.ScopeOpenID) {
		c.Scopes = append([]string{gooidc.ScopeOpenID}, c.Scopes...)
	}
	if c.TeamsClaim == "" {
		c.TeamsClaim = "groups"
	}
	if c.EmailClaim == "" {
		c.EmailClaim = "email"
	}
	return c, nil
}

// Begin starts a sign-in: it returns the provider URL to redirect the browser
// to and the Flow to keep until the callback. returnTo must be a local path
// ("/..."); anything else becomes "/" (see LocalPath), so a crafted login
// link cannot send the user to another site.
func (p *Provider) Begin(returnTo string) (authURL string, f Flow, err error) {
	f = Flow{
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: LocalPath(returnTo),
		// Whole seconds: the cookie keeps seconds, so Encode/DecodeFlow round-trip.
		Expires: p.clock.Now().Add(FlowTTL).Truncate(time.Second).UTC(),
	}
	authURL = p.oauth.AuthCodeURL(f.State, gooidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return authURL, f, nil
}

// Finish completes a sign-in from the callback's state and code: it checks
// the flow and the state, exchanges the code with the PKCE verifier, verifies
// the ID token (signature, issuer, audience, expiry by the injected clock),
// checks the nonce and maps the claims. Every refusal is an
// ErrUnauthenticated-kind *Error whose message says what went wrong; an
// unreachable provider is ErrUnavailable. A code is good once (the provider
// enforces it), so a replayed callback fails.
func (p *Provider) Finish(ctx context.Context, f Flow, state, code string) (*Identity, error) {
	switch {
	case f.State == "":
		return nil, unauthenticated("no sign-in in progress in this browser; start the sign-in again")
	case !p.clock.Now().Before(f.Expires):
		return nil, unauthenticated("the sign-in took longer than %s; start the sign-in again", FlowTTL)
	case subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1:
		return nil, unauthenticated("the state returned by the identity provider does not match this browser's sign-in")
	case code == "":
		return nil, unauthenticated("the identity provider returned no authorization code")
	}
	ctx = gooidc.ClientContext(ctx, p.client)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, unauthenticated("the identity provider returned no ID token (is the openid scope granted?)")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		var expired *gooidc.TokenExpiredError
		if errors.As(err, &expired) {
			return nil, &Error{Kind: model.ErrUnauthenticated, Message: fmt.Sprintf(
				"OIDC sign-in: the ID token expired at %s (check the clocks of Atrium and the identity provider)",
				expired.Expiry.UTC().Format(time.RFC3339)), Err: err}
		}
		return nil, &Error{Kind: model.ErrUnauthenticated, Message: "OIDC sign-in: the ID token was rejected: " +
			strings.TrimPrefix(err.Error(), "oidc: "), Err: err}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, unauthenticated("the ID token's nonce does not match this sign-in")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, &Error{Kind: model.ErrUnauthenticated, Message: "OIDC sign-in: the ID token's claims are malformed", Err: err}
	}
	return p.identity(idt.Subject, claims)
}

// exchangeError sorts a failed code exchange: the provider refusing (4xx) is
// the caller's problem, anything else means the provider is unreachable or broken.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
		msg := "OIDC sign-in: the identity provider refused the authorization code"
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
			if re.ErrorDescription != "" {
				msg += " (" + re.ErrorDescription + ")"
			}
		}
		return &Error{Kind: model.ErrUnauthenticated, Message: msg, Err: err}
	}
	return &Error{Kind: model.ErrUnavailable, Message: "OIDC sign-in: the identity provider's token endpoint failed; try again later", Err: err}
}

// CallbackError turns the error parameters a provider puts on the callback
// (RFC 6749 §4.1.2.1: error, error_description) into an
// ErrUnauthenticated-kind error; it returns nil when code is empty. The HTTP
// layer calls it before Finish.
func CallbackError(code, description string) error {
	if code == "" {
		return nil
	}
	msg := fmt.Sprintf("the identity provider refused the sign-in: %s", clean(code, 64))
	if description != "" {
		msg += " (" + clean(description, 200) + ")"
	}
	return unauthenticated("%s", msg)
}

// clean shortens s and drops control characters: callback parameters are
// attacker-controlled and end up in messages and logs.
func clean(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// Error is a failed sign-in. Message is written for users and unwraps to
// Kind (model.ErrUnauthenticated or model.ErrUnavailable); Err, when set, is
// the library's or provider's error, kept for logs.
type Error struct {
	Kind    error
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes both the kind (for HTTP status) and the cause (for logs).
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}
