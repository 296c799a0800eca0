package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// fakeCatalog records calls; tests of the transport (decoding, envelopes,
// limits, headers) need no store. Behaviour tests run on real stores
// (api_test.go).
type fakeCatalog struct {
	mu        sync.Mutex
	lastActor model.Actor
	lastOpts  catalog.WriteOptions
	lastInput *model.EntityInput
	err       error // returned by every call when set
	bulk      []catalog.BulkItemResult
}

func (f *fakeCatalog) record(a model.Actor, in *model.EntityInput, o catalog.WriteOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastActor, f.lastInput, f.lastOpts = a, in, o
	return f.err
}

func (f *fakeCatalog) BlueprintList(context.Context) ([]*model.Blueprint, error) { return nil, f.err }
func (f *fakeCatalog) BlueprintGet(_ context.Context, id string) (*model.Blueprint, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &model.Blueprint{Identifier: id}, nil
}
func (f *fakeCatalog) BlueprintCreate(_ context.Context, a model.Actor, bp *model.Blueprint) (*model.Blueprint, error) {
	return bp, f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) BlueprintReplace(_ context.Context, a model.Actor, _ string, bp *model.Blueprint) (*model.Blueprint, error) {
	return bp, f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) BlueprintPatch(_ context.Context, a model.Actor, id string, _ json.RawMessage) (*model.Blueprint, error) {
	return &model.Blueprint{Identifier: id}, f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) BlueprintDelete(_ context.Context, a model.Actor, _ string, _ catalog.BlueprintDeleteOptions) error {
	return f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) BlueprintRename(_ context.Context, a model.Actor, id string, _ catalog.RenameKind, _, _ string) (*model.Blueprint, error) {
	return &model.Blueprint{Identifier: id}, f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) EntityCreate(_ context.Context, a model.Actor, bp string, in *model.EntityInput, o catalog.WriteOptions) (*catalog.WriteResult, error) {
	if err := f.record(a, in, o); err != nil {
		return nil, err
	}
	return &catalog.WriteResult{Entity: &model.Entity{Blueprint: bp}, Created: true}, nil
}
func (f *fakeCatalog) EntityReplace(_ context.Context, a model.Actor, bp, id string, in *model.EntityInput, o catalog.WriteOptions) (*catalog.WriteResult, error) {
	if err := f.record(a, in, o); err != nil {
		return nil, err
	}
	return &catalog.WriteResult{Entity: &model.Entity{Blueprint: bp, Identifier: id}}, nil
}
func (f *fakeCatalog) EntityPatch(ctx context.Context, a model.Actor, bp, id string, in *model.EntityInput, o catalog.WriteOptions) (*catalog.WriteResult, error) {
	return f.EntityReplace(ctx, a, bp, id, in, o)
}
func (f *fakeCatalog) EntityBulkCreate(_ context.Context, a model.Actor, _ string, _ []*model.EntityInput, o catalog.WriteOptions) ([]catalog.BulkItemResult, error) {
	return f.bulk, f.record(a, nil, o)
}
func (f *fakeCatalog) EntityDelete(_ context.Context, a model.Actor, _, _ string, _ catalog.DeleteOptions) error {
	return f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) EntityBulkDelete(_ context.Context, a model.Actor, _ string, _ []string, _ catalog.DeleteOptions) error {
	return f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) EntityDeleteAll(_ context.Context, a model.Actor, _ string, _ catalog.DeleteAllOptions) (int, error) {
	return 0, f.record(a, nil, catalog.WriteOptions{})
}
func (f *fakeCatalog) EntityGet(_ context.Context, bp, id string) (*model.Entity, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &model.Entity{Blueprint: bp, Identifier: id}, nil
}
func (f *fakeCatalog) EntityList(context.Context, string, catalog.ListOptions) (*catalog.EntityPage, error) {
	return &catalog.EntityPage{}, f.err
}
func (f *fakeCatalog) EntityCount(context.Context, string) (int64, error) { return 0, f.err }
func (f *fakeCatalog) EntityHistory(context.Context, string, string) ([]*model.EntityVersion, error) {
	return nil, f.err
}

func (f *fakeCatalog) EventFilter(context.Context) (func(*model.Event) bool, error) {
	return nil, f.err
}

// fakeStreamer answers the stream route at once.
type fakeStreamer struct{}

func (fakeStreamer) Stream(_ context.Context, w http.ResponseWriter, _ int64, _ []string, _ func(*model.Event) bool) error {
	w.Header().Set("Content-Type", "text/event-stream")
	_, err := io.WriteString(w, ": stream open\n\n")
	return err
}

func setupFake(t testing.TB, opts httpapi.Options) (*httptest.Server, *fakeCatalog, *httpapi.Server) {
	t.Helper()
	fc := &fakeCatalog{}
	if opts.Catalog == nil {
		opts.Catalog = fc
	}
	opts.Events = fakeStreamer{}
	api, err := httpapi.New(opts)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, fc, api
}

// apiResponse is a decoded response.
type apiResponse struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func do(t testing.TB, srv *httptest.Server, method, path string, body any, hdr ...string) apiResponse {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := apiResponse{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// wantError checks the error envelope: status, code, and that the message
// mentions every one of mention.
func wantError(t testing.TB, r apiResponse, status int, code string, mention ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Raw)
	}
	if r.Body["ok"] != false || r.Body["error"] != code {
		t.Fatalf("envelope = %s, want ok=false error=%q", r.Raw, code)
	}
	msg, _ := r.Body["message"].(string)
	for _, m := range mention {
		if !strings.Contains(msg, m) {
			t.Errorf("message %q does not mention %q", msg, m)
		}
	}
	if _, ok := r.Body["details"].(map[string]any); !ok {
		t.Errorf("details missing or not an object: %s", r.Raw)
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{MaxBodyBytes: 1024})
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		status  int
		code    string
		mention []string
	}{
		{"malformed JSON", "POST", "/v1/blueprints/service/entities", `{"identifier": "a",`, 400, "bad_request", nil},
		{"not an object", "POST", "/v1/blueprints/service/entities", `[1,2]`, 422, "invalid_request", nil},
		{"title of wrong type", "POST", "/v1/blueprints/service/entities", `{"identifier":"a","title":5}`, 422, "invalid_request", []string{"title"}},
		{"oversized body", "POST", "/v1/blueprints/service/entities", `{"identifier":"` + strings.Repeat("a", 2000) + `"}`, 413, "too_large", nil},
		{"limit too big", "GET", "/v1/blueprints/service/entities?limit=5000", nil, 422, "invalid_request", []string{"limit"}},
		{"limit zero", "GET", "/v1/blueprints/service/entities?limit=0", nil, 422, "invalid_request", []string{"limit"}},
		{"bad boolean", "POST", "/v1/blueprints/service/entities?upsert=maybe", `{"identifier":"a"}`, 422, "invalid_request", []string{"upsert"}},
		{"unknown route", "GET", "/v1/nope", nil, 404, "not_found", []string{"/v1/nope"}},
		{"bad Last-Event-ID", "GET", "/v1/events/stream?after=x", nil, 422, "invalid_request", []string{"after"}},
		{"rename without name", "PATCH", "/v1/blueprints/service/properties/a/rename", `{}`, 422, "invalid_request", []string{"newPropertyName"}},
		// The bulk route's body is refused like a single entity's, though
		// huma does not validate it (bodyDecodeErrors; the catalog checks the
		// entities, see TestAPI's bulk cases).
		{"bulk: malformed JSON", "POST", "/v1/blueprints/service/entities/bulk", `{"entities": [`, 400, "bad_request", nil},
		{"bulk: not an object", "POST", "/v1/blueprints/service/entities/bulk", `[1,2]`, 422, "invalid_request", nil},
		{"bulk: entities not a list", "POST", "/v1/blueprints/service/entities/bulk", `{"entities": "x"}`, 422, "invalid_request", []string{"entities"}},
		{"bulk: entity not an object", "POST", "/v1/blueprints/service/entities/bulk", `{"entities": [1]}`, 422, "invalid_request", []string{"entities"}},
		{"bulk: properties not an object", "POST", "/v1/blueprints/service/entities/bulk", `{"entities": [{"identifier":"a","properties":5}]}`, 422, "invalid_request", []string{"entities.properties: expected an object"}},
		{"bulk: trailing garbage", "POST", "/v1/blueprints/service/entities/bulk", `{"entities": []} x`, 400, "bad_request", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantError(t, do(t, srv, tc.method, tc.path, tc.body), tc.status, tc.code, tc.mention...)
		})
	}
}

func TestKindedErrorsFromCatalog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{model.NotFoundf(`blueprint "nope" not found`), 404, "not_found"},
		{model.Conflictf(`entity "a" exists`), 409, "conflict"},
		{fmt.Errorf("wrapped: %w", model.Invalidf("properties.x: bad")), 422, "invalid_request"},
		{fmt.Errorf("db exploded: secret"), 500, "internal_error"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			fc := &fakeCatalog{err: tc.err}
			srv, _, _ := setupFake(t, httpapi.Options{Catalog: fc})
			r := do(t, srv, "GET", "/v1/blueprints/nope/entities/a", nil)
			wantError(t, r, tc.status, tc.code)
			if tc.status == 500 {
				if strings.Contains(string(r.Raw), "secret") {
					t.Errorf("500 leaks the internal message: %s", r.Raw)
				}
				if !strings.Contains(string(r.Raw), r.Header.Get("X-Request-Id")) {
					t.Errorf("500 lacks the request id: %s", r.Raw)
				}
			}
		})
	}
}

func TestRequestIDAndActor(t *testing.T) {
	t.Parallel()
	srv, fc, _ := setupFake(t, httpapi.Options{})
	r := do(t, srv, "POST", "/v1/blueprints/service/entities?upsert=true&merge=true&run_id=r1",
		`{"identifier":"a","blueprint":"service","unknownField":1,"team":"x","relations":{"dep":{"combinator":"and","rules":[]}}}`,
		"X-Request-Id", "abc-123", "X-Atrium-Origin", "cli")
	if r.Status != http.StatusCreated {
		t.Fatalf("status = %d, want 201: %s", r.Status, r.Raw)
	}
	if got := r.Header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id = %q, want abc-123", got)
	}
	if got := r.Header.Get("X-Trace-Id"); got != "abc-123" {
		t.Errorf("X-Trace-Id = %q, want abc-123", got)
	}
	fc.mu.Lock()
	gotActor, gotOpts, gotInput := fc.lastActor, fc.lastOpts, fc.lastInput
	fc.mu.Unlock()
	want := model.Actor{ID: "anonymous", Origin: model.OriginCLI, RequestID: "abc-123",
		Principal: &model.Principal{UserID: "anonymous", Roles: []string{model.RoleAdmin}}}
	if diff := cmp.Diff(want, gotActor); diff != "" {
		t.Errorf("actor (-want +got):\n%s", diff)
	}
	if !gotOpts.Upsert || !gotOpts.Merge || gotOpts.RunID != "r1" {
		t.Errorf("options = %+v, want upsert, merge, run_id r1", gotOpts)
	}
	if string(gotInput.Team) != `"x"` || gotInput.Relations["dep"] == nil {
		t.Errorf("input = %+v, team/relations not passed raw", gotInput)
	}

	// curl -d's default content type is read as JSON.
	req, _ := http.NewRequest("POST", srv.URL+"/v1/blueprints/service/entities", strings.NewReader(`{"identifier":"a"}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("form-encoded JSON body: status %d, want 201", res.StatusCode)
	}

	// Generated when absent or unsafe.
	r = do(t, srv, "GET", "/healthz", nil, "X-Request-Id", "bad id\twith tab")
	if got := r.Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("X-Request-Id = %q, want a generated id", got)
	}
}

func TestBulk(t *testing.T) {
	t.Parallel()
	t.Run("over the limit", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := setupFake(t, httpapi.Options{MaxBulk: 3})
		body := `{"entities":[{"identifier":"a"},{"identifier":"b"},{"identifier":"c"},{"identifier":"d"}]}`
		wantError(t, do(t, srv, "POST", "/v1/blueprints/service/entities/bulk", body), 413, "too_large", "entities")
	})
	t.Run("partial", func(t *testing.T) {
		t.Parallel()
		fc := &fakeCatalog{bulk: []catalog.BulkItemResult{
			{Index: 0, Identifier: "a", Created: true, Entity: &model.Entity{Identifier: "a"}},
			{Index: 1, Identifier: "b", Err: model.Invalidf("properties.x: must be a number")},
		}}
		srv, _, _ := setupFake(t, httpapi.Options{Catalog: fc})
		r := do(t, srv, "POST", "/v1/blueprints/service/entities/bulk", `{"entities":[{"identifier":"a"},{"identifier":"b"}]}`)
		if r.Status != http.StatusMultiStatus {
			t.Fatalf("status = %d, want 207: %s", r.Status, r.Raw)
		}
		errs, _ := r.Body["errors"].([]any)
		if len(errs) != 1 {
			t.Fatalf("errors = %v, want one", r.Body["errors"])
		}
		e := errs[0].(map[string]any)
		if e["index"] != 1.0 || e["identifier"] != "b" || e["statusCode"] != 422.0 || e["error"] != "invalid_request" ||
			!strings.Contains(e["message"].(string), "properties.x") {
			t.Errorf("error item = %v", e)
		}
	})
}

// TestOpenAPICoverage requires every registered route in the served OpenAPI
// document and every documented operation to be a registered route, and
// checks that each route is actually served (not the mux's 404/405).
func TestOpenAPICoverage(t *testing.T) {
	t.Parallel()
	srv, _, api := setupFake(t, httpapi.Options{})
	r := do(t, srv, "GET", "/v1/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("GET /v1/openapi.json = %d", r.Status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		t.Fatalf("decode document: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	exempt := map[string]bool{}
	for _, rt := range httpapi.UndocumentedRoutes() {
		exempt[rt] = true
	}
	registered := map[string]bool{}
	for _, rt := range api.Routes() {
		registered[rt] = true
		if !documented[rt] && !exempt[rt] {
			t.Errorf("route %s is registered but not in the OpenAPI document", rt)
		}
		method, path, _ := strings.Cut(rt, " ")
		concrete := path
		for strings.Contains(concrete, "{") {
			i := strings.Index(concrete, "{")
			j := strings.Index(concrete, "}")
			concrete = concrete[:i] + "x" + concrete[j+1:]
		}
		var body any
		if method == "POST" || method == "PUT" || method == "PATCH" {
			body = `{}`
		}
		res := do(t, srv, method, concrete, body)
		if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s %s is not served: %d %s", method, concrete, res.Status, res.Raw)
		}
	}
	for rt := range documented {
		if !registered[rt] {
			t.Errorf("operation %s is documented but not registered", rt)
		}
	}
	if y := do(t, srv, "GET", "/v1/openapi.yaml", nil); y.Status != 200 || !strings.Contains(string(y.Raw), "openapi: 3.1") {
		t.Errorf("GET /v1/openapi.yaml = %d %.80s", y.Status, y.Raw)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	srv, _, _ := setupFake(t, httpapi.Options{Ready: func(context.Context) error { return fmt.Errorf("db down") }})
	if r := do(t, srv, "GET", "/healthz", nil); r.Status != 200 || r.Body["ok"] != true {
		t.Errorf("/healthz = %d %s", r.Status, r.Raw)
	}
	r := do(t, srv, "GET", "/readyz", nil)
	wantError(t, r, 503, "unavailable")
	if strings.Contains(string(r.Raw), "db down") {
		t.Errorf("/readyz told an anonymous caller the store's error: %s", r.Raw)
	}
	// A store still loading its relation graph is not ready, and says why.
	warm, _, _ := setupFake(t, httpapi.Options{Ready: func(context.Context) error { return store.ErrWarming }})
	r = do(t, warm, "GET", "/readyz", nil)
	wantError(t, r, 503, "unavailable")
	if !strings.Contains(string(r.Raw), "warming up") {
		t.Errorf("/readyz while warming = %s; want it to say so", r.Raw)
	}
}

// lockedBuffer is a log sink safe for concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAccessLog: one structured line per request with method, path, status,
// duration and request id — never the query string, body or headers.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	srv, _, _ := setupFake(t, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	do(t, srv, "POST", "/v1/blueprints/service/entities?token=qsecret",
		`{"identifier":"a","title":"bodysecret"}`, "Authorization", "Bearer hdrsecret", "X-Request-Id", "rid-7")
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"http request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no access log line in:\n%s", logs.String())
	}
	for k, want := range map[string]any{"method": "POST", "path": "/v1/blueprints/service/entities", "status": 201.0, "request_id": "rid-7"} {
		if line[k] != want {
			t.Errorf("access log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("access log lacks duration: %v", line)
	}
	for _, secret := range []string{"qsecret", "bodysecret", "hdrsecret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains %q:\n%s", secret, logs.String())
		}
	}
}
