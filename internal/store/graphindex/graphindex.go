// Package graphindex keeps a store's relation graph in memory, by entity id,
// so a relatedTo reach of tens of thousands of entities is a breadth-first
// walk over Go slices (~1 ms) instead of as many index seeks in SQL (issue 3,
// DESIGN §9: relatedTo p99 < 50 ms at 1M entities).
//
// It holds edges only: no keys, blueprints or documents. The store feeds it
// (sqlstore: built from the edges table when opened, then changed by every
// committed write under the same lock as the commit) and asks it; a store
// whose database other processes may write (several replicas) does not use
// it. Correctness does not rest on it: a caller falls back to SQL whenever
// the index is not ready or says no.
package graphindex

import (
	"sync"
)

// Edge is one relation instance between two entity ids.
type Edge struct {
	From     int64
	Relation string
	To       int64
}

// half is one end's view of an edge: the relation and the other end.
type half struct {
	rel uint32
	id  int64
}

// Index is a relation graph in memory. The zero value is not ready; Load
// makes it ready. Its methods are safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	ready bool
	seq   int64 // the outbox sequence number the graph is current at
	// loading is set between BeginLoad and Load; commits meanwhile are kept
	// in pending and replayed by Load over its snapshot.
	loading bool
	pending []pendingChange
	out     map[int64][]half
	in      map[int64][]half
	rels    []string
	relID   map[string]uint32
}

type pendingChange struct {
	ch  Change
	seq int64
}

// Change is what one committed transaction did to the graph, applied in
// this order: every edge out of ClearOut goes, then Add is added.
type Change struct {
	ClearOut []int64
	Add      []Edge
}

// Empty reports whether ch changes nothing.
func (ch *Change) Empty() bool { return len(ch.ClearOut) == 0 && len(ch.Add) == 0 }

// BeginLoad starts a load: call it before reading the snapshot Load gets,
// so commits made while it is read are replayed over it. It returns false
// when a load is already under way.
func (x *Index) BeginLoad() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.loading {
		return false
	}
	x.loading, x.pending = true, nil
	return true
}

// AbortLoad ends a load that failed; the index stays as it was.
func (x *Index) AbortLoad() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.loading, x.pending = false, nil
}

// Load replaces the graph with edges, a snapshot current at outbox sequence
// seq, replays the commits made since BeginLoad that the snapshot does not
// hold, and marks the index ready.
func (x *Index) Load(edges []Edge, seq int64) {
	out := make(map[int64][]half, len(edges)/3+1)
	in := make(map[int64][]half, len(edges)/3+1)
	relID := map[string]uint32{}
	var rels []string
	for _, e := range edges {
		r, ok := relID[e.Relation]
		if !ok {
			r = uint32(len(rels))
			relID[e.Relation] = r
			rels = append(rels, e.Relation)
		}
		out[e.From] = append(out[e.From], half{rel: r, id: e.To})
		in[e.To] = append(in[e.To], half{rel: r, id: e.From})
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.out, x.in, x.rels, x.relID, x.seq, x.ready = out, in, rels, relID, seq, true
	for _, p := range x.pending {
		if p.seq > seq {
			x.apply(&p.ch, p.seq)
		}
	}
	x.loading, x.pending = false, nil
}

// Invalidate marks the index not ready (it must be loaded again).
func (x *Index) Invalidate() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ready, x.out, x.in = false, nil, nil
}

// Lock and Unlock hold the index against readers and other writers while a
// store commits a transaction whose Change it then applies (ApplyLocked), so
// the graph never shows a commit's edges before the commit nor after a
// later one's.
func (x *Index) Lock()   { x.mu.Lock() }
func (x *Index) Unlock() { x.mu.Unlock() }

// ApplyLocked applies ch, committed at outbox sequence seq; the caller holds
// Lock. While a load is under way it is kept for Load to replay; a
// not-ready index otherwise ignores it (a later load reads the result).
func (x *Index) ApplyLocked(ch *Change, seq int64) {
	if x.loading {
		x.pending = append(x.pending, pendingChange{ch: *ch, seq: seq})
	}
	if !x.ready {
		return
	}
	x.apply(ch, seq)
}

func (x *Index) apply(ch *Change, seq int64) {
	if seq > x.seq {
		x.seq = seq
	}
	for _, from := range ch.ClearOut {
		for _, h := range x.out[from] {
			x.in[h.id] = removeHalf(x.in[h.id], half{rel: h.rel, id: from})
			if len(x.in[h.id]) == 0 {
				delete(x.in, h.id)
			}
		}
		delete(x.out, from)
	}
	for _, e := range ch.Add {
		r, ok := x.relID[e.Relation]
		if !ok {
			r = uint32(len(x.rels))
			x.relID[e.Relation] = r
			x.rels = append(x.rels, e.Relation)
		}
		if containsHalf(x.out[e.From], half{rel: r, id: e.To}) {
			continue
		}
		x.out[e.From] = append(x.out[e.From], half{rel: r, id: e.To})
		x.in[e.To] = append(x.in[e.To], half{rel: r, id: e.From})
	}
}

func removeHalf(hs []half, h half) []half {
	for i, x := range hs {
		if x == h {
			hs[i] = hs[len(hs)-1]
			return hs[:len(hs)-1]
		}
	}
	return hs
}

func containsHalf(hs []half, h half) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

// Reach returns the ids reachable from start in one or more steps,
// following edges forward (from → to) or backward, in no particular order;
// start ids are included only when a cycle leads back to them — the
// meaning of the SQL reach (query.compile). current is called under the
// index's read lock with the sequence the graph is current at and must say
// whether that is current for the caller (no other process wrote since).
// ok is false when the index is not ready, not current, or the reach holds
// more than max ids.
func (x *Index) Reach(start []int64, forward bool, max int, current func(seq int64) (bool, error)) (ids []int64, ok bool, err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if usable, err := x.usableLocked(current); !usable {
		return nil, false, err
	}
	adj := x.out
	if !forward {
		adj = x.in
	}
	seen := make(map[int64]struct{}, 64)
	queue := make([]int64, 0, 64)
	for _, s := range start {
		for _, h := range adj[s] {
			if _, dup := seen[h.id]; !dup {
				seen[h.id] = struct{}{}
				queue = append(queue, h.id)
			}
		}
	}
	for i := 0; i < len(queue); i++ {
		if len(queue) > max {
			return nil, false, nil
		}
		for _, h := range adj[queue[i]] {
			if _, dup := seen[h.id]; !dup {
				seen[h.id] = struct{}{}
				queue = append(queue, h.id)
			}
		}
	}
	if len(queue) > max {
		return nil, false, nil
	}
	return queue, true, nil
}

// usableLocked reports whether the index may answer: loaded, and current
// for the caller (see Reach). The caller holds the read lock.
func (x *Index) usableLocked(current func(seq int64) (bool, error)) (bool, error) {
	if !x.ready {
		return false, nil
	}
	cur, err := current(x.seq)
	return err == nil && cur, err
}

// Seq returns the outbox sequence the graph is current at, and whether the
// index is ready.
func (x *Index) Seq() (int64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.seq, x.ready
}

// Tester decides whether candidates reach any of a set of targets walking
// one way, for a relatedTo reach too wide to list: the SQL condition calls
// it per candidate (sqlite: atrium_reaches). A walk that finds no target
// marks every entity it saw as not reaching, so later candidates stop
// there; one that does marks its candidate.
type Tester struct {
	x       *Index
	forward bool
	targets map[int64]struct{}

	mu    sync.Mutex
	known map[int64]bool // guarded by mu
}

// NewTester returns a Tester walking forward (from → to) or backward from
// each candidate towards targets, or ok false under the conditions of
// Reach (not ready, not current).
func (x *Index) NewTester(targets []int64, forward bool, current func(seq int64) (bool, error)) (*Tester, bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if usable, err := x.usableLocked(current); !usable {
		return nil, false, err
	}
	ts := make(map[int64]struct{}, len(targets))
	for _, id := range targets {
		ts[id] = struct{}{}
	}
	return &Tester{x: x, forward: forward, targets: ts, known: map[int64]bool{}}, true, nil
}

// Reaches reports whether some target is reached from candidate in one or
// more steps.
func (t *Tester) Reaches(candidate int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.known[candidate]; ok {
		return r
	}
	t.x.mu.RLock()
	defer t.x.mu.RUnlock()
	adj := t.x.out
	if !t.forward {
		adj = t.x.in
	}
	seen := map[int64]struct{}{}
	queue := []int64{}
	push := func(id int64) bool {
		if _, ok := t.targets[id]; ok {
			return true
		}
		if _, dup := seen[id]; dup {
			return false
		}
		seen[id] = struct{}{}
		if r, ok := t.known[id]; ok {
			if r {
				return true
			}
			return false // known not to reach: nothing past it does either
		}
		queue = append(queue, id)
		return false
	}
	found := false
	for _, h := range adj[candidate] {
		if found = push(h.id); found {
			break
		}
	}
	for i := 0; !found && i < len(queue); i++ {
		for _, h := range adj[queue[i]] {
			if found = push(h.id); found {
				break
			}
		}
	}
	if found {
		t.known[candidate] = true
		return true
	}
	for id := range seen {
		t.known[id] = false
	}
	t.known[candidate] = false
	return false
}

// Testers registered for SQL conditions, by handle (see Register).
var (
	testersMu sync.Mutex
	testers   = map[int64]*Tester{}
	nextTest  int64
)

// Register makes t callable from SQL by the returned handle until release
// is called.
func Register(t *Tester) (handle int64, release func()) {
	testersMu.Lock()
	defer testersMu.Unlock()
	nextTest++
	h := nextTest
	testers[h] = t
	return h, func() {
		testersMu.Lock()
		defer testersMu.Unlock()
		delete(testers, h)
	}
}

// Lookup returns the Tester registered under handle, or nil.
func Lookup(handle int64) *Tester {
	testersMu.Lock()
	defer testersMu.Unlock()
	return testers[handle]
}
