package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
)

// fakeAPI is a small in-memory stand-in for the HTTP API (DESIGN §7 shapes),
// recording every request so tests can check exactly what the CLI sent.
type fakeAPI struct {
	t        *testing.T
	mu       sync.Mutex
	reqs     []string // "METHOD /path?query"
	bps      map[string]*model.Blueprint
	ents     map[string]map[string]*model.Entity
	pageSize int
	// failEntity makes bulk writes refuse this identifier with a 207.
	failEntity string
}

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{t: t, bps: map[string]*model.Blueprint{
		"_team": {Identifier: "_team", Title: "Team"},
		"_user": {Identifier: "_user", Title: "User", Relations: map[string]model.Relation{"team": {Target: "_team", Many: true}}},
	}, ents: map[string]map[string]*model.Entity{"_team": {}, "_user": {}}, pageSize: 1000}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, "s3cret")
	return f, srv
}

// writes returns the recorded requests that are not GETs.
func (f *fakeAPI) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reqs {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeAPI) reset() {
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
}

func reply(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	reply(w, status, map[string]any{"ok": false, "error": code, "message": msg, "details": map[string]any{}})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	if got := r.Header.Get("X-Atrium-Origin"); got != "CLI" {
		f.t.Errorf("%s %s: X-Atrium-Origin = %q, want CLI", r.Method, r.URL, got)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer s3cret" {
		f.t.Errorf("%s %s: Authorization = %q", r.Method, r.URL, got)
	}
	body, _ := io.ReadAll(r.Body)
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	switch {
	case r.Method == "GET" && len(parts) == 1 && parts[0] == "blueprints":
		var list []*model.Blueprint
		for _, id := range sortedIDs(f.bps) {
			list = append(list, f.bps[id])
		}
		reply(w, 200, map[string]any{"ok": true, "blueprints": list})
	case r.Method == "POST" && len(parts) == 1:
		var bp model.Blueprint
		if err := json.Unmarshal(body, &bp); err != nil {
			fail(w, 400, "invalid_request", err.Error())
			return
		}
		if f.bps[bp.Identifier] != nil {
			fail(w, 409, "conflict", "blueprint exists")
			return
		}
		for name, rel := range bp.Relations {
			if f.bps[rel.Target] == nil {
				fail(w, 422, "invalid_request", fmt.Sprintf("relations.%s.target: blueprint %q does not exist", name, rel.Target))
				return
			}
		}
		f.bps[bp.Identifier] = &bp
		f.ents[bp.Identifier] = map[string]*model.Entity{}
		reply(w, 201, map[string]any{"ok": true, "blueprint": bp})
	case len(parts) == 2 && parts[0] == "blueprints":
		id := parts[1]
		switch r.Method {
		case "GET":
			if f.bps[id] == nil {
				fail(w, 404, "not_found", fmt.Sprintf("blueprint %q not found", id))
				return
			}
			reply(w, 200, map[string]any{"ok": true, "blueprint": f.bps[id]})
		case "PUT":
			var bp model.Blueprint
			_ = json.Unmarshal(body, &bp)
			for name, rel := range bp.Relations {
				if f.bps[rel.Target] == nil {
					fail(w, 422, "invalid_request", fmt.Sprintf("relations.%s.target: blueprint %q does not exist", name, rel.Target))
					return
				}
			}
			f.bps[id] = &bp
			reply(w, 200, map[string]any{"ok": true, "blueprint": bp})
		}
	case len(parts) >= 3 && parts[2] == "entities":
		bp := parts[1]
		if f.bps[bp] == nil {
			fail(w, 404, "not_found", fmt.Sprintf("blueprint %q not found", bp))
			return
		}
		ents := f.ents[bp]
		switch {
		case r.Method == "GET" && len(parts) == 3:
			ids := sortedIDs(ents)
			start := 0
			if from := r.URL.Query().Get("from"); from != "" {
				start = slices.Index(ids, from)
			}
			end := min(len(ids), start+f.pageSize)
			page := []*model.Entity{}
			for _, id := range ids[start:end] {
				page = append(page, ents[id])
			}
			out := map[string]any{"ok": true, "entities": page}
			if end < len(ids) {
				out["next"] = ids[end]
			}
			reply(w, 200, out)
		case r.Method == "GET" && len(parts) == 4:
			e := ents[parts[3]]
			if e == nil {
				fail(w, 404, "not_found", "entity not found")
				return
			}
			reply(w, 200, map[string]any{"ok": true, "entity": e})
		case r.Method == "DELETE" && len(parts) == 4:
			if ents[parts[3]] == nil {
				fail(w, 404, "not_found", fmt.Sprintf("entity %q of blueprint %q not found", parts[3], bp))
				return
			}
			delete(ents, parts[3])
			reply(w, 200, map[string]any{"ok": true})
		case r.Method == "POST" && len(parts) == 4 && parts[3] == "bulk":
			if r.URL.Query().Get("upsert") != "true" {
				f.t.Errorf("bulk write without upsert=true: %s", r.URL)
			}
			var in struct {
				Entities []*model.Entity `json:"entities"`
			}
			if err := json.Unmarshal(body, &in); err != nil {
				fail(w, 400, "invalid_request", err.Error())
				return
			}
			results, errs := []any{}, []any{}
			for i, e := range in.Entities {
				if e.Identifier == f.failEntity {
					errs = append(errs, map[string]any{"index": i, "identifier": e.Identifier, "statusCode": 422,
						"error": "invalid_request", "message": "properties.language: value must be one of the enum"})
					continue
				}
				_, existed := ents[e.Identifier]
				e.Blueprint = bp
				if e.Title == "" {
					e.Title = e.Identifier
				}
				ents[e.Identifier] = e
				results = append(results, map[string]any{"index": i, "identifier": e.Identifier, "created": !existed})
			}
			status := 200
			if len(errs) > 0 {
				status = 207
			}
			reply(w, status, map[string]any{"ok": len(errs) == 0, "entities": results, "errors": errs})
		default:
			fail(w, 405, "method_not_allowed", "no such route")
		}
	default:
		fail(w, 404, "not_found", "no such route")
	}
}

func sortedIDs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// run executes the atrium command line and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}
