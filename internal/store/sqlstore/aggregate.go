package sqlstore

import (
	"context"
	"database/sql"

	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// aggregateTextColumns are the meta-properties countValues groups by
// column.
var aggregateTextColumns = map[string]string{
	"$identifier": "identifier", "$title": "title", "$icon": "icon", "$blueprint": "blueprint",
	"$createdBy": "created_by", "$updatedBy": "updated_by",
}

// EntityAggregate runs an aggregate over the entities matching a compiled
// condition. The matching entities are a CTE written first, so the
// condition's placeholders come before any of the statement's own, as
// positional placeholders require.
func (r *reader) EntityAggregate(ctx context.Context, p *store.EntityAggregateParams) (*store.EntityAggregateResult, error) {
	a := NewArgs(r.f)
	a.Vals = append(a.Vals, p.WhereArgs...)
	e := store.EntityAlias
	var b strings.Builder
	b.WriteString("WITH m AS (SELECT " + e + ".blueprint, " + e + ".identifier, " + e + ".title, " + e + ".icon, " +
		e + ".team, " + e + ".properties, " + e + ".relations, " + e + ".created_by, " + e + ".updated_by FROM entities " + e + " WHERE ")
	if p.Where != "" {
		b.WriteString("(" + p.Where + ")")
	} else {
		b.WriteString("1 = 1")
	}
	if p.Blueprint != "" {
		b.WriteString(" AND " + e + ".blueprint = " + a.Add(p.Blueprint))
	}
	b.WriteString(") ")
	switch p.Func {
	case store.AggregateCount:
		b.WriteString("SELECT COUNT(*) FROM m")
		var n int64
		if err := r.q.QueryRowContext(ctx, b.String(), a.Vals...).Scan(&n); err != nil {
			return nil, r.wrap("aggregate entities", err)
		}
		return &store.EntityAggregateResult{Count: n}, nil
	case store.AggregateSum, store.AggregateAverage, store.AggregateMin, store.AggregateMax, store.AggregateMedian:
		if p.Relation || strings.HasPrefix(p.Field, "$") || p.Field == "" {
			return nil, model.Invalidf("%s needs a stored number property, not %q", p.Func, p.Field)
		}
		num := r.f.ElemNumber("a")
		b.WriteString("SELECT " + num + " FROM m, " + r.f.JSONEachLateral(argsBinder{a}, "m.properties", p.Field, "a") +
			" WHERE " + num + " IS NOT NULL ORDER BY 1")
		return r.aggregateNumbers(ctx, p.Func, b.String(), a.Vals)
	case store.AggregateCountValues:
		return r.aggregateValues(ctx, p, &b, a)
	}
	return nil, model.Invalidf("unknown aggregate function %q", p.Func)
}

// aggregateNumbers reads the ascending number atoms and folds them in Go,
// so the sum's rounding does not depend on the database's summation order.
func (r *reader) aggregateNumbers(ctx context.Context, fn, q string, args []any) (*store.EntityAggregateResult, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	defer rows.Close()
	var vals []float64
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			return nil, r.wrap("aggregate entities", err)
		}
		vals = append(vals, v)
	}
	if err := rows.Err(); err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	// The databases order equal numbers alike, but sort anyway: -0 and 0,
	// and integers next to reals, must not depend on the driver.
	slices.Sort(vals)
	out := &store.EntityAggregateResult{Count: int64(len(vals))}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	if fn == store.AggregateSum {
		out.Value = &sum
		return out, nil
	}
	if len(vals) == 0 {
		return out, nil
	}
	var v float64
	switch fn {
	case store.AggregateAverage:
		v = sum / float64(len(vals))
	case store.AggregateMin:
		v = vals[0]
	case store.AggregateMax:
		v = vals[len(vals)-1]
	case store.AggregateMedian:
		n := len(vals)
		if n%2 == 1 {
			v = vals[n/2]
		} else {
			v = vals[n/2-1]/2 + vals[n/2]/2
		}
	}
	out.Value = &v
	return out, nil
}

// aggregateValues groups the distinct (entity, atom) pairs by atom.
func (r *reader) aggregateValues(ctx context.Context, p *store.EntityAggregateParams, b *strings.Builder, a *Args) (*store.EntityAggregateResult, error) {
	var inner string
	switch col, ok := aggregateTextColumns[p.Field]; {
	case p.Relation && p.Field != "":
		inner = r.atomColumns("a") + " FROM m, " + r.f.JSONEachLateral(argsBinder{a}, "m.relations", p.Field, "a")
	case ok:
		inner = r.f.Text("m."+col) + " AS t, NULL AS n, NULL AS bt FROM m"
	case p.Field == "$team":
		inner = r.atomColumns("a") + " FROM m, " + r.f.JSONArrayEach("m.team", "a")
	case p.Field == "" || strings.HasPrefix(p.Field, "$"):
		return nil, model.Invalidf("cannot count values of %q", p.Field)
	default:
		inner = r.atomColumns("a") + " FROM m, " + r.f.JSONEachLateral(argsBinder{a}, "m.properties", p.Field, "a")
	}
	b.WriteString("SELECT t, n, bt, COUNT(*) FROM (SELECT DISTINCT m.blueprint, m.identifier, " + inner +
		") d WHERE t IS NOT NULL OR n IS NOT NULL OR bt IS NOT NULL GROUP BY t, n, bt")
	rows, err := r.q.QueryContext(ctx, b.String(), a.Vals...)
	if err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	defer rows.Close()
	out := &store.EntityAggregateResult{Values: []store.ValueCount{}}
	for rows.Next() {
		var (
			t  sql.NullString
			n  sql.NullFloat64
			bt sql.NullInt64
			c  int64
		)
		if err := rows.Scan(&t, &n, &bt, &c); err != nil {
			return nil, r.wrap("aggregate entities", err)
		}
		vc := store.ValueCount{Count: c}
		switch {
		case t.Valid:
			vc.Value = t.String
		case n.Valid:
			vc.Value = n.Float64
		default:
			vc.Value = bt.Int64 == 1
		}
		out.Values = append(out.Values, vc)
	}
	if err := rows.Err(); err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	slices.SortFunc(out.Values, compareValueCount)
	return out, nil
}

// atomColumns selects alias's atom as (t text, n number, bt 1/0 boolean).
func (r *reader) atomColumns(alias string) string {
	// "* 1.0" makes SQLite's integers reals, so integers beyond 2^53 group
	// as the doubles they are read as, as on PostgreSQL.
	return r.f.ElemText(alias) + " AS t, " + r.f.ElemNumber(alias) + " * 1.0 AS n, CASE WHEN " + r.f.ElemIsBool(alias, true) +
		" THEN 1 WHEN " + r.f.ElemIsBool(alias, false) + " THEN 0 END AS bt"
}

// compareValueCount orders buckets by count descending, then booleans
// (false first), numbers ascending and strings byte-wise.
func compareValueCount(x, y store.ValueCount) int {
	if x.Count != y.Count {
		if x.Count > y.Count {
			return -1
		}
		return 1
	}
	rank := func(v any) int {
		switch v.(type) {
		case bool:
			return 0
		case float64:
			return 1
		}
		return 2
	}
	if rx, ry := rank(x.Value), rank(y.Value); rx != ry {
		return rx - ry
	}
	switch xv := x.Value.(type) {
	case bool:
		yv := y.Value.(bool)
		switch {
		case xv == yv:
			return 0
		case !xv:
			return -1
		}
		return 1
	case float64:
		yv := y.Value.(float64)
		switch {
		case xv < yv:
			return -1
		case xv > yv:
			return 1
		}
		return 0
	}
	return strings.Compare(x.Value.(string), y.Value.(string))
}

// argsBinder lets Dialect methods bind through Args.
type argsBinder struct{ a *Args }

func (b argsBinder) Bind(v any) string { return b.a.Add(v) }
