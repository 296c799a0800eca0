package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/access/oidc"
	"github.com/atrium-idp/atrium/internal/model"
)

// Sign-in routes (docs/access.md "Credentials and tokens"): access tokens
// for API clients, sessions for browsers (a local password or OIDC), sign
// out, and who the caller is. Secrets appear only in the response that
// issues them (and in its Set-Cookie headers), never in an audit entry.

// OIDC is the OpenID Connect sign-in (internal/access/oidc.Provider
// satisfies it).
type OIDC interface {
	// Begin starts a sign-in that will return the browser to returnTo.
	Begin(returnTo string) (authURL string, f oidc.Flow, err error)
	// Finish checks the provider's callback against the flow and returns
	// who signed in.
	Finish(ctx context.Context, f oidc.Flow, state, code string) (*oidc.Identity, error)
}

// CookieOIDCFlow holds the OIDC sign-in in progress (oidc.Flow) between
// the login redirect and the callback; only the callback path sees it.
const CookieOIDCFlow = "atrium_oidc"

// oidcFlowPath scopes CookieOIDCFlow to the OIDC routes.
const oidcFlowPath = "/v1/auth/oidc"

// errOIDCOff answers the OIDC routes when no provider is configured.
var errOIDCOff = &model.KindError{Kind: model.ErrNotFound,
	Message: "OIDC sign-in is not configured on this server (ATRIUM_OIDC_ISSUER)"}

// sessionCookies returns the cookies of a new browser session: the session
// token (HttpOnly, so scripts cannot read it) and the CSRF token (readable
// by the UI, which echoes it in HeaderCSRF on writes).
func (s *Server) sessionCookies(sess *access.Session) []http.Cookie {
	maxAge := int(sess.ExpiresAt.Sub(s.clock.Now()) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	c := http.Cookie{Path: "/", MaxAge: maxAge, Expires: sess.ExpiresAt.UTC(), Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode}
	session, csrf := c, c
	session.Name, session.Value, session.HttpOnly = CookieSession, sess.Token, true
	csrf.Name, csrf.Value = CookieCSRF, sess.CSRFToken
	return []http.Cookie{session, csrf}
}

// clearedCookie returns a cookie that makes the browser delete name at path.
func (s *Server) clearedCookie(name, path string, httpOnly bool) http.Cookie {
	return http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: httpOnly,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode}
}

// signInActor is the actor a sign-in's follow-up reads run as: the user who
// just signed in.
func signInActor(ctx context.Context, p *model.Principal) (context.Context, model.Actor) {
	a := actorFrom(ctx)
	a.ID, a.Principal = p.UserID, p
	return model.WithActor(ctx, a), a
}

// maxAuditedName bounds what a failed sign-in records of the name it was
// given (a client id or an email).
const maxAuditedName = 254

// auditedName returns what a sign-in's audit entry may record of the client
// id or email a caller sent: nothing when it is too long or looks like one
// of Atrium's secrets (pasted into the wrong field), so no secret enters the
// log.
func auditedName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxAuditedName {
		return ""
	}
	for _, p := range []string{access.PrefixClientSecret, access.PrefixAccessToken, access.PrefixSession, access.PrefixCSRF} {
		if strings.HasPrefix(s, p) {
			return ""
		}
	}
	return s
}

type accessTokenInput struct {
	Body struct {
		ClientID     string `json:"clientId" doc:"The credential's client id."`
		ClientSecret string `json:"clientSecret" doc:"The credential's secret."`
	}
}

type accessTokenOutput struct {
	Body struct {
		OK          bool   `json:"ok"`
		AccessToken string `json:"accessToken" doc:"Send as Authorization: Bearer <accessToken>."`
		ExpiresIn   int    `json:"expiresIn" doc:"Seconds until the token expires."`
		TokenType   string `json:"tokenType" enum:"Bearer"`
	}
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" doc:"The user's email."`
		Password string `json:"password" doc:"The user's local password."`
	}
}

type loginOutput struct {
	SetCookie []http.Cookie `header:"Set-Cookie" doc:"atrium_session (HttpOnly) and atrium_csrf."`
	Body      struct {
		OK        bool         `json:"ok"`
		User      *access.User `json:"user"`
		CSRFToken string       `json:"csrfToken" doc:"Echo in the X-CSRF-Token header on every write made with the session cookie."`
		ExpiresAt time.Time    `json:"expiresAt"`
	}
}

// logoutInput reads the credential to revoke (hidden: the security schemes
// document them).
type logoutInput struct {
	Authorization string `header:"Authorization" hidden:"true"`
	Session       string `cookie:"atrium_session" hidden:"true"`
}

type logoutOutput struct {
	SetCookie []http.Cookie `header:"Set-Cookie" doc:"Clears atrium_session and atrium_csrf."`
	Body      okBody
}

type meOutput struct {
	Body struct {
		OK    bool         `json:"ok"`
		User  *access.User `json:"user"`
		Roles []string     `json:"roles" doc:"Admin, Member and <blueprint>-moderator roles."`
		Teams []string     `json:"teams"`
	}
}

type providersOutput struct {
	Body struct {
		OK    bool `json:"ok"`
		Local bool `json:"local" doc:"Whether POST /v1/auth/login (local passwords) is available."`
		OIDC  bool `json:"oidc" doc:"Whether GET /v1/auth/oidc/login (single sign-on) is available."`
	}
}

type oidcLoginInput struct {
	ReturnTo string `query:"returnTo" doc:"Local path to return to after signing in; default /."`
}

type redirectOutput struct {
	Status    int
	Location  string        `header:"Location"`
	SetCookie []http.Cookie `header:"Set-Cookie"`
}

type oidcCallbackInput struct {
	Code             string `query:"code"`
	State            string `query:"state"`
	Error            string `query:"error"`
	ErrorDescription string `query:"error_description"`
	Flow             string `cookie:"atrium_oidc"`
}

func (s *Server) registerAuth() {
	tags := []string{"Authentication"}

	register(s, huma.Operation{
		OperationID: "issueAccessToken", Method: http.MethodPost, Path: "/v1/auth/access_token",
		Summary: "Exchange a client id and secret for an access token", Tags: tags,
		Description: "Each call issues a new token (Atrium keeps only hashes, so it cannot return the previous one).",
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *accessTokenInput) (*accessTokenOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = auditedName(in.Body.ClientID) })
		tok, err := acc.IssueAccessToken(ctx, in.Body.ClientID, in.Body.ClientSecret)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Actor = tok.UserID })
		out := &accessTokenOutput{}
		out.Body.OK = true
		out.Body.AccessToken = tok.Token
		out.Body.ExpiresIn = tok.ExpiresIn
		out.Body.TokenType = "Bearer"
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/v1/auth/login",
		Summary: "Sign in with an email and local password", Tags: tags,
		Description: "Starts a browser session: sets the atrium_session and atrium_csrf cookies.",
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		acc, err := s.identities()
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = strings.ToLower(auditedName(in.Body.Email)) })
		sess, err := acc.Login(ctx, in.Body.Email, in.Body.Password)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Actor, e.Identifier = sess.UserID, sess.UserID })
		p, err := acc.Principal(ctx, sess.UserID)
		if err != nil {
			return nil, err
		}
		uctx, actor := signInActor(ctx, p)
		u, err := acc.UserGet(uctx, actor, sess.UserID)
		if err != nil {
			return nil, err
		}
		out := &loginOutput{SetCookie: s.sessionCookies(sess)}
		out.Body.OK = true
		out.Body.User = u
		out.Body.CSRFToken = sess.CSRFToken
		out.Body.ExpiresAt = sess.ExpiresAt
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout",
		Summary: "Sign out", Tags: tags,
		Description: "Revokes the session of the atrium_session cookie (or the bearer token sent) and clears the " +
			"session cookies. Signing out without a session is not an error.",
	}, func(ctx context.Context, in *logoutInput) (*logoutOutput, error) {
		out := &logoutOutput{Body: okBody{OK: true}, SetCookie: []http.Cookie{
			s.clearedCookie(CookieSession, "/", true), s.clearedCookie(CookieCSRF, "/", false)}}
		if s.opts.Access == nil {
			return out, nil
		}
		tok := in.Session
		if scheme, bearer, ok := strings.Cut(strings.TrimSpace(in.Authorization), " "); ok && strings.EqualFold(scheme, "Bearer") {
			tok = strings.TrimSpace(bearer)
		}
		if err := s.opts.Access.Logout(ctx, tok); err != nil {
			return nil, err
		}
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "me", Method: http.MethodGet, Path: "/v1/auth/me",
		Summary: "Who the caller is", Tags: tags,
		Description: "The caller's user with the roles and teams in force for this request.",
	}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		actor := actorFrom(ctx)
		p := actor.Principal
		if p == nil {
			p = anonymousAdmin()
		}
		out := &meOutput{}
		out.Body.OK = true
		out.Body.Roles = nonNil(p.Roles)
		out.Body.Teams = nonNil(p.Teams)
		if s.opts.Access == nil {
			// Authentication is off: everyone is the anonymous Admin, who has no _user entity.
			out.Body.User = &access.User{Email: p.UserID, Status: access.StatusActive, Type: access.TypeStandard,
				Roles: []access.Ref{{Name: model.RoleAdmin}}, Teams: []access.Ref{}}
			return out, nil
		}
		u, err := s.opts.Access.UserGet(ctx, actor, p.UserID)
		if err != nil {
			return nil, err
		}
		out.Body.User = u
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "authProviders", Method: http.MethodGet, Path: "/v1/auth/providers",
		Summary: "How people can sign in", Tags: tags,
		Description: "For the sign-in page: local passwords and/or OIDC single sign-on. Both are false when " +
			"authentication is off (--insecure-no-auth).",
	}, func(ctx context.Context, _ *struct{}) (*providersOutput, error) {
		out := &providersOutput{}
		out.Body.OK = true
		out.Body.Local = s.opts.Access != nil
		out.Body.OIDC = s.opts.Access != nil && s.opts.OIDC != nil
		return out, nil
	})

	register(s, huma.Operation{
		OperationID: "oidcLogin", Method: http.MethodGet, Path: "/v1/auth/oidc/login",
		Summary: "Start an OIDC sign-in", Tags: tags, DefaultStatus: http.StatusFound,
		Description: "Redirects to the identity provider, keeping the sign-in in progress in the HttpOnly " +
			CookieOIDCFlow + " cookie for " + oidc.FlowTTL.String() + ".",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *oidcLoginInput) (*redirectOutput, error) {
		if s.opts.OIDC == nil || s.opts.Access == nil {
			return nil, errOIDCOff
		}
		authURL, flow, err := s.opts.OIDC.Begin(in.ReturnTo)
		if err != nil {
			return nil, err
		}
		c := http.Cookie{Name: CookieOIDCFlow, Value: flow.Encode(), Path: oidcFlowPath,
			MaxAge: int(oidc.FlowTTL / time.Second), HttpOnly: true, Secure: s.opts.SecureCookies,
			// Lax: the cookie must come back on the provider's top-level redirect to the callback.
			SameSite: http.SameSiteLaxMode}
		return &redirectOutput{Status: http.StatusFound, Location: authURL, SetCookie: []http.Cookie{c}}, nil
	})

	register(s, huma.Operation{
		OperationID: "oidcCallback", Method: http.MethodGet, Path: "/v1/auth/oidc/callback",
		Summary: "Finish an OIDC sign-in", Tags: tags, DefaultStatus: http.StatusFound,
		Description: "The identity provider redirects here. On success sets the session cookies and redirects " +
			"to the returnTo path given to /v1/auth/oidc/login; a refused sign-in answers 401.",
		Errors: []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable},
	}, func(ctx context.Context, in *oidcCallbackInput) (*redirectOutput, error) {
		if s.opts.OIDC == nil || s.opts.Access == nil {
			return nil, errOIDCOff
		}
		// The flow is used once, whatever happens: clear its cookie even when
		// the sign-in fails (the error response keeps the headers set here).
		cleared := s.clearedCookie(CookieOIDCFlow, oidcFlowPath, true)
		if w := stateFrom(ctx).sw; w != nil {
			http.SetCookie(w, &cleared)
		}
		if err := oidc.CallbackError(in.Error, in.ErrorDescription); err != nil {
			return nil, err
		}
		flow, err := oidc.DecodeFlow(in.Flow)
		if err != nil {
			return nil, err
		}
		id, err := s.opts.OIDC.Finish(ctx, flow, in.State, in.Code)
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Identifier = id.Email })
		sess, err := s.opts.Access.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Subject: id.Subject,
			Email: id.Email, FirstName: id.FirstName, LastName: id.LastName, Teams: id.Teams})
		if err != nil {
			return nil, err
		}
		noteAudit(ctx, func(e *model.AuditEntry) { e.Actor, e.Identifier = sess.UserID, sess.UserID })
		return &redirectOutput{Status: http.StatusFound, Location: flow.ReturnTo, SetCookie: s.sessionCookies(sess)}, nil
	})
}
