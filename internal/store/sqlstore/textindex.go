package sqlstore

import (
	"context"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// TextIndexer is implemented by flavors whose full-text index is a table
// the store writes (SQLite's FTS5) rather than a column the database keeps
// current itself (PostgreSQL's generated tsvector).
//
// The store writes the index once per transaction, as its last statement:
// FTS5 flushes its pending terms to disk at the start of every later
// statement of the transaction, so indexing row by row (triggers) cost a
// flush per statement — ~45% of bulk ingest (bench/RESULTS.md).
type TextIndexer interface {
	// TextIndexSQL returns two statements: unindex removes the index rows
	// of an IN list of entity ids; index (re)builds them from the entities
	// table for one blueprint, taking the blueprint, then an IN list of
	// identifiers. In each, head ends in " IN " and tail follows the list.
	TextIndexSQL() (unindex, index ListSQL)
}

// ListSQL is a statement around one IN list (see TextIndexer).
type ListSQL struct{ Head, Tail string }

// textIndex holds a TextIndexer's statements as cacheable specs.
type textIndex struct{ unindex, index listSpec }

func newTextIndex(ti TextIndexer) *textIndex {
	u, i := ti.TextIndexSQL()
	return &textIndex{unindex: listSpec{head: u.Head, tail: u.Tail}, index: listSpec{head: i.Head, tail: i.Tail}}
}

// textChanged reports whether an update changes what the full-text index
// holds (identifier, title, string properties): a relation or team change
// leaves the index alone.
func textChanged(c store.EntityChange, before, after entityJSON) bool {
	return c.Before.Title != c.After.Title || before.props != after.props
}

// unindexText removes the index rows of the entities ids.
func (t *Tx) unindexText(ctx context.Context, ids []int64) error {
	if t.text == nil || len(ids) == 0 {
		return nil
	}
	return t.wrap("unindex text", t.forIDChunks(ctx, t.text.unindex, ids, nil))
}

// indexTextAtCommit queues keys for Commit to index. An entity written
// twice is indexed once, as it is then; one deleted since is skipped.
func (t *Tx) indexTextAtCommit(keys []model.EntityKey) {
	if t.text == nil {
		return
	}
	if t.toIndexSet == nil {
		t.toIndexSet = make(map[model.EntityKey]struct{}, len(keys))
	}
	for _, k := range keys {
		if _, ok := t.toIndexSet[k]; ok {
			continue
		}
		t.toIndexSet[k] = struct{}{}
		t.toIndex = append(t.toIndex, k)
	}
}

// flushText indexes the queued entities (see TextIndexer for why at
// Commit). A queued entity was unindexed before it changed, so index adds
// exactly one row per entity that still exists.
func (t *Tx) flushText(ctx context.Context) error {
	if len(t.toIndex) == 0 {
		return nil
	}
	keys := t.toIndex
	t.toIndex, t.toIndexSet = nil, nil
	for _, c := range groupKeys(keys) {
		q := t.stmts.listSQL(t.f, t.text.index, len(c.IDs))
		if _, err := t.exec(ctx, len(c.IDs) == maxInList, q, listArgs(t.f, []any{c.Blueprint}, c.IDs)...); err != nil {
			return t.wrap("index text", err)
		}
	}
	return nil
}

// EntityTextSearch sees the transaction's own writes: the queued entities
// are indexed first.
func (t *Tx) EntityTextSearch(ctx context.Context, p *store.EntityTextSearchParams) ([]store.EntityTextHit, error) {
	if err := t.flushText(ctx); err != nil {
		return nil, err
	}
	return t.reader.EntityTextSearch(ctx, p)
}
