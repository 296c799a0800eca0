package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/httpapi"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json from the served document")

// TestOpenAPIGolden diffs the served OpenAPI document against
// testdata/openapi.json, so every API change shows up in review. After an
// intended change run: go test ./internal/httpapi -run TestOpenAPIGolden -update
func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{Version: "golden"})
	r := do(t, srv, "GET", "/v1/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("GET /v1/openapi.json = %d", r.Status)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, r.Raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (create it with -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("OpenAPI document changed (-want +got); if intended, run go test ./internal/httpapi -run TestOpenAPIGolden -update:\n%s", diff)
	}
}
