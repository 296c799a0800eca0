package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

// startRealServer runs the real HTTP API on a fresh SQLite store and points
// the client commands at it.
func startRealServer(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	hub, err := events.New(events.Options{Store: st, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(catalog.Options{Store: st, Logger: logger, OnCommit: hub.Notify})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Init(ctx); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, "")
}

var unchangedLine = regexp.MustCompile(`(?m)^(blueprint|entity) \S+ unchanged$`)

// TestEndToEnd applies every example against the real server twice (the
// second time must change nothing), then reads and deletes through the CLI.
func TestEndToEnd(t *testing.T) {
	startRealServer(t)
	for _, args := range [][]string{
		{"-f", "../../examples/sdlc"},
		{"-f", "../../examples/c4"},
		{"-f", "../../examples/sdlc/blueprints.yaml", "-f", "../../examples/demo", "-q"},
	} {
		out, err := run(t, append([]string{"apply"}, args...)...)
		if err != nil {
			t.Fatalf("apply %v: %v\n%s", args, err, out)
		}
		if unchangedLine.MatchString(out) && !strings.Contains(args[1], "blueprints.yaml") {
			t.Errorf("first apply %v reported unchanged objects:\n%s", args, out)
		}
		out, err = run(t, append([]string{"apply", "-q"}, args...)...)
		if err != nil {
			t.Fatalf("re-apply %v: %v\n%s", args, err, out)
		}
		if lines := strings.Count(out, "\n"); lines != 1 || !strings.Contains(out, " 0 created, 0 updated") {
			t.Errorf("re-apply %v is not a no-op:\n%s", args, out)
		}
	}

	out, err := run(t, "get", "entities", "service")
	if err != nil || !strings.Contains(out, "payments-api") || strings.Count(out, "\n") < 55 {
		t.Errorf("get entities service = %v:\n%.500s", err, out)
	}
	out, err = run(t, "get", "entities", "runningService", "payments-production", "-o", "json")
	if err != nil || !strings.Contains(out, `"imageTag": "1.42.0"`) {
		t.Errorf("get entity = %v:\n%s", err, out)
	}
	// What get prints, apply takes back unchanged.
	for _, format := range []string{"yaml", "json"} {
		out, err = run(t, "get", "entities", "deployment", "-o", format)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "deployments."+format)
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err = run(t, "apply", "-q", "-f", file)
		if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "entities: 0 created, 0 updated, 698 unchanged") {
			t.Errorf("apply of get -o %s = %v:\n%.2000s", format, err, out)
		}
	}
	out, err = run(t, "get", "blueprints")
	if err != nil || !strings.Contains(out, "runningService") || !strings.Contains(out, "_user") {
		t.Errorf("get blueprints = %v:\n%s", err, out)
	}

	_, err = run(t, "delete", "entity", "service", "ledger")
	if err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("delete with dependents = %v, want a 409", err)
	}
	out, err = run(t, "delete", "entity", "service", "ledger", "--delete-dependents")
	if err != nil {
		t.Fatalf("delete --delete-dependents: %v\n%s", err, out)
	}
	if _, err := run(t, "get", "entities", "service", "payments"); err == nil {
		t.Errorf("payments (depends on ledger) survived the cascade")
	}
}

// TestEndToEndCycles applies blueprints and entities that point at each
// other against the real server, twice.
func TestEndToEndCycles(t *testing.T) {
	startRealServer(t)
	dir := writeManifest(t, applyManifest)
	for i := range 2 {
		out, err := run(t, "apply", "-q", "-f", dir)
		if err != nil {
			t.Fatalf("apply #%d: %v\n%s", i+1, err, out)
		}
		if i == 1 && strings.Count(out, "\n") != 1 {
			t.Errorf("second apply changed something:\n%s", out)
		}
	}
	out, err := run(t, "get", "entities", "service", "payments", "-o", "json")
	if err != nil || !strings.Contains(out, `"system": "billing"`) {
		t.Errorf("payments = %v\n%s", err, out)
	}
}
