package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
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

// TestServeEndToEnd starts the real wiring on a SQLite file, makes a few
// calls and shuts it down as SIGINT would.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := defaultServeConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = filepath.Join(t.TempDir(), "atrium.db")
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := buildServer(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("buildServer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()

	get := func(path string) (int, map[string]any) {
		t.Helper()
		res, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		raw, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(raw, &body)
		return res.StatusCode, body
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	if code, body := get("/v1/blueprints/_team"); code != 200 || body["ok"] != true {
		t.Errorf("GET /v1/blueprints/_team = %d %v", code, body)
	}
	res, err := http.Post(s.URL()+"/v1/blueprints/_team/entities", "application/json",
		strings.NewReader(`{"identifier":"platform","title":"Platform"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("create team = %d", res.StatusCode)
	}

	// A live event stream must not hold shutdown up: it never goes idle.
	sres, err := http.Get(s.URL() + "/v1/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer sres.Body.Close()
	if sres.StatusCode != 200 {
		t.Fatalf("event stream = %d", sres.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	out := logs.String()
	for _, want := range []string{"atrium serving", "unauthenticated", "loopback", "stopped", "request_id="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
