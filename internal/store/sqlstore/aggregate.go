package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

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
		if ff, ok := r.f.(facetFlavor); ok {
			return r.aggregateFacet(ctx, ff, p)
		}
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

// facetFlavor is what the fast countValues path over a stored property
// asks of a driver (both drivers have it; a Flavor without it keeps the
// generic json_each path).
//
// The fast path groups the property's whole value, as JSON text, with one
// expression per row instead of expanding every atom and de-duplicating
// (entity, atom) pairs in SQL; arrays, a few distinct texts, are expanded
// in Go. Where the driver can, a partial index per faceted (blueprint,
// property) holds that expression, so a facet over a blueprint is an
// index-only scan and never parses the entities' documents.
type facetFlavor interface {
	// FacetValue is an SQL expression of col's key as JSON text, NULL when
	// the key is absent. key is written as a literal, never bound, so the
	// expression is the same text as the one FacetIndexSQL indexes.
	FacetValue(col, key string) string
	// FacetIndexSQL returns the statement creating, if missing, the index
	// name over blueprint's entities on (blueprint, FacetValue of key), or
	// "" when the driver cannot answer a facet from such an index alone.
	FacetIndexSQL(name, blueprint, key string) string
}

// Quote writes s as an SQL string literal (standard SQL: quotes doubled),
// for the few places a value must be literal text, such as the partial
// index facets match.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// EntityAggregate is the reader's, after making sure a countValues over one
// blueprint's stored property has its facet index (see facetFlavor). The
// first facet of a (blueprint, property) pays for building it (a scan of
// the entities table, about a second at 1M entities); from then on every
// write of that blueprint's entities maintains one more index entry.
// Indexes are never dropped: an index for a removed property or blueprint
// holds nothing useful but costs little. Only a Store outside a transaction
// builds indexes; a failure to build one is not the caller's: the facet is
// then answered by scanning and the next one tries again. The build waits
// for the writer (on SQLite its one connection), so a goroutine holding a
// write transaction of this Store must aggregate through that Tx instead.
func (s *Store) EntityAggregate(ctx context.Context, p *store.EntityAggregateParams) (*store.EntityAggregateResult, error) {
	if ff, ok := s.opts.Flavor.(facetFlavor); ok && p.Func == store.AggregateCountValues && p.Blueprint != "" &&
		!p.Relation && p.Field != "" && !strings.HasPrefix(p.Field, "$") {
		s.ensureFacetIndex(ctx, ff, p.Blueprint, p.Field)
	}
	return s.reader.EntityAggregate(ctx, p)
}

// FacetIndexName names the facet index of (blueprint, key): a hash, so any
// identifier makes a valid, fixed-length SQL name.
func FacetIndexName(blueprint, key string) string {
	h := sha256.Sum256([]byte(blueprint + "\x00" + key))
	return "entities_facet_" + hex.EncodeToString(h[:8])
}

// rangeFlavor is implemented by flavors whose ranges over a property
// (store.TextRanger) an index per (blueprint, property) serves, when the
// search names the blueprint as a literal.
type rangeFlavor interface {
	RangeIndexSQL(name, blueprint, key string) string
}

// RangeIndexName names the range index of (blueprint, key).
func RangeIndexName(blueprint, key string) string {
	h := sha256.Sum256([]byte(blueprint + "\x00" + key))
	return "entities_range_" + hex.EncodeToString(h[:8])
}

// facetIndexSet holds the names of the facet indexes this Store knows
// exist, so only a (blueprint, property)'s first facet touches the writer.
type facetIndexSet struct{ sync.Map }

func (s *Store) ensureFacetIndex(ctx context.Context, ff facetFlavor, blueprint, key string) {
	name := FacetIndexName(blueprint, key)
	s.ensureIndex(ctx, name, func() string { return ff.FacetIndexSQL(name, blueprint, key) })
}

// ensureIndex builds the index name with ddl's statement unless this Store
// knows it exists (see EntityAggregate for the terms).
func (s *Store) ensureIndex(ctx context.Context, name string, ddl func() string) {
	if _, ok := s.facetIndexes.Load(name); ok {
		return
	}
	if ddl := ddl(); ddl != "" {
		if _, err := s.opts.Writer.ExecContext(ctx, ddl); err != nil {
			return
		}
	}
	s.facetIndexes.Store(name, true)
}

// aggregateFacet counts the entities per atom of a stored property: one
// group per distinct JSON value, arrays expanded here (each distinct atom
// of an array counts its entity once), nulls and objects skipped, as
// EntityAggregateParams says.
func (r *reader) aggregateFacet(ctx context.Context, ff facetFlavor, p *store.EntityAggregateParams) (*store.EntityAggregateResult, error) {
	a := NewArgs(r.f)
	a.Vals = append(a.Vals, p.WhereArgs...)
	e := store.EntityAlias
	var b strings.Builder
	b.WriteString("SELECT " + ff.FacetValue(e+".properties", p.Field) + " AS v, COUNT(*) FROM entities " + e + " WHERE ")
	if p.Where != "" {
		b.WriteString("(" + p.Where + ") AND ")
	}
	if p.Blueprint != "" {
		// A literal, so the planner can match the partial facet index.
		b.WriteString(e + ".blueprint = " + Quote(p.Blueprint))
	} else {
		b.WriteString("1 = 1")
	}
	b.WriteString(" GROUP BY 1")
	rows, err := r.q.QueryContext(ctx, b.String(), a.Vals...)
	if err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	defer rows.Close()
	counts := map[facetAtom]int64{}
	var seen []facetAtom
	for rows.Next() {
		var (
			v sql.NullString
			c int64
		)
		if err := rows.Scan(&v, &c); err != nil {
			return nil, r.wrap("aggregate entities", err)
		}
		if !v.Valid {
			continue
		}
		var x any
		d := json.NewDecoder(strings.NewReader(v.String))
		d.UseNumber()
		if err := d.Decode(&x); err != nil {
			return nil, r.wrap("aggregate entities", err)
		}
		if arr, ok := x.([]any); ok {
			seen = seen[:0]
			for _, el := range arr {
				if at, ok := toFacetAtom(el); ok && !slices.Contains(seen, at) {
					seen = append(seen, at)
					counts[at] += c
				}
			}
			continue
		}
		if at, ok := toFacetAtom(x); ok {
			counts[at] += c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, r.wrap("aggregate entities", err)
	}
	out := &store.EntityAggregateResult{Values: make([]store.ValueCount, 0, len(counts))}
	for at, c := range counts {
		out.Values = append(out.Values, store.ValueCount{Value: at.value(), Count: c})
	}
	slices.SortFunc(out.Values, compareValueCount)
	return out, nil
}

// facetAtom is a countValues bucket key: numbers compare as float64 (1
// and 1.0, 0 and -0 are one bucket), and never equal a string or a boolean.
type facetAtom struct {
	kind byte // 's' string, 'n' number, 'b' boolean
	s    string
	n    float64
}

func toFacetAtom(x any) (facetAtom, bool) {
	switch v := x.(type) {
	case string:
		return facetAtom{kind: 's', s: v}, true
	case json.Number:
		// Out of range parses to ±Inf, as the databases read it.
		f, _ := strconv.ParseFloat(string(v), 64)
		return facetAtom{kind: 'n', n: f}, true
	case bool:
		at := facetAtom{kind: 'b'}
		if v {
			at.n = 1
		}
		return at, true
	}
	return facetAtom{}, false
}

func (at facetAtom) value() any {
	switch at.kind {
	case 's':
		return at.s
	case 'n':
		return at.n
	}
	return at.n == 1
}
