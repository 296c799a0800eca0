package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
)

// Compiled is a WHERE fragment over the entities table and its arguments.
// Its placeholders are numbered from 1, in the order of Args: a statement
// embedding it puts the fragment before any placeholder of its own.
type Compiled struct {
	Where string
	Args  []any
	// Wide is set when the query has a relatedTo: the same condition with
	// each wide reach walked from the candidates (store.WideWhere).
	Wide *store.WideWhere
	// RangeKeys lists the properties ranged over in the dialect's indexable
	// form (store.TextRanger), for store.EntitySearchParams.RangeKeys.
	RangeKeys []string

	releases []func() // see Release
}

// Compile turns a bound query into a condition over the entities table
// aliased as alias (its edges come from the edges table), asking d for
// every database difference. The condition has the meaning of Eval
// (package doc) on every dialect.
func Compile(q *Query, d store.Dialect, alias string) (out *Compiled, err error) {
	return compile(q, d, alias, wideReach, nil)
}

// ReachFunc answers one direction of a relatedTo from an index, as
// store.Reacher.Reach does for r's entities: a condition on an entity id
// column and what to release once the statement ran. ok false compiles the
// SQL walk instead.
type ReachFunc func(r *Related, forward bool) (cond func(b store.Binder, idCol string) string, release func(), ok bool, err error)

// CompileReaching is Compile with each relatedTo reach asked of reach
// first: an answered reach becomes its condition, and only the others are
// walked in SQL (and may have a Wide form). The caller must call the
// result's Release after running it.
func CompileReaching(q *Query, d store.Dialect, alias string, reach ReachFunc) (*Compiled, error) {
	return compile(q, d, alias, wideReach, reach)
}

// Release frees what the reaches answered by an index hold (see
// CompileReaching); it does nothing for other compilations.
func (c *Compiled) Release() {
	if c == nil {
		return
	}
	for _, r := range c.releases {
		r()
	}
	c.releases = nil
}

// compile is Compile with the Wide form's switch-over point as a parameter
// (wide 0: every relatedTo walks from the candidates, whatever its reach),
// so tests pin both forms on small catalogs.
func compile(q *Query, d store.Dialect, alias string, wide int, reach ReachFunc) (out *Compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("query compile: internal error: %v", r)
		}
	}()
	if q == nil || !q.bound {
		return nil, ErrUnbound
	}
	var reaches *reachCache
	if reach != nil {
		reaches = &reachCache{fn: reach, got: map[reachKey]reachAnswer{}}
	}
	c := &compiler{d: d, e: alias, wide: -1, index: reaches}
	out = &Compiled{Where: c.node(q.Root), Args: c.args, RangeKeys: c.rangeKeys}
	if reaches != nil {
		// Every compiler below asks the same cache: hand its releases over
		// at the end, whatever the return.
		defer func() {
			if out != nil {
				out.releases = reaches.releases
			} else {
				(&Compiled{releases: reaches.releases}).Release()
			}
		}()
		if reaches.err != nil {
			return nil, reaches.err
		}
	}
	if c.nRelated == 0 {
		return out, nil
	}
	wc := &compiler{d: d, e: alias, wide: wide, index: reaches}
	pc := &compiler{d: d, e: alias, index: reaches}
	var probes []string
	probe := sqlTrue
	if wide > 0 {
		if pc.probes(q.Root, wide, &probes); len(probes) == 0 {
			return out, nil
		}
		probe = "(" + strings.Join(probes, " OR ") + ")"
	}
	out.Wide = &store.WideWhere{Probe: probe, ProbeArgs: pc.args, Where: wc.node(q.Root), Args: wc.args}
	return out, nil
}

// probes appends, for every relatedTo under n and each direction it
// follows, a condition true when that reach is wide.
func (c *compiler) probes(n Node, wide int, out *[]string) {
	switch n := n.(type) {
	case *Group:
		for _, r := range n.Rules {
			c.probes(r, wide, out)
		}
	case *Related:
		for _, fwd := range []bool{true, false} {
			if (fwd && n.Direction == "downstream") || (!fwd && n.Direction == "upstream") {
				continue
			}
			if _, ok := c.index.ask(n, fwd); ok {
				continue // answered by the index: nothing to walk
			}
			*out = append(*out, c.wideCheck(n, fwd, wide))
		}
	}
}

// reachCache asks a ReachFunc once per relatedTo and direction, for every
// compiler of one query.
type reachCache struct {
	fn       ReachFunc
	got      map[reachKey]reachAnswer
	releases []func()
	err      error
}

type reachKey struct {
	r       *Related
	forward bool
}

type reachAnswer struct {
	cond func(b store.Binder, idCol string) string
	ok   bool
}

// ask returns the index's answer for r one way; ok false means walk in SQL.
func (rc *reachCache) ask(r *Related, forward bool) (func(b store.Binder, idCol string) string, bool) {
	if rc == nil || r.Allowed != nil || rc.err != nil {
		return nil, false // the index knows no blueprints: Required filters walk in SQL
	}
	k := reachKey{r, forward}
	if a, ok := rc.got[k]; ok {
		return a.cond, a.ok
	}
	cond, release, ok, err := rc.fn(r, forward)
	if release != nil {
		rc.releases = append(rc.releases, release)
	}
	if err != nil {
		rc.err = err
		return nil, false
	}
	rc.got[k] = reachAnswer{cond, ok}
	return cond, ok
}

type compiler struct {
	d     store.Dialect
	index *reachCache // nil: every reach is walked in SQL
	e     string      // entities alias
	args  []any
	n     int // alias counter
	// wide selects relatedTo's form: < 0 the materialised reach, 0 the
	// walk from each candidate, > 0 the one or the other per reach size.
	wide      int
	nRelated  int      // relatedTo rules compiled
	rangeKeys []string // see Compiled.RangeKeys
}

// Bind implements store.Binder.
func (c *compiler) Bind(v any) string {
	c.args = append(c.args, v)
	return c.d.Placeholder(len(c.args))
}

func (c *compiler) alias(prefix string) string {
	c.n++
	return prefix + strconv.Itoa(c.n)
}

const (
	sqlTrue  = "(1 = 1)"
	sqlFalse = "(1 = 0)"
)

func (c *compiler) node(n Node) string {
	switch n := n.(type) {
	case *Group:
		if len(n.Rules) == 0 {
			if n.Or {
				return sqlFalse
			}
			return sqlTrue
		}
		parts := make([]string, len(n.Rules))
		for i, r := range n.Rules {
			parts[i] = c.node(r)
		}
		sep := " AND "
		if n.Or {
			sep = " OR "
		}
		return "(" + strings.Join(parts, sep) + ")"
	case Const:
		if n {
			return sqlTrue
		}
		return sqlFalse
	case *Rule:
		op, neg := n.Op, false
		if pos, ok := negations[op]; ok {
			op, neg = pos, true
		}
		w := c.rule(n, op)
		if neg {
			return "(NOT " + w + ")"
		}
		return w
	case *Related:
		return c.related(n)
	case *MatchAny:
		return c.matchAny(n)
	}
	panic(fmt.Sprintf("unbound node %T", n))
}

var metaColumns = map[string]string{
	"$identifier": "identifier", "$title": "title", "$icon": "icon", "$blueprint": "blueprint",
	"$createdBy": "created_by", "$updatedBy": "updated_by", "$createdAt": "created_at", "$updatedAt": "updated_at",
	"$team": "team",
}

// atomExprs says how to read one atom in SQL.
type atomExprs struct {
	text, num string            // "" when the atom can never be of that type
	isBool    func(bool) string // nil when it can never be a boolean
	time      string            // the timestamp column, for time atoms
}

func (c *compiler) rule(r *Rule, op string) string {
	col := func(name string) string { return c.e + "." + name }
	if op == "isEmpty" {
		switch r.Field.Kind {
		case FieldProperty:
			return c.d.JSONIsEmpty(c, col("properties"), r.Field.Name)
		case FieldRelation:
			return c.d.JSONIsEmpty(c, col("relations"), r.Field.Name)
		}
		switch r.Field.Name {
		case "$team":
			return c.d.JSONArrayIsEmpty(col("team"))
		case "$createdAt", "$updatedAt":
			return sqlFalse
		}
		return "(" + col(metaColumns[r.Field.Name]) + " = '')"
	}
	var orNull string
	if (op == "=" || op == "in" || op == "containsAny") && slices.Contains(r.Values, nil) {
		orNull = c.rule(r, "isEmpty")
	}
	var w, textRange string
	if r.Field.ScalarDateTime {
		textRange = c.textRange(r, op)
	}
	switch {
	case textRange != "":
		w = textRange
	case r.Field.Kind == FieldMeta && r.Field.Name != "$team":
		colName := col(metaColumns[r.Field.Name])
		if r.Field.Name == "$createdAt" || r.Field.Name == "$updatedAt" {
			w = c.atomCond(r, op, atomExprs{time: colName})
		} else {
			w = c.atomCond(r, op, atomExprs{text: c.d.Text(colName)})
		}
	case r.Field.Kind != FieldMeta && (op == "=" || op == "in" || op == "containsAny") && c.hasAtomForm(r):
		colName := col("properties")
		if r.Field.Kind == FieldRelation {
			colName = col("relations")
		}
		var ors []string
		for _, v := range r.Values {
			if v != nil {
				ors = append(ors, c.d.JSONHasAtom(c, colName, r.Field.Name, v))
			}
		}
		w = sqlFalse
		if len(ors) > 0 {
			w = "(" + strings.Join(ors, " OR ") + ")"
		}
	default:
		a := c.alias("j")
		var from string
		switch r.Field.Kind {
		case FieldProperty:
			from = c.d.JSONEach(c, col("properties"), r.Field.Name, a)
		case FieldRelation:
			from = c.d.JSONEach(c, col("relations"), r.Field.Name, a)
		default:
			from = c.d.JSONArrayEach(col("team"), a)
		}
		cond := c.atomCond(r, op, atomExprs{
			text: c.d.ElemText(a), num: c.d.ElemNumber(a),
			isBool: func(v bool) string { return c.d.ElemIsBool(a, v) },
		})
		w = "EXISTS (SELECT 1 FROM " + from + " WHERE " + cond + ")"
	}
	if orNull != "" {
		return "(" + orNull + " OR " + w + ")"
	}
	return w
}

// textRange is a range or order rule over a scalar date-time property in
// the dialect's indexable form (store.TextRanger), or "" when there is none:
// the stored value is then one JSON string, compared as JSON text with the
// quoted bound — the order of the bare text, as date-times hold no
// character JSON escapes. A bound that holds one is left to the general
// form.
func (c *compiler) textRange(r *Rule, op string) string {
	tr, ok := c.d.(store.TextRanger)
	if !ok {
		return ""
	}
	quote := func(s string) (string, bool) {
		for _, ch := range s {
			if ch < 0x20 || ch == '"' || ch == '\\' || ch == 0x7f {
				return "", false
			}
		}
		return `"` + s + `"`, true
	}
	// Every JSON string's text starts with '"' and sorts below '#', so these
	// open ends keep non-strings (numbers, arrays, …) out.
	lo, hi, loIncl, hiIncl := `"`, "#", true, false
	var ok1, ok2 = true, true
	switch op {
	case "between":
		lo, ok1 = quote(r.Lo)
		hi, ok2 = quote(r.Hi)
		hiIncl = true
	case ">", ">=", "<", "<=":
		if len(r.Values) != 1 {
			return ""
		}
		v, isString := r.Values[0].(string)
		if !isString {
			return ""
		}
		q, okq := quote(v)
		if !okq {
			return ""
		}
		if op == ">" || op == ">=" {
			lo, loIncl = q, op == ">="
		} else {
			hi, hiIncl = q, op == "<="
		}
	default:
		return ""
	}
	if !ok1 || !ok2 {
		return ""
	}
	if !slices.Contains(c.rangeKeys, r.Field.Name) {
		c.rangeKeys = append(c.rangeKeys, r.Field.Name)
	}
	return tr.JSONTextRange(c, c.e+".properties", r.Field.Name, lo, hi, loIncl, hiIncl)
}

// hasAtomForm reports whether the dialect has a containment form for every
// value of an equality rule (probed with a throw-away binder).
func (c *compiler) hasAtomForm(r *Rule) bool {
	probe := &compiler{d: c.d}
	for _, v := range r.Values {
		if v != nil && c.d.JSONHasAtom(probe, "x", r.Field.Name, v) == "" {
			return false
		}
	}
	return true
}

// atomCond is the condition one atom must meet for a positive operator.
func (c *compiler) atomCond(r *Rule, op string, x atomExprs) string {
	var ors []string
	switch op {
	case "isExpired":
		if x.time != "" {
			ors = append(ors, x.time+" < "+c.Bind(c.d.TimeArg(r.LoT)))
		} else {
			ors = append(ors, x.text+" < "+c.Bind(r.Lo))
		}
	case "between":
		if x.time != "" {
			ors = append(ors, "("+x.time+" >= "+c.Bind(c.d.TimeArg(r.LoT))+" AND "+x.time+" <= "+c.Bind(c.d.TimeArg(r.HiT))+")")
		} else {
			ors = append(ors, "("+x.text+" >= "+c.Bind(r.Lo)+" AND "+x.text+" <= "+c.Bind(r.Hi)+")")
		}
	default:
		for _, v := range r.Values {
			if s := c.valueCond(op, x, v); s != "" {
				ors = append(ors, s)
			}
		}
	}
	if len(ors) == 0 {
		return sqlFalse
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

func (c *compiler) valueCond(op string, x atomExprs, v any) string {
	if x.time != "" {
		s, ok := v.(string)
		if !ok {
			return ""
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return ""
		}
		sqlOp := op
		switch op {
		case "=", "in", "containsAny":
			sqlOp = "="
		case ">", ">=", "<", "<=":
		default:
			return ""
		}
		return x.time + " " + sqlOp + " " + c.Bind(c.d.TimeArg(t))
	}
	switch op {
	case "=", "in", "containsAny":
		switch v := v.(type) {
		case string:
			return x.text + " = " + c.Bind(v)
		case float64:
			if x.num == "" {
				return ""
			}
			return x.num + " = " + c.Bind(v)
		case bool:
			if x.isBool == nil {
				return ""
			}
			return x.isBool(v)
		}
	case "contains", "beginsWith", "endsWith":
		s, ok := v.(string)
		if !ok {
			return ""
		}
		switch op {
		case "contains":
			return c.d.TextContains(c, x.text, s)
		case "beginsWith":
			return c.d.TextHasPrefix(c, x.text, s)
		}
		return c.d.TextHasSuffix(c, x.text, s)
	case ">", ">=", "<", "<=":
		switch v := v.(type) {
		case string:
			return x.text + " " + op + " " + c.Bind(v)
		case float64:
			if x.num == "" {
				return ""
			}
			return x.num + " " + op + " " + c.Bind(v)
		}
	}
	return ""
}

// keyIn starts "the entity is in this set of ids": relation sets are sets
// of entity ids, since edges hold ids (store migration 0007).
func (c *compiler) keyIn() string { return c.e + ".id IN " }

// keyIDs is the set of ids of blueprint's entities named ids (none for an
// identifier without an entity).
func (c *compiler) keyIDs(blueprint string, ids []string) string {
	k := c.alias("k")
	return "(SELECT " + k + ".id FROM entities " + k + " WHERE " + k + ".blueprint = " + c.Bind(blueprint) +
		" AND " + k + ".identifier IN " + c.idList(ids) + ")"
}

// keyIDsAmong is keyIDs over several blueprints.
func (c *compiler) keyIDsAmong(blueprints, ids []string) string {
	if len(blueprints) == 0 {
		return "(SELECT NULL WHERE " + sqlFalse + ")"
	}
	k := c.alias("k")
	return "(SELECT " + k + ".id FROM entities " + k + " WHERE " + k + ".blueprint IN " + c.idList(blueprints) +
		" AND " + k + ".identifier IN " + c.idList(ids) + ")"
}

func (c *compiler) idList(ids []string) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = c.Bind(id)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// allowed restricts an edges alias to the relations r follows. A relation
// is named by its source entity's blueprint, read through the edge's
// from_id; the relation names alone filter first.
func (c *compiler) allowed(r *Related, ed string) string {
	if r.Allowed == nil {
		return ""
	}
	if len(r.Allowed) == 0 {
		return " AND " + sqlFalse
	}
	var names []string
	for _, a := range r.Allowed {
		if !slices.Contains(names, a.Relation) {
			names = append(names, a.Relation)
		}
	}
	out := " AND " + ed + ".relation IN " + c.idList(names)
	af := c.alias("af")
	ors := make([]string, len(r.Allowed))
	for i, a := range r.Allowed {
		ors[i] = "(" + af + ".blueprint = " + c.Bind(a.Blueprint) + " AND " + ed + ".relation = " + c.Bind(a.Relation) + ")"
	}
	return out + " AND EXISTS (SELECT 1 FROM entities " + af + " WHERE " + af + ".id = " + ed + ".from_id AND (" + strings.Join(ors, " OR ") + "))"
}

// wideReach is how many paths near a relatedTo's targets (wideCheck) make
// its reach wide: the Wide form then tests each candidate instead of
// materialising the reach (see relatedOneWay). Counting costs a few µs per
// path on SQLite. Past it, a search whose candidates rarely match (a reach
// of a few thousand in a blueprint of hundreds of thousands) pays a whole
// walk per candidate it rejects, which is why the Wide form is only ever
// tried under a deadline, Where being the fallback.
const wideReach = 1000

// reach is the recursive set of ids of entities reachable from r's
// entities following edges forward (upstream) or backward (downstream).
func (c *compiler) reach(r *Related, forward bool) string {
	from, to := "from", "to"
	if !forward {
		from, to = "to", "from"
	}
	cte, ed0, ed := c.alias("r"), c.alias("ed"), c.alias("ed")
	return "(WITH RECURSIVE " + cte + "(id) AS (" +
		"SELECT " + ed0 + "." + to + "_id FROM edges " + ed0 +
		" WHERE " + ed0 + "." + from + "_id IN " + c.keyIDs(r.Blueprint, r.IDs) +
		c.allowed(r, ed0) +
		" UNION SELECT " + ed + "." + to + "_id FROM edges " + ed + " JOIN " + cte +
		" ON " + ed + "." + from + "_id = " + cte + ".id" +
		" WHERE 1 = 1" + c.allowed(r, ed) +
		") SELECT id FROM " + cte + ")"
}

// reaches is true for a candidate entity from which r's entities are
// reached walking the other way than reach(r, forward) — the same
// membership, decided from the candidate. The recursion runs lazily
// (SQLite co-routine, PostgreSQL CTE scan), so EXISTS stops at the first
// target found.
func (c *compiler) reaches(r *Related, forward bool) string {
	from, to := "to", "from" // reach's columns swapped
	if !forward {
		from, to = "from", "to"
	}
	cte, ed0, ed := c.alias("w"), c.alias("ed"), c.alias("ed")
	return "EXISTS (WITH RECURSIVE " + cte + "(id) AS (" +
		"SELECT " + ed0 + "." + to + "_id FROM edges " + ed0 +
		" WHERE " + ed0 + "." + from + "_id = " + c.e + ".id" +
		c.allowed(r, ed0) +
		" UNION SELECT " + ed + "." + to + "_id FROM edges " + ed + " JOIN " + cte +
		" ON " + ed + "." + from + "_id = " + cte + ".id" +
		" WHERE 1 = 1" + c.allowed(r, ed) +
		") SELECT 1 FROM " + cte + " WHERE " + cte + ".id IN " + c.keyIDs(r.Blueprint, r.IDs) + ")"
}

// relatedOneWay compiles one direction of a relatedTo in the form c.wide
// selects. The materialised reach drives the page through the entities key
// and is linear in the reach: 16 s at 1M entities for a domain, which
// reaches most of the catalog through dependsOn chains. The Wide form picks
// while the query runs: a reach under c.wide paths (wideCheck) is
// materialised; a wider one is tested from each candidate, which for a page
// of 50 among mostly-matching candidates is a few short walks — but inside
// the CASE the set can no longer drive the page, so small reaches scan
// every candidate (why the Wide form is not Where).
func (c *compiler) relatedOneWay(r *Related, forward bool) string {
	if cond, ok := c.index.ask(r, forward); ok {
		return "(" + cond(c, c.e+".id") + ")"
	}
	c.nRelated++
	switch {
	case c.wide < 0:
		return "(" + c.keyIn() + c.reach(r, forward) + ")"
	case c.wide == 0:
		return c.reaches(r, forward)
	}
	small := "NOT " + c.wideCheck(r, forward, c.wide)
	return "(CASE WHEN " + small + " THEN " + c.keyIn() + c.reach(r, forward) + " ELSE " + c.reaches(r, forward) + " END)"
}

// wideHops is how far from the targets wideCheck counts.
const wideHops = 3

// wideCheck is true when at least wide paths of up to wideHops edges leave
// r's entities (the way reach walks). Paths, not entities: UNION ALL skips
// the duplicate check, a third of the cost; the hop bound keeps dependsOn
// diamonds from multiplying paths past any bound. It reads no entity
// column, so engines compute it once per statement. Either answer is
// correct — it only picks the plan.
func (c *compiler) wideCheck(r *Related, forward bool, wide int) string {
	from, to := "from", "to"
	if !forward {
		from, to = "to", "from"
	}
	cte, ed0, ed := c.alias("p"), c.alias("ed"), c.alias("ed")
	return "((SELECT count(*) FROM (WITH RECURSIVE " + cte + "(id, d) AS (" +
		"SELECT " + ed0 + "." + to + "_id, 1 FROM edges " + ed0 +
		" WHERE " + ed0 + "." + from + "_id IN " + c.keyIDs(r.Blueprint, r.IDs) +
		c.allowed(r, ed0) +
		" UNION ALL SELECT " + ed + "." + to + "_id, " + cte + ".d + 1 FROM edges " + ed + " JOIN " + cte +
		" ON " + ed + "." + from + "_id = " + cte + ".id" +
		" WHERE " + cte + ".d < " + strconv.Itoa(wideHops) + c.allowed(r, ed) +
		") SELECT 1 FROM " + cte + " LIMIT " + strconv.Itoa(wide) + ") " + c.alias("n") + ") >= " + strconv.Itoa(wide) + ")"
}

func (c *compiler) related(r *Related) string {
	switch r.Direction {
	case "upstream":
		return c.relatedOneWay(r, true)
	case "downstream":
		return c.relatedOneWay(r, false)
	}
	return "(" + c.relatedOneWay(r, true) + " OR " + c.relatedOneWay(r, false) + ")"
}

// step returns the set of ids of entities one step of a path leads to
// from the entities meeting srcCond (a condition on the edge's source id
// column) — or, walking backward, from which it leads to them.
func (c *compiler) step(st Step, forward bool, srcCond func(id string) string) string {
	from, to := "from", "to"
	if !forward {
		from, to = "to", "from"
	}
	ed := c.alias("ed")
	depth := ""
	if st.MaxHops > 1 {
		depth = ", 1"
	}
	first := "SELECT " + ed + "." + to + "_id" + depth +
		" FROM edges " + ed + " WHERE " + ed + ".relation = " + c.Bind(st.Relation) + " AND " + srcCond(ed+"."+from+"_id")
	if st.MaxHops <= 1 {
		return first
	}
	cte, ed2 := c.alias("s"), c.alias("ed")
	return "WITH RECURSIVE " + cte + "(id, d) AS (" + first +
		" UNION SELECT " + ed2 + "." + to + "_id, " + cte + ".d + 1 FROM edges " + ed2 +
		" JOIN " + cte + " ON " + ed2 + "." + from + "_id = " + cte + ".id" +
		" WHERE " + ed2 + ".relation = " + c.Bind(st.Relation) + " AND " + cte + ".d < " + strconv.Itoa(st.MaxHops) +
		") SELECT id FROM " + cte
}

func (c *compiler) matchAny(m *MatchAny) string {
	// Sets are built inside srcCond callbacks, so values are bound in the
	// order their placeholders appear (SQLite's are positional).
	last := len(m.Steps) - 1
	if m.FromBlueprint != "" {
		var setAt func(i int) string
		setAt = func(i int) string {
			return c.step(m.Steps[i], true, func(id string) string {
				if i == 0 {
					return id + " IN " + c.keyIDs(m.FromBlueprint, m.IDs)
				}
				return id + " IN (" + setAt(i-1) + ")"
			})
		}
		return "(" + c.keyIn() + "(" + setAt(last) + "))"
	}
	// Backward from the path's end: its entities are the identifiers among
	// the blueprints the last relation can target (Step.Targets, from Bind).
	var setAt func(i int) string
	setAt = func(i int) string {
		return c.step(m.Steps[i], false, func(id string) string {
			if i == last {
				return id + " IN " + c.keyIDsAmong(m.Steps[i].Targets, m.IDs)
			}
			return id + " IN (" + setAt(i+1) + ")"
		})
	}
	return "(" + c.keyIn() + "(" + setAt(0) + "))"
}
