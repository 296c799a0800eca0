package sqlstore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/graphindex"
)

// The in-memory relation graph (Options.GraphIndex; see graphindex): loaded
// from the edges table when the store opens, then changed by every commit
// of this process while the commit holds the graph's lock. Reach answers
// from it only while its outbox sequence equals the database's, so a write
// by another process (which the graph never sees) sends queries back to SQL
// until a reload.

var _ store.Reacher = (*Store)(nil)

// syncGraphEdges is how many edges a store may hold for New to load the
// graph before returning; larger ones load in the background (~1 s per
// million edges), relatedTo walking in SQL meanwhile.
const syncGraphEdges = 100_000

// minGraphReload spaces reloads caused by writes of other processes.
const minGraphReload = 10 * time.Second

// graphLoader loads and reloads a Store's graph.
type graphLoader struct {
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	last time.Time // start of the latest load, guarded by mu

	settled atomic.Bool // the first load finished, garbage collected
}

// startGraph loads the graph: now when the store is small, else in the
// background.
func (s *Store) startGraph(ctx context.Context) error {
	s.graph, s.reachListMax = &graphindex.Index{}, maxListedReach
	s.loader.ctx, s.loader.cancel = context.WithCancel(context.Background())
	var n int
	if err := s.opts.Reader.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM edges LIMIT %d)", syncGraphEdges+1)).Scan(&n); err != nil {
		return fmt.Errorf("count edges: %w", err)
	}
	if n <= syncGraphEdges {
		return s.loadGraph(ctx)
	}
	s.reloadGraph()
	return nil
}

// reloadGraph starts a background load unless one ran in the last
// minGraphReload.
func (s *Store) reloadGraph() {
	l := &s.loader
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.last) < minGraphReload || l.ctx.Err() != nil {
		return
	}
	l.last = time.Now()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		_ = s.loadGraph(l.ctx) // on failure the index stays as it was; SQL answers
	}()
}

// loadGraph reads every edge and the outbox sequence in one read
// transaction (one snapshot) into the graph.
func (s *Store) loadGraph(ctx context.Context) error {
	if !s.graph.BeginLoad() {
		return nil
	}
	edges, seq, err := s.readGraph(ctx)
	if err != nil {
		s.graph.AbortLoad()
		return fmt.Errorf("load relation graph: %w", err)
	}
	s.graph.Load(edges, seq)
	if len(edges) > syncGraphEdges {
		// The load leaves its edge list (~100 MB at 3M edges) as garbage;
		// collecting it now, before Warmed says ready, keeps that cycle
		// out of the first requests served at full speed.
		runtime.GC()
	}
	s.loader.settled.Store(true)
	return nil
}

func (s *Store) readGraph(ctx context.Context) ([]graphindex.Edge, int64, error) {
	tx, err := s.opts.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = tx.Rollback() }()
	var seq int64
	if err := tx.QueryRowContext(ctx, lastSeqSQL).Scan(&seq); err != nil {
		return nil, 0, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT from_id, relation, to_id FROM edges")
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var edges []graphindex.Edge
	names := map[string]string{} // one string per relation name
	var rel []byte
	for rows.Next() {
		var e graphindex.Edge
		if err := rows.Scan(&e.From, &rel, &e.To); err != nil {
			return nil, 0, err
		}
		name, ok := names[string(rel)]
		if !ok {
			name = string(rel)
			names[name] = name
		}
		e.Relation = name
		edges = append(edges, e)
	}
	return edges, seq, rows.Err()
}

const lastSeqSQL = "SELECT COALESCE(MAX(seq), 0) FROM events"

// ReachTester is implemented by flavors that can call a graphindex.Tester
// from SQL (SQLite: a Go function registered with the driver).
type ReachTester interface {
	// ReachTestSQL holds when the Tester registered under handle says the
	// entity with id column idCol reaches its targets.
	ReachTestSQL(b store.Binder, handle int64, idCol string) string
}

// maxListedReach is the largest reach Reach lists as ids; past it a
// membership test answers (when the flavor has one), so a reach of most of
// the catalog costs a walk per candidate looked at, not a list of a million
// ids.
const maxListedReach = 20_000

var _ store.Warmer = (*Store)(nil)

// Warmed reports whether the relation graph, when kept, has loaded.
func (s *Store) Warmed() bool {
	return s.graph == nil || s.loader.settled.Load()
}

// SetReachListMax sets how large a reach Reach lists as ids (default
// maxListedReach); past it the membership test answers. Tests set 0 to
// exercise the test on small catalogs.
func (s *Store) SetReachListMax(n int) { s.reachListMax = n }

// Reach implements store.Reacher from the graph.
func (s *Store) Reach(ctx context.Context, start []model.EntityKey, forward bool) (func(store.Binder, string) string, func(), bool, error) {
	if s.graph == nil {
		return nil, nil, false, nil
	}
	if _, ready := s.graph.Seq(); !ready {
		return nil, nil, false, nil
	}
	ids, err := s.entityIDs(ctx, start)
	if err != nil {
		return nil, nil, false, s.wrap("reach", err)
	}
	from := make([]int64, 0, len(ids))
	for _, id := range ids {
		from = append(from, id)
	}
	current := func(seq int64) (bool, error) {
		var cur int64
		if err := s.q.QueryRowContext(ctx, lastSeqSQL).Scan(&cur); err != nil {
			return false, err
		}
		if cur != seq { // another process wrote: this one's graph misses it
			s.reloadGraph()
			return false, nil
		}
		return true, nil
	}
	listed, ok, err := s.graph.Reach(from, forward, s.reachListMax, current)
	if err != nil {
		return nil, nil, false, s.wrap("reach", err)
	}
	if ok {
		return func(b store.Binder, idCol string) string {
			return idCol + " IN " + s.opts.Flavor.IDSet(b, listed)
		}, func() {}, true, nil
	}
	rt, can := s.opts.Flavor.(ReachTester)
	if !can {
		return nil, nil, false, nil
	}
	// A candidate is in the reach when walking the other way from it
	// reaches start.
	t, ok, err := s.graph.NewTester(from, !forward, current)
	if err != nil || !ok {
		return nil, nil, false, s.wrap("reach", err)
	}
	handle, release := graphindex.Register(t)
	return func(b store.Binder, idCol string) string { return rt.ReachTestSQL(b, handle, idCol) }, release, true, nil
}

// commitGraph commits t, which reached outbox sequence seq, holding the
// graph's lock and applies what t did to it, so no reader sees the graph
// ahead of or behind the commit.
func (t *Tx) commitGraph(seq int64) error {
	t.graph.Lock()
	defer t.graph.Unlock()
	if err := t.tx.Commit(); err != nil {
		return t.f.InterpretError(err)
	}
	for i := range t.graphChanges {
		t.graph.ApplyLocked(&t.graphChanges[i], seq)
	}
	if len(t.graphChanges) == 0 {
		t.graph.ApplyLocked(&graphindex.Change{}, seq)
	}
	t.publishIDs(seq)
	return nil
}
