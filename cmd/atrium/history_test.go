package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cannedAPI answers every request with one JSON body and records the
// requests it saw ("METHOD path?query origin").
type cannedAPI struct {
	mu   sync.Mutex
	body string
	reqs []string
}

func (c *cannedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Atrium-Origin"))
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, c.body)
}

// newCannedAPI serves body at ATRIUM_URL (t.Setenv: not parallel).
func newCannedAPI(t *testing.T, body string) *cannedAPI {
	c := &cannedAPI{body: body}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, "")
	return c
}

const historyBody = `{"ok": true, "versions": [
 {"blueprint": "service", "identifier": "pay/api", "version": 1, "entity": {"identifier": "pay/api"}, "deleted": false,
  "validFrom": "2026-11-02T10:00:00Z", "validTo": "2026-11-02T11:00:00Z", "actor": "anonymous", "origin": "CLI", "runId": "r1",
  "changes": [{"path": "properties.language", "op": "add", "to": "Go"}, {"path": "title", "op": "add", "to": "Pay"}]},
 {"blueprint": "service", "identifier": "pay/api", "version": 2, "entity": {"identifier": "pay/api"}, "deleted": false,
  "validFrom": "2026-11-02T11:00:00Z", "validTo": "2026-11-03T11:00:00Z", "actor": "alice", "origin": "API",
  "changes": [{"path": "properties.replicas", "op": "replace", "from": 1, "to": 2}]},
 {"blueprint": "service", "identifier": "pay/api", "version": 3, "entity": null, "deleted": true,
  "validFrom": "2026-11-03T11:00:00Z", "actor": "alice", "origin": "UI", "changes": [{"path": "title", "op": "remove", "from": "Pay"}]}
]}`

func TestHistoryCmd(t *testing.T) {
	api := newCannedAPI(t, historyBody)
	out, err := run(t, "history", "service", "pay/api")
	if err != nil {
		t.Fatal(err)
	}
	want := `VERSION  WHEN                  ACTOR      ORIGIN      CHANGED
1        2026-11-02T10:00:00Z  anonymous  CLI run r1  properties.language,title
2        2026-11-02T11:00:00Z  alice      API         properties.replicas
3        2026-11-03T11:00:00Z  alice      UI          (deleted)
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"GET /v1/blueprints/service/entities/pay%2Fapi/history CLI"}, api.reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"json", []string{`"version": 2`, `"op": "replace"`, `"from": 1`, `"runId": "r1"`, `"deleted": true`}},
		{"yaml", []string{"- actor: anonymous", "    - op: add", "      path: properties.language", "  validTo: \"2026-11-02T11:00:00Z\""}},
	} {
		out, err := run(t, "history", "service", "pay/api", "-o", tc.format)
		if err != nil {
			t.Fatalf("-o %s: %v", tc.format, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("-o %s output lacks %q:\n%s", tc.format, w, out)
			}
		}
	}
}

func TestGetEntityAsOf(t *testing.T) {
	api := newCannedAPI(t, `{"ok": true, "entity": {"identifier": "pay", "blueprint": "service", "title": "Old",
		"team": [], "properties": {"replicas": 1}, "relations": {}}}`)
	out, err := run(t, "get", "entities", "service", "pay", "--as-of", "2026-11-02T10:30:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "properties.replicas  1") || !strings.Contains(out, "Old") {
		t.Errorf("output lacks the old title:\n%s", out)
	}
	want := []string{"GET /v1/blueprints/service/entities/pay?as_of=2026-11-02T10%3A30%3A00%2B01%3A00 CLI"}
	if d := cmp.Diff(want, api.reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if _, err := run(t, "get", "entities", "service", "--as-of", "2026-11-02T10:30:00Z"); err == nil || !strings.Contains(err.Error(), "--as-of") {
		t.Errorf("get entities without ID --as-of: err = %v, want one naming --as-of", err)
	}
	if len(api.reqs) != 1 {
		t.Errorf("requests = %v, want none after the refused one", api.reqs)
	}
}

// TestHistoryEndToEnd reads history and as-of through the CLI from the real
// server, after a delete.
func TestHistoryEndToEnd(t *testing.T) {
	startRealServer(t)
	if out, err := run(t, "apply", "-q", "-f", writeManifest(t, applyManifest)); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if out, err := run(t, "delete", "entity", "service", "payments", "--delete-dependents"); err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	out, err := run(t, "history", "service", "payments")
	if err != nil {
		t.Fatalf("history: %v\n%s", err, out)
	}
	// apply cuts the payments→billing→payments cycle: created without its
	// system, then completed; then deleted.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasSuffix(lines[1], "properties.language,team,title") ||
		!strings.HasSuffix(lines[2], "relations.system") || !strings.HasSuffix(lines[3], "(deleted)") ||
		!strings.Contains(lines[1], "anonymous  CLI") {
		t.Errorf("history table:\n%s", out)
	}
	out, err = run(t, "history", "service", "payments", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []historyVersion
	if err := json.Unmarshal([]byte(out), &vs); err != nil || len(vs) != 3 {
		t.Fatalf("history -o json = %v, %d versions:\n%s", err, len(vs), out)
	}
	asOf := vs[1].ValidFrom.Format(time.RFC3339Nano)
	out, err = run(t, "get", "entities", "service", "payments", "--as-of", asOf, "-o", "json")
	if err != nil || !strings.Contains(out, `"system": "billing"`) {
		t.Errorf("get --as-of %s = %v:\n%s", asOf, err, out)
	}
	if _, err := run(t, "get", "entities", "service", "payments"); err == nil {
		t.Errorf("payments is still there now")
	}
	if _, err := run(t, "get", "entities", "service", "payments", "--as-of", "soon"); err == nil || !strings.Contains(err.Error(), "as_of") {
		t.Errorf("get --as-of soon = %v, want an error naming as_of", err)
	}
}
