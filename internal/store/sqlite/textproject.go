package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// The full-text index as a projection (sqlstore.TextProjection).
//
// entities_fts lives in its own database file next to the catalog's
// (PATH-fts), written by the projector's own connection on another core:
// in the catalog's transaction its rows cost the single writer ~13 µs per
// entity (issue 2's ingest budget, bench/RESULTS.md). The file is derived
// data: deleting it (with its -wal and -shm) is safe, the next start
// builds it again from the catalog, and so does a start that finds it
// ahead of the catalog (a catalog restored from a backup) or of another
// format.
//
// Each committed write transaction hands over its full-text changes with
// the outbox sequences its events moved between (From, To]. The projector
// applies the batches that continue where the index is, several per
// transaction of its own, and records the sequence it reached in the same
// file (text_state), so the index and its sequence always agree. A commit
// it is not handed — another process's, or this process's when it crashed
// between commit and projection — shows as a gap: the catalog's outbox is
// ahead and no batch starts where the index is. A gap still open on the
// next poll is closed from the catalog itself, which the projector's
// connection attaches read-only: every entity named by an event in the gap
// is indexed again as it is now, and rows of entities that no longer exist
// go. The text of a row built in SQL (json_tree) is the text textBody
// builds in Go (sqlstore.FuzzTextBody).
//
// A search (Searcher) waits until everything handed over before it began
// is indexed, so a client reads its own writes; another process's writes
// reach the index within two polls.

// textFormat is the index's layout; a file of another format is rebuilt.
const textFormat = 1

// textSchema creates the index in a new file. blueprint, identifier and
// title are stored too, so a search reads only this file.
const textSchema = `
CREATE TABLE IF NOT EXISTS text_state (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, format INTEGER NOT NULL);
INSERT OR IGNORE INTO text_state (id, seq, format) VALUES (1, 0, 0);
CREATE TEMP TABLE IF NOT EXISTS text_keys (blueprint TEXT, identifier TEXT, PRIMARY KEY (blueprint, identifier)) WITHOUT ROWID;
`

const (
	textIndexTable = `entities_fts USING fts5(identifier, title, body, blueprint UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')`
	// textRowsOf indexes the catalog's entities joined by a FROM clause.
	textRowsOf = `INSERT INTO entities_fts (rowid, identifier, title, body, blueprint)
SELECT e.id, e.identifier, e.title, (SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(e.properties) WHERE type = 'text'), e.blueprint FROM `
	catalogSeqSQL = `SELECT COALESCE(MAX(seq), 0) FROM cat.events`
)

// Variables only for tests.
var (
	// textPollInterval is how often the projector looks for a gap.
	textPollInterval = 250 * time.Millisecond
	// textWaitMax bounds how long a search waits for the index.
	textWaitMax = 30 * time.Second
	// maxQueuedTextRows bounds the rows waiting for the projector. A batch
	// handed over beyond it is dropped, not waited for: a writer never
	// blocks on the index (a failing disk, a rebuild), and the gap the
	// drop leaves is closed from the catalog like another process's.
	maxQueuedTextRows = 200_000
)

const (
	// textInsertRows is the rows of one INSERT. FTS5 writes its pending
	// terms as a new segment at every statement, so statements are large.
	textInsertRows = 1000
	// maxTextTxRows bounds the rows one projector transaction writes, so
	// searches see progress during a long ingest.
	maxTextTxRows = 20_000
)

// errTextBehind is a search's error when the index did not catch up in
// textWaitMax (a rebuild of a large catalog, or a failing projector).
var errTextBehind = errors.New("the full-text index is still catching up with the catalog; try again shortly")

type textProjector struct {
	path    string
	logger  *slog.Logger
	db      *sql.DB   // the file's writing pool: one connection, pinned as conn
	conn    *sql.Conn // with the catalog attached as cat
	readers *sql.DB
	insert  *sql.Stmt // textInsertRows rows

	mu       sync.Mutex
	pending  map[int64]sqlstore.TextBatch // handed batches by From
	queued   int                          // rows in pending
	handed   int64                        // highest To handed over, or the catalog's sequence at open
	applied  int64                        // the sequence the index reached
	progress chan struct{}                // closed (and replaced) when applied moves
	dropping bool                         // the last batch handed over was dropped (queue full)

	gapAt     int64 // applied when the last poll saw a gap, -1 if it saw none
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// openTextProjector opens (creating) the index file of the catalog at
// catalogPath and starts the projector. common are the connections'
// pragmas.
func openTextProjector(ctx context.Context, catalogPath, common string, logger *slog.Logger) (_ *textProjector, err error) {
	p := &textProjector{path: catalogPath + "-fts", logger: logger, pending: map[int64]sqlstore.TextBatch{},
		progress: make(chan struct{}), gapAt: -1, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if p.db, err = sql.Open("sqlite", p.path+"?"+common+"&"+NewFilePragmas); err != nil {
		return nil, err
	}
	p.db.SetMaxOpenConns(1)
	defer func() {
		if err != nil {
			_ = p.closeConns()
		}
	}()
	if p.conn, err = p.db.Conn(ctx); err != nil {
		return nil, err
	}
	if _, err = p.conn.ExecContext(ctx, "ATTACH DATABASE ? AS cat", catalogPath); err != nil {
		return nil, err
	}
	if _, err = p.conn.ExecContext(ctx, textSchema); err != nil {
		return nil, err
	}
	if _, err = p.conn.ExecContext(ctx, "CREATE VIRTUAL TABLE IF NOT EXISTS "+textIndexTable); err != nil {
		return nil, err
	}
	var format int
	if err = p.conn.QueryRowContext(ctx, "SELECT seq, format FROM text_state").Scan(&p.applied, &format); err != nil {
		return nil, err
	}
	if err = p.conn.QueryRowContext(ctx, catalogSeqSQL).Scan(&p.handed); err != nil {
		return nil, err
	}
	if format != textFormat || p.applied > p.handed {
		p.applied = -1 // not searchable until rebuilt
	}
	if p.insert, err = p.conn.PrepareContext(ctx, insertTextSQL(textInsertRows)); err != nil {
		return nil, err
	}
	if p.readers, err = sql.Open("sqlite", p.path+"?"+common+"&_pragma=query_only(1)"); err != nil {
		return nil, err
	}
	p.readers.SetMaxOpenConns(4)
	p.readers.SetMaxIdleConns(4)
	p.readers.SetConnMaxLifetime(0)
	p.readers.SetConnMaxIdleTime(0)
	go p.run()
	p.nudge()
	return p, nil
}

func insertTextSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO entities_fts (rowid, identifier, title, body, blueprint) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?)")
	}
	return b.String()
}

// Project queues a committed transaction's batch (sqlstore.TextProjection),
// or drops it when the queue is full.
func (p *textProjector) Project(b sqlstore.TextBatch) {
	p.mu.Lock()
	if p.queued+len(b.Rows) > maxQueuedTextRows {
		if !p.dropping {
			p.logger.Warn("full-text index: the projector fell behind; it will catch up from the catalog", "queued_rows", p.queued)
		}
		p.dropping = true
	} else {
		p.dropping = false
		p.pending[b.From] = b
		p.queued += len(b.Rows)
	}
	p.handed = max(p.handed, b.To)
	p.mu.Unlock()
	p.nudge()
}

func (p *textProjector) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Searcher waits until the index holds everything handed over before the
// call (sqlstore.TextProjection).
func (p *textProjector) Searcher(ctx context.Context) (*sql.DB, error) {
	p.mu.Lock()
	target, applied, progress := p.handed, p.applied, p.progress
	p.mu.Unlock()
	if applied >= target {
		return p.readers, nil
	}
	timeout := time.NewTimer(textWaitMax)
	defer timeout.Stop()
	for {
		select {
		case <-progress:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout.C:
			return nil, errTextBehind
		}
		p.mu.Lock()
		applied, progress = p.applied, p.progress
		p.mu.Unlock()
		if applied >= target {
			return p.readers, nil
		}
	}
}

// run applies batches as they come and looks for gaps every poll, until
// close; it then applies what is still queued. It starts by rebuilding the
// index or catching up with the catalog, if it needs either.
func (p *textProjector) run() {
	defer close(p.done)
	poll := time.NewTicker(textPollInterval)
	defer poll.Stop()
	failing := false
	for first := true; ; first = false {
		catchUp, stopping := first, false
		select {
		case <-p.wake:
		case <-poll.C:
			catchUp = p.gapPersists()
		case <-p.stop:
			stopping = true
		}
		if !catchUp && !stopping && !p.hasWork() {
			continue
		}
		for {
			n, err := p.step(catchUp)
			switch {
			case err != nil && !failing:
				p.logger.Error("full-text index: projecting failed; searches wait until it succeeds", "err", err)
			case err == nil && failing:
				p.logger.Info("full-text index: projecting again")
			}
			failing = err != nil
			if err != nil || n < maxTextTxRows {
				break
			}
			catchUp = false // more queued than one transaction takes
		}
		if stopping {
			return
		}
	}
}

// hasWork reports whether batches are queued or the index awaits a rebuild.
func (p *textProjector) hasWork() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending) > 0 || p.applied < 0
}

// gapPersists reports whether the catalog has commits the index lacks and
// no batch continues it, on this poll and the one before at the same
// point (a commit hands its batch over just after it commits).
func (p *textProjector) gapPersists() bool {
	var catSeq int64
	if err := p.conn.QueryRowContext(context.Background(), catalogSeqSQL).Scan(&catSeq); err != nil {
		return false
	}
	p.mu.Lock()
	applied := p.applied
	_, continued := p.pending[applied]
	p.mu.Unlock()
	if catSeq <= applied || continued {
		p.gapAt = -1
		return false
	}
	if p.gapAt == applied {
		p.gapAt = -1
		return true
	}
	p.gapAt = applied
	return false
}

// step runs one projector transaction: a rebuild if the index needs one,
// the batches that continue it, and with catchUp whatever gap is left up
// to the catalog's sequence. It returns the rows it wrote.
func (p *textProjector) step(catchUp bool) (rows int, err error) {
	ctx := context.Background()
	if _, err := p.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_, _ = p.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	// Writing first takes this file's write lock before reading where the
	// index is (another process's projector may move it); the catalog is
	// only read, so its writer is never blocked.
	if _, err := p.conn.ExecContext(ctx, "UPDATE text_state SET seq = seq"); err != nil {
		return 0, err
	}
	var seq, catSeq int64
	var format int
	if err := p.conn.QueryRowContext(ctx, "SELECT seq, format FROM text_state").Scan(&seq, &format); err != nil {
		return 0, err
	}
	if err := p.conn.QueryRowContext(ctx, catalogSeqSQL).Scan(&catSeq); err != nil {
		return 0, err
	}
	start := seq
	if format != textFormat || seq > catSeq {
		if err := p.rebuild(ctx); err != nil {
			return 0, fmt.Errorf("rebuild: %w", err)
		}
		seq, catchUp = catSeq, false
		p.logger.Info("full-text index rebuilt from the catalog", "path", p.path, "seq", seq)
	}
	chain := p.chainFrom(seq)
	if catchUp && len(chain) == 0 && seq < catSeq {
		if err := p.catchUp(ctx, seq, catSeq); err != nil {
			return 0, fmt.Errorf("catch up: %w", err)
		}
		p.logger.Info("full-text index caught up with commits it was not handed", "from", seq, "to", catSeq)
		seq = catSeq
		chain = p.chainFrom(seq)
	}
	if len(chain) > 0 {
		if rows, err = p.apply(ctx, chain); err != nil {
			return 0, err
		}
		seq = chain[len(chain)-1].To
	}
	if seq == start && format == textFormat {
		_, err = p.conn.ExecContext(ctx, "COMMIT")
		p.advance(seq) // another process's projector may have moved it
		return 0, err
	}
	if _, err := p.conn.ExecContext(ctx, "UPDATE text_state SET seq = ?, format = ?", seq, textFormat); err != nil {
		return 0, err
	}
	if _, err := p.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, err
	}
	p.advance(seq)
	return rows, nil
}

// chainFrom returns the queued batches that continue the index from seq,
// in order, up to about maxTextTxRows rows.
func (p *textProjector) chainFrom(seq int64) []sqlstore.TextBatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	var chain []sqlstore.TextBatch
	rows := 0
	for rows < maxTextTxRows {
		b, ok := p.pending[seq]
		if !ok || b.To <= seq {
			break
		}
		chain = append(chain, b)
		rows += len(b.Rows)
		seq = b.To
	}
	return chain
}

// advance records that the index reached seq: batches it covers leave the
// queue, and waiting searches are woken.
func (p *textProjector) advance(seq int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for from, b := range p.pending {
		if b.To <= seq {
			delete(p.pending, from)
			p.queued -= len(b.Rows)
		}
	}
	if seq != p.applied {
		p.applied = seq
		close(p.progress)
		p.progress = make(chan struct{})
	}
}

// apply writes a chain of batches as one: every unindexed id's row goes,
// then the rows still standing after the whole chain are added (an id
// unindexed after it was added in the chain is not added).
func (p *textProjector) apply(ctx context.Context, chain []sqlstore.TextBatch) (int, error) {
	var gone []int64
	at := map[int64]int{} // row id → index in rows
	var rows []sqlstore.TextRow
	for _, b := range chain {
		for _, id := range b.Unindex {
			gone = append(gone, id)
			if i, ok := at[id]; ok {
				rows[i].ID = -1
				delete(at, id)
			}
		}
		for _, r := range b.Rows {
			if i, ok := at[r.ID]; ok {
				rows[i] = r
				continue
			}
			at[r.ID] = len(rows)
			rows = append(rows, r)
		}
	}
	if len(gone) > 0 {
		if _, err := p.conn.ExecContext(ctx, "DELETE FROM entities_fts WHERE rowid IN (SELECT value FROM json_each(?))", jsonIDs(gone)); err != nil {
			return 0, fmt.Errorf("unindex: %w", err)
		}
	}
	rows = slices.DeleteFunc(rows, func(r sqlstore.TextRow) bool { return r.ID < 0 })
	for chunk := range slices.Chunk(rows, textInsertRows) {
		args := make([]any, 0, 5*len(chunk))
		for _, r := range chunk {
			args = append(args, r.ID, r.Identifier, r.Title, r.Body, r.Blueprint)
		}
		var err error
		if len(chunk) == textInsertRows {
			_, err = p.insert.ExecContext(ctx, args...)
		} else {
			_, err = p.conn.ExecContext(ctx, insertTextSQL(len(chunk)), args...)
		}
		if err != nil {
			return 0, fmt.Errorf("index: %w", err)
		}
	}
	return len(rows), nil
}

// rebuild indexes the whole catalog anew.
func (p *textProjector) rebuild(ctx context.Context) error {
	for _, q := range []string{"DROP TABLE IF EXISTS entities_fts", "CREATE VIRTUAL TABLE " + textIndexTable, textRowsOf + "cat.entities e"} {
		if _, err := p.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// catchUp indexes again, from the catalog, every entity an event in
// (from, to] names, and drops the rows of entities that no longer exist
// when the gap deleted any.
func (p *textProjector) catchUp(ctx context.Context, from, to int64) error {
	const keys = "temp.text_keys k JOIN cat.entities e ON e.blueprint = k.blueprint AND e.identifier = k.identifier"
	var deletes int
	if err := p.conn.QueryRowContext(ctx, "SELECT count(*) FROM cat.events WHERE seq > ? AND seq <= ? AND type NOT IN ('ENTITY_CREATED', 'ENTITY_UPDATED')",
		from, to).Scan(&deletes); err != nil {
		return err
	}
	steps := []struct {
		q    string
		args []any
	}{
		{"DELETE FROM temp.text_keys", nil},
		{"INSERT OR IGNORE INTO temp.text_keys SELECT blueprint, entity FROM cat.events WHERE seq > ? AND seq <= ? AND entity <> ''", []any{from, to}},
		{"DELETE FROM entities_fts WHERE rowid IN (SELECT e.id FROM " + keys + ")", nil},
		{textRowsOf + keys, nil},
	}
	if deletes > 0 {
		steps = append(steps, struct {
			q    string
			args []any
		}{"DELETE FROM entities_fts WHERE rowid NOT IN (SELECT id FROM cat.entities)", nil})
	}
	for _, s := range steps {
		if _, err := p.conn.ExecContext(ctx, s.q, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// close applies what is queued, stops the projector and closes its
// connections. Writers must have stopped. Later calls do nothing.
func (p *textProjector) close() error {
	p.closeOnce.Do(func() {
		close(p.stop)
		<-p.done
		p.closeErr = p.closeConns()
	})
	return p.closeErr
}

func (p *textProjector) closeConns() error {
	var errs []error
	if p.insert != nil {
		errs = append(errs, p.insert.Close())
	}
	if p.conn != nil {
		errs = append(errs, p.conn.Close())
	}
	if p.readers != nil {
		errs = append(errs, p.readers.Close())
	}
	return errors.Join(append(errs, p.db.Close())...)
}
