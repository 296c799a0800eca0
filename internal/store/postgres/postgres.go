// Package postgres is Atrium's store driver for PostgreSQL on pgx (through
// database/sql and pgx's stdlib adapter), for running several replicas on one
// database. Writers of the same entity are serialised with transaction-scoped
// advisory locks; outbox sequence numbers follow commit order because every
// writer takes one advisory lock right before appending events.
//
// It imports store, store/sqlstore and model. Only cmd/atrium and tests
// import it (STYLE §2).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxConns caps the pool; PostgreSQL's own default max_connections is 100 and
// several replicas share it.
const maxConns = 16

// Advisory locks are database-wide, so every lock key includes the schema:
// stores in different schemas of one database (tests, tenants) never wait
// on each other. Entity keys use the one-bigint lock space; buckets and the
// outbox use the two-int4 space (class = the schema's hash), which
// PostgreSQL keeps apart, so a key hash never collides with them.

// Driver is an open PostgreSQL store. It implements store.Store.
type Driver struct {
	*sqlstore.Store
	db     *sql.DB
	logger *slog.Logger
	schema string // current_schema() of the connections, set by migrate
}

var _ store.Store = (*Driver)(nil)

// Open connects to the database at url (a postgres:// URL or key=value DSN)
// and applies pending migrations. A search_path parameter in the URL (e.g.
// ?search_path=tenant1) selects the schema, which must exist. logger may be
// nil.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Driver, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store", "driver", "postgres")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL with its password: keep it out.
		return nil, errors.New("postgres: cannot parse the database URL")
	}
	// JIT compiling costs a second per statement, and the planner's row
	// guesses for recursive edge walks (relatedTo) cross its cost threshold
	// although they run in milliseconds: off unless the URL asks for it.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	d := &Driver{db: db, logger: logger}
	if err := d.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := sqlstore.New(ctx, sqlstore.Options{Writer: db, Flavor: newFlavor(d.schema)})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	d.Store = s
	return d, nil
}

// migrate applies the embedded migrations under a session advisory lock
// (keyed by schema, so replicas starting together migrate once and separate
// schemas do not wait on each other).
func (d *Driver) migrate(ctx context.Context) error {
	var schema string
	if err := d.db.QueryRowContext(ctx, "SELECT COALESCE(current_schema(), '')").Scan(&schema); err != nil {
		return fmt.Errorf("postgres: current schema: %w", err)
	}
	if schema == "" {
		return errors.New("postgres: no current schema: does the search_path schema exist?")
	}
	d.schema = schema
	h := fnv.New64a()
	_, _ = h.Write([]byte("atrium-migrate\x00" + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
	if err != nil {
		return err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, d.db, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, r := range res {
		d.logger.Info("applied migration", "version", r.Source.Version, "path", r.Source.Path, "schema", schema)
	}
	return nil
}

// SchemaVersion returns the newest applied migration version.
func (d *Driver) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := d.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v, err
}

// flavor describes PostgreSQL to sqlstore.
type flavor struct {
	schema string // lock keys include it (see the advisory lock notes)
	class  int32  // hash of schema: the two-int4 lock class of buckets and outbox
}

func newFlavor(schema string) flavor {
	h := fnv.New32a()
	_, _ = h.Write([]byte("atrium\x00" + schema))
	return flavor{schema: schema, class: int32(h.Sum32())}
}

func (flavor) Name() string { return "postgres" }

func (flavor) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// MaxParams is the wire protocol's limit on bind parameters.
func (flavor) MaxParams() int { return 65535 }

// TimeValue truncates to microseconds, timestamptz's precision, so the value
// written is exactly the value read back.
func (flavor) TimeValue(t time.Time) any { return t.UTC().Truncate(time.Microsecond) }

// PropertyMatch compares jsonb values, which are typed: 1 equals 1.0 but
// not "1" nor true.
func (flavor) PropertyMatch(a *sqlstore.Args, col, key string, values []any) string {
	var ph []string
	for _, v := range values {
		switch v := v.(type) {
		case string, float64, bool, int, int64:
			b, err := json.Marshal(v)
			if err != nil {
				continue
			}
			ph = append(ph, a.Add(string(b))+"::jsonb")
		}
	}
	if len(ph) == 0 {
		return ""
	}
	return "(" + col + " -> " + a.Add(key) + "::text) IN (" + strings.Join(ph, ", ") + ")"
}

// Entity locking is two-level so a transaction never holds more than a few
// dozen advisory locks (each takes a slot in PostgreSQL's shared lock table,
// max_locks_per_transaction × max_connections, 6,400 by default; a bulk of
// 1,000 keys per writer would exhaust it):
//
//   - a small write (≤ fineLockMax keys) takes, per key, its bucket
//     (hash mod lockBuckets) in shared mode and then the key's own lock;
//   - a bulk write takes its keys' buckets in exclusive mode and no key locks.
//
// Two writers of one key therefore always conflict (key lock vs key lock,
// or exclusive bucket vs any bucket), while small writers of different keys
// do not. Buckets are taken before key locks and each in ascending order, so
// no two writers can deadlock.
const (
	fineLockMax = 16
	lockBuckets = 64
	// outboxLockID follows the bucket ids in the schema's two-int4 class.
	outboxLockID = lockBuckets
)

// LockEntities locks keys as described above. With nowait it uses the
// pg_try_ functions, which take every lock that is free and report whether
// all were; when one was not, the caller's transaction is void anyway (it
// gets a retryable error and rolls back), so the locks it did take are
// released with it.
func (f flavor) LockEntities(ctx context.Context, tx *sql.Tx, keys []model.EntityKey, nowait bool) error {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, f.keyLockID(k))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	buckets := make([]int32, 0, min(len(ids), lockBuckets))
	for _, id := range ids {
		buckets = append(buckets, int32(uint64(id)%lockBuckets))
	}
	slices.Sort(buckets)
	buckets = slices.Compact(buckets)
	// unnest yields each array in order and the aggregate consumes rows one
	// by one, so locks are taken in ascending order.
	// lock runs pg_<fn>, or pg_try_<fn>, over the rows of from.
	lock := func(fn, from string, args ...any) error {
		if !nowait {
			_, err := tx.ExecContext(ctx, "SELECT count(pg_"+fn+") FROM "+from, args...)
			return err
		}
		var all bool
		if err := tx.QueryRowContext(ctx, "SELECT bool_and(pg_try_"+fn+") FROM "+from, args...).Scan(&all); err != nil {
			return err
		}
		if !all {
			return store.Retryable(&model.KindError{Kind: model.ErrUnavailable, Message: "entities are locked by another writer"})
		}
		return nil
	}
	if len(ids) > fineLockMax {
		return lock("advisory_xact_lock($1::int4, b)", "unnest($2::int4[]) AS b", f.class, buckets)
	}
	if err := lock("advisory_xact_lock_shared($1::int4, b)", "unnest($2::int4[]) AS b", f.class, buckets); err != nil {
		return err
	}
	return lock("advisory_xact_lock(k)", "unnest($1::bigint[]) AS k", ids)
}

func (f flavor) keyLockID(k model.EntityKey) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(f.schema))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(k.Blueprint))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(k.Identifier))
	return int64(h.Sum64())
}

// LockOutbox serialises event appends until commit, so a lower seq can never
// commit after a higher one was read (DESIGN §4, §6). sqlstore takes it inside
// Commit, after every other lock.
func (f flavor) LockOutbox(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1::int4, $2::int4)", f.class, outboxLockID)
	return err
}

// InterpretError is the driver's one error translation (STYLE §3).
func (flavor) InterpretError(err error) error { return interpretError(err) }

func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return model.NotFoundf("not found")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return &model.KindError{Kind: model.ErrConflict, Message: "already exists"}
		case "22P05", "22021": // untranslatable_character (\u0000 in jsonb), bad UTF-8
			return model.Invalidf("text cannot be stored: %s", pe.Message)
		case "40001", "40P01": // serialization failure, deadlock: the transaction is void, a rerun may succeed
			return store.Retryable(fmt.Errorf("%w: %s", model.ErrUnavailable, pe.Message))
		case "55P03", "57P03": // lock not available, cannot connect now
			return fmt.Errorf("%w: %s", model.ErrUnavailable, pe.Message)
		}
	}
	return err
}

// ArrayInsertSQL inserts a batch from one array per column with unnest: one
// short statement whatever the row count, planned once, with arrays sent in
// binary — several times faster than multi-row VALUES. JSON columns travel
// as text[] and are cast per row.
func (flavor) ArrayInsertSQL(table, names, types, tail string) string {
	var params, sel []string
	for i, typ := range strings.Split(types, ",") {
		col := "c" + strconv.Itoa(i+1)
		switch typ {
		case "json", "jsonb":
			params = append(params, "?::text[]")
			sel = append(sel, col+"::"+typ)
		default:
			params = append(params, "?::"+typ+"[]")
			sel = append(sel, col)
		}
	}
	cols := make([]string, len(sel))
	for i := range sel {
		cols[i] = "c" + strconv.Itoa(i+1)
	}
	return "INSERT INTO " + table + " (" + names + ") SELECT " + strings.Join(sel, ", ") +
		" FROM unnest(" + strings.Join(params, ", ") + ") AS u(" + strings.Join(cols, ", ") + ")" + tail
}

// ArrayMatch matches col against one text[] parameter, which PostgreSQL plans
// as an index scan even in a cached generic plan.
func (flavor) ArrayMatch(col string) string { return col + " = ANY(?::text[])" }
