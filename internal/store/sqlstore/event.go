package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// defaultEventLimit is EventList's page size when Limit is 0.
const defaultEventLimit = 1000

// eventRow is one outbox row to append; before and after are full JSON
// documents (strings: text, not BLOB, for SQLite) or nil for SQL NULL.
type eventRow struct {
	typ       model.EventType
	blueprint string
	entity    string
	before    any
	after     any
}

const eventCols = 10

// appendEvents appends rows in order, after taking the outbox lock so their
// sequence numbers follow commit order (see Flavor.LockOutbox).
func (t *Tx) appendEvents(ctx context.Context, evs []eventRow, o store.Origin) error {
	if len(evs) == 0 {
		return nil
	}
	if err := t.f.LockOutbox(ctx, t.tx); err != nil {
		return t.wrap("lock outbox", err)
	}
	at := t.f.TimeValue(o.Time)
	vals := make([]any, 0, len(evs)*eventCols)
	for _, e := range evs {
		vals = append(vals, string(e.typ), e.blueprint, e.entity, e.before, e.after,
			o.Actor, o.Origin, o.RunID, o.RequestID, at)
	}
	err := t.insertBatch(ctx, insertEventSpec, vals)
	return t.wrap("append events", err)
}

// EventList reads the outbox after AfterSeq in sequence order.
func (r *reader) EventList(ctx context.Context, p *store.EventListParams) ([]*model.Event, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	a := NewArgs(r.f)
	var b strings.Builder
	b.WriteString("SELECT seq, type, blueprint, entity, before_doc, after_doc, actor, origin, run_id, request_id, at FROM events WHERE seq > ")
	b.WriteString(a.Add(p.AfterSeq))
	if len(p.Blueprints) > 0 {
		b.WriteString(" AND blueprint IN (")
		b.WriteString(a.List(p.Blueprints))
		b.WriteString(")")
	}
	b.WriteString(" ORDER BY seq LIMIT ")
	b.WriteString(strconv.Itoa(limit))
	rows, err := r.q.QueryContext(ctx, b.String(), a.Vals...)
	if err != nil {
		return nil, r.wrap("list events", err)
	}
	defer rows.Close()
	out := []*model.Event{}
	for rows.Next() {
		var e model.Event
		var typ string
		var before, after []byte
		if err := rows.Scan(&e.Seq, &typ, &e.Blueprint, &e.Entity, &before, &after, &e.Actor, &e.Origin,
			&e.RunID, &e.RequestID, timeScan{&e.Time}); err != nil {
			return nil, r.wrap("list events", err)
		}
		e.Type = model.EventType(typ)
		if before != nil {
			e.Before = json.RawMessage(before)
		}
		if after != nil {
			e.After = json.RawMessage(after)
		}
		out = append(out, &e)
	}
	return out, r.wrap("list events", rows.Err())
}

// EventLastSeq returns the highest sequence number, 0 when the outbox is empty.
func (r *reader) EventLastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := r.q.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&seq)
	return seq, r.wrap("last event seq", err)
}
