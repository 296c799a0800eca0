// Package sqlstore is the one implementation of the store ports over
// database/sql, shared by the SQLite and PostgreSQL drivers. What differs
// between the databases (placeholders, locks, time and JSON encodings, JSON
// property comparison, error codes) is asked of a Flavor, which each driver
// supplies (STYLE §3: ask, don't switch).
//
// It imports only store, model and the standard library. Only the drivers
// (store/sqlite, store/postgres) import it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/graphindex"
)

// Flavor is what a driver tells the shared implementation about its database.
type Flavor interface {
	store.Dialect

	// MaxParams is the most bind parameters one statement may carry; batched
	// statements are chunked below it.
	MaxParams() int
	// TimeValue encodes a time for binding (SQLite: fixed-width UTC text so it
	// sorts; PostgreSQL: a time.Time for timestamptz).
	TimeValue(t time.Time) any
	// PropertyMatch returns a SQL condition that holds when the JSON column
	// col has property key equal, typed, to one of values (JSON scalars:
	// string, float64, bool), binding what it needs through a. It returns ""
	// when no value can match.
	PropertyMatch(a *Args, col, key string, values []any) string
	// LockEntities serialises writers of keys until tx ends (no-op where the
	// database has a single writer). keys are sorted and distinct. With
	// nowait, a key held by another transaction fails the call at once with
	// a store.Retryable error (see store.EntityLockParams.NoWait).
	LockEntities(ctx context.Context, tx *sql.Tx, keys []model.EntityKey, nowait bool) error
	// LockOutbox is called inside Commit, right before the transaction's
	// queued events are written and after every other lock, so sequence
	// numbers are assigned in commit order (a reader never skips one) and
	// it cannot take part in a deadlock.
	LockOutbox(ctx context.Context, tx *sql.Tx) error
	// TextSearchSQL returns a query for q (see fulltext.go) whose rows are
	// blueprint, identifier, title, snippet and rank (float, higher is
	// better), best first, binding through a.
	TextSearchSQL(a *Args, q *TextQuery) string
	// JSONEachLateral returns a FROM item named alias with one row per
	// atom of key in the JSON object column col, like QueryDialect.JSONEach,
	// that may follow col's table in the same FROM list. Rows are read with
	// ElemText, ElemNumber and ElemIsBool; an object yields no row, or one
	// they all read as no value.
	JSONEachLateral(b store.Binder, col, key, alias string) string
	// InterpretError maps a database error to a model kind when it has one
	// (unique violation → ErrConflict); other errors come back unchanged.
	InterpretError(err error) error
}

// IDNumberer is implemented by flavors with a single writer (SQLite): the
// store numbers new entities itself, counting up from the largest id when
// a transaction first creates one, instead of reading each id back with
// RETURNING (which cost SQLite's one writer ~3 µs per entity, more than
// the lookup it saves).
type IDNumberer interface{ NumbersEntityIDs() }

// FailingInserter is implemented by flavors (SQLite) whose batched INSERTs
// are written INSERT OR FAIL: a failing row stops the statement and keeps
// the rows before it instead of undoing the whole statement. No write here
// goes on after a failed statement — its transaction rolls back, as
// PostgreSQL requires anyway — so nothing ever sees those rows, and SQLite
// is spared the statement journal it keeps to undo a multi-row statement
// alone: a copy of every existing page the statement changes. A bulk
// load's edges touch many (the edges_to pages of their targets): that copy
// was ~7% of the writer's CPU per 100k entities (bench/RESULTS.md).
type FailingInserter interface{ InsertsOrFail() }

// insertInto returns how f's batched INSERTs begin (see FailingInserter).
func insertInto(f Flavor) string {
	if _, ok := f.(FailingInserter); ok {
		return "INSERT OR FAIL INTO "
	}
	return "INSERT INTO "
}

// Options configure a Store.
type Options struct {
	// Writer runs write transactions. On SQLite it holds one connection.
	Writer *sql.DB
	// Reader serves reads outside transactions; defaults to Writer.
	Reader *sql.DB
	// Flavor describes the database. Required.
	Flavor Flavor
	// Capabilities are reported as given.
	Capabilities store.Capabilities
	// PrepareStatements keeps hot statements prepared (SQLite: compiling a
	// batch INSERT costs as much as running it). Off when the driver caches
	// prepared statements itself (pgx).
	PrepareStatements bool
	// GraphIndex keeps the relation graph in memory for relatedTo (see
	// graph.go). Only for a database no other process writes.
	GraphIndex bool
	// TextProjection keeps the full-text index outside the write
	// transaction (textindex.go); nil when the database keeps it itself
	// (PostgreSQL's generated tsvector).
	TextProjection TextProjection
}

// Store implements store.Store over database/sql.
type Store struct {
	reader
	opts         Options
	writeStmts   *stmtCache
	readerStmts  *stmtCache
	facetIndexes facetIndexSet     // see aggregate.go
	graph        *graphindex.Index // nil unless Options.GraphIndex
	loader       graphLoader
	reachListMax int      // see SetReachListMax
	idc          *idCache // nil unless the flavor is an IDNumberer
}

var _ store.Store = (*Store)(nil)

// New returns a Store over already-migrated databases, preparing its hot
// statements.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Writer == nil {
		return nil, errors.New("sqlstore: Options.Writer is required")
	}
	if opts.Flavor == nil {
		return nil, errors.New("sqlstore: Options.Flavor is required")
	}
	if opts.Reader == nil {
		opts.Reader = opts.Writer
	}
	s := &Store{opts: opts, writeStmts: newStmtCache(), readerStmts: newStmtCache()}
	if opts.PrepareStatements {
		s.writeStmts.db = opts.Writer
		s.readerStmts.db, s.readerStmts.lazy = opts.Reader, true
	}
	s.reader = reader{q: opts.Reader, f: opts.Flavor, stmts: s.readerStmts, text: opts.TextProjection}
	if _, single := opts.Flavor.(IDNumberer); single && opts.GraphIndex {
		s.idc = &idCache{} // kept current where the graph is: at commit (graph.go)
	}
	if err := s.warmWriter(ctx); err != nil {
		_ = s.writeStmts.close()
		return nil, fmt.Errorf("prepare statements: %w", opts.Flavor.InterpretError(err))
	}
	if opts.GraphIndex {
		if err := s.startGraph(ctx); err != nil {
			_ = s.writeStmts.close()
			return nil, err
		}
	}
	return s, nil
}

// Begin starts a write transaction.
func (s *Store) Begin(ctx context.Context) (store.Tx, error) {
	tx, err := s.opts.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", s.opts.Flavor.InterpretError(err))
	}
	return &Tx{reader: reader{q: tx, f: s.opts.Flavor, tx: tx, stmts: s.writeStmts, text: s.opts.TextProjection},
		text: s.opts.TextProjection, graph: s.graph, idc: s.idc}, nil
}

// Dialect describes the SQL flavour.
func (s *Store) Dialect() store.Dialect { return s.opts.Flavor }

// Capabilities reports optional features.
func (s *Store) Capabilities() store.Capabilities { return s.opts.Capabilities }

// Close closes both connection pools.
func (s *Store) Close() error {
	if s.loader.cancel != nil {
		s.loader.cancel()
		s.loader.wg.Wait()
	}
	err := errors.Join(s.readerStmts.close(), s.writeStmts.close())
	if s.opts.Reader != s.opts.Writer {
		err = errors.Join(err, s.opts.Reader.Close())
	}
	return errors.Join(err, s.opts.Writer.Close())
}

// Tx implements store.Tx over one *sql.Tx.
type Tx struct {
	reader
	pending []eventRow // outbox rows written at Commit (see appendEvents)
	// eventCount is how many outbox rows the transaction wrote.
	eventCount int64
	// text, when set, is handed the full-text changes at Commit
	// (textindex.go): textUnindex, then textRows in textOrder (first-write
	// order).
	text        TextProjection
	textUnindex []int64
	textRows    map[model.EntityKey]TextRow
	textOrder   []model.EntityKey
	// graph, when set, is changed at Commit by graphChanges (graph.go);
	// wroteEvents says the transaction moved the outbox sequence.
	graph        *graphindex.Index
	graphChanges []graphindex.Change
	wroteEvents  bool
	// ids caches the ids of entities this transaction read or wrote, so a
	// relation target checked by the catalog (EntityGetMany with KeysOnly)
	// or an entity just inserted is not looked up again for its edges. A
	// deleted entity's entry is dropped (SQLite may reuse its id).
	ids map[model.EntityKey]int64
	// learned lists the entries of ids that did not come from idc, the
	// ones Commit hands to it.
	learned []keyID
	// nextID is the id the next created entity gets (IDNumberer flavors;
	// 0 until first needed).
	nextID int64
	// idc is the store's id cache (idcache.go), trusted once idcChecked;
	// deleted holds the keys this transaction deleted, which it must not
	// take from the cache.
	idc        *idCache
	idcChecked bool
	deleted    map[model.EntityKey]struct{}
}

var _ store.Tx = (*Tx)(nil)

// Commit writes the queued events and commits, then hands the full-text
// changes to the projection. On error the transaction is left for Rollback.
func (t *Tx) Commit(ctx context.Context) error {
	if err := t.flushEvents(ctx); err != nil {
		return err
	}
	withGraph := t.graph != nil && (t.wroteEvents || len(t.graphChanges) > 0)
	withText := t.text != nil && t.wroteEvents
	if !withGraph && !withText {
		if err := t.tx.Commit(); err != nil {
			return t.f.InterpretError(err)
		}
		return nil
	}
	var seq int64
	if err := t.queryRow(ctx, true, lastSeqSQL).Scan(&seq); err != nil {
		return t.wrap("read outbox sequence", err)
	}
	if withGraph {
		if err := t.commitGraph(seq); err != nil {
			return err
		}
	} else if err := t.tx.Commit(); err != nil {
		return t.f.InterpretError(err)
	}
	if withText {
		t.text.Project(t.textBatch(seq))
	}
	return nil
}

// Rollback rolls back; after Commit or a previous Rollback it does nothing.
func (t *Tx) Rollback(ctx context.Context) error {
	t.pending, t.textUnindex, t.textRows, t.textOrder, t.graphChanges, t.ids, t.learned = nil, nil, nil, nil, nil, nil, nil
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return t.f.InterpretError(err)
	}
	return nil
}

// queryer is what reads and writes need: a pool or a transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements store.Reader over a pool or a transaction.
type reader struct {
	q     queryer
	f     Flavor
	tx    *sql.Tx // nil outside a transaction
	stmts *stmtCache
	text  TextProjection // searched instead of q when set
}

// wrap translates a database error at the driver edge (STYLE §5).
func (r *reader) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, r.f.InterpretError(err))
}
