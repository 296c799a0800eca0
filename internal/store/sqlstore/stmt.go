package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Statements are written with "?" placeholders and rendered per dialect by
// rebind; batched statements come from a spec and a row or list count, so
// the same count always yields the same text and can stay prepared.

// batchSpec is a multi-row INSERT into table: the flavor's insertInto, the
// columns, rows of cols placeholders, then tail. It is comparable, so it can key caches.
type batchSpec struct {
	cols int
	tail string
	// table is the table inserted into; names and types list the columns
	// and their SQL types, comma-separated (types for flavors that insert
	// column arrays, see ArrayInserter).
	table, names, types string
	// shared marks (bit i: column i) the columns a batch's rows usually
	// share — its blueprint, time, actor — which a statement whose rows all
	// hold the same values there binds once instead of once a row
	// (insertReturning). Binding costs the SQLite writer ~150 ns a value.
	shared uint64
}

func newBatchSpec(table, names, types, tail string, shared ...string) batchSpec {
	cols := strings.Split(names, ", ")
	if len(strings.Split(types, ",")) != len(cols) {
		panic("sqlstore: batch spec for " + table + " has mismatched names and types") // programmer error at init
	}
	spec := batchSpec{cols: len(cols), tail: tail, table: table, names: names, types: types}
	for _, name := range shared {
		i := slices.Index(cols, name)
		if i < 0 {
			panic("sqlstore: batch spec for " + table + " shares unknown column " + name) // programmer error at init
		}
		spec.shared |= 1 << i
	}
	return spec
}

// isShared reports whether column i is one of spec's shared columns.
func (spec batchSpec) isShared(i int) bool { return spec.shared&(1<<i) != 0 }

// shareable reports whether every row of vals (rows of spec.cols values)
// holds the first row's values in spec's shared columns. Only values ==
// can compare are compared (never a []byte).
func (spec batchSpec) shareable(vals []any) bool {
	if spec.shared == 0 || len(vals) <= spec.cols {
		return false
	}
	for i := range spec.cols {
		if !spec.isShared(i) {
			continue
		}
		first := vals[i]
		switch first.(type) {
		case nil, string, int64, float64, bool:
		default:
			return false
		}
		for off := spec.cols; off < len(vals); off += spec.cols {
			if vals[off+i] != first {
				return false
			}
		}
	}
	return true
}

// sharedArgs returns vals as the arguments of spec's shared statement: the
// shared columns' values once, then every row's other values.
func (spec batchSpec) sharedArgs(vals []any) []any {
	out := make([]any, 0, len(vals))
	for i := range spec.cols {
		if spec.isShared(i) {
			out = append(out, vals[i])
		}
	}
	for off := 0; off < len(vals); off += spec.cols {
		for i := range spec.cols {
			if !spec.isShared(i) {
				out = append(out, vals[off+i])
			}
		}
	}
	return out
}

// ArrayInserter is implemented by flavors that insert a batch faster as one
// statement over one array per column (PostgreSQL: INSERT … SELECT FROM
// unnest), so statement size and parameter count do not grow with rows.
type ArrayInserter interface {
	// ArrayInsertSQL returns an INSERT of table's columns names (of SQL types
	// types, both comma-separated) from one array parameter per column,
	// followed by tail.
	ArrayInsertSQL(table, names, types, tail string) string
}

// listSpec is a statement with one IN list: head, "(?, ...)", tail.
type listSpec struct {
	head, tail string
	// array, when set, is the statement for ArrayMatcher flavors, taking the
	// same leading parameters and then one text array. It looks keys up one
	// by one through LATERAL (writes then act on the rows' ctids): without
	// table statistics (a table filled faster than autovacuum analyzes it)
	// PostgreSQL otherwise scans every row of the blueprint.
	array string
}

// rebind turns the n-th "?" of q into the dialect's n-th placeholder.
func rebind(f Flavor, q string) string {
	if f.Placeholder(1) == "?" {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString(f.Placeholder(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// rowLadder lists the row counts batched statements use for cols columns,
// largest first: a batch is cut greedily into these, so every statement has
// one of a few shapes and all of them stay prepared.
func rowLadder(f Flavor, cols int) []int {
	var out []int
	for n := chunkRows(f, cols); n >= 1; n /= 5 {
		out = append(out, n)
	}
	if out[len(out)-1] != 1 {
		out = append(out, 1)
	}
	return out
}

// stmtCache keeps generated SQL and prepared statements. On SQLite,
// compiling a 500-row INSERT costs about as much as running it.
type stmtCache struct {
	// db prepares statements; nil means the driver caches them itself (pgx).
	db *sql.DB
	// lazy allows preparing on first use. The SQLite writer has a single
	// connection, busy inside the transaction that would need the
	// statement, so its statements are all prepared up front by warm.
	lazy bool

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // guarded by mu

	texts sync.Map // batchKey or listKey → string
}

func newStmtCache() *stmtCache { return &stmtCache{stmts: map[string]*sql.Stmt{}} }

type batchKey struct {
	spec   batchSpec
	rows   int
	shared bool
}

type listKey struct {
	spec listSpec
	n    int
}

// batchSQL returns spec's text for rows rows.
func (c *stmtCache) batchSQL(f Flavor, spec batchSpec, rows int) string {
	k := batchKey{spec: spec, rows: rows}
	if q, ok := c.texts.Load(k); ok {
		return q.(string)
	}
	head := insertInto(f) + spec.table + " (" + spec.names + ") VALUES "
	var b strings.Builder
	b.Grow(len(head) + len(spec.tail) + rows*(spec.cols*2+2))
	b.WriteString(head)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range spec.cols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	b.WriteString(spec.tail)
	q := rebind(f, b.String())
	c.texts.Store(k, q)
	return q
}

// sharedBatchSQL returns spec's text for rows rows that bind the shared
// columns once (batchSpec.shared): INSERT … SELECT from the rows' other
// columns as VALUES, naming each shared column's parameter once. The
// parameters stay positional, in sharedArgs' order: numbered ones (?NNN)
// would make the driver look each one's name up, which SQLite does by a
// scan of all of them.
func (c *stmtCache) sharedBatchSQL(f Flavor, spec batchSpec, rows int) string {
	k := batchKey{spec: spec, rows: rows, shared: true}
	if q, ok := c.texts.Load(k); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(insertInto(f) + spec.table + " (" + spec.names + ") SELECT ")
	own := 0 // the rows' own columns, column1… of the VALUES
	for i := range spec.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		if spec.isShared(i) {
			b.WriteByte('?')
		} else {
			own++
			b.WriteString("v.column" + strconv.Itoa(own))
		}
	}
	b.WriteString(" FROM (VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range own {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	b.WriteString(") AS v")
	if strings.HasPrefix(spec.tail, " ON CONFLICT") {
		b.WriteString(" WHERE true") // SQLite's parser needs it before an upsert clause
	}
	b.WriteString(spec.tail)
	q := rebind(f, b.String())
	c.texts.Store(k, q)
	return q
}

// ArrayMatcher is implemented by flavors that match a list of identifiers
// as one array parameter ("col = ANY(?)") rather than an IN list of n
// parameters: one statement text for every list length, and PostgreSQL's
// generic plan for a long IN list of parameters is a sequential scan.
type ArrayMatcher interface {
	// ArrayMatch returns the condition matching column col against one text
	// array parameter written "?".
	ArrayMatch(col string) string
}

// listSQL returns spec's text for an IN list of n values.
func (c *stmtCache) listSQL(f Flavor, spec listSpec, n int) string {
	if am, ok := f.(ArrayMatcher); ok {
		n = -1 // one text for every length
		k := listKey{spec, n}
		if q, ok := c.texts.Load(k); ok {
			return q.(string)
		}
		q := spec.array
		if q == "" {
			head, ok := strings.CutSuffix(spec.head, " IN ")
			if !ok {
				panic("sqlstore: list spec head must end in \" IN \": " + spec.head) // programmer error
			}
			i := strings.LastIndexAny(head, " (")
			q = head[:i+1] + am.ArrayMatch(head[i+1:]) + spec.tail
		}
		q = rebind(f, q)
		c.texts.Store(k, q)
		return q
	}
	k := listKey{spec, n}
	if q, ok := c.texts.Load(k); ok {
		return q.(string)
	}
	q := rebind(f, spec.head+"("+strings.TrimSuffix(strings.Repeat("?,", n), ",")+")"+spec.tail)
	c.texts.Store(k, q)
	return q
}

// staticSQL returns q rendered for the dialect.
func (c *stmtCache) staticSQL(f Flavor, q string) string {
	if r, ok := c.texts.Load(q); ok {
		return r.(string)
	}
	r := rebind(f, q)
	c.texts.Store(q, r)
	return r
}

// stmt returns the prepared statement for q, or nil when q is not prepared
// (and cannot be now) or statements are not cached here.
func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	if c.db == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[q]; ok {
		return s
	}
	if !c.lazy || len(c.stmts) >= maxCachedStmts {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // run unprepared; the error, if real, shows there
	}
	c.stmts[q] = s
	return s
}

// maxCachedStmts bounds the lazily prepared statements per pool.
const maxCachedStmts = 256

// warm prepares qs now, while the pool's connections are free.
func (c *stmtCache) warm(ctx context.Context, qs []string) error {
	if c.db == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, q := range qs {
		if _, ok := c.stmts[q]; ok {
			continue
		}
		s, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		c.stmts[q] = s
	}
	return nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for _, s := range c.stmts {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	c.stmts = map[string]*sql.Stmt{}
	return first
}

// exec runs q, through its prepared statement when cache is set and one is
// available.
func (r *reader) exec(ctx context.Context, cache bool, q string, args ...any) (sql.Result, error) {
	if cache {
		if s := r.stmts.stmt(ctx, q); s != nil {
			if r.tx != nil {
				s = r.tx.StmtContext(ctx, s)
			}
			return s.ExecContext(ctx, args...)
		}
	}
	return r.q.ExecContext(ctx, q, args...)
}

// query is exec for statements returning rows.
func (r *reader) query(ctx context.Context, cache bool, q string, args ...any) (*sql.Rows, error) {
	if cache {
		if s := r.stmts.stmt(ctx, q); s != nil {
			if r.tx != nil {
				s = r.tx.StmtContext(ctx, s)
			}
			return s.QueryContext(ctx, args...)
		}
	}
	return r.q.QueryContext(ctx, q, args...)
}

// execOrScan runs q with exec when scan is nil, else as a query calling
// scan for every row.
func (r *reader) execOrScan(ctx context.Context, cache bool, q string, args []any, scan func(*sql.Rows) error) error {
	if scan == nil {
		_, err := r.exec(ctx, cache, q, args...)
		return err
	}
	rows, err := r.query(ctx, cache, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryRow is exec for statements returning one row.
func (r *reader) queryRow(ctx context.Context, cache bool, q string, args ...any) *sql.Row {
	if cache {
		if s := r.stmts.stmt(ctx, q); s != nil {
			if r.tx != nil {
				s = r.tx.StmtContext(ctx, s)
			}
			return s.QueryRowContext(ctx, args...)
		}
	}
	return r.q.QueryRowContext(ctx, q, args...)
}

// insertBatch inserts len(vals)/spec.cols rows, cut greedily into the row
// counts of rowLadder so every statement has a prepared shape.
func (t *Tx) insertBatch(ctx context.Context, spec batchSpec, vals []any) error {
	return t.insertReturning(ctx, spec, vals, nil)
}

// insertReturning is insertBatch for a spec whose tail ends in RETURNING:
// scan reads every row the statements return.
func (t *Tx) insertReturning(ctx context.Context, spec batchSpec, vals []any, scan func(*sql.Rows) error) error {
	if len(vals) == 0 {
		return nil
	}
	run := func(q string, args ...any) error { return t.execOrScan(ctx, true, q, args, scan) }
	if ai, ok := t.f.(ArrayInserter); ok {
		q := t.stmts.staticSQL(t.f, ai.ArrayInsertSQL(spec.table, spec.names, spec.types, spec.tail))
		return run(q, columnArrays(spec, vals)...)
	}
	ladder := rowLadder(t.f, spec.cols)
	rowsLeft := len(vals) / spec.cols
	off := 0
	for rowsLeft > 0 {
		n := ladder[len(ladder)-1]
		for _, l := range ladder {
			if l <= rowsLeft {
				n = l
				break
			}
		}
		end := off + n*spec.cols
		var err error
		if rows := vals[off:end]; spec.shareable(rows) {
			err = run(t.stmts.sharedBatchSQL(t.f, spec, n), spec.sharedArgs(rows)...)
		} else {
			err = run(t.stmts.batchSQL(t.f, spec, n), rows...)
		}
		if err != nil {
			return err
		}
		off, rowsLeft = end, rowsLeft-n
	}
	return nil
}

// inListLens are the lengths of the IN lists statements use, up to
// maxInList: a list is padded to the next one (padList), so IN-list
// statements have a few shapes that all stay prepared. Preparing a new
// shape cost a 20-entity bulk write ~10% of its writer time.
var inListLens = []int{1, 2, 4, 8, 16, 32, 64, 128, 256, maxInList}

// padList returns ids padded to the next of inListLens by repeating the
// last one, which changes no IN list's meaning. ArrayMatcher flavors bind
// one array whatever its length, so they get ids as they are.
func padList[T any](f Flavor, ids []T) []T {
	if _, ok := f.(ArrayMatcher); ok || len(ids) == 0 {
		return ids
	}
	n := len(ids)
	for _, l := range inListLens {
		if l >= n {
			n = l
			break
		}
	}
	if n == len(ids) {
		return ids
	}
	out := make([]T, n)
	copy(out, ids)
	for i := len(ids); i < n; i++ {
		out[i] = ids[len(ids)-1]
	}
	return out
}

// listArgs returns pre, then ids (one array for an ArrayMatcher), as one
// argument list for a listSpec statement.
func listArgs(f Flavor, pre []any, ids []string) []any {
	if _, ok := f.(ArrayMatcher); ok {
		return append(pre, ids)
	}
	out := make([]any, 0, len(pre)+len(ids))
	out = append(out, pre...)
	for _, id := range ids {
		out = append(out, id)
	}
	return out
}

// columnArrays turns row-major vals into one typed slice per column of spec:
// []string for text, []*string for JSON (nil is NULL), []time.Time and
// []int64.
func columnArrays(spec batchSpec, vals []any) []any {
	rows := len(vals) / spec.cols
	out := make([]any, spec.cols)
	for j, typ := range strings.Split(spec.types, ",") {
		switch typ {
		case "json", "jsonb":
			col := make([]*string, rows)
			for i := range rows {
				if s, ok := vals[i*spec.cols+j].(string); ok {
					col[i] = &s
				}
			}
			out[j] = col
		case "timestamptz":
			col := make([]time.Time, rows)
			for i := range rows {
				col[i], _ = vals[i*spec.cols+j].(time.Time)
			}
			out[j] = col
		case "bigint":
			col := make([]int64, rows)
			for i := range rows {
				col[i], _ = vals[i*spec.cols+j].(int64)
			}
			out[j] = col
		default:
			col := make([]string, rows)
			for i := range rows {
				col[i], _ = vals[i*spec.cols+j].(string)
			}
			out[j] = col
		}
	}
	return out
}
