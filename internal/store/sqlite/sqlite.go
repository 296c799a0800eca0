// Package sqlite is Atrium's embedded store driver on modernc.org/sqlite
// (pure Go, no cgo). The database runs in WAL mode with one writer connection
// (write transactions begin IMMEDIATE, so writers queue instead of failing)
// and a separate pool of read-only connections.
//
// It imports store, store/sqlstore and model. Only cmd/atrium and tests
// import it (STYLE §2).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// commonPragmas are every connection's settings (see Open).
var commonPragmas = "_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMS) + ")&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"

// NewFilePragmas are the settings of the connection that writes a database
// file (the catalog's writer, the full-text projector), after the common
// ones. A file it creates gets 8 KiB pages: a bulk load dirties, per
// transaction, one edges_to page for each relation target it names, and
// with 8 KiB pages SQLite writes fewer WAL frames for the same rows (100k
// and 300k loads ~3-5% faster than with 4 KiB, the floor too; 2 KiB were
// 20% slower; bench/RESULTS.md). The page size must be set before the file
// turns to WAL — the shorthand _journal_mode runs after every _pragma,
// which modernc orders by name — and SQLite ignores it for a file that
// exists, which keeps its pages.
const NewFilePragmas = "_pragma=page_size(8192)&_journal_mode=WAL"

// busyTimeoutMS is how long a connection waits for a lock held by another
// process (a second atrium on the same file, a backup) before SQLITE_BUSY.
const busyTimeoutMS = 10000

// Driver is an open SQLite store. It implements store.Store.
type Driver struct {
	*sqlstore.Store
	writer      *sql.DB
	logger      *slog.Logger
	checkpoints *checkpointer
	text        *textProjector
}

var _ store.Store = (*Driver)(nil)

// Open opens (creating if needed) the SQLite database at path and applies
// pending migrations. logger may be nil.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Driver, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: %q is not a database file path", path)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store", "driver", "sqlite")
	// Every connection: wait on locks, enforce foreign keys, no fsync per
	// commit in WAL (durable at checkpoints; a crash loses at most the last
	// commits, never consistency), and a 64 MiB page cache (the default 2 MiB
	// thrashes index pages during bulk ingest; readers × 64 MiB is the cap).
	common := commonPragmas
	// The WAL is checkpointed by the checkpointer's own connection
	// (checkpoint.go); the writer's automatic checkpoint is only its
	// fallback.
	writer, err := sql.Open("sqlite", path+"?"+common+"&"+NewFilePragmas+"&_pragma=wal_autocheckpoint("+strconv.Itoa(writerAutoCheckpoint)+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer: SQLite allows one write transaction at a time, so writers
	// queue in database/sql instead of spinning on SQLITE_BUSY.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d := &Driver{writer: writer, logger: logger}
	if err := d.migrate(ctx); err != nil {
		_ = writer.Close()
		return nil, err
	}
	// Readers open after the writer switched the file to WAL, so they never
	// block the writer nor it them.
	reader, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open readers %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)
	reader.SetConnMaxLifetime(0)
	if d.text, err = openTextProjector(ctx, path, common, logger); err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("sqlite: open full-text index %s-fts: %w", path, err)
	}
	s, err := sqlstore.New(ctx, sqlstore.Options{Writer: writer, Reader: reader, Flavor: flavor{}, PrepareStatements: true, GraphIndex: true,
		TextProjection: d.text, Capabilities: store.Capabilities{SingleWriter: true}})
	if err != nil {
		_ = writer.Close()
		_ = reader.Close()
		_ = d.text.close()
		return nil, err
	}
	d.Store = s
	if d.checkpoints, err = startCheckpointer(path+"?"+common, writer, logger); err != nil {
		_ = s.Close()
		_ = d.text.close()
		return nil, fmt.Errorf("sqlite: open checkpointer %s: %w", path, err)
	}
	return d, nil
}

// Close stops the checkpointer, closes the store and then the full-text
// index, once it has indexed every commit.
func (d *Driver) Close() error {
	return errors.Join(d.checkpoints.close(), d.Store.Close(), d.text.close())
}

// migrate applies the embedded forward-only migrations on the writer.
func (d *Driver) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, d.writer, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, r := range res {
		d.logger.Info("applied migration", "version", r.Source.Version, "path", r.Source.Path)
	}
	return nil
}

// SchemaVersion returns the newest applied migration version.
func (d *Driver) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := d.writer.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v, err
}

// flavor describes SQLite to sqlstore.
type flavor struct{}

func (flavor) Name() string { return "sqlite" }

func (flavor) Placeholder(int) string { return "?" }

// MaxParams is SQLITE_MAX_VARIABLE_NUMBER's default since 3.32.
func (flavor) MaxParams() int { return 32766 }

func (flavor) TimeValue(t time.Time) any { return t.UTC().Format(sqlstore.TimeLayout) }

// PropertyMatch compares json_extract's value and json_type's type, so 1
// matches the number 1 and not the string "1" nor true.
func (flavor) PropertyMatch(a *sqlstore.Args, col, key string, values []any) string {
	if strings.ContainsAny(key, `"\`) {
		return "" // not a valid property identifier; nothing can match
	}
	path := `$."` + key + `"`
	var strs, nums []any
	var hasTrue, hasFalse bool
	for _, v := range values {
		switch v := v.(type) {
		case string:
			strs = append(strs, v)
		case float64:
			nums = append(nums, v)
		case int:
			nums = append(nums, float64(v))
		case int64:
			nums = append(nums, float64(v))
		case bool:
			if v {
				hasTrue = true
			} else {
				hasFalse = true
			}
		}
	}
	var ors []string
	in := func(vs []any) string {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = a.Add(v)
		}
		return strings.Join(ph, ", ")
	}
	if len(strs) > 0 {
		ors = append(ors, "(json_type("+col+", "+a.Add(path)+") = 'text' AND json_extract("+col+", "+a.Add(path)+") IN ("+in(strs)+"))")
	}
	if len(nums) > 0 {
		ors = append(ors, "(json_type("+col+", "+a.Add(path)+") IN ('integer', 'real') AND json_extract("+col+", "+a.Add(path)+") IN ("+in(nums)+"))")
	}
	if hasTrue {
		ors = append(ors, "json_type("+col+", "+a.Add(path)+") = 'true'")
	}
	if hasFalse {
		ors = append(ors, "json_type("+col+", "+a.Add(path)+") = 'false'")
	}
	if len(ors) == 0 {
		return ""
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// NumbersEntityIDs: with one writer the store can number new entities.
func (flavor) NumbersEntityIDs() {}

// InsertsOrFail: batched INSERTs need no statement journal (see
// sqlstore.FailingInserter).
func (flavor) InsertsOrFail() {}

// LockEntities does nothing: the single writer connection already
// serialises every write transaction.
func (flavor) LockEntities(context.Context, *sql.Tx, []model.EntityKey, bool) error { return nil }

// LockOutbox does nothing: with one writer, seq order is commit order.
func (flavor) LockOutbox(context.Context, *sql.Tx) error { return nil }

// InterpretError is the driver's one error translation (STYLE §3).
func (flavor) InterpretError(err error) error { return interpretError(err) }

func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return model.NotFoundf("not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &model.KindError{Kind: model.ErrConflict, Message: "already exists"}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_BUSY_SNAPSHOT, sqlite3.SQLITE_BUSY_TIMEOUT, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: database is busy: %v", model.ErrUnavailable, err)
		}
	}
	return err
}
