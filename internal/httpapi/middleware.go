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

// AnonymousActor is the actor ID of unauthenticated calls, which the server
// accepts only on loopback until access control lands.
const AnonymousActor = "anonymous"

// requestState is what the middleware learns about a request and hands to
// handlers and to the error path through the context.
type requestState struct {
	requestID string
	origin    string
	logger    *slog.Logger
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

// actorFrom returns who is making the request. Until access control lands
// every caller is AnonymousActor.
func actorFrom(ctx context.Context) model.Actor {
	st := stateFrom(ctx)
	origin := st.origin
	if origin == "" {
		origin = model.OriginAPI
	}
	return model.Actor{ID: AnonymousActor, Origin: origin, RequestID: st.requestID}
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

// middleware assigns the request id, recovers panics into a 500 envelope and
// writes one structured access log line per request. It never logs bodies,
// query strings or headers (they may carry tokens).
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
		sw := &statusWriter{ResponseWriter: w}
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
