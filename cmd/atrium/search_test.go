package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    *whereRule
		wantErr bool
	}{
		{in: "language=Go", want: &whereRule{"language", "=", "Go"}},
		{in: "replicas>2", want: &whereRule{"replicas", ">", 2.0}},
		{in: "replicas >= -1.5e2", want: &whereRule{"replicas", ">=", -150.0}},
		{in: "replicas<=3", want: &whereRule{"replicas", "<=", 3.0}},
		{in: "replicas<3", want: &whereRule{"replicas", "<", 3.0}},
		{in: "language!=Go", want: &whereRule{"language", "!=", "Go"}},
		{in: "$title~pay", want: &whereRule{"$title", "contains", "pay"}},
		{in: "$title^=Pay", want: &whereRule{"$title", "beginsWith", "Pay"}},
		{in: "$identifier$=-api", want: &whereRule{"$identifier", "endsWith", "-api"}},
		{in: "$team=core", want: &whereRule{"$team", "=", "core"}},
		{in: "public=true", want: &whereRule{"public", "=", true}},
		{in: "public=false", want: &whereRule{"public", "=", false}},
		{in: "owner=null", want: &whereRule{"owner", "=", nil}},
		{in: `tier="1"`, want: &whereRule{"tier", "=", "1"}},
		{in: `tier="true"`, want: &whereRule{"tier", "=", "true"}},
		{in: "version=01", want: &whereRule{"version", "=", "01"}},
		{in: "url=http://x/?a=b", want: &whereRule{"url", "=", "http://x/?a=b"}},
		{in: "expr=a>b", want: &whereRule{"expr", "=", "a>b"}},
		{in: "name=", want: &whereRule{"name", "=", ""}},
		{in: "x=Inf", want: &whereRule{"x", "=", "Inf"}},
		{in: "language", wantErr: true},
		{in: "=Go", wantErr: true},
		{in: " =Go", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseWhere(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseWhere(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("parseWhere(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func FuzzParseWhere(f *testing.F) {
	for _, s := range []string{"language=Go", "replicas>=2", "$title^=Pay", "a$=b", `t="1"`, "x~y", "a!=", "<>=", "$=$="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseWhere(s)
		if err != nil {
			return
		}
		if r.Property == "" || strings.ContainsAny(r.Property, "=!<>~^") {
			t.Fatalf("parseWhere(%q) property %q", s, r.Property)
		}
		known := false
		for _, o := range whereOps {
			known = known || o.op == r.Operator
		}
		if !known {
			t.Fatalf("parseWhere(%q) operator %q", s, r.Operator)
		}
		// Every rule is sendable, and a string value written back in
		// quotes reads the same.
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("parseWhere(%q) = %#v: %v", s, r, err)
		}
		if v, ok := r.Value.(string); ok {
			sym := ""
			for _, o := range whereOps {
				if o.op == r.Operator {
					sym = o.sym
				}
			}
			again, err := parseWhere(r.Property + sym + `"` + v + `"`)
			if err != nil || again.Value != v || again.Operator != r.Operator {
				t.Fatalf("parseWhere(%q) = %#v, quoted back %#v, %v", s, r, again, err)
			}
		}
	})
}

// pagedAPI serves two pages of POST …/entities/search and records "METHOD
// URI BODY".
func pagedAPI(t *testing.T) *[]string {
	t.Helper()
	var mu sync.Mutex
	var reqs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(b), `"from":"c1"`) {
			_, _ = w.Write([]byte(`{"ok":true,"entities":[{"blueprint":"service","identifier":"c","title":"C","team":[]}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"ok":true,"next":"c1","entities":[{"blueprint":"service","identifier":"a","title":"A","team":["core"]},{"blueprint":"service","identifier":"b","title":"B","team":[]}]}`))
	}))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, "")
	return &reqs
}

// Not parallel: t.Setenv.
func TestSearch(t *testing.T) {
	reqs := pagedAPI(t)
	out, err := run(t, "search", "service", "--where", "language=Go", "-w", "replicas>2", "--as-of", "2026-11-01T09:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "IDENTIFIER") || strings.Count(out, "\n") != 4 || !strings.Contains(out, "core") {
		t.Errorf("table:\n%s", out)
	}
	q := `{"query":{"combinator":"and","rules":[{"property":"language","operator":"=","value":"Go"},{"property":"replicas","operator":"\u003e","value":2}]},"limit":1000`
	want := []string{
		"POST /v1/blueprints/service/entities/search?as_of=2026-11-01T09%3A00%3A00Z " + q + "}",
		"POST /v1/blueprints/service/entities/search?as_of=2026-11-01T09%3A00%3A00Z " + q + `,"from":"c1"}`,
	}
	if d := cmp.Diff(want, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	// --limit stops after the first page; a --query file (YAML) is ANDed
	// with --where.
	*reqs = nil
	file := filepath.Join(t.TempDir(), "q.yaml")
	if err := os.WriteFile(file, []byte("combinator: or\nrules:\n  - property: $team\n    operator: =\n    value: core\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "search", "service", "--query", file, "--where", `tier="1"`, "--limit", "2", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var es []map[string]any
	if err := json.Unmarshal([]byte(out), &es); err != nil || len(es) != 2 {
		t.Errorf("-o json = %v:\n%s", err, out)
	}
	want = []string{`POST /v1/blueprints/service/entities/search {"query":{"combinator":"and","rules":[` +
		`{"combinator":"or","rules":[{"operator":"=","property":"$team","value":"core"}]},` +
		`{"property":"tier","operator":"=","value":"1"}]},"limit":2}`}
	if d := cmp.Diff(want, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	// No condition: no query at all.
	*reqs = nil
	if _, err := run(t, "search", "service", "--limit", "1", "-o", "yaml"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{`POST /v1/blueprints/service/entities/search {"limit":1}`}, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	for _, args := range [][]string{
		{"search", "service", "--where", "language"},
		{"search", "service", "--limit", "-1"},
		{"search", "service", "-o", "xml"},
		{"search", "service", "--query", filepath.Join(t.TempDir(), "missing.json")},
	} {
		if _, err := run(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestSearchEndToEnd searches the SDLC example through the real server.
func TestSearchEndToEnd(t *testing.T) {
	startRealServer(t)
	if out, err := run(t, "apply", "-q", "-f", "../../examples/sdlc/blueprints.yaml", "-f", "../../examples/demo"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, err := run(t, "search", "service", "--where", "$identifier=payments-api", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var es []map[string]any
	if err := json.Unmarshal([]byte(out), &es); err != nil || len(es) != 1 || es[0]["identifier"] != "payments-api" {
		t.Errorf("search $identifier=payments-api = %v:\n%s", err, out)
	}
	all, err := run(t, "search", "service", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(all), &es); err != nil || len(es) < 50 {
		t.Errorf("search service = %d entities, %v", len(es), err)
	}
	goOut, err := run(t, "search", "service", "--where", "language=Go", "--where", "lifecycle!=deprecated", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(goOut), &es); err != nil || len(es) == 0 {
		t.Errorf("search language=Go = %v:\n%s", err, goOut)
	}
	for _, e := range es {
		props, _ := e["properties"].(map[string]any)
		if props["language"] != "Go" || props["lifecycle"] == "deprecated" {
			t.Errorf("search language=Go lifecycle!=deprecated returned %v", e["identifier"])
		}
	}
	if _, err := run(t, "search", "service", "--where", "nope=1"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown property: %v, want a 422 naming it", err)
	}
}

// Not parallel: t.Setenv.
func TestSearchQueryFromStdin(t *testing.T) {
	reqs := pagedAPI(t)
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(`{"combinator":"and","rules":[{"property":"replicas","operator":">","value":2}]}`))
	cmd.SetArgs([]string{"search", "service", "--query", "-", "--limit", "1", "-o", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("search --query -: %v\n%s", err, out.String())
	}
	want := []string{`POST /v1/blueprints/service/entities/search {"query":{"combinator":"and","rules":[{"operator":"\u003e","property":"replicas","value":2}]},"limit":1}`}
	if d := cmp.Diff(want, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	cmd = newRootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(`[1, 2]`))
	cmd.SetArgs([]string{"search", "service", "--query", "-"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "rule tree") {
		t.Errorf("search --query - with a list = %v, want an error asking for a rule tree", err)
	}
}
