package sqlstore

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

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
// flush per statement — ~45% of bulk ingest (bench/RESULTS.md). The rows
// are built in Go from the entities being written (textBody), not read
// back with json_tree: that read cost the single writer ~3 µs per entity.
type TextIndexer interface {
	// TextIndexSQL returns the statement that removes the index rows of an
	// IN list of entity ids (Head ends in " IN ", Tail follows the list),
	// and the table index rows are inserted into, with the columns rowid
	// (the entity's id), identifier, title and body.
	TextIndexSQL() (unindex ListSQL, table string)
}

// ListSQL is a statement around one IN list (see TextIndexer).
type ListSQL struct{ Head, Tail string }

// textIndex holds a TextIndexer's statements as cacheable specs.
type textIndex struct {
	unindex listSpec
	insert  batchSpec
}

func newTextIndex(ti TextIndexer) *textIndex {
	u, table := ti.TextIndexSQL()
	return &textIndex{unindex: listSpec{head: u.Head, tail: u.Tail},
		insert: newBatchSpec(table, "rowid, identifier, title, body", "bigint,text,text,text", "")}
}

// textRow is one entity's full-text index row.
type textRow struct {
	id                      int64
	identifier, title, body string
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

// indexTextAtCommit queues the index rows of the entities changes[idx],
// whose bodies are bodies[idx] and whose ids the transaction knows (it just
// wrote them), for Commit to write. An entity written twice is indexed
// once, as it is then.
func (t *Tx) indexTextAtCommit(ctx context.Context, changes []store.EntityChange, bodies []string, idx []int) error {
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
		t.textRows = make(map[model.EntityKey]textRow, len(idx))
	}
	for j, i := range idx {
		e := changes[i].After
		if _, queued := t.textRows[keys[j]]; !queued {
			t.textOrder = append(t.textOrder, keys[j])
		}
		t.textRows[keys[j]] = textRow{id: ids[keys[j]], identifier: e.Identifier, title: e.Title, body: bodies[i]}
	}
	return nil
}

// unqueueText drops the queued index rows of deleted entities.
func (t *Tx) unqueueText(keys []model.EntityKey) {
	for _, k := range keys {
		delete(t.textRows, k)
	}
}

// flushText writes the queued index rows (see TextIndexer for why at
// Commit). A queued entity was unindexed before it changed, so this adds
// exactly one row per entity that still exists.
func (t *Tx) flushText(ctx context.Context) error {
	if len(t.textRows) == 0 {
		t.textOrder = nil
		return nil
	}
	vals := make([]any, 0, 4*len(t.textRows))
	for _, k := range t.textOrder {
		if r, ok := t.textRows[k]; ok {
			vals = append(vals, r.id, r.identifier, r.title, r.body)
			delete(t.textRows, k)
		}
	}
	t.textOrder = nil
	return t.wrap("index text", t.insertBatch(ctx, t.text.insert, vals))
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

// EntityTextSearch sees the transaction's own writes: the queued entities
// are indexed first.
func (t *Tx) EntityTextSearch(ctx context.Context, p *store.EntityTextSearchParams) ([]store.EntityTextHit, error) {
	if err := t.flushText(ctx); err != nil {
		return nil, err
	}
	return t.reader.EntityTextSearch(ctx, p)
}
