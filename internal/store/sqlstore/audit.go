package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

const auditCols = "time, actor, origin, request_id, action, resource, blueprint, identifier, route, status, status_code, message, diff"

// AuditAppend inserts entries one by one in order, each returning its id, so
// ids increase in the order given. Entries are few (one per request), so a
// batch statement would buy nothing.
func (t *Tx) AuditAppend(ctx context.Context, p *store.AuditAppendParams) error {
	for _, e := range p.Entries {
		var diff any
		if len(e.Diff) > 0 {
			diff = string(e.Diff) // string, not []byte: SQLite would store a BLOB
		}
		a := NewArgs(t.f)
		q := "INSERT INTO audit_log (" + auditCols + ") VALUES (" +
			a.Add(t.f.TimeValue(e.Time)) + ", " + a.Add(e.Actor) + ", " + a.Add(e.Origin) + ", " + a.Add(e.RequestID) + ", " +
			a.Add(e.Action) + ", " + a.Add(e.Resource) + ", " + a.Add(e.Blueprint) + ", " + a.Add(e.Identifier) + ", " +
			a.Add(e.Route) + ", " + a.Add(e.Status) + ", " + a.Add(e.StatusCode) + ", " + a.Add(e.Message) + ", " +
			a.Add(diff) + ") RETURNING id"
		if err := t.q.QueryRowContext(ctx, q, a.Vals...).Scan(&e.ID); err != nil {
			return t.wrap("append audit entry", err)
		}
	}
	return nil
}

// AuditDeleteBefore deletes entries with time < p.Before.
func (t *Tx) AuditDeleteBefore(ctx context.Context, p *store.AuditDeleteBeforeParams) (int64, error) {
	a := NewArgs(t.f)
	res, err := t.q.ExecContext(ctx, "DELETE FROM audit_log WHERE time < "+a.Add(t.f.TimeValue(p.Before)), a.Vals...)
	if err != nil {
		return 0, t.wrap("delete audit entries", err)
	}
	n, err := res.RowsAffected()
	return n, t.wrap("delete audit entries", err)
}

// AuditList returns the entries matching every set filter, newest (highest
// id) first; never nil.
func (r *reader) AuditList(ctx context.Context, p *store.AuditListParams) ([]*model.AuditEntry, error) {
	a := NewArgs(r.f)
	var where []string
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+a.Add(v))
		}
	}
	eq("identifier", p.Identifier)
	if p.Entity != "" {
		where = append(where, "resource = "+a.Add(model.AuditResourceEntity), "identifier = "+a.Add(p.Entity))
	}
	eq("blueprint", p.Blueprint)
	if len(p.Resources) > 0 {
		where = append(where, "resource IN ("+a.List(p.Resources)+")")
	}
	eq("actor", p.Actor)
	eq("action", p.Action)
	eq("status", p.Status)
	if p.From != nil {
		where = append(where, "time >= "+a.Add(r.f.TimeValue(*p.From)))
	}
	if p.To != nil {
		where = append(where, "time < "+a.Add(r.f.TimeValue(*p.To)))
	}
	if p.BeforeID > 0 {
		where = append(where, "id < "+a.Add(p.BeforeID))
	}
	var b strings.Builder
	b.WriteString("SELECT id, " + auditCols + " FROM audit_log")
	if len(where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY id DESC")
	if p.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(p.Limit))
	}
	rows, err := r.q.QueryContext(ctx, b.String(), a.Vals...)
	if err != nil {
		return nil, r.wrap("list audit entries", err)
	}
	defer rows.Close()
	out := []*model.AuditEntry{}
	for rows.Next() {
		var e model.AuditEntry
		var diff []byte
		if err := rows.Scan(&e.ID, timeScan{&e.Time}, &e.Actor, &e.Origin, &e.RequestID, &e.Action, &e.Resource,
			&e.Blueprint, &e.Identifier, &e.Route, &e.Status, &e.StatusCode, &e.Message, &diff); err != nil {
			return nil, r.wrap("list audit entries", err)
		}
		if diff != nil {
			e.Diff = json.RawMessage(diff)
		}
		out = append(out, &e)
	}
	return out, r.wrap("list audit entries", rows.Err())
}
