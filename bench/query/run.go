package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for schema setup

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

var actor = model.Actor{ID: "bench", Origin: model.OriginAPI}

type runConfig struct {
	store     string // "sqlite" or "postgres"
	dir       string
	pgURL     string
	n         int
	batch     int
	requests  int
	warmup    int
	maxPerOp  time.Duration
	onlyOps   map[string]bool
	skipStart bool
	// keep, when set, is a directory where the loaded store is kept and
	// found again by later runs at the same n (skipping the minutes a 1M
	// load takes), so before/after comparisons time the same data.
	keep string
}

// storeRun is everything measured on one store.
type storeRun struct {
	store        string
	entities     int
	loadElapsed  time.Duration
	rssAfterLoad int64
	rssAfterRuns int64
	startElapsed time.Duration
	startErr     string
	ops          []opResult
}

type opResult struct {
	name, budgetText string
	budget           time.Duration // 0: no latency budget
	requests         int
	failures         int
	firstFailure     string
	na               string // non-empty: not measured, why
	capped           bool
	p50, p99, max    time.Duration
	note             string
}

// location names how to open the same store again (for the start timing).
type location struct {
	sqlitePath string
	pgURL      string
}

func open(ctx context.Context, loc location) (store.Store, error) {
	if loc.sqlitePath != "" {
		return sqlite.Open(ctx, loc.sqlitePath, nil)
	}
	return postgres.Open(ctx, loc.pgURL, nil)
}

// midFile is where a kept store's half-way instant is recorded once its
// load has finished.
func (c runConfig) midFile() string {
	return filepath.Join(c.keep, fmt.Sprintf("query-%d-%s.mid", c.n, c.store))
}

// loaded reports whether a kept store finished loading.
func (c runConfig) loaded() bool {
	_, err := os.Stat(c.midFile())
	return c.keep != "" && err == nil
}

// fresh makes a new location: a new SQLite file, or a new PostgreSQL schema
// (dropped by the returned cleanup).
func fresh(ctx context.Context, c runConfig) (location, func(), error) {
	if c.store == "sqlite" {
		if c.keep != "" {
			path := filepath.Join(c.keep, fmt.Sprintf("query-%d.db", c.n))
			if !c.loaded() { // a load that did not finish starts over
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(path + suffix)
				}
			}
			return location{sqlitePath: path}, func() {}, nil
		}
		return location{sqlitePath: filepath.Join(c.dir, fmt.Sprintf("query-%d.db", time.Now().UnixNano()))}, func() {}, nil
	}
	admin, err := sql.Open("pgx", c.pgURL)
	if err != nil {
		return location{}, nil, err
	}
	schema := fmt.Sprintf("atrium_benchq_%d", time.Now().UnixNano())
	if c.keep != "" {
		schema = fmt.Sprintf("atrium_benchq_keep_%d", c.n)
		if !c.loaded() {
			if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
				admin.Close()
				return location{}, nil, err
			}
		}
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		admin.Close()
		return location{}, nil, err
	}
	u, err := url.Parse(c.pgURL)
	if err != nil {
		admin.Close()
		return location{}, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return location{pgURL: u.String()}, func() {
		if c.keep != "" {
			admin.Close()
			return
		}
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			log.Printf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	}, nil
}

// server is a running Atrium HTTP server on loopback.
type server struct {
	st   store.Store
	hub  *events.Hub
	cat  *catalog.Service
	http *http.Server
	base string
}

func (s *server) close() {
	if s.http != nil {
		s.http.Close()
	}
	if s.hub != nil {
		s.hub.Close()
	}
	if s.st != nil {
		s.st.Close()
	}
}

// serve opens the store at loc and wires catalog, events hub and HTTP API
// the way cmd/atrium does, listening on a loopback port.
func serve(ctx context.Context, loc location) (*server, error) {
	s := &server{}
	var err error
	if s.st, err = open(ctx, loc); err != nil {
		return nil, err
	}
	if s.hub, err = events.New(events.Options{Store: s.st, Clock: clock.Real{}, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		s.close()
		return nil, err
	}
	if s.cat, err = catalog.New(catalog.Options{Store: s.st, OnCommit: s.hub.Notify, MaxBulk: 1000}); err != nil {
		s.close()
		return nil, err
	}
	if err = s.cat.Init(ctx); err != nil {
		s.close()
		return nil, err
	}
	st := s.st
	// No rate limit: one client sends every request, and the limiter's
	// 429s would be counted as failures instead of timed.
	api, err := httpapi.New(httpapi.Options{Catalog: s.cat, Events: s.hub, RateLimit: -1,
		Ready: func(ctx context.Context) error { return store.Ready(ctx, st) }})
	if err != nil {
		s.close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	s.http = &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln)
	s.base = "http://" + ln.Addr().String()
	return s, nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 2 * time.Minute}

// do sends one request and reads the whole answer; a non-2xx status is an
// error carrying the start of the body.
func do(method, u string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return b, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb * 1024
		}
	}
	return 0
}

// settledRSS is VmRSS after a GC has returned free memory to the OS.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return rss()
}

func runStore(ctx context.Context, c runConfig) (*storeRun, error) {
	res := &storeRun{store: c.store}
	loc, cleanup, err := fresh(ctx, c)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	srv, err := serve(ctx, loc)
	if err != nil {
		return nil, err
	}
	defer func() { srv.close() }()

	p := newPlan(c.n)
	res.entities = p.total()
	// A kept store records, once fully loaded, the half-way instant the
	// as-of operations need; its presence means the load can be skipped.
	midFile := c.midFile()
	if c.keep != "" {
		if b, err := os.ReadFile(midFile); err == nil {
			var ns int64
			var midCount int
			if _, err := fmt.Sscanf(string(b), "%d %d", &ns, &midCount); err == nil {
				log.Printf("%s: reusing the kept store (%s)", c.store, midFile)
				return res, measureAll(ctx, c, res, &srv, loc, p, time.Unix(0, ns).UTC(), midCount)
			}
		}
	}
	for _, bp := range blueprints() {
		if _, err := srv.cat.BlueprintCreate(ctx, actor, bp); err != nil {
			return nil, fmt.Errorf("create blueprint %s: %w", bp.Identifier, err)
		}
	}
	g := newGen(p)
	var mid time.Time
	loaded, midCount := 0, 0
	start := time.Now()
	last := start
	for _, bp := range p.order {
		for i := 0; i < p.counts[bp]; i += c.batch {
			k := min(c.batch, p.counts[bp]-i)
			ins := make([]*model.EntityInput, k)
			for j := range ins {
				ins[j] = g.entity(bp, i+j)
			}
			out, err := srv.cat.EntityBulkCreate(ctx, actor, bp, ins, catalog.WriteOptions{})
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", bp, err)
			}
			for _, r := range out {
				if r.Err != nil {
					return nil, fmt.Errorf("load %s %s: %w", bp, r.Identifier, r.Err)
				}
			}
			loaded += k
			if mid.IsZero() && loaded >= res.entities/2 {
				mid, midCount = time.Now().UTC(), loaded
			}
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				log.Printf("%s: loaded %d/%d (%.0f entities/s)", c.store, loaded, res.entities, float64(loaded)/time.Since(start).Seconds())
			}
		}
	}
	res.loadElapsed = time.Since(start)
	log.Printf("%s: loaded %d entities in %.1fs (%.0f/s)", c.store, loaded, res.loadElapsed.Seconds(), float64(loaded)/res.loadElapsed.Seconds())
	g = nil
	res.rssAfterLoad = settledRSS()
	if c.keep != "" {
		if err := os.WriteFile(midFile, fmt.Appendf(nil, "%d %d\n", mid.UnixNano(), midCount), 0o644); err != nil {
			return nil, err
		}
	}
	return res, measureAll(ctx, c, res, &srv, loc, p, mid, midCount)
}

// measureAll times start to serving (closing srv and opening loc again)
// and every wanted operation.
func measureAll(ctx context.Context, c runConfig, res *storeRun, srvp **server, loc location, p *plan, mid time.Time, midCount int) error {
	srv := *srvp

	// Start to serving: close everything, then open the loaded store again
	// and wire the server until /readyz answers 200.
	if !c.skipStart {
		srv.close()
		srv = &server{}
		*srvp = srv
		t0 := time.Now()
		s2, err := serve(ctx, loc)
		if err != nil {
			return fmt.Errorf("re-open: %w", err)
		}
		srv = s2
		*srvp = srv
		for {
			if _, err := do("GET", srv.base+"/readyz", nil); err == nil {
				break
			} else if time.Since(t0) > time.Minute {
				res.startErr = err.Error()
				break
			}
			time.Sleep(time.Millisecond)
		}
		res.startElapsed = time.Since(t0)
		log.Printf("%s: start to serving %v", c.store, res.startElapsed)
	}

	for _, o := range operations(p, srv.base, mid, midCount) {
		if !wanted(c.onlyOps, o.name) {
			continue
		}
		r := measure(o, c)
		log.Printf("%s: %-28s %s", c.store, o.name, r.summary())
		res.ops = append(res.ops, r)
	}
	res.rssAfterRuns = settledRSS()
	return nil
}

// wanted reports whether -ops selects the operation: every one when empty,
// else those whose name begins with a given token (names hold commas, so
// "as-of search" selects "as-of search, limit 50").
func wanted(only map[string]bool, name string) bool {
	if only == nil {
		return true
	}
	for tok := range only {
		if tok != "" && strings.HasPrefix(name, tok) {
			return true
		}
	}
	return false
}

func (r opResult) summary() string {
	if r.na != "" {
		return "n/a: " + r.na
	}
	return fmt.Sprintf("n=%d fail=%d p50=%v p99=%v max=%v %s", r.requests, r.failures, r.p50, r.p99, r.max, r.firstFailure)
}

// operation is one measured request shape; next returns the method, URL and
// body of a fresh random request.
type operation struct {
	name, budgetText string
	budget           time.Duration
	next             func(r *rand.Rand) (method, url string, body []byte)
	// available reports, before timing, whether the route exists; empty
	// means it does.
	available func() string
	note      string
}

func measure(o operation, c runConfig) opResult {
	res := opResult{name: o.name, budget: o.budget, budgetText: o.budgetText, note: o.note}
	if o.available != nil {
		if na := o.available(); na != "" {
			res.na = na
			return res
		}
	}
	r := rand.New(rand.NewPCG(99, uint64(len(o.name))))
	w0 := time.Now()
	for range c.warmup {
		if c.maxPerOp > 0 && time.Since(w0) > c.maxPerOp/6 {
			break // a slow operation: a shorter warm-up, so the cap goes to timed requests
		}
		m, u, b := o.next(r)
		if _, err := do(m, u, b); err != nil {
			res.failures++
			if res.firstFailure == "" {
				res.firstFailure = "warm-up: " + err.Error()
			}
		}
	}
	lat := make([]time.Duration, 0, c.requests)
	begin := time.Now()
	for range c.requests {
		m, u, b := o.next(r)
		t := time.Now()
		_, err := do(m, u, b)
		d := time.Since(t)
		lat = append(lat, d)
		if err != nil {
			res.failures++
			if res.firstFailure == "" {
				res.firstFailure = err.Error()
			}
		}
		if c.maxPerOp > 0 && time.Since(begin) > c.maxPerOp && len(lat) < c.requests {
			res.capped = true
			break
		}
	}
	slices.Sort(lat)
	res.requests = len(lat)
	res.p50 = lat[len(lat)*50/100]
	res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	res.max = lat[len(lat)-1]
	return res
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func rule(prop, op string, v any) map[string]any {
	return map[string]any{"property": prop, "operator": op, "value": v}
}

func and(rules ...map[string]any) map[string]any {
	if rules == nil {
		rules = []map[string]any{}
	}
	return map[string]any{"combinator": "and", "rules": rules}
}

// spec is the server's OpenAPI document, fetched once per server to tell
// which routes and parameters exist.
type spec struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody json.RawMessage `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func fetchSpec(base string) (*spec, error) {
	b, err := do("GET", base+"/v1/openapi.json", nil)
	if err != nil {
		return nil, err
	}
	var s spec
	return &s, json.Unmarshal(b, &s)
}

// asOfIn says where the blueprint search route takes as_of: "query", "body"
// or "" when it does not.
func (s *spec) asOfIn() string {
	op, ok := s.Paths["/v1/blueprints/{blueprint}/entities/search"]["post"]
	if !ok {
		return ""
	}
	for _, p := range op.Parameters {
		if p.Name == "as_of" || p.Name == "asOf" {
			return "query"
		}
	}
	// The body schema is a $ref into components.
	var body struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	}
	_ = json.Unmarshal(op.RequestBody, &body)
	for _, c := range body.Content {
		name := strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")
		var sch struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		_ = json.Unmarshal(s.Components.Schemas[name], &sch)
		if _, ok := sch.Properties["as_of"]; ok {
			return "body:as_of"
		}
		if _, ok := sch.Properties["asOf"]; ok {
			return "body:asOf"
		}
	}
	return ""
}

const notBuilt = "route not built yet"

func operations(p *plan, base string, mid time.Time, midCount int) []operation {
	sp, spErr := fetchSpec(base)
	has := func(path, method string) func() string {
		return func() string {
			if spErr != nil {
				return "OpenAPI document unreadable: " + spErr.Error()
			}
			if _, ok := sp.Paths[path][method]; !ok {
				return notBuilt
			}
			return ""
		}
	}
	zipfLang := func(r *rand.Rand) string {
		// Query languages as often as they occur: mostly the common ones.
		return languages[min(int(r.ExpFloat64()*2), len(languages)-1)]
	}
	twoYears := int64(2 * 365 * 24 * time.Hour)
	base0 := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	asOf := mid.Format(time.RFC3339Nano)
	// The catalog page's worst case: the blueprint with the most entities.
	largest := ""
	for bp, n := range p.counts {
		if largest == "" || n > p.counts[largest] || (n == p.counts[largest] && bp < largest) {
			largest = bp
		}
	}
	ops := []operation{
		{name: "get by id", budget: 2 * time.Millisecond, budgetText: "p99 < 2 ms",
			note: "GET /v1/blueprints/{bp}/entities/{id}, random entity of any blueprint",
			next: func(r *rand.Rand) (string, string, []byte) {
				bp, id := p.pick(r, 0)
				return "GET", base + "/v1/blueprints/" + bp + "/entities/" + url.PathEscape(id), nil
			}},
		{name: "equality filter, limit 50", budget: 20 * time.Millisecond, budgetText: "p99 < 20 ms",
			note: "POST …/{service or component}/entities/search, language = <language, picked about as often as it occurs>, limit 50",
			next: func(r *rand.Rand) (string, string, []byte) {
				bp := "service"
				if r.IntN(2) == 0 {
					bp = "component"
				}
				return "POST", base + "/v1/blueprints/" + bp + "/entities/search",
					jsonBody(map[string]any{"query": and(rule("language", "=", zipfLang(r))), "limit": 50})
			}},
		{name: "catalog first page: search, limit 50", budget: 200 * time.Millisecond,
			budgetText: "p99 < 200 ms (issue 5: the UI's first catalog page, sent beside the count)",
			note:       "POST /v1/blueprints/" + largest + "/entities/search {limit: 50}, no filter: the request the catalog page makes first for the largest blueprint",
			next: func(*rand.Rand) (string, string, []byte) {
				return "POST", base + "/v1/blueprints/" + largest + "/entities/search", jsonBody(map[string]any{"limit": 50})
			}},
		{name: "catalog first page: count", budget: 200 * time.Millisecond,
			budgetText: "p99 < 200 ms (issue 5: the header's total, sent beside the search)",
			note:       "POST /v1/blueprints/" + largest + "/entities-count {}: the catalog page's total for the largest blueprint",
			available:  has("/v1/blueprints/{blueprint}/entities-count", "post"),
			next: func(*rand.Rand) (string, string, []byte) {
				return "POST", base + "/v1/blueprints/" + largest + "/entities-count", jsonBody(map[string]any{})
			}},
		{name: "range filter, limit 50", budget: 20 * time.Millisecond, budgetText: "p99 < 20 ms (as equality)",
			note: "POST …/deployment/entities/search, deployedAt between a random 7-day window, or runningService replicas between, limit 50",
			next: func(r *rand.Rand) (string, string, []byte) {
				if r.IntN(2) == 0 {
					lo := r.IntN(8) + 1
					return "POST", base + "/v1/blueprints/runningService/entities/search",
						jsonBody(map[string]any{"query": and(rule("replicas", ">=", lo), rule("replicas", "<=", lo+2)), "limit": 50})
				}
				from := base0.Add(time.Duration(r.Int64N(twoYears)))
				return "POST", base + "/v1/blueprints/deployment/entities/search",
					jsonBody(map[string]any{"query": and(rule("deployedAt", "between", map[string]string{
						"from": from.Format(time.RFC3339), "to": from.Add(7 * 24 * time.Hour).Format(time.RFC3339)})), "limit": 50})
			}},
		{name: "countValues facet", budget: 50 * time.Millisecond, budgetText: "p99 < 50 ms",
			note:      "POST /v1/entities/aggregate, countValues of language over service or component",
			available: has("/v1/entities/aggregate", "post"),
			next: func(r *rand.Rand) (string, string, []byte) {
				bp := "service"
				if r.IntN(2) == 0 {
					bp = "component"
				}
				return "POST", base + "/v1/entities/aggregate", jsonBody(map[string]any{"func": "countValues", "property": "language",
					"query": and(rule("$blueprint", "=", bp))})
			}},
		{name: "full text, limit 20", budget: 50 * time.Millisecond, budgetText: "p99 < 50 ms",
			note:      "GET /v1/search?q=<random word of the description vocabulary>&limit=20, across blueprints",
			available: has("/v1/search", "get"),
			next: func(r *rand.Rand) (string, string, []byte) {
				return "GET", base + "/v1/search?limit=20&q=" + url.QueryEscape(words[r.IntN(len(words))]), nil
			}},
		{name: "relatedTo a domain, limit 50", budget: 50 * time.Millisecond, budgetText: "p99 < 50 ms",
			note: "POST …/runningService/entities/search, relatedTo a random domain, direction downstream, limit 50; the domain is 3 hops away (runningService → service → system → domain) but relatedTo is transitive without a bound, so the reach set the query builds also spans dependsOn chains",
			next: func(r *rand.Rand) (string, string, []byte) {
				return "POST", base + "/v1/blueprints/runningService/entities/search", jsonBody(map[string]any{
					"query": and(map[string]any{"operator": "relatedTo", "blueprint": "domain", "value": id("domain", r.IntN(p.counts["domain"])), "direction": "downstream"}),
					"limit": 50})
			}},
		{name: "matchAny path of 3 hops, limit 50", budget: 50 * time.Millisecond, budgetText: "p99 < 50 ms",
			note: "POST …/runningService/entities/search, matchAny path [service, system, domain] = a random domain, limit 50",
			next: func(r *rand.Rand) (string, string, []byte) {
				return "POST", base + "/v1/blueprints/runningService/entities/search", jsonBody(map[string]any{
					"query": and(map[string]any{"operator": "matchAny", "property": map[string]any{"path": []string{"service", "system", "domain"}},
						"value": id("domain", r.IntN(p.counts["domain"]))}),
					"limit": 50})
			}},
		{name: "impact, max_hops 3", budget: 50 * time.Millisecond, budgetText: "p99 < 50 ms (as relatedTo)",
			note:      "GET …/system/entities/{id}/impact?direction=downstream&max_hops=3, random system",
			available: has("/v1/blueprints/{blueprint}/entities/{entity}/impact", "get"),
			next: func(r *rand.Rand) (string, string, []byte) {
				return "GET", base + "/v1/blueprints/system/entities/" + id("system", r.IntN(p.counts["system"])) + "/impact?direction=downstream&max_hops=3", nil
			}},
		{name: "as-of get by id", budget: 0, budgetText: "— (no budget)",
			note: "GET /v1/blueprints/{bp}/entities/{id}?as_of=<instant half-way through the load>, random entity that existed then",
			next: func(r *rand.Rand) (string, string, []byte) {
				bp, id := p.pick(r, midCount)
				return "GET", base + "/v1/blueprints/" + bp + "/entities/" + url.PathEscape(id) + "?as_of=" + url.QueryEscape(asOf), nil
			}},
	}
	where := ""
	if sp != nil {
		where = sp.asOfIn()
	}
	asOfSearch := operation{name: "as-of search, limit 50", budget: 0, budgetText: "— (no budget)",
		note: "POST …/service/entities/search, language = <language>, as of half-way through the load, limit 50",
		available: func() string {
			if spErr != nil {
				return "OpenAPI document unreadable: " + spErr.Error()
			}
			if where == "" {
				return "as_of on search " + notBuilt
			}
			return ""
		},
		next: func(r *rand.Rand) (string, string, []byte) {
			body := map[string]any{"query": and(rule("language", "=", zipfLang(r))), "limit": 50}
			u := base + "/v1/blueprints/service/entities/search"
			switch where {
			case "query":
				u += "?as_of=" + url.QueryEscape(asOf)
			case "body:as_of":
				body["as_of"] = asOf
			case "body:asOf":
				body["asOf"] = asOf
			}
			return "POST", u, jsonBody(body)
		}}
	return append(ops, asOfSearch)
}
