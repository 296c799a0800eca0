package query

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// Graph gives the in-memory evaluator the relation edges it needs for
// relatedTo and matchAny. It must agree with the store's edges table.
type Graph interface {
	// Outgoing lists the edges leaving k.
	Outgoing(k model.EntityKey) []model.Edge
	// Incoming lists the edges pointing at k.
	Incoming(k model.EntityKey) []model.Edge
}

// MemGraph is a Graph over a list of edges.
type MemGraph struct {
	out, in map[model.EntityKey][]model.Edge
}

// NewMemGraph indexes edges.
func NewMemGraph(edges []model.Edge) *MemGraph {
	g := &MemGraph{out: map[model.EntityKey][]model.Edge{}, in: map[model.EntityKey][]model.Edge{}}
	for _, e := range edges {
		g.out[e.From] = append(g.out[e.From], e)
		g.in[e.To] = append(g.in[e.To], e)
	}
	return g
}

// Outgoing lists the edges leaving k.
func (g *MemGraph) Outgoing(k model.EntityKey) []model.Edge { return g.out[k] }

// Incoming lists the edges pointing at k.
func (g *MemGraph) Incoming(k model.EntityKey) []model.Edge { return g.in[k] }

// Evaluator matches entities against one bound query in memory. It caches
// graph walks that do not depend on the entity, so it is cheap to reuse over
// many entities of one graph; it is not safe for concurrent use.
type Evaluator struct {
	q     *Query
	g     Graph
	reach map[*Related]map[model.EntityKey]bool
	from  map[*MatchAny]map[model.EntityKey]bool
}

// ErrUnbound is returned when Eval or Compile get a query that was not Bind'ed.
var ErrUnbound = errors.New("query: not bound (call Bind first)")

// NewEvaluator returns an evaluator of q (which must be bound) over g (may be
// nil when q has no relatedTo or matchAny rule).
func NewEvaluator(q *Query, g Graph) (*Evaluator, error) {
	if q == nil || !q.bound {
		return nil, ErrUnbound
	}
	return &Evaluator{q: q, g: g, reach: map[*Related]map[model.EntityKey]bool{}, from: map[*MatchAny]map[model.EntityKey]bool{}}, nil
}

// Eval reports whether e matches the bound query q.
func Eval(q *Query, e *model.Entity, g Graph) (bool, error) {
	ev, err := NewEvaluator(q, g)
	if err != nil {
		return false, err
	}
	return ev.Match(e)
}

// Match reports whether e matches. A runtime panic is recovered into an
// internal error.
func (ev *Evaluator) Match(e *model.Entity) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("query eval: internal error: %v", r)
		}
	}()
	return ev.node(ev.q.Root, e), nil
}

func (ev *Evaluator) node(n Node, e *model.Entity) bool {
	switch n := n.(type) {
	case *Group:
		for _, r := range n.Rules {
			if ev.node(r, e) == n.Or {
				return n.Or
			}
		}
		return !n.Or
	case Const:
		return bool(n)
	case *Rule:
		return evalRule(n, e)
	case *Related:
		return ev.related(n)[e.Key()]
	case *MatchAny:
		return ev.matchAny(n, e)
	}
	panic(fmt.Sprintf("unbound node %T", n))
}

// atoms lists the values a field holds on e (see the package doc).
func atoms(e *model.Entity, f Field) []any {
	switch f.Kind {
	case FieldProperty:
		return valueAtoms(e.Properties[f.Name])
	case FieldRelation:
		var out []any
		for _, t := range model.RelationValueTargets(e.Relations[f.Name]) {
			out = append(out, t)
		}
		return out
	}
	switch f.Name {
	case "$identifier":
		return []any{e.Identifier}
	case "$title":
		return []any{e.Title}
	case "$icon":
		return []any{e.Icon}
	case "$blueprint":
		return []any{e.Blueprint}
	case "$createdBy":
		return []any{e.CreatedBy}
	case "$updatedBy":
		return []any{e.UpdatedBy}
	case "$createdAt":
		return []any{e.CreatedAt}
	case "$updatedAt":
		return []any{e.UpdatedAt}
	case "$team":
		out := make([]any, len(e.Team))
		for i, t := range e.Team {
			out[i] = t
		}
		return out
	}
	return nil
}

func valueAtoms(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

func isEmpty(e *model.Entity, f Field) bool {
	switch f.Kind {
	case FieldMeta:
		switch f.Name {
		case "$team":
			return len(e.Team) == 0
		case "$createdAt", "$updatedAt":
			return false
		}
		return atoms(e, f)[0] == ""
	case FieldRelation:
		return emptyValue(e.Relations[f.Name])
	}
	return emptyValue(e.Properties[f.Name])
}

func emptyValue(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case []string:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float32:
		return float64(t), true
	}
	return 0, false
}

func evalRule(r *Rule, e *model.Entity) bool {
	op, neg := r.Op, false
	if pos, ok := negations[op]; ok {
		op, neg = pos, true
	}
	return evalPositive(r, op, e) != neg
}

func evalPositive(r *Rule, op string, e *model.Entity) bool {
	if op == "isEmpty" {
		return isEmpty(e, r.Field)
	}
	if (op == "=" || op == "in" || op == "containsAny") && slices.Contains(r.Values, nil) && isEmpty(e, r.Field) {
		return true
	}
	for _, a := range atoms(e, r.Field) {
		if atomMatches(r, op, a) {
			return true
		}
	}
	return false
}

func atomMatches(r *Rule, op string, a any) bool {
	switch op {
	case "isExpired":
		switch a := a.(type) {
		case string:
			return a < r.Lo
		case time.Time:
			return a.Before(r.LoT)
		}
		return false
	case "between":
		switch a := a.(type) {
		case string:
			return a >= r.Lo && a <= r.Hi
		case time.Time:
			return !a.Before(r.LoT) && !a.After(r.HiT)
		}
		return false
	}
	for _, v := range r.Values {
		if v != nil && valueMatches(op, a, v) {
			return true
		}
	}
	return false
}

func valueMatches(op string, a, v any) bool {
	if at, ok := a.(time.Time); ok {
		s, ok := v.(string)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return false
		}
		c := at.Compare(t)
		switch op {
		case "=", "in", "containsAny":
			return c == 0
		}
		return cmpHolds(op, c)
	}
	switch op {
	case "=", "in", "containsAny":
		if af, ok := toFloat(a); ok {
			vf, ok := toFloat(v)
			return ok && af == vf
		}
		switch a := a.(type) {
		case string:
			s, ok := v.(string)
			return ok && a == s
		case bool:
			b, ok := v.(bool)
			return ok && a == b
		}
		return false
	case "contains", "beginsWith", "endsWith":
		as, ok1 := a.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return false
		}
		switch op {
		case "contains":
			return strings.Contains(as, vs)
		case "beginsWith":
			return strings.HasPrefix(as, vs)
		}
		return strings.HasSuffix(as, vs)
	case ">", ">=", "<", "<=":
		if af, ok := toFloat(a); ok {
			vf, ok := toFloat(v)
			if !ok {
				return false
			}
			c := 0
			if af < vf {
				c = -1
			} else if af > vf {
				c = 1
			}
			return cmpHolds(op, c)
		}
		as, ok1 := a.(string)
		vs, ok2 := v.(string)
		return ok1 && ok2 && cmpHolds(op, strings.Compare(as, vs))
	}
	return false
}

func cmpHolds(op string, c int) bool {
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	}
	return false
}

// related returns the set of entities a relatedTo rule matches.
func (ev *Evaluator) related(r *Related) map[model.EntityKey]bool {
	if s, ok := ev.reach[r]; ok {
		return s
	}
	var allowed map[RelationRef]bool
	if r.Allowed != nil {
		allowed = map[RelationRef]bool{}
		for _, a := range r.Allowed {
			allowed[a] = true
		}
	}
	follow := func(forward bool) map[model.EntityKey]bool {
		seen := map[model.EntityKey]bool{}
		var queue []model.EntityKey
		for _, id := range r.IDs {
			queue = append(queue, model.EntityKey{Blueprint: r.Blueprint, Identifier: id})
		}
		for len(queue) > 0 {
			k := queue[0]
			queue = queue[1:]
			var edges []model.Edge
			if forward {
				edges = ev.g.Outgoing(k)
			} else {
				edges = ev.g.Incoming(k)
			}
			for _, ed := range edges {
				if allowed != nil && !allowed[RelationRef{Blueprint: ed.From.Blueprint, Relation: ed.Relation}] {
					continue
				}
				next := ed.To
				if !forward {
					next = ed.From
				}
				if !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
		return seen
	}
	var s map[model.EntityKey]bool
	switch r.Direction {
	case "upstream":
		s = follow(true)
	case "downstream":
		s = follow(false)
	default:
		s = follow(true)
		for k := range follow(false) {
			s[k] = true
		}
	}
	ev.reach[r] = s
	return s
}

// walk follows steps forward from start and returns where it ends.
func (ev *Evaluator) walk(start map[model.EntityKey]bool, steps []Step) map[model.EntityKey]bool {
	cur := start
	for _, st := range steps {
		acc := map[model.EntityKey]bool{}
		front := cur
		for range st.MaxHops {
			next := map[model.EntityKey]bool{}
			for k := range front {
				for _, ed := range ev.g.Outgoing(k) {
					if ed.Relation == st.Relation {
						next[ed.To] = true
					}
				}
			}
			for k := range next {
				acc[k] = true
			}
			front = next
			if len(front) == 0 {
				break
			}
		}
		cur = acc
	}
	return cur
}

func (ev *Evaluator) matchAny(m *MatchAny, e *model.Entity) bool {
	if m.FromBlueprint != "" {
		s, ok := ev.from[m]
		if !ok {
			start := map[model.EntityKey]bool{}
			for _, id := range m.IDs {
				start[model.EntityKey{Blueprint: m.FromBlueprint, Identifier: id}] = true
			}
			s = ev.walk(start, m.Steps)
			ev.from[m] = s
		}
		return s[e.Key()]
	}
	for k := range ev.walk(map[model.EntityKey]bool{e.Key(): true}, m.Steps) {
		if slices.Contains(m.IDs, k.Identifier) {
			return true
		}
	}
	return false
}
