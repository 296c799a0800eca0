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
// documents (strings: text, not BLOB, for SQLite) or nil for SQL NULL. An
// entity event carries no documents but the version it made (migration
// 0008): EventList reads after from that version and before from the one
// preceding it. version is 0 for other events (versions start at 1).
type eventRow struct {
	typ       model.EventType
	blueprint string
	entity    string
	before    any
	after     any
	version   int64
	o         *store.Origin
}

const eventCols = 11

// appendEvents queues rows for the outbox; they are written at Commit.
//
// Why at Commit: the outbox lock (Flavor.LockOutbox) makes sequence numbers
// follow commit order, and it must be the last lock a transaction takes. A
// writer holding it while asking for an entity lock held by another writer
// that waits for the outbox would deadlock; taken inside Commit, it is held
// only for the final insert and the commit itself.
func (t *Tx) appendEvents(_ context.Context, evs []eventRow, o store.Origin) error {
	op := &o
	for i := range evs {
		evs[i].o = op
	}
	t.pending = append(t.pending, evs...)
	return nil
}

// flushEvents takes the outbox lock and writes the queued events in order.
func (t *Tx) flushEvents(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	if err := t.f.LockOutbox(ctx, t.tx); err != nil {
		return t.wrap("lock outbox", err)
	}
	vals := make([]any, 0, len(t.pending)*eventCols)
	var lastOrigin *store.Origin
	var at any
	for _, e := range t.pending {
		if e.o != lastOrigin {
			lastOrigin, at = e.o, t.f.TimeValue(e.o.Time)
		}
		vals = append(vals, string(e.typ), e.blueprint, e.entity, e.before, e.after,
			e.o.Actor, e.o.Origin, e.o.RunID, e.o.RequestID, at, e.version)
	}
	t.eventCount += int64(len(t.pending))
	t.pending, t.wroteEvents = nil, true
	return t.wrap("append events", t.insertBatch(ctx, insertEventSpec, vals))
}

// EventList reads the outbox within the transaction, after writing the
// events it queued (taking the outbox lock early: avoid in writers that
// lock entities afterwards).
func (t *Tx) EventList(ctx context.Context, p *store.EventListParams) ([]*model.Event, error) {
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
	return t.reader.EventList(ctx, p)
}

// EventLastSeq is EventList's companion; see its caveat.
func (t *Tx) EventLastSeq(ctx context.Context) (int64, error) {
	if err := t.flushEvents(ctx); err != nil {
		return 0, err
	}
	return t.reader.EventLastSeq(ctx)
}

// EventList reads the outbox after AfterSeq in sequence order.
func (r *reader) EventList(ctx context.Context, p *store.EventListParams) ([]*model.Event, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	a := NewArgs(r.f)
	var b strings.Builder
	// The after document is the version's, or the entity's row while the
	// version is open (appendVersions); the before version is closed.
	b.WriteString("SELECT ev.seq, ev.type, ev.blueprint, ev.entity, ev.before_doc, vb.entity, ev.after_doc, v.entity," +
		" ev.actor, ev.origin, ev.run_id, ev.request_id, ev.at, " + currentCols + " FROM events ev" +
		" LEFT JOIN entity_versions v ON v.blueprint = ev.blueprint AND v.identifier = ev.entity AND v.version = ev.version" +
		currentJoin +
		" LEFT JOIN entity_versions vb ON vb.blueprint = ev.blueprint AND vb.identifier = ev.entity AND vb.version = ev.version - 1" +
		" WHERE ev.seq > ")
	b.WriteString(a.Add(p.AfterSeq))
	if len(p.Blueprints) > 0 {
		b.WriteString(" AND ev.blueprint IN (")
		b.WriteString(a.List(p.Blueprints))
		b.WriteString(")")
	}
	b.WriteString(" ORDER BY ev.seq LIMIT ")
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
		var before, beforeVersion, after, afterVersion []byte
		var cur currentRow
		if err := rows.Scan(append([]any{&e.Seq, &typ, &e.Blueprint, &e.Entity, &before, &beforeVersion, &after, &afterVersion, &e.Actor, &e.Origin,
			&e.RunID, &e.RequestID, timeScan{&e.Time}}, cur.targets()...)...); err != nil {
			return nil, r.wrap("list events", err)
		}
		if before == nil {
			before = beforeVersion
		}
		if after == nil {
			after = afterVersion
		}
		if after == nil {
			if ce, err := cur.entity(e.Blueprint, e.Entity); err != nil {
				return nil, r.wrap("list events", err)
			} else if ce != nil {
				enc, err := encodeEntity(ce)
				if err != nil {
					return nil, r.wrap("list events", err)
				}
				after = []byte(enc.doc)
			}
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
