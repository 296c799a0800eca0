package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// TextProjection is a full-text index kept outside the write transaction:
// SQLite's, in its own database file written by its own connection
// (sqlite/textproject.go). Writing FTS5 rows in the single writer's
// transaction cost it ~13 µs per entity (a third of the floor, issue 2's
// ingest budget); handed to a projection they are written on another core
// while the writer goes on.
//
// A transaction collects its full-text changes (which entity ids lose their
// row, which rows are added) and, once committed, hands them over with the
// outbox sequences its events moved between, so the projection applies
// batches in commit order and notices a commit it was not handed (another
// process's) by the gap. A search waits until every commit this process
// handed over before it is indexed, so a client reads its own writes; a
// search inside a write transaction does not see that transaction's writes.
type TextProjection interface {
	// Project hands over a committed transaction's full-text changes.
	Project(b TextBatch)
	// Searcher waits until every batch handed over before the call is
	// indexed and returns the pool that searches the index.
	Searcher(ctx context.Context) (*sql.DB, error)
}

// TextBatch is one committed transaction's full-text changes: its events
// took the outbox from sequence From to To. Unindex are the ids whose rows
// go, before Rows are added; an id may be in both (an updated entity).
type TextBatch struct {
	From, To int64
	Unindex  []int64
	Rows     []TextRow
}

// TextRow is one entity's full-text index row: its id, key, title and the
// text of its properties (textBody).
type TextRow struct {
	ID                           int64
	Blueprint, Identifier, Title string
	Body                         string
}

// textChanged reports whether an update changes what the full-text index
// holds (identifier, title, string properties): a relation or team change
// leaves the index alone.
func textChanged(c store.EntityChange, before, after entityJSON) bool {
	return c.Before.Title != c.After.Title || before.props != after.props
}

// unindexText queues the removal of the index rows of the entities ids.
func (t *Tx) unindexText(ids []int64) {
	if t.text != nil {
		t.textUnindex = append(t.textUnindex, ids...)
	}
}

// indexText queues the index rows of the entities changes[idx], whose
// bodies are bodies[idx] and whose ids the transaction knows (it just
// wrote them). An entity written twice is indexed once, as it is then.
func (t *Tx) indexText(ctx context.Context, changes []store.EntityChange, bodies []string, idx []int) error {
	if t.text == nil || len(idx) == 0 {
		return nil
	}
	keys := make([]model.EntityKey, len(idx))
	for j, i := range idx {
		keys[j] = changes[i].After.Key()
	}
	ids, err := t.idsOf(ctx, keys)
	if err != nil {
		return t.wrap("index text", err)
	}
	if t.textRows == nil {
		t.textRows = make(map[model.EntityKey]TextRow, len(idx))
	}
	for j, i := range idx {
		e := changes[i].After
		if _, queued := t.textRows[keys[j]]; !queued {
			t.textOrder = append(t.textOrder, keys[j])
		}
		t.textRows[keys[j]] = TextRow{ID: ids[keys[j]], Blueprint: e.Blueprint, Identifier: e.Identifier, Title: e.Title, Body: bodies[i]}
	}
	return nil
}

// unqueueText drops the queued index rows of deleted entities.
func (t *Tx) unqueueText(keys []model.EntityKey) {
	for _, k := range keys {
		delete(t.textRows, k)
	}
}

// textBatch is what t hands to the projection once committed at outbox
// sequence seq: one row per queued entity that still exists.
func (t *Tx) textBatch(seq int64) TextBatch {
	b := TextBatch{From: seq - t.eventCount, To: seq, Unindex: t.textUnindex}
	if len(t.textRows) > 0 {
		b.Rows = make([]TextRow, 0, len(t.textRows))
		for _, k := range t.textOrder {
			if r, ok := t.textRows[k]; ok {
				b.Rows = append(b.Rows, r)
			}
		}
	}
	return b
}

// textBody is what the index holds of properties: every string value,
// nested ones too, in the order of the stored JSON document (keys sorted,
// as appendJSON writes them), separated by spaces — what json_tree's text
// values gave before.
func textBody(props map[string]any) (string, error) {
	var b strings.Builder
	var walk func(v any) error
	n := 0
	add := func(s string) {
		if n > 0 {
			b.WriteByte(' ')
		}
		n++
		b.WriteString(s)
	}
	walk = func(v any) error {
		switch v := v.(type) {
		case nil, bool, float64:
		case string:
			add(v)
		case []string:
			for _, s := range v {
				add(s)
			}
		case []any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if err := walk(v[k]); err != nil {
					return err
				}
			}
		default: // another Go type: as its JSON document reads back
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				return err
			}
			return walk(doc)
		}
		return nil
	}
	if err := walk(props); err != nil {
		return "", err
	}
	return b.String(), nil
}
