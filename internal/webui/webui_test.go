package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const indexHTML = `<!doctype html><title>Atrium</title><div id="root"></div>`

func testFS(t *testing.T) fstest.MapFS {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte("console.log('big')")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"index.html":              {Data: []byte(indexHTML)},
		"favicon.svg":             {Data: []byte("<svg/>")},
		"assets/index-abc123.js":  {Data: []byte("console.log('app')")},
		"assets/index-abc123.css": {Data: []byte("body{}")},
		"assets/big-def456.js":    {Data: []byte("console.log('big')")},
		"assets/big-def456.js.gz": {Data: gz.Bytes()},
	}
}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := New(Options{FS: testFS(t)})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNewNeedsIndex(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New with no FS: want an error")
	}
	if _, err := New(Options{FS: fstest.MapFS{"a.js": {Data: []byte("x")}}}); err == nil {
		t.Fatal("New with an FS lacking index.html: want an error")
	}
}

func TestServesFilesAndFallsBack(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		path, body, ctype, cache string
		status                   int
	}{
		{"/", indexHTML, "text/html; charset=utf-8", "no-cache", 200},
		{"/index.html", indexHTML, "text/html; charset=utf-8", "no-cache", 200},
		{"/entities/service/payments", indexHTML, "text/html; charset=utf-8", "no-cache", 200},
		{"/catalog/service?x=1", indexHTML, "text/html; charset=utf-8", "no-cache", 200},
		{"/data-model/", indexHTML, "text/html; charset=utf-8", "no-cache", 200},
		{"/assets", indexHTML, "text/html; charset=utf-8", "no-cache", 200}, // the directory itself is no file
		{"/favicon.svg", "<svg/>", "image/svg+xml", "no-cache", 200},
		{"/assets/index-abc123.js", "console.log('app')", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", 200},
		{"/assets/index-abc123.css", "body{}", "text/css; charset=utf-8", "public, max-age=31536000, immutable", 200},
	}
	for _, c := range cases {
		rec := do(t, h, http.MethodGet, c.path, nil)
		if rec.Code != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, rec.Code, c.status)
		}
		if got := rec.Body.String(); got != c.body {
			t.Errorf("GET %s: body %q, want %q", c.path, got, c.body)
		}
		if got := rec.Header().Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if got := rec.Header().Get("Cache-Control"); got != c.cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
	}
}

func TestMissingAssetIs404(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/assets/gone-000000.js", "/assets/sub/x.css", "/.env"} {
		rec := do(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "<div id=\"root\">") {
			t.Errorf("GET %s: served index.html for a missing asset", p)
		}
	}
}

func TestAPIPathsNeverFallBack(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/v1", "/v1/", "/v1/blueprints", "/v1/no/such/route"} {
		rec := do(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "Atrium</title>") {
			t.Errorf("GET %s: served index.html", p)
		}
	}
	// /v1x is not the API.
	if rec := do(t, h, http.MethodGet, "/v1x", nil); rec.Code != 200 || rec.Body.String() != indexHTML {
		t.Errorf("GET /v1x: %d %q, want the app", rec.Code, rec.Body.String())
	}
}

func TestHead(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/", "/entities/a/b", "/assets/index-abc123.js"} {
		rec := do(t, h, http.MethodHead, p, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("HEAD %s: status %d", p, rec.Code)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("HEAD %s: body of %d bytes", p, rec.Body.Len())
		}
		if rec.Header().Get("Content-Length") == "" {
			t.Errorf("HEAD %s: no Content-Length", p)
		}
	}
}

func TestOtherMethods(t *testing.T) {
	h := newHandler(t)
	rec := do(t, h, http.MethodPost, "/entities/a/b", nil)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: status %d, want 405", rec.Code)
	}
	if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q", got)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/", "/assets/index-abc123.js", "/assets/missing.js", "/v1/x"} {
		rec := do(t, h, http.MethodGet, p, nil)
		want := map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, v)
			}
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-eval") || strings.Contains(ContentSecurityPolicy, "script-src") {
		t.Errorf("CSP must not loosen scripts: %s", ContentSecurityPolicy)
	}
}

func TestGzipSibling(t *testing.T) {
	h := newHandler(t)
	rec := do(t, h, http.MethodGet, "/assets/big-def456.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if got := rec.Header().Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "console.log('big')" {
		t.Errorf("decoded body %q", body)
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q", rec.Header().Get("Vary"))
	}

	for _, ae := range []string{"", "br", "gzip;q=0"} {
		rec = do(t, h, http.MethodGet, "/assets/big-def456.js", map[string]string{"Accept-Encoding": ae})
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "console.log('big')" {
			t.Errorf("Accept-Encoding %q: got encoding %q body %q", ae, rec.Header().Get("Content-Encoding"), rec.Body.String())
		}
	}
}

func TestIndexRevalidates(t *testing.T) {
	h := newHandler(t)
	rec := do(t, h, http.MethodGet, "/", nil)
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("index.html has no ETag")
	}
	rec = do(t, h, http.MethodGet, "/catalog/service", map[string]string{"If-None-Match": etag})
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
}
