package catalog

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/atrium-idp/atrium/internal/store"
)

// Group commit of bulk writes (SQLite).
//
// A store with one writer runs write transactions one at a time, and each
// pays for its commit — the WAL frames of every page it dirtied, among them
// an edges_to page per relation target — however few entities it holds. A
// client sending small bulk requests (Port's allow 20 entities) from several
// workers therefore got no more from four workers than from one: they only
// queued for the writer. So bulk writes queued behind the writer run
// together: the first to wait for the writer leads a group, requests that
// arrive while it waits join it, and once the writer is free the leader
// runs every member's transaction function, in arrival order, in one
// transaction and commits once. Each member writes its own changes with
// its own origin (actor, request id), exactly as if it had run alone just
// after the member before it.
//
// A bulk write's function fails only on an internal error (an entity's
// problem fails that entity, not the request), and after a failed write
// the transaction can only be rolled back (store.Tx). So when a member
// fails, or the group cannot begin or commit, the group is rolled back:
// the member that failed gets its error, and every other member runs again
// on its own, as without grouping.

// maxGroupMembers bounds the requests one group transaction runs.
const maxGroupMembers = 16

// errGroupFailed tells a member that its group was rolled back for another
// member's failure: it runs again on its own.
var errGroupFailed = errors.New("catalog: the group transaction was rolled back")

// txGroup is the requests one group transaction runs.
type txGroup struct {
	members []*groupMember
}

type groupMember struct {
	fn   func(tx store.Tx) (bool, error)
	err  error
	done chan struct{}
}

// groups holds the group waiting for the writer, which new requests join.
type groups struct {
	mu      sync.Mutex
	pending *txGroup
}

// inGroupTx is inTx for a bulk write on a store with one writer: fn runs in
// the transaction of the group it joins or leads.
func (s *Service) inGroupTx(ctx context.Context, fn func(tx store.Tx) (commit bool, err error)) error {
	m := &groupMember{fn: fn, done: make(chan struct{})}
	s.groups.mu.Lock()
	if g := s.groups.pending; g != nil && len(g.members) < maxGroupMembers {
		g.members = append(g.members, m)
		s.groups.mu.Unlock()
		<-m.done
	} else {
		g := &txGroup{members: []*groupMember{m}}
		s.groups.pending = g
		s.groups.mu.Unlock()
		s.runGroup(ctx, g)
	}
	if errors.Is(m.err, errGroupFailed) {
		return s.inTx(ctx, fn)
	}
	return m.err
}

// runGroup runs g as its leader.
func (s *Service) runGroup(ctx context.Context, g *txGroup) {
	var members []*groupMember
	finish := func(failed int, err error) {
		for i, m := range members {
			switch {
			case i == failed:
				m.err = err
			case err != nil:
				m.err = errGroupFailed
			}
			if i > 0 { // the leader is this goroutine
				close(m.done)
			}
		}
	}
	// The transaction outlives the leader's cancellation: the other members'
	// work is in it too. Each member's statements use its own context.
	ctx = context.WithoutCancel(ctx)
	tx, beginErr := s.opts.Store.Begin(ctx)
	s.groups.mu.Lock()
	if s.groups.pending == g {
		s.groups.pending = nil // later requests start the next group
	}
	members = g.members
	s.groups.mu.Unlock()
	if beginErr != nil {
		finish(0, fmt.Errorf("begin transaction: %w", beginErr))
		return
	}
	defer func() { _ = tx.Rollback(ctx) }()
	done := false
	defer func() {
		if !done { // a member panicked: the others run on their own
			finish(-1, errGroupFailed)
		}
	}()
	ltx := &lockingTx{Tx: tx, serial: true}
	commit := false
	for i, m := range members {
		c, err := m.fn(ltx)
		if err != nil {
			if store.IsRetryable(err) {
				err = errGroupFailed // inTx retries it
			}
			done = true
			finish(i, err)
			return
		}
		commit = commit || c
	}
	done = true
	if commit {
		if err := tx.Commit(ctx); err != nil {
			finish(-1, errGroupFailed) // each runs again on its own and meets the problem there
			return
		}
		if s.opts.OnCommit != nil {
			s.opts.OnCommit()
		}
	}
	finish(-1, nil)
}
