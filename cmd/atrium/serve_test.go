package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs the real wiring of cfg (on a fresh SQLite file, a free
// loopback port) until the test ends; it returns the server, its logs and
// what it printed for the operator.
func startServe(t *testing.T, cfg serveConfig) (s *server, logs, notice *syncBuffer, stop func() error) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = filepath.Join(t.TempDir(), "atrium.db")
	logs, notice = &syncBuffer{}, &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := buildServer(ctx, cfg, logger, notice)
	if err != nil {
		cancel()
		t.Fatalf("buildServer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return s, logs, notice, stop
}

// call sends method path with an optional bearer token and JSON body and
// returns the status and decoded body.
func call(t *testing.T, s *server, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// TestServeEndToEnd starts the real wiring with authentication on, the demo
// catalog (whose users include Admins) and the bootstrap admin from the
// environment, makes a few calls as that admin and shuts down as SIGINT would.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := defaultServeConfig()
	cfg.Demo = true
	cfg.AdminClientID, cfg.AdminClientSecret = "ci-admin", "ci-secret-0123456789"
	s, logs, notice, stop := startServe(t, cfg)

	if code, _ := call(t, s, "GET", "/healthz", "", ""); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := call(t, s, "GET", "/readyz", "", ""); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	if code, _ := call(t, s, "GET", "/v1/blueprints/_team", "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/blueprints/_team without a token = %d, want 401", code)
	}
	code, tok := call(t, s, "POST", "/v1/auth/access_token", "", `{"clientId":"ci-admin","clientSecret":"ci-secret-0123456789"}`)
	token, _ := tok["accessToken"].(string)
	if code != 200 || !strings.HasPrefix(token, "atrat_") || tok["tokenType"] != "Bearer" {
		t.Fatalf("POST /v1/auth/access_token = %d %v", code, tok)
	}
	if code, body := call(t, s, "GET", "/v1/blueprints/_team", token, ""); code != 200 || body["ok"] != true {
		t.Errorf("GET /v1/blueprints/_team = %d %v", code, body)
	}
	if code, _ := call(t, s, "POST", "/v1/blueprints/_team/entities", token, `{"identifier":"platform","title":"Platform"}`); code != http.StatusCreated {
		t.Errorf("create team = %d", code)
	}
	if code, body := call(t, s, "GET", "/v1/audit-log?resources=entity", token, ""); code != 200 || !strings.Contains(fmt.Sprint(body), "platform") {
		t.Errorf("GET /v1/audit-log = %d %v, want the team's creation", code, body)
	}

	// A live event stream must not hold shutdown up: it never goes idle.
	req, _ := http.NewRequest("GET", s.URL()+"/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	sres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sres.Body.Close()
	if sres.StatusCode != 200 {
		t.Fatalf("event stream = %d", sres.StatusCode)
	}

	if err := stop(); err != nil {
		t.Errorf("run: %v", err)
	}
	out := logs.String()
	for _, want := range []string{"atrium serving", "bootstrap admin created", "stopped", "request_id="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"ci-secret-0123456789", token} {
		if strings.Contains(out, secret) || strings.Contains(notice.String(), secret) {
			t.Errorf("a secret reached the log or the notice: %q", secret)
		}
	}
}

// TestServeGeneratesBootstrapCredential: without ATRIUM_ADMIN_CLIENT_*, the
// first start generates a credential and prints it once — to the operator,
// never to the log — and a restart on the same store prints nothing.
func TestServeGeneratesBootstrapCredential(t *testing.T) {
	t.Parallel()
	cfg := defaultServeConfig()
	s, logs, notice, stop := startServe(t, cfg)
	m := regexp.MustCompile(`client id:\s+(\S+)\s+client secret:\s+(\S+)`).FindStringSubmatch(notice.String())
	if m == nil {
		t.Fatalf("no generated credential printed:\n%s", notice.String())
	}
	id, secret := m[1], m[2]
	if !strings.HasPrefix(secret, "atrcs_") {
		t.Errorf("generated secret %q lacks the atrcs_ prefix", secret)
	}
	code, tok := call(t, s, "POST", "/v1/auth/access_token", "", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, secret))
	if code != 200 {
		t.Fatalf("access token with the generated credential = %d %v", code, tok)
	}
	if code, me := call(t, s, "GET", "/v1/auth/me", tok["accessToken"].(string), ""); code != 200 ||
		!strings.Contains(fmt.Sprint(me), "admin@atrium.local") || !strings.Contains(fmt.Sprint(me), "Admin") {
		t.Errorf("GET /v1/auth/me = %d %v, want the Admin admin@atrium.local", code, me)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the generated secret reached the log")
	}

	// Restart on the same file: the admin exists, nothing is printed.
	cfg.Addr, cfg.DB = "127.0.0.1:0", s.cfg.DB
	var notice2 syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s2, err := buildServer(ctx, cfg, slog.New(slog.DiscardHandler), &notice2)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s2.run(ctx) }()
	if notice2.String() != "" {
		t.Errorf("restart printed %q, want nothing", notice2.String())
	}
	if code, _ := call(t, s2, "POST", "/v1/auth/access_token", "", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, secret)); code != 200 {
		t.Errorf("the generated credential after a restart = %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestServeInsecureNoAuth: with authentication off every caller is the
// anonymous Admin, and the log says so.
func TestServeInsecureNoAuth(t *testing.T) {
	t.Parallel()
	cfg := defaultServeConfig()
	cfg.InsecureNoAuth = true
	s, logs, notice, stop := startServe(t, cfg)
	if code, _ := call(t, s, "POST", "/v1/blueprints/_team/entities", "", `{"identifier":"platform"}`); code != http.StatusCreated {
		t.Errorf("create team without a token = %d, want 201", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "authentication is off") {
		t.Errorf("log lacks the warning:\n%s", logs.String())
	}
	if notice.String() != "" {
		t.Errorf("no-auth mode printed a credential: %q", notice.String())
	}
}
