package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/model"
)

// Cookie and header names of browser sessions (docs/access.md): the session
// cookie is HttpOnly; the CSRF cookie is readable by the UI, which echoes it
// in HeaderCSRF on every write.
const (
	CookieSession = "atrium_session"
	CookieCSRF    = "atrium_csrf"
	HeaderCSRF    = "X-CSRF-Token"
)

// anonymousAdmin is every caller's principal when authentication is off
// (Options.Access nil, --insecure-no-auth on loopback).
func anonymousAdmin() *model.Principal {
	return &model.Principal{UserID: AnonymousActor, Roles: []string{model.RoleAdmin}}
}

// nobody is the principal of an unauthenticated caller on a public route:
// it has no role and no team, so every service check refuses it. It must not
// be nil, which services read as a trusted in-process caller.
func nobody() *model.Principal { return &model.Principal{UserID: AnonymousActor} }

// credentials are what a request presents: a bearer token, else a session
// cookie (with the CSRF header sent beside it).
type credentials struct {
	bearer    string
	session   string
	csrf      string
	malformed bool // an Authorization header that is not "Bearer <token>"
}

func credentialsOf(r *http.Request) credentials {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		tok = strings.TrimSpace(tok)
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return credentials{malformed: true}
		}
		return credentials{bearer: tok}
	}
	if c, err := r.Cookie(CookieSession); err == nil && c.Value != "" {
		return credentials{session: c.Value, csrf: r.Header.Get(HeaderCSRF)}
	}
	return credentials{}
}

// present reports whether the request carries any credential.
func (c credentials) present() bool { return c.bearer != "" || c.session != "" || c.malformed }

// isWrite reports whether method changes state, so a session-authenticated
// request must carry the CSRF token.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

var errNoCredentials = &model.KindError{Kind: model.ErrUnauthenticated,
	Message: "authentication required: send Authorization: Bearer <token> (POST /v1/auth/access_token issues one) or sign in"}

var errMalformedAuthorization = &model.KindError{Kind: model.ErrUnauthenticated,
	Message: `Authorization header must be "Bearer <token>"`}

// authenticate resolves the caller of r: nil and no error when the request
// carries no credential. With authentication off every caller is the
// anonymous Admin.
func (s *Server) authenticate(ctx context.Context, r *http.Request, c credentials) (*model.Principal, error) {
	if s.opts.Access == nil {
		return anonymousAdmin(), nil
	}
	switch {
	case c.malformed:
		return nil, errMalformedAuthorization
	case c.bearer != "":
		return s.opts.Access.Authenticate(ctx, c.bearer)
	case c.session != "":
		return s.opts.Access.AuthenticateSession(ctx, c.session, c.csrf, isWrite(r.Method))
	}
	return nil, nil
}

// authorize applies rule ru to the caller p (nil when unauthenticated) and
// returns the principal the request runs as. Public routes admit everyone;
// the others need a principal, and Admin routes the Admin role. Finer checks
// (blueprint permissions, moderators) are the services'.
func authorize(ru rule, pattern string, p *model.Principal, authErr error) (*model.Principal, error) {
	if ru.access == accessPublic {
		// A stale or bad credential must not lock a caller out of signing in.
		if p == nil || authErr != nil {
			return nobody(), nil
		}
		return p, nil
	}
	if authErr != nil {
		return nil, authErr
	}
	if p == nil {
		return nil, errNoCredentials
	}
	if ru.access == accessAdmin && !p.IsAdmin() {
		return nil, &model.KindError{Kind: model.ErrForbidden,
			Message: "forbidden: " + pattern + " needs the Admin role"}
	}
	return p, nil
}

// writeAuthError answers a refused request; 401s carry WWW-Authenticate as
// RFC 6750 asks.
func writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, model.ErrUnauthenticated) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="atrium"`)
	}
	writeError(w, r, err)
}

// guard runs before the handler of every route (register and handleRaw
// install it): it resolves the caller, applies the rate limit and the
// route's rule, puts the actor on the context, calls next and then records
// the audit entry of a mutating route.
func (s *Server) guard(w http.ResponseWriter, r *http.Request, pattern string, ru rule, next func(ctx context.Context)) {
	ctx := r.Context()
	st := stateFrom(ctx)
	// A browser's cross-site write is refused whatever it carries: the CSRF
	// header protects session writes, this also covers the public sign-in
	// routes (login CSRF, forced logout), which a page elsewhere could
	// otherwise post a form to.
	if err := crossOrigin.Check(r); err != nil {
		writeError(w, r, &model.KindError{Kind: model.ErrForbidden, Message: "forbidden: cross-origin request from a browser"})
		return
	}
	creds := credentialsOf(r)
	p, authErr := s.authenticate(ctx, r, creds)
	if !s.rateLimit(w, r, ru, creds, p != nil && authErr == nil) {
		return
	}
	caller, err := authorize(ru, pattern, p, authErr)
	if err != nil {
		writeAuthError(w, r, err)
		// A refused caller we know (403) is worth an audit entry; an unknown
		// one (401) is not: anyone could fill the log with them.
		if ru.action != "" && s.opts.Audit != nil && errors.Is(err, model.ErrForbidden) {
			s.recordAudit(r, pattern, ru, model.Actor{ID: principalID(authErr, p), Origin: st.origin, RequestID: st.requestID})
		}
		return
	}
	actor := model.Actor{ID: caller.UserID, Origin: st.origin, RequestID: st.requestID, Principal: caller}
	if ru.action != "" && s.opts.Audit != nil {
		st.audit = &model.AuditEntry{}
	}
	if st.audit != nil {
		// A handler that panics still leaves its entry; the middleware
		// answers 500 after the panic passes on.
		defer func() {
			if v := recover(); v != nil {
				if st.audit != nil {
					written := st.sw.status
					st.sw.status, st.errMessage = http.StatusInternalServerError, "internal error"
					s.recordAudit(r, pattern, ru, actor)
					st.sw.status = written // the access log reports what was sent
				}
				panic(v)
			}
		}()
	}
	next(model.WithActor(ctx, actor))
	if st.audit != nil {
		s.recordAudit(r, pattern, ru, actor)
	}
}

// crossOrigin rejects unsafe-method requests a browser marks as cross-site
// (Sec-Fetch-Site, or an Origin unlike the Host); clients that are not
// browsers send neither and pass.
var crossOrigin = http.NewCrossOriginProtection()

// principalID names the caller of a refused request for the audit log.
func principalID(authErr error, p *model.Principal) string {
	if authErr != nil || p == nil {
		return AnonymousActor
	}
	return p.UserID
}

// Security scheme names in the OpenAPI document.
const (
	securityBearer = "bearer"
	securityCookie = "session"
)

// securitySchemes documents the two ways to authenticate: a bearer token
// (POST /v1/auth/access_token) or the browser session cookie (POST
// /v1/auth/login), whose writes also need the CSRF header.
func securitySchemes() map[string]*huma.SecurityScheme {
	return map[string]*huma.SecurityScheme{
		securityBearer: {Type: "http", Scheme: "bearer",
			Description: "An access token from POST /v1/auth/access_token, or a session token."},
		securityCookie: {Type: "apiKey", In: "cookie", Name: CookieSession,
			Description: "The browser session set by POST /v1/auth/login; writes must echo the " +
				CookieCSRF + " cookie in the " + HeaderCSRF + " header."},
	}
}
