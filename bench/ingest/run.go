package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for schema setup
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", for the floor

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/httpapi"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/postgres"
	"github.com/atrium-idp/atrium/internal/store/sqlite"
)

type runConfig struct {
	mode, store string
	dir, pgURL  string
	batch       int
	workers     int
	deps        []*model.EntityInput
}

var actor = model.Actor{ID: "bench", Origin: model.OriginAPI}

func run(ctx context.Context, c runConfig) (result, error) {
	r := result{mode: c.mode, store: c.store, n: len(c.deps)}
	if c.mode == "floor" {
		var err error
		r.elapsed, err = floor(ctx, c)
		r.note = "prepared single-row INSERTs, edges by id, 1 tx per batch, full-text rows into their own file from a second connection, rows and bodies pre-built"
		return r, err
	}
	st, cleanup, err := openStore(ctx, c)
	if err != nil {
		return r, err
	}
	defer cleanup()
	cat, err := prepare(ctx, st)
	if err != nil {
		return r, err
	}
	switch c.mode {
	case "service":
		r.elapsed, err = viaService(ctx, c, cat)
		r.note = fmt.Sprintf("catalog.EntityBulkCreate, validation + relation checks + versions + events, %d concurrent caller(s)", c.workers)
	case "http":
		r.elapsed, err = viaHTTP(ctx, c, st, cat)
		r.note = fmt.Sprintf("POST …/entities/bulk over loopback, %d concurrent client(s), bodies pre-encoded", c.workers)
	default:
		err = fmt.Errorf("unknown mode %q", c.mode)
	}
	if err == nil {
		// The clock stops when the full-text index holds every row too, as
		// the floor's does: on SQLite it is written after the commits, by
		// its projector (a search waits for it; ~25 ms at the end of a
		// 100k run).
		start := time.Now()
		_, err = st.EntityTextSearch(ctx, &store.EntityTextSearchParams{Query: "deploy", Limit: 1})
		r.elapsed += time.Since(start)
	}
	if err == nil {
		var n int64
		n, err = st.EntityCount(ctx, &store.EntityCountParams{Blueprint: "deployment"})
		if err == nil && n != int64(len(c.deps)) {
			err = fmt.Errorf("loaded %d deployments, want %d", n, len(c.deps))
		}
	}
	return r, err
}

// openStore opens a fresh store: a new SQLite file, or a new PostgreSQL
// schema dropped afterwards.
func openStore(ctx context.Context, c runConfig) (store.Store, func(), error) {
	if c.store == "sqlite" {
		path := filepath.Join(c.dir, fmt.Sprintf("%s-%d.db", c.mode, time.Now().UnixNano()))
		st, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	admin, err := sql.Open("pgx", c.pgURL)
	if err != nil {
		return nil, nil, err
	}
	schema := fmt.Sprintf("atrium_bench_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, nil, err
	}
	u, err := url.Parse(c.pgURL)
	if err != nil {
		return nil, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	return st, func() {
		st.Close()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}, nil
}

// prepare creates the SDLC blueprints and the deployments' relation targets
// (untimed).
func prepare(ctx context.Context, st store.Store) (*catalog.Service, error) {
	cat, err := catalog.New(catalog.Options{Store: st, MaxBulk: 1000})
	if err != nil {
		return nil, err
	}
	if err := cat.Init(ctx); err != nil {
		return nil, err
	}
	for _, bp := range blueprints() {
		if _, err := cat.BlueprintCreate(ctx, actor, bp); err != nil {
			return nil, fmt.Errorf("create blueprint %s: %w", bp.Identifier, err)
		}
	}
	t := targets()
	for _, bp := range []string{"environment", "service", "runningService"} {
		for _, chunk := range chunks(t[bp], 1000) {
			if err := bulk(ctx, cat, bp, chunk); err != nil {
				return nil, err
			}
		}
	}
	return cat, nil
}

func bulk(ctx context.Context, cat *catalog.Service, bp string, ins []*model.EntityInput) error {
	res, err := cat.EntityBulkCreate(ctx, actor, bp, ins, catalog.WriteOptions{})
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return fmt.Errorf("%s %s: %w", bp, r.Identifier, r.Err)
		}
	}
	return nil
}

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

func viaService(ctx context.Context, c runConfig, cat *catalog.Service) (time.Duration, error) {
	start := time.Now()
	err := fanOut(c.workers, chunks(c.deps, c.batch), func(chunk []*model.EntityInput) error {
		return bulk(ctx, cat, "deployment", chunk)
	})
	return time.Since(start), err
}

// fanOut runs fn on every job with workers goroutines that take the jobs in
// order from a channel, like an integration sending several bulk requests
// at once (Port's Ocean sends 5). The first error of each worker is
// returned; a worker that failed skips its remaining jobs.
func fanOut[T any](workers int, jobs []T, fn func(T) error) error {
	work := make(chan T)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for j := range work {
				if first == nil {
					first = fn(j)
				}
			}
			errs <- first
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	var failed error
	for range workers {
		failed = errors.Join(failed, <-errs)
	}
	return failed
}

func viaHTTP(ctx context.Context, c runConfig, st store.Store, cat *catalog.Service) (time.Duration, error) {
	hub, err := events.New(events.Options{Store: st, Clock: clock.Real{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	defer hub.Close()
	api, err := httpapi.New(httpapi.Options{Catalog: cat, Events: hub})
	if err != nil {
		return 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String() + "/v1/blueprints/deployment/entities/bulk"

	var bodies [][]byte
	for _, chunk := range chunks(c.deps, c.batch) {
		b, err := json.Marshal(map[string]any{"entities": chunk})
		if err != nil {
			return 0, err
		}
		bodies = append(bodies, b)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.workers}}
	post := func(b []byte) error {
		resp, err := client.Post(endpoint, "application/json", bytes.NewReader(b))
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("bulk: HTTP %d: %.300s", resp.StatusCode, body)
		}
		return nil
	}
	start := time.Now()
	err = fanOut(c.workers, bodies, post)
	return time.Since(start), err
}

// floor inserts the same rows the catalog writes for each deployment — the
// entity, its 3 edges, its first version (without a document, which the
// entity's row holds while the version is open) and its event — with plain prepared
// INSERTs into a fresh SQLite file with the driver's schema and pragmas, and
// its full-text row into the index file from a second connection, as the
// store does (internal/store/sqlite/textproject.go). The clock stops when
// both are written.
// Encoding happens before the clock starts: this is the store's own speed.
func floor(ctx context.Context, c runConfig) (time.Duration, error) {
	path := filepath.Join(c.dir, fmt.Sprintf("floor-raw-%d.db", time.Now().UnixNano()))
	st, err := sqlite.Open(ctx, path, nil) // creates the schema
	if err != nil {
		return 0, err
	}
	st.Close()
	// The writer pragmas and WAL checkpoints of internal/store/sqlite, so
	// the floor differs from the service only in the work above SQLite.
	db, err := sql.Open("sqlite", "file:"+path+"?"+sqlite.NewFilePragmas+"&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"+
		"&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stopCheckpoints, err := sqlite.BackgroundCheckpoints(ctx, path, db)
	if err != nil {
		return 0, err
	}
	defer stopCheckpoints()

	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	type row struct {
		id, title, props, rels, body string
		targets                      [3][2]string
	}
	rows := make([]row, len(c.deps))
	for i, in := range c.deps {
		var id, title string
		_ = json.Unmarshal(in.Identifier, &id)
		_ = json.Unmarshal(in.Title, &title)
		props, _ := json.Marshal(in.Properties)
		rels, _ := json.Marshal(in.Relations)
		var svc, env, rs string
		_ = json.Unmarshal(in.Relations["service"], &svc)
		_ = json.Unmarshal(in.Relations["environment"], &env)
		_ = json.Unmarshal(in.Relations["runningService"], &rs)
		// The full-text body as the store builds it: the string values in
		// key order (the deployments' properties are flat).
		var words []string
		for _, k := range slices.Sorted(maps.Keys(in.Properties)) {
			var s string
			if json.Unmarshal(in.Properties[k], &s) == nil {
				words = append(words, s)
			}
		}
		rows[i] = row{id: id, title: title, props: string(props), rels: string(rels), body: strings.Join(words, " "),
			targets: [3][2]string{{"service", svc}, {"environment", env}, {"runningService", rs}}}
	}
	text, textDone := make(chan []any, 64), make(chan error, 1)
	go func() { textDone <- floorText(ctx, path+"-fts", text) }()
	textOpen := true
	defer func() {
		if textOpen { // an insert failed
			close(text)
			<-textDone
		}
	}()
	start := time.Now()
	for _, chunk := range chunks(rows, c.batch) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		ent, err1 := tx.PrepareContext(ctx, `INSERT INTO entities (blueprint, identifier, title, icon, team, properties, relations, created_at, created_by, updated_at, updated_by) VALUES ('deployment', ?, ?, '', '[]', ?, ?, ?, 'bench', ?, 'bench')`)
		edge, err2 := tx.PrepareContext(ctx, `INSERT INTO edges (from_id, relation, to_id) SELECT ?, ?, id FROM entities WHERE blueprint = ? AND identifier = ?`)
		ver, err3 := tx.PrepareContext(ctx, `INSERT INTO entity_versions (blueprint, identifier, version, valid_from, actor, origin) VALUES ('deployment', ?, 1, ?, 'bench', 'API')`)
		evt, err4 := tx.PrepareContext(ctx, `INSERT INTO events (type, blueprint, entity, actor, origin, at, version) VALUES ('ENTITY_CREATED', 'deployment', ?, 'bench', 'API', ?, 1)`)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			tx.Rollback()
			return 0, err
		}
		var first int64
		for i, r := range chunk {
			res, err := ent.ExecContext(ctx, r.id, r.title, r.props, r.rels, now, now)
			if err != nil {
				tx.Rollback()
				return 0, err
			}
			id, err := res.LastInsertId()
			if err != nil {
				tx.Rollback()
				return 0, err
			}
			if i == 0 {
				first = id
			}
			for _, t := range r.targets {
				if _, err := edge.ExecContext(ctx, id, t[0], t[0], t[1]); err != nil {
					tx.Rollback()
					return 0, err
				}
			}
			if _, err := ver.ExecContext(ctx, r.id, now); err != nil {
				tx.Rollback()
				return 0, err
			}
			if _, err := evt.ExecContext(ctx, r.id, now); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		// The full-text rows, handed to their own file's writer after the
		// commit, as the store does.
		args := make([]any, 0, 5*len(chunk))
		for i, r := range chunk {
			args = append(args, first+int64(i), r.id, r.title, r.body, "deployment")
		}
		text <- args
	}
	close(text)
	textOpen = false
	if err := <-textDone; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// floorText writes the full-text rows it receives into the index file at
// path, one transaction per receive, on its own connection.
func floorText(ctx context.Context, path string, rows <-chan []any) error {
	db, err := sql.Open("sqlite", "file:"+path+"?"+sqlite.NewFilePragmas+"&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"+
		"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var failed error
	for args := range rows { // drained even after a failure, so the sender never blocks
		if failed != nil {
			continue
		}
		_, failed = db.ExecContext(ctx, "INSERT INTO entities_fts (rowid, identifier, title, body, blueprint) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(args)/5), ", "), args...)
	}
	return failed
}
