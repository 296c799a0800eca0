package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// Header names.
const (
	// HeaderRequestID carries the request id in and out. A sane incoming value
	// is kept (so a proxy's id follows the request); otherwise one is made.
	HeaderRequestID = "X-Request-Id"
	// HeaderTraceID repeats the request id, as Port sends X-Trace-Id.
	HeaderTraceID = "X-Trace-Id"
	// HeaderOrigin says which client made the call: UI, CLI or API (default).
	HeaderOrigin = "X-Atrium-Origin"
)

// AnonymousActor is the user ID of callers without a credential: the Admin
// when authentication is off (Options.Access nil, loopback only), a caller
// with no role on the public routes otherwise.
const AnonymousActor = "anonymous"

// requestState is what the middleware learns about a request and hands to
// handlers and to the error path through the context.
type requestState struct {
	requestID string
	origin    string
	logger    *slog.Logger
	// sw sees the status the handler wrote (the audit entry's status).
	sw *statusWriter
	// audit is the entry being prepared for a mutating route (nil for reads);
	// handlers add to it through noteAudit.
	audit *model.AuditEntry
	// errMessage is the message of the last error envelope built for the
	// request: the audit entry's message on failure.
	errMessage string
}

type stateKey struct{}

// stateFrom returns the request's state; outside a request (huma building
// documentation examples) it returns an empty state with a discarding logger.
func stateFrom(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{logger: discardLogger}
}

// RequestID returns the request id of ctx, or "" outside a request.
func RequestID(ctx context.Context) string { return stateFrom(ctx).requestID }

// actorFrom returns who is making the request, as the route guard put it on
// the context. Outside a guarded request it returns a caller with no role
// (never a nil Principal, which services would trust).
func actorFrom(ctx context.Context) model.Actor {
	if a, ok := model.ActorFrom(ctx); ok {
		return a
	}
	st := stateFrom(ctx)
	origin := st.origin
	if origin == "" {
		origin = model.OriginAPI
	}
	return model.Actor{ID: AnonymousActor, Origin: origin, RequestID: st.requestID, Principal: nobody()}
}

// parseOrigin maps the X-Atrium-Origin header to a model origin; anything
// unknown counts as API.
func parseOrigin(h string) string {
	switch strings.ToUpper(strings.TrimSpace(h)) {
	case model.OriginUI:
		return model.OriginUI
	case model.OriginCLI:
		return model.OriginCLI
	}
	return model.OriginAPI
}

// validRequestID accepts ids of 1..128 visible ASCII characters, so a client
// cannot inject newlines or huge values into logs and headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status and size for the access log. It unwraps to
// the underlying writer so http.ResponseController can flush (SSE).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware assigns the request id, sets the security headers, recovers
// panics into a 500 envelope and writes one structured access log line per
// request. It never logs bodies, query strings or headers (they may carry
// tokens). Authentication, authorization, rate limits and the audit entry
// are per route (guard), where the route's rule and path values are known.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.clock.Now()
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		st := &requestState{
			requestID: id,
			origin:    parseOrigin(r.Header.Get(HeaderOrigin)),
			logger:    s.logger,
		}
		// curl -d sends application/x-www-form-urlencoded unless told
		// otherwise; every /v1 body is JSON, so read it as such.
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Header.Set("Content-Type", "application/json")
		}
		w.Header().Set(HeaderRequestID, id)
		w.Header().Set(HeaderTraceID, id)
		s.securityHeaders(w, r)
		sw := &statusWriter{ResponseWriter: w}
		st.sw = sw
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
				if sw.status == 0 {
					writeError(sw, r, err)
				} else {
					s.logger.ErrorContext(r.Context(), "panic after response started", "request_id", id, "err", err)
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status < 300 && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz") {
				level = slog.LevelDebug // probes every few seconds would drown the log
			}
			s.logger.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", s.clock.Now().Sub(start)),
				slog.String("request_id", id),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// notFound answers paths under /v1/ that no route matches, in the envelope.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, model.NotFoundf("no route for %s %s", r.Method, r.URL.Path))
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// securityHeaders sets the headers every response carries (docs/access.md,
// Hardening). The API serves no HTML, so the content security policy allows
// nothing; /v1 answers are per-caller, so nothing may cache them (the event
// stream sets its own caching headers).
func (s *Server) securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if strings.HasPrefix(r.URL.Path, "/v1/") && r.URL.Path != eventStreamPath {
		h.Set("Cache-Control", "no-store")
	}
	if r.TLS != nil || s.opts.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
