// Package webui serves Atrium's web app (STYLE §8) from an fs.FS handed in by
// main: web.FS(), or fstest.MapFS in tests.
//
//   - Existing files are served as they are.
//   - Hashed files under /assets/ are cached for a year as immutable.
//   - Any other GET or HEAD path that is not a file gets index.html with
//     Cache-Control: no-cache, so deep links (/entities/service/pay) load the
//     app, which routes on the client: a generic fallback, no route list.
//   - /v1/... is the API's and never falls back (404 here; main mounts the
//     handler only for other paths anyway).
//   - A file's .gz sibling is served when the client accepts gzip.
//   - Every answer carries the UI's security headers (a strict CSP: the app
//     runs no inline script and no eval).
package webui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// ContentSecurityPolicy is the UI's policy: only same-origin code, styles may
// be inline (Mantine sets style attributes), images also as data: URLs.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// Options configures the handler.
type Options struct {
	// FS holds index.html at its root and the built assets (web.FS()).
	FS fs.FS
	// Logger receives errors reading FS; nil discards them.
	Logger *slog.Logger
}

type handler struct {
	fsys   fs.FS
	logger *slog.Logger
	// index is index.html, read once: it is small and served on most paths.
	index     []byte
	indexETag string
	modTime   time.Time
}

// New returns the UI handler. FS must contain index.html.
func New(opts Options) (http.Handler, error) {
	if opts.FS == nil {
		return nil, errors.New("webui: Options.FS is nil")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	index, err := fs.ReadFile(opts.FS, "index.html")
	if err != nil {
		return nil, fmt.Errorf("webui: the UI file system has no index.html: %w", err)
	}
	sum := sha256.Sum256(index)
	h := &handler{fsys: opts.FS, logger: logger, index: index, indexETag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	if st, err := fs.Stat(opts.FS, "index.html"); err == nil {
		h.modTime = st.ModTime()
	}
	return h, nil
}

func setSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	setSecurityHeaders(hdr)
	p := r.URL.Path
	if p == "/v1" || strings.HasPrefix(p, "/v1/") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" || name == "index.html" {
		h.serveIndex(w, r)
		return
	}
	isAsset := strings.HasPrefix(name, "assets/")
	if h.serveFile(w, r, name, isAsset) {
		return
	}
	if isAsset || strings.HasPrefix(name, ".") {
		// A missing hashed file is an old build's reference: answer 404, not the
		// app, so the browser does not cache HTML under a script's name.
		hdr.Set("Cache-Control", "no-cache")
		http.NotFound(w, r)
		return
	}
	h.serveIndex(w, r)
}

// serveFile serves name when it is a regular file; false when it is missing.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string, immutable bool) bool {
	st, err := fs.Stat(h.fsys, name)
	if err != nil || st.IsDir() {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			h.logger.ErrorContext(r.Context(), "webui: stat", "path", name, "err", err)
		}
		return false
	}
	hdr := w.Header()
	if immutable {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hdr.Set("Content-Type", ctype)
	served := name
	if !strings.HasSuffix(name, ".gz") {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if gst, err := fs.Stat(h.fsys, name+".gz"); err == nil && !gst.IsDir() {
				served = name + ".gz"
				hdr.Set("Content-Encoding", "gzip")
				st = gst
			}
		}
	}
	data, err := fs.ReadFile(h.fsys, served)
	if err != nil {
		h.logger.ErrorContext(r.Context(), "webui: read", "path", served, "err", err)
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return true
	}
	// ServeContent answers HEAD, Range and If-Modified-Since; it keeps our Content-Type.
	http.ServeContent(w, r, name, st.ModTime(), bytes.NewReader(data))
	return true
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("ETag", h.indexETag)
	http.ServeContent(w, r, "index.html", h.modTime, bytes.NewReader(h.index))
}

// acceptsGzip reports whether Accept-Encoding admits gzip (q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}
