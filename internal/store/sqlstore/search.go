package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// sortColumns maps sortable meta-properties to entities columns.
var sortColumns = map[string]string{
	"$identifier": "identifier", "$title": "title", "$blueprint": "blueprint",
	"$createdAt": "created_at", "$updatedAt": "updated_at",
}

// Bind implements store.Binder, for Dialect methods.
func (a *Args) Bind(v any) string { return a.Add(v) }

// defaultWideDeadline is how long EntitySearch gives a Wide form before
// falling back to Where. The benchmark's wide relatedTo pages take 20–110 ms
// in the Wide form (p50, 100k–1M, busy machine) and 1–30 s materialised,
// so a try that runs out costs little beside the fallback; at 200 ms, a
// busy machine sent several requests a minute to the fallback. A reach
// sparse among the candidates can take minutes in the Wide form, and then
// pays this on top of Where.
const defaultWideDeadline = 500 * time.Millisecond

// cleanCanceller is implemented by flavors whose connections stay usable
// after a statement is cancelled through its context (SQLite interrupts
// it; pgx gives up the connection, and a transaction with it).
type cleanCanceller interface{ CancelsCleanly() bool }

// EntitySearch runs a compiled query condition with keyset pagination on
// (sort values…, blueprint, identifier). Outside a transaction, on a flavor
// that cancels cleanly, a Wide form whose probe holds is tried first under
// its deadline; Where answers when it runs out.
func (r *reader) EntitySearch(ctx context.Context, p *store.EntitySearchParams) ([]*model.Entity, error) {
	return r.entitySearch(ctx, p)
}

// EntitySearch is the reader's, after making sure each property the
// condition ranges over (RangeKeys) has its range index on the blueprint
// searched (rangeFlavor), under the terms of the facet indexes
// (EntityAggregate): built by the first such search, never dropped.
func (s *Store) EntitySearch(ctx context.Context, p *store.EntitySearchParams) ([]*model.Entity, error) {
	if rf, ok := s.opts.Flavor.(rangeFlavor); ok && p.Blueprint != "" {
		for _, key := range p.RangeKeys {
			name := RangeIndexName(p.Blueprint, key)
			s.ensureIndex(ctx, name, func() string { return rf.RangeIndexSQL(name, p.Blueprint, key) })
		}
	}
	return s.reader.entitySearch(ctx, p)
}

func (r *reader) entitySearch(ctx context.Context, p *store.EntitySearchParams) ([]*model.Entity, error) {
	if w := p.Wide; w != nil && r.tx == nil {
		if cc, ok := r.f.(cleanCanceller); ok && cc.CancelsCleanly() {
			if out, ok, err := r.tryWide(ctx, p, w); ok || err != nil {
				return out, err
			}
		}
	}
	return r.search(ctx, p, p.Where, p.WhereArgs)
}

// tryWide runs w when its probe holds, within its deadline; ok is false
// when the probe does not hold or time ran out (the caller's own context
// still live), so Where must answer.
func (r *reader) tryWide(ctx context.Context, p *store.EntitySearchParams, w *store.WideWhere) (out []*model.Entity, ok bool, err error) {
	d := w.Deadline
	if d <= 0 {
		d = defaultWideDeadline
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wide int
	err = r.q.QueryRowContext(tctx, "SELECT CASE WHEN "+w.Probe+" THEN 1 ELSE 0 END", w.ProbeArgs...).Scan(&wide)
	if err == nil && wide == 1 {
		out, err = r.search(tctx, p, w.Where, w.Args)
		if err == nil {
			return out, true, nil
		}
	}
	if err == nil || (tctx.Err() != nil && ctx.Err() == nil) {
		return nil, false, nil
	}
	return nil, false, r.wrap("search entities (wide)", err)
}

// search is EntitySearch with the condition given.
func (r *reader) search(ctx context.Context, p *store.EntitySearchParams, where string, whereArgs []any) ([]*model.Entity, error) {
	a := NewArgs(r.f)
	a.Vals = append(a.Vals, whereArgs...)
	e := store.EntityAlias
	var b strings.Builder
	_, ranged := r.f.(rangeFlavor)
	ranged = ranged && len(p.RangeKeys) > 0 && p.Blueprint != ""
	// With a range index, the page is first picked from the index alone
	// (ids, in key order) and only its rows are read: otherwise the sort
	// carries every matching row's document (~7,000 at 1M for a week of
	// deployments, 20 ms instead of 2).
	deferred := ranged && len(p.Sort) == 0 && p.Limit > 0
	cols := make([]string, 0, 11)
	for _, c := range strings.Split(entityCols, ", ") {
		cols = append(cols, e+"."+c)
	}
	if deferred {
		b.WriteString("SELECT " + e + ".id")
	} else {
		b.WriteString("SELECT " + strings.Join(cols, ", "))
	}
	b.WriteString(" FROM entities " + e + " WHERE ")
	if where != "" {
		b.WriteString("(" + where + ")")
	} else {
		b.WriteString("1 = 1")
	}
	if p.Blueprint != "" {
		if ranged {
			// A literal, so the partial range index (one per blueprint)
			// is usable; the statement is then per blueprint.
			b.WriteString(" AND " + e + ".blueprint = " + Quote(p.Blueprint))
		} else {
			b.WriteString(" AND " + e + ".blueprint = " + a.Add(p.Blueprint))
		}
	}
	// Each key re-renders its expression on every use, binding afresh, so
	// positional placeholders stay in order.
	type key struct {
		expr func() string
		desc bool
		val  any
		// skip marks a property value key whose cursor value is NULL: inside
		// the NULL group it neither orders nor must be equal.
		skip bool
	}
	col := func(c string) func() string { return func() string { return e + "." + c } }
	var keys []key
	for i, s := range p.Sort {
		var cv any
		hasCursor := p.After != nil && i < len(p.After.Values)
		if hasCursor {
			cv = p.After.Values[i]
			if t, ok := cv.(time.Time); ok {
				cv = r.f.TimeValue(t)
			}
		}
		if c, ok := sortColumns[s.Field]; ok {
			keys = append(keys, key{expr: col(c), desc: s.Desc, val: cv})
			continue
		}
		var x func() string
		switch s.Type {
		case "string":
			x = func() string { return r.f.JSONScalarText(a, e+".properties", s.Field) }
		case "number":
			x = func() string { return r.f.JSONScalarNumber(a, e+".properties", s.Field) }
		default:
			return nil, model.Invalidf("cannot sort by %q: only string and number properties sort", s.Field)
		}
		flag := 0
		if hasCursor && cv == nil {
			flag = 1
		}
		keys = append(keys,
			key{expr: func() string { return "(CASE WHEN " + x() + " IS NULL THEN 1 ELSE 0 END)" }, val: flag},
			key{expr: x, desc: s.Desc, val: cv, skip: hasCursor && cv == nil})
	}
	keys = append(keys, key{expr: col("blueprint")}, key{expr: col("identifier")})
	if c := p.After; c != nil {
		if len(c.Values) != len(p.Sort) {
			return nil, model.Invalidf("cursor does not match the sort")
		}
		keys[len(keys)-2].val, keys[len(keys)-1].val = c.Blueprint, c.Identifier
		// (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with > flipped for Desc.
		var ors []string
		for i := range keys {
			if keys[i].skip {
				continue
			}
			var ands []string
			for j := range i {
				if !keys[j].skip {
					ands = append(ands, keys[j].expr()+" = "+a.Add(keys[j].val))
				}
			}
			op := " > "
			if keys[i].desc {
				op = " < "
			}
			ands = append(ands, keys[i].expr()+op+a.Add(keys[i].val))
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		b.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	b.WriteString(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.expr())
		if k.desc {
			b.WriteString(" DESC")
		}
	}
	if p.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(p.Limit))
	}
	q := b.String()
	if deferred {
		q = "SELECT " + strings.Join(cols, ", ") + " FROM entities " + e + " WHERE " + e + ".id IN (" + q + ")" +
			" ORDER BY " + e + ".blueprint, " + e + ".identifier"
	}
	out, err := r.queryEntities(ctx, false, "search entities", q, a.Vals)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return out, nil
}
