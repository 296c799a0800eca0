package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/itchyny/gojq"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// Computed properties (reference/port.md §1.5–1.7, DESIGN §3) are live and
// materialised: mirror, aggregation and calculation values are computed in
// the write transaction that changes what they depend on and stored in the
// entity's properties beside the stored ones, so they are filtered, sorted,
// versioned ("as of" shows them as they were) and streamed like any other
// property.
//
//   - A write computes the written entities' own values (computeEntities).
//   - After it is applied, propagate finds the entities whose values depend
//     on what changed, by walking each computed property's relation path
//     backwards from every changed entity, recomputes only those, writes the
//     ones whose values moved (a new version and an ENTITY_UPDATED event;
//     updatedAt/By stay, as no user changed them) and repeats for values that
//     depend on those — following, after the first round, only paths that
//     read a field that moved — up to maxPropagationRounds. Work is
//     proportional to the entities reached, never to the size of a blueprint.
//     Dependents are locked only as they are found, after the write's own
//     locks, so those locks never wait: under contention the write is rolled
//     back and rerun with every key up front (catalog.go, inTx).
//   - A blueprint whose computed definitions change recomputes its entities
//     (recomputeBlueprint) in the same transaction.
//
// Values: a mirror through single relations is the target's value (absent
// when any hop is unset); through a many relation it is the list of the
// targets' non-null values. Meta fields ($identifier, $title, $team, …) can
// be mirrored. An aggregation is a number (count of no entities is 0; sum of
// none is 0; average, min, max and median of none are absent). A calculation
// is jq over the entity document (identifier, title, icon, blueprint, team,
// properties — holding mirror and aggregation values and the calculations
// evaluated before it — relations, createdAt, …), run with a deadline;
// a calculation that fails or yields null is absent. Calculations may use
// other calculations (.properties.<id>); cycles are refused when the
// blueprint is saved.

// maxPropagationRounds bounds cascades (a mirror of a mirror of …).
const maxPropagationRounds = 16

// calcTimeout bounds one jq calculation (gojq has no cost limit).
const calcTimeout = 100 * time.Millisecond

// hasComputed reports whether bp defines any computed property or inherits
// its owning teams.
func hasComputed(bp *model.Blueprint) bool {
	return len(bp.MirrorProperties) > 0 || len(bp.CalculationProperties) > 0 || len(bp.AggregationProperties) > 0 ||
		inheritsOwnership(bp)
}

func inheritsOwnership(bp *model.Blueprint) bool {
	return bp.Ownership != nil && bp.Ownership.Type == model.OwnershipInherited && bp.Ownership.Path != ""
}

// isComputedID reports whether id names a computed property of bp.
func isComputedID(bp *model.Blueprint, id string) bool {
	if _, ok := bp.MirrorProperties[id]; ok {
		return true
	}
	if _, ok := bp.CalculationProperties[id]; ok {
		return true
	}
	_, ok := bp.AggregationProperties[id]
	return ok
}

// stripComputed removes computed values from props (in place).
func stripComputed(bp *model.Blueprint, props map[string]any) {
	if !hasComputed(bp) {
		return
	}
	for k := range props {
		if isComputedID(bp, k) {
			delete(props, k)
		}
	}
}

// hop is one step of a computed property's relation path, from entities of
// From to entities of To. Forward follows From's relation Relation; backward
// follows To's relation Relation (To entities point at From entities).
type hop struct {
	From, To, Relation string
	Backward           bool
}

// mirrorPath splits a mirror path into its hops and the final field.
func mirrorPath(bp *model.Blueprint, path string, bps map[string]*model.Blueprint) ([]hop, string, bool) {
	parts := strings.Split(path, ".")
	if len(parts) < 2 {
		return nil, "", false
	}
	cur := bp
	var hops []hop
	for _, rel := range parts[:len(parts)-1] {
		r, ok := cur.Relations[rel]
		if !ok {
			return nil, "", false
		}
		next := bps[r.Target]
		if next == nil {
			return nil, "", false
		}
		hops = append(hops, hop{From: cur.Identifier, To: next.Identifier, Relation: rel})
		cur = next
	}
	return hops, parts[len(parts)-1], true
}

// aggregationPath finds the hops from bp to the aggregation's target:
// the pathFilter when given, else the shortest chain of relations followed
// forward, else backward (the target's entities relating to bp's).
func aggregationPath(bp *model.Blueprint, a model.AggregationProperty, bps map[string]*model.Blueprint) ([]hop, bool) {
	if len(a.PathFilter) > 0 {
		pf := a.PathFilter[0]
		if pf.FromBlueprint == "" {
			cur := bp
			var hops []hop
			for _, rel := range pf.Path {
				r, ok := cur.Relations[rel]
				if !ok || bps[r.Target] == nil {
					return nil, false
				}
				hops = append(hops, hop{From: cur.Identifier, To: r.Target, Relation: rel})
				cur = bps[r.Target]
			}
			return hops, cur.Identifier == a.Target
		}
		// From the target's side: fromBlueprint's path leads to bp.
		cur := bps[pf.FromBlueprint]
		if cur == nil {
			return nil, false
		}
		var fwd []hop
		for _, rel := range pf.Path {
			r, ok := cur.Relations[rel]
			if !ok || bps[r.Target] == nil {
				return nil, false
			}
			fwd = append(fwd, hop{From: cur.Identifier, To: r.Target, Relation: rel})
			cur = bps[r.Target]
		}
		if cur.Identifier != bp.Identifier || pf.FromBlueprint != a.Target {
			return nil, false
		}
		hops := make([]hop, len(fwd))
		for i, h := range fwd {
			hops[len(fwd)-1-i] = hop{From: h.To, To: h.From, Relation: h.Relation, Backward: true}
		}
		return hops, true
	}
	for _, backward := range []bool{false, true} {
		if hops, ok := shortestPath(bp.Identifier, a.Target, bps, backward); ok {
			return hops, true
		}
	}
	return nil, false
}

// shortestPath searches the blueprint graph breadth-first (relation ids in
// sorted order, so the choice is stable) for at most 15 hops.
func shortestPath(from, to string, bps map[string]*model.Blueprint, backward bool) ([]hop, bool) {
	type node struct {
		bp   string
		path []hop
	}
	seen := map[string]bool{from: true}
	frontier := []node{{bp: from}}
	for depth := 0; depth < 15 && len(frontier) > 0; depth++ {
		var next []node
		for _, n := range frontier {
			for _, h := range neighbours(n.bp, bps, backward) {
				path := append(append([]hop{}, n.path...), h)
				if h.To == to {
					return path, true
				}
				if !seen[h.To] {
					seen[h.To] = true
					next = append(next, node{bp: h.To, path: path})
				}
			}
		}
		frontier = next
	}
	return nil, false
}

func neighbours(id string, bps map[string]*model.Blueprint, backward bool) []hop {
	var out []hop
	if !backward {
		bp := bps[id]
		if bp == nil {
			return nil
		}
		for _, rel := range sortedKeys(bp.Relations) {
			out = append(out, hop{From: id, To: bp.Relations[rel].Target, Relation: rel})
		}
		return out
	}
	for _, oid := range sortedKeys(bps) {
		o := bps[oid]
		for _, rel := range sortedKeys(o.Relations) {
			if o.Relations[rel].Target == id {
				out = append(out, hop{From: id, To: oid, Relation: rel, Backward: true})
			}
		}
	}
	return out
}

// computer evaluates computed properties inside one transaction, caching the
// entities it reads.
type computer struct {
	s   *Service
	ctx context.Context
	rd  store.Reader
	bps map[string]*model.Blueprint
	// cache holds entities read or written in this transaction; a nil value
	// records that the key does not exist.
	cache map[model.EntityKey]*model.Entity
}

func (s *Service) newComputer(ctx context.Context, rd store.Reader, bps map[string]*model.Blueprint) *computer {
	return &computer{s: s, ctx: ctx, rd: rd, bps: bps, cache: map[model.EntityKey]*model.Entity{}}
}

// fetch returns the entities of keys, reading the ones not cached with one
// batched read.
func (c *computer) fetch(keys []model.EntityKey) (map[model.EntityKey]*model.Entity, error) {
	var missing []model.EntityKey
	seen := map[model.EntityKey]bool{}
	for _, k := range keys {
		if _, ok := c.cache[k]; !ok && !seen[k] {
			seen[k] = true
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		es, err := getMany(c.ctx, c.rd, missing)
		if err != nil {
			return nil, err
		}
		for _, k := range missing {
			c.cache[k] = nil
		}
		for _, e := range es {
			if bp := c.bps[e.Blueprint]; bp != nil {
				normaliseEntity(bp, e)
			}
			c.cache[e.Key()] = e
		}
	}
	out := make(map[model.EntityKey]*model.Entity, len(keys))
	for _, k := range keys {
		if e := c.cache[k]; e != nil {
			out[k] = e
		}
	}
	return out, nil
}

// walk follows hops from each start entity and returns, per start, the
// entities reached (deduplicated, in a stable order).
func (c *computer) walk(starts []*model.Entity, hops []hop) ([][]*model.Entity, error) {
	cur := make([][]*model.Entity, len(starts))
	for i, e := range starts {
		cur[i] = []*model.Entity{e}
	}
	for _, h := range hops {
		next := make([][]model.EntityKey, len(cur))
		var all []model.EntityKey
		if !h.Backward {
			for i, es := range cur {
				for _, e := range es {
					for _, t := range e.RelationTargets(h.Relation) {
						k := model.EntityKey{Blueprint: h.To, Identifier: t}
						next[i] = append(next[i], k)
						all = append(all, k)
					}
				}
			}
		} else {
			var to []model.EntityKey
			for _, es := range cur {
				for _, e := range es {
					to = append(to, e.Key())
				}
			}
			in, err := c.incoming(to, h.To, h.Relation)
			if err != nil {
				return nil, err
			}
			for i, es := range cur {
				for _, e := range es {
					for _, from := range in[e.Key()] {
						next[i] = append(next[i], from)
						all = append(all, from)
					}
				}
			}
		}
		got, err := c.fetch(all)
		if err != nil {
			return nil, err
		}
		for i := range cur {
			seen := map[model.EntityKey]bool{}
			var es []*model.Entity
			for _, k := range next[i] {
				if e := got[k]; e != nil && !seen[k] {
					seen[k] = true
					es = append(es, e)
				}
			}
			cur[i] = es
		}
	}
	return cur, nil
}

// incoming maps each of to to the keys of fromBlueprint entities whose
// relation rel points at it.
func (c *computer) incoming(to []model.EntityKey, fromBlueprint, rel string) (map[model.EntityKey][]model.EntityKey, error) {
	out := map[model.EntityKey][]model.EntityKey{}
	for start := 0; start < len(to); start += keyChunk {
		end := min(start+keyChunk, len(to))
		edges, err := c.rd.EdgeListIncoming(c.ctx, &store.EdgeListIncomingParams{To: to[start:end]})
		if err != nil {
			return nil, fmt.Errorf("list related entities: %w", err)
		}
		for _, e := range edges {
			if e.Relation == rel && e.From.Blueprint == fromBlueprint {
				out[e.To] = append(out[e.To], e.From)
			}
		}
	}
	for k := range out {
		sort.Slice(out[k], func(i, j int) bool { return out[k][i].Identifier < out[k][j].Identifier })
	}
	return out, nil
}

// computeEntities sets the computed values of es (all of blueprint bp) in
// their Properties, replacing any previous ones.
func (c *computer) computeEntities(bp *model.Blueprint, es []*model.Entity) error {
	if !hasComputed(bp) || len(es) == 0 {
		return nil
	}
	for _, e := range es {
		stripComputed(bp, e.Properties)
	}
	// Inherited ownership: the teams of the entity the ownership path leads to
	// (port.md §1.9), kept current like a mirror of $team.
	if inheritsOwnership(bp) {
		if hops, _, ok := mirrorPath(bp, bp.Ownership.Path+".$team", c.bps); ok {
			reached, err := c.walk(es, hops)
			if err != nil {
				return err
			}
			for i, e := range es {
				e.Team = []string{}
				if len(reached[i]) > 0 {
					e.Team = append(e.Team, reached[i][0].Team...)
				}
			}
		}
	}
	for _, id := range sortedKeys(bp.MirrorProperties) {
		hops, field, ok := mirrorPath(bp, bp.MirrorProperties[id].Path, c.bps)
		if !ok {
			continue
		}
		many := false
		for _, h := range hops {
			if c.bps[h.From].Relations[h.Relation].Many {
				many = true
			}
		}
		reached, err := c.walk(es, hops)
		if err != nil {
			return err
		}
		for i, e := range es {
			var vals []any
			for _, t := range reached[i] {
				if v := fieldValue(t, field); v != nil {
					vals = append(vals, v)
				}
			}
			switch {
			case many:
				if vals == nil {
					vals = []any{}
				}
				e.Properties[id] = vals
			case len(vals) > 0:
				e.Properties[id] = vals[0]
			}
		}
	}
	for _, id := range sortedKeys(bp.AggregationProperties) {
		if err := c.aggregate(bp, id, es); err != nil {
			return err
		}
	}
	order := calcOrder(bp)
	for _, e := range es {
		for _, id := range order {
			cp := bp.CalculationProperties[id]
			v, ok := c.s.calculate(c.ctx, cp, e)
			if !ok {
				continue
			}
			if cp.Type == "string" && query.IsDateTimeFormat(cp.Format) {
				if t, ok := canonicalDateTime(v); ok {
					v = t // stored like a date-time property (normaliseDateTimes)
				}
			}
			e.Properties[id] = v
		}
	}
	return nil
}

// fieldValue reads a property or meta field of e as JSON would show it.
func fieldValue(e *model.Entity, field string) any {
	switch field {
	case "$identifier":
		return e.Identifier
	case "$title":
		return e.Title
	case "$icon":
		if e.Icon == "" {
			return nil
		}
		return e.Icon
	case "$blueprint":
		return e.Blueprint
	case "$team":
		l := make([]any, len(e.Team))
		for i, t := range e.Team {
			l[i] = t
		}
		return l
	case "$createdAt":
		return query.DateTimeText(e.CreatedAt) // sortable as text, like date-time properties
	case "$updatedAt":
		return query.DateTimeText(e.UpdatedAt)
	case "$createdBy":
		return e.CreatedBy
	case "$updatedBy":
		return e.UpdatedBy
	}
	return e.Properties[field]
}

// aggregate computes aggregation property id of bp for es.
func (c *computer) aggregate(bp *model.Blueprint, id string, es []*model.Entity) error {
	a := bp.AggregationProperties[id]
	hops, ok := aggregationPath(bp, a, c.bps)
	if !ok {
		return nil
	}
	var ev *query.Evaluator
	if len(a.Query) > 0 && string(a.Query) != "null" {
		q, err := query.Parse(a.Query)
		if err != nil {
			return nil // validated at save; a stale query yields no value
		}
		bound, err := query.Bind(q, query.Env{Schema: query.Schema{Blueprints: mapValues(c.bps), Scope: []string{a.Target}}, Clock: c.s.opts.Clock})
		if err != nil {
			return nil
		}
		if ev, err = query.NewEvaluator(bound, nil); err != nil {
			return err
		}
	}
	reached, err := c.walk(es, hops)
	if err != nil {
		return err
	}
	cs := a.CalculationSpec
	for i, e := range es {
		var nums []float64
		var times []time.Time
		count := 0
		for _, t := range reached[i] {
			if ev != nil {
				okm, err := ev.Match(t)
				if err != nil || !okm {
					continue
				}
			}
			count++
			if cs.CalculationBy == "property" {
				if f, ok := t.Properties[cs.Property].(float64); ok {
					nums = append(nums, f)
				}
			}
			if cs.MeasureTimeBy != "" {
				if ts, ok := measureTime(t, cs.MeasureTimeBy); ok {
					times = append(times, ts)
				}
			}
		}
		if v, ok := c.aggValue(cs, count, nums, times); ok {
			e.Properties[id] = v
		}
	}
	return nil
}

func measureTime(e *model.Entity, field string) (time.Time, bool) {
	switch field {
	case "$createdAt":
		return e.CreatedAt, true
	case "$updatedAt":
		return e.UpdatedAt, true
	}
	s, ok := e.Properties[field].(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// aggValue applies the calculation spec. Averages over time divide by the
// number of averageOf buckets from the earliest measured time to now (a
// partial bucket counts as a whole one, as in Port).
func (c *computer) aggValue(cs model.CalculationSpec, count int, nums []float64, times []time.Time) (any, bool) {
	if cs.CalculationBy != "property" {
		if cs.Func == "average" && cs.AverageOf != "" && cs.AverageOf != "total" {
			return float64(count) / c.buckets(cs.AverageOf, times), true
		}
		return float64(count), true
	}
	switch cs.Func {
	case "sum":
		s := 0.0
		for _, n := range nums {
			s += n
		}
		return s, true
	}
	if len(nums) == 0 {
		return nil, false
	}
	switch cs.Func {
	case "min", "max":
		m := nums[0]
		for _, n := range nums[1:] {
			if (cs.Func == "min") == (n < m) {
				m = n
			}
		}
		return m, true
	case "median":
		s := append([]float64(nil), nums...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return s[len(s)/2], true
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
	case "average":
		sum := 0.0
		for _, n := range nums {
			sum += n
		}
		if cs.AverageOf != "" && cs.AverageOf != "total" {
			return sum / c.buckets(cs.AverageOf, times), true
		}
		return sum / float64(len(nums)), true
	}
	return nil, false
}

func (c *computer) buckets(of string, times []time.Time) float64 {
	if len(times) == 0 {
		return 1
	}
	first := times[0]
	for _, t := range times[1:] {
		if t.Before(first) {
			first = t
		}
	}
	unit := map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour}[of]
	if unit == 0 {
		return 1
	}
	return math.Max(1, math.Ceil(float64(c.s.opts.Clock.Now().Sub(first))/float64(unit)))
}

func mapValues(m map[string]*model.Blueprint) []*model.Blueprint {
	out := make([]*model.Blueprint, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// calcRefRe finds .properties.<id> references in a jq calculation.
var calcRefRe = regexp.MustCompile(`\.properties\s*\.\s*"?'?([A-Za-z0-9@_=\-]+)`)

// calcDeps lists the calculation properties calculation id reads.
func calcDeps(bp *model.Blueprint, id string) []string {
	var deps []string
	for _, m := range calcRefRe.FindAllStringSubmatch(bp.CalculationProperties[id].Calculation, -1) {
		if _, ok := bp.CalculationProperties[m[1]]; ok && m[1] != id {
			deps = append(deps, m[1])
		} else if m[1] == id {
			deps = append(deps, id)
		}
	}
	return deps
}

// calcOrder orders bp's calculations so each runs after those it reads;
// calculations in a cycle (refused at save) are left out.
func calcOrder(bp *model.Blueprint) []string {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done, 3 cyclic
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case 1, 3:
			return false
		case 2:
			return true
		}
		state[id] = 1
		for _, d := range calcDeps(bp, id) {
			if !visit(d) {
				state[id] = 3
				return false
			}
		}
		state[id] = 2
		order = append(order, id)
		return true
	}
	for _, id := range sortedKeys(bp.CalculationProperties) {
		visit(id)
	}
	return order
}

// calcCycle returns a calculation of bp that depends on itself, if any.
func calcCycle(bp *model.Blueprint) string {
	in := map[string]bool{}
	for _, id := range calcOrder(bp) {
		in[id] = true
	}
	for _, id := range sortedKeys(bp.CalculationProperties) {
		if !in[id] {
			return id
		}
	}
	return ""
}

// jqCache holds compiled calculations, keyed by source. Sources are
// validated when a blueprint is saved, so the cache holds only what
// blueprints define.
type jqCache struct {
	mu   sync.Mutex // guards code
	code map[string]*gojq.Code
}

func (c *jqCache) get(src string) (*gojq.Code, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if code, ok := c.code[src]; ok {
		return code, nil
	}
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, err
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, err
	}
	if c.code == nil {
		c.code = map[string]*gojq.Code{}
	}
	c.code[src] = code
	return code, nil
}

// calculate runs one calculation over e; ok is false when it fails, times
// out or yields null.
func (s *Service) calculate(ctx context.Context, cp model.CalculationProperty, e *model.Entity) (v any, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			v, ok = nil, false
		}
	}()
	code, err := s.jq.get(cp.Calculation)
	if err != nil {
		return nil, false
	}
	doc, err := entityDoc(e)
	if err != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, calcTimeout)
	defer cancel()
	iter := code.RunWithContext(ctx, doc)
	out, more := iter.Next()
	if !more {
		return nil, false
	}
	if _, isErr := out.(error); isErr || out == nil {
		return nil, false
	}
	return normaliseJQ(out), true
}

// entityDoc is the JSON document a calculation sees.
func entityDoc(e *model.Entity) (map[string]any, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	return doc, json.Unmarshal(b, &doc)
}

// normaliseJQ turns gojq's numbers into float64, as encoding/json decodes
// stored properties, so values round-trip identically.
func normaliseJQ(v any) any {
	switch t := v.(type) {
	case int:
		return float64(t)
	case float64, string, bool, nil:
		return t
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normaliseJQ(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normaliseJQ(x)
		}
		return out
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return nil
		}
		var f any
		if json.Unmarshal(b, &f) != nil {
			return nil
		}
		return f
	}
}

// depPath is one relation path a blueprint's computed values are read
// along, and what they read of the entities at its end: field names
// (properties or meta-properties such as $team), or every field when nil.
type depPath struct {
	hops   []hop
	fields map[string]bool
}

// dependentPaths lists, for every blueprint with mirror or aggregation
// properties, the relation paths its values are read along.
func dependentPaths(bps map[string]*model.Blueprint) map[string][]depPath {
	out := map[string][]depPath{}
	for _, id := range sortedKeys(bps) {
		bp := bps[id]
		if inheritsOwnership(bp) {
			if hops, field, ok := mirrorPath(bp, bp.Ownership.Path+".$team", bps); ok {
				out[id] = append(out[id], depPath{hops: hops, fields: map[string]bool{field: true}})
			}
		}
		for _, m := range sortedKeys(bp.MirrorProperties) {
			if hops, field, ok := mirrorPath(bp, bp.MirrorProperties[m].Path, bps); ok {
				out[id] = append(out[id], depPath{hops: hops, fields: map[string]bool{field: true}})
			}
		}
		for _, a := range sortedKeys(bp.AggregationProperties) {
			if hops, ok := aggregationPath(bp, bp.AggregationProperties[a], bps); ok {
				out[id] = append(out[id], depPath{hops: hops, fields: aggregationFields(bp.AggregationProperties[a])})
			}
		}
	}
	return out
}

// propagate recomputes, transitively, the entities whose computed values
// depend on changes (already applied in tx) and writes those that moved.
func (s *Service) propagate(ctx context.Context, tx store.Tx, bps map[string]*model.Blueprint, changes []store.EntityChange, o store.Origin) error {
	paths := dependentPaths(bps)
	if len(paths) == 0 {
		return nil
	}
	c := s.newComputer(ctx, tx, bps)
	for round := 0; round < maxPropagationRounds && len(changes) > 0; round++ {
		for _, ch := range changes {
			if ch.After != nil {
				c.cache[ch.After.Key()] = ch.After
			} else if ch.Before != nil {
				c.cache[ch.Before.Key()] = nil
			}
		}
		// After the first round the changes are propagate's own: computed
		// values (and inherited teams) only, never relations nor existence.
		deps, err := c.dependents(paths, changes, round > 0)
		if err != nil {
			return err
		}
		if len(deps) == 0 {
			return nil
		}
		if err := lockKeys(ctx, tx, deps); err != nil {
			return fmt.Errorf("lock dependent entities: %w", err)
		}
		got, err := c.fetch(deps)
		if err != nil {
			return err
		}
		byBP := map[string][]*model.Entity{}
		for _, k := range deps {
			if e := got[k]; e != nil {
				byBP[k.Blueprint] = append(byBP[k.Blueprint], e)
			}
		}
		changes = nil
		for _, bpID := range sortedKeys(byBP) {
			bp := bps[bpID]
			befores := byBP[bpID]
			afters := make([]*model.Entity, len(befores))
			for i, b := range befores {
				afters[i] = cloneEntity(b)
			}
			if err := c.computeEntities(bp, afters); err != nil {
				return err
			}
			for i, a := range afters {
				if sameContent(befores[i], a) {
					continue
				}
				changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: befores[i], After: a, Edges: edgesOf(bp, a)})
			}
		}
		if len(changes) == 0 {
			return nil
		}
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
			return fmt.Errorf("update computed properties: %w", err)
		}
	}
	return nil
}

// dependents lists the keys of entities with a computed value read along a
// path through a changed entity (in its state before or after the change).
//
// With computedOnly, every change is an update of computed values or
// inherited teams (propagate's own rounds): such a change moves no edge and
// no entity, so it matters only at the end of a path, and only when the
// path reads a field it changed. Without this, a cascade would lock and
// recompute the dependents of every recomputed entity even when nothing
// they read moved (an aggregation changing would recompute the mirrors of
// its entity's other fields).
func (c *computer) dependents(paths map[string][]depPath, changes []store.EntityChange, computedOnly bool) ([]model.EntityKey, error) {
	var moved []map[string]bool // per change, with computedOnly
	if computedOnly {
		moved = make([]map[string]bool, len(changes))
		for i, ch := range changes {
			moved[i] = changedFields(ch.Before, ch.After)
		}
	}
	seen := map[model.EntityKey]bool{}
	var out []model.EntityKey
	for _, srcBP := range sortedKeys(paths) {
		for _, dp := range paths[srcBP] {
			hops := dp.hops
			for j := len(hops) - 1; j >= 0; j-- {
				if computedOnly && j < len(hops)-1 {
					break
				}
				// Changed entities sitting at the end of hop j.
				var at []*model.Entity
				for i, ch := range changes {
					if computedOnly && !readsAny(dp.fields, moved[i]) {
						continue
					}
					for _, e := range []*model.Entity{ch.Before, ch.After} {
						if e != nil && e.Blueprint == hops[j].To {
							at = append(at, e)
						}
					}
				}
				if len(at) == 0 {
					continue
				}
				keys, err := c.walkBack(at, hops[:j+1])
				if err != nil {
					return nil, err
				}
				for _, k := range keys {
					if !seen[k] {
						seen[k] = true
						out = append(out, k)
					}
				}
			}
		}
	}
	sortKeys(out)
	return out, nil
}

// aggregationFields lists the fields an aggregation reads of its entities:
// its property, its time field and the properties its query tests; nil
// (every field) when the query holds a rule it cannot tell (a property
// schema rule or a path). Relation rules are left out: computed-only
// changes, the only ones this list filters, move no edge.
func aggregationFields(a model.AggregationProperty) map[string]bool {
	out := map[string]bool{}
	for _, f := range []string{a.CalculationSpec.Property, a.CalculationSpec.MeasureTimeBy} {
		if f != "" {
			out[f] = true
		}
	}
	if len(a.Query) == 0 {
		return out
	}
	var q any
	if json.Unmarshal(a.Query, &q) != nil {
		return nil
	}
	var walk func(n any) bool
	walk = func(n any) bool {
		m, ok := n.(map[string]any)
		if !ok {
			return false
		}
		if rules, ok := m["rules"].([]any); ok {
			for _, r := range rules {
				if !walk(r) {
					return false
				}
			}
			return true
		}
		if _, ok := m["propertySchema"]; ok {
			return false
		}
		switch p := m["property"].(type) {
		case string:
			out[p] = true
			return true
		case nil:
			_, rel := m["relation"]
			return rel || m["operator"] == "relatedTo"
		}
		return false // a matchAny path
	}
	if !walk(q) {
		return nil
	}
	return out
}

// changedFields lists the property keys whose values differ between before
// and after, and "$team" when the teams do.
func changedFields(before, after *model.Entity) map[string]bool {
	out := map[string]bool{}
	if before == nil || after == nil {
		return out
	}
	for k, v := range before.Properties {
		if w, ok := after.Properties[k]; !ok || !reflect.DeepEqual(v, w) {
			out[k] = true
		}
	}
	for k := range after.Properties {
		if _, ok := before.Properties[k]; !ok {
			out[k] = true
		}
	}
	if !slices.Equal(before.Team, after.Team) {
		out["$team"] = true
	}
	return out
}

// readsAny reports whether a path reading fields (nil: every field) reads
// one of moved.
func readsAny(fields, moved map[string]bool) bool {
	if fields == nil {
		return len(moved) > 0
	}
	for f := range moved {
		if fields[f] {
			return true
		}
	}
	return false
}

// walkBack follows hops in reverse from entities at the end of the last hop
// and returns the keys reached at the start of the first.
func (c *computer) walkBack(at []*model.Entity, hops []hop) ([]model.EntityKey, error) {
	cur := at
	var keys []model.EntityKey
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		keys = keys[:0:0]
		seen := map[model.EntityKey]bool{}
		add := func(k model.EntityKey) {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if !h.Backward {
			// From entities point at cur through h.Relation.
			to := make([]model.EntityKey, len(cur))
			for n, e := range cur {
				to[n] = e.Key()
			}
			in, err := c.incoming(to, h.From, h.Relation)
			if err != nil {
				return nil, err
			}
			for _, k := range to {
				for _, f := range in[k] {
					add(f)
				}
			}
		} else {
			// cur entities point at From entities through h.Relation.
			for _, e := range cur {
				for _, t := range e.RelationTargets(h.Relation) {
					add(model.EntityKey{Blueprint: h.From, Identifier: t})
				}
			}
		}
		if i == 0 {
			break
		}
		got, err := c.fetch(keys)
		if err != nil {
			return nil, err
		}
		cur = cur[:0:0]
		for _, k := range keys {
			if e := got[k]; e != nil {
				cur = append(cur, e)
			}
		}
	}
	return keys, nil
}

// computedDefsChanged reports whether old and nb define computed properties
// differently.
func computedDefsChanged(old, nb *model.Blueprint) bool {
	enc := func(bp *model.Blueprint) string {
		b, _ := json.Marshal([]any{bp.MirrorProperties, bp.CalculationProperties, bp.AggregationProperties, bp.Ownership})
		return string(b)
	}
	return enc(old) != enc(nb)
}

// recomputeBlueprint recomputes every entity of bp and writes (and
// propagates) the values that moved.
func (s *Service) recomputeBlueprint(ctx context.Context, tx store.Tx, bp *model.Blueprint, o store.Origin) error {
	bps, err := blueprintMap(ctx, tx)
	if err != nil {
		return err
	}
	bps[bp.Identifier] = bp
	es, err := lockedEntities(ctx, tx, bp.Identifier)
	if err != nil || len(es) == 0 {
		return err
	}
	c := s.newComputer(ctx, tx, bps)
	befores := make([]*model.Entity, len(es))
	afters := make([]*model.Entity, len(es))
	for i, e := range es {
		normaliseEntity(bp, e)
		befores[i] = e
		afters[i] = cloneEntity(e)
	}
	if err := c.computeEntities(bp, afters); err != nil {
		return err
	}
	var changes []store.EntityChange
	for i, a := range afters {
		if !sameContent(befores[i], a) {
			changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: befores[i], After: a, Edges: edgesOf(bp, a)})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
		return fmt.Errorf("recompute entities of %s: %w", bp.Identifier, err)
	}
	return s.propagate(ctx, tx, bps, changes, o)
}
