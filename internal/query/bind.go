package query

import (
	"fmt"
	"slices"
	"time"

	"github.com/atrium-idp/atrium/internal/clock"
	"github.com/atrium-idp/atrium/internal/model"
)

// Caller is who runs a query, for {"context": …} values. Until access
// control lands, callers pass it in.
type Caller struct {
	User  *model.Entity   // the caller's _user entity
	Teams []*model.Entity // the caller's _team entities
}

// Env is what Bind resolves a query against.
type Env struct {
	Schema Schema
	Clock  clock.Clock // required: date presets and isExpired
	Caller *Caller     // nil when there is no caller
}

// MyTeams is the special $team value standing for the caller's teams
// (reference/port.md §2.5).
const MyTeams = "My Teams"

// TimeText formats t as bounds are compared: RFC 3339 in UTC, with a
// fraction only when it is non-zero.
func TimeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Bind returns a copy of q ready for Eval and Compile: date presets and
// isExpired resolved against env.Clock, context values against env.Caller,
// property-schema rules expanded over env.Schema, and relatedTo's required
// turned into the relations to follow. q should have passed Check.
func Bind(q *Query, env Env) (out *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("query bind: internal error: %v", r)
		}
	}()
	if env.Clock == nil {
		return nil, fmt.Errorf("query bind: Env.Clock is required")
	}
	b := binder{env: env, now: env.Clock.Now().UTC()}
	n, err := b.node(q.Root)
	if err != nil {
		return nil, err
	}
	g, ok := n.(*Group)
	if !ok {
		g = &Group{Path: q.Root.Path, Rules: []Node{n}}
	}
	return &Query{Root: g, bound: true}, nil
}

type binder struct {
	env Env
	now time.Time
}

func (b *binder) node(n Node) (Node, error) {
	switch n := n.(type) {
	case *Group:
		g := &Group{Path: n.Path, Or: n.Or}
		for _, r := range n.Rules {
			c, err := b.node(r)
			if err != nil {
				return nil, err
			}
			g.Rules = append(g.Rules, c)
		}
		return g, nil
	case *Rule:
		return b.rule(n)
	case *Related:
		r := *n
		if len(r.IDs) == 0 {
			return Const(false), nil
		}
		if r.Required != nil {
			r.Allowed = []RelationRef{}
			for _, bp := range b.env.Schema.Blueprints {
				for name, rel := range bp.Relations {
					if rel.Required == *r.Required {
						r.Allowed = append(r.Allowed, RelationRef{Blueprint: bp.Identifier, Relation: name})
					}
				}
			}
			slices.SortFunc(r.Allowed, func(x, y RelationRef) int {
				if x.Blueprint != y.Blueprint {
					return compareStrings(x.Blueprint, y.Blueprint)
				}
				return compareStrings(x.Relation, y.Relation)
			})
		}
		return &r, nil
	case *MatchAny:
		m := *n
		if m.Context != nil {
			vals, err := b.context(m.Context, m.Path)
			if err != nil {
				return nil, err
			}
			m.IDs = nil
			for _, v := range vals {
				if s, ok := v.(string); ok {
					m.IDs = append(m.IDs, s)
				}
			}
			m.Context = nil
		}
		if len(m.IDs) == 0 {
			return Const(false), nil
		}
		m.Steps = slices.Clone(m.Steps)
		for i := range m.Steps {
			m.Steps[i].Targets = b.relationTargets(m.Steps[i].Relation)
		}
		return &m, nil
	case *SchemaRule:
		return b.schemaRule(n)
	case Const:
		return n, nil
	}
	return nil, fmt.Errorf("query bind: unknown node %T", n)
}

// relationTargets lists, sorted, the blueprints that relations named name
// target, across the schema.
func (b *binder) relationTargets(name string) []string {
	var out []string
	for _, bp := range b.env.Schema.Blueprints {
		if rel, ok := bp.Relations[name]; ok && !slices.Contains(out, rel.Target) {
			out = append(out, rel.Target)
		}
	}
	slices.Sort(out)
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (b *binder) rule(n *Rule) (Node, error) {
	r := *n
	if r.Field.Kind == FieldProperty {
		r.Field.ScalarDateTime = b.env.Schema.scalarDateTimeProperty(r.Field.Name)
	}
	op := r.Op
	if pos, ok := negations[op]; ok {
		op = pos
	}
	switch {
	case op == "isEmpty":
	case op == "isExpired":
		r.Lo, r.LoT = DateTimeText(b.now), b.now
	case rangeOps[op]:
		lo, hi, err := b.bounds(r.Range)
		if err != nil {
			return nil, &ParseError{Path: r.Path + ".value", Msg: err.Error()}
		}
		r.LoT, r.HiT = lo, hi
		r.Lo, r.Hi = DateTimeText(lo), DateTimeText(hi)
	case r.Context != nil:
		vals, err := b.context(r.Context, r.Path)
		if err != nil {
			return nil, err
		}
		r.Values = vals
	default:
		if l, ok := r.Value.([]any); ok {
			r.Values = slices.Clone(l)
		} else {
			r.Values = []any{r.Value}
		}
		if r.Field == (Field{Kind: FieldMeta, Name: "$team"}) && slices.Contains(r.Values, any(MyTeams)) {
			if b.env.Caller == nil {
				return nil, &ParseError{Path: r.Path + ".value", Msg: "\"" + MyTeams + "\" needs a signed-in caller"}
			}
			r.Values = slices.DeleteFunc(r.Values, func(v any) bool { return v == any(MyTeams) })
			for _, t := range b.env.Caller.Teams {
				r.Values = append(r.Values, t.Identifier)
			}
		}
		if r.Field.Kind == FieldProperty && (scalarOps[op] || listOps[op] || orderOps[op]) && b.env.Schema.dateTimeProperty(r.Field.Name) {
			// Stored date-times are canonical (datetime.go): so must be what
			// they are compared with.
			for i, v := range r.Values {
				if s, ok := v.(string); ok {
					if c, ok := CanonicalDateTime(s); ok {
						r.Values[i] = c
					}
				}
			}
		}
	}
	return &r, nil
}

func (b *binder) bounds(rg *Range) (lo, hi time.Time, err error) {
	if rg.Preset == "" {
		lo, err = ParseDateTime(rg.From)
		if err != nil {
			return lo, hi, fmt.Errorf("from must be an RFC 3339 date-time")
		}
		hi, err = ParseDateTime(rg.To)
		if err != nil {
			return lo, hi, fmt.Errorf("to must be an RFC 3339 date-time")
		}
		return lo.UTC(), hi.UTC(), nil
	}
	now := b.now.Truncate(time.Second)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// A whole day ends at its last instant, so a $createdAt at 23:59:59.5
	// is in it; as text the bound is 23:59:59Z, which holds every canonical
	// value of that day.
	const d, end = 24 * time.Hour, 24*time.Hour - time.Nanosecond
	switch rg.Preset {
	case "today":
		return day, day.Add(end), nil
	case "yesterday":
		return day.Add(-d), day.Add(-d + end), nil
	case "tomorrow":
		return day.Add(d), day.Add(d + end), nil
	}
	n := time.Duration(presetDays[rg.Preset]) * d
	if rg.Preset[:4] == "next" {
		return now, now.Add(n), nil
	}
	return now.Add(-n), now, nil
}

// context resolves a {"context": …} value to the atoms of its property on
// the caller's user or teams.
func (b *binder) context(c *Context, path string) ([]any, error) {
	if b.env.Caller == nil {
		return nil, &ParseError{Path: path + ".value.context", Msg: "needs a signed-in caller"}
	}
	var ents []*model.Entity
	if c.Kind == "user" {
		if b.env.Caller.User != nil {
			ents = append(ents, b.env.Caller.User)
		}
	} else {
		ents = b.env.Caller.Teams
	}
	f := Field{Kind: FieldProperty, Name: c.Property}
	if len(c.Property) > 0 && c.Property[0] == '$' {
		f.Kind = FieldMeta
	}
	vals := []any{}
	for _, e := range ents {
		for _, a := range atoms(e, f) {
			if t, ok := a.(time.Time); ok {
				a = TimeText(t)
			}
			vals = append(vals, a)
		}
	}
	return vals, nil
}

func (b *binder) schemaRule(n *SchemaRule) (Node, error) {
	g := &Group{Path: n.Path, Or: n.Op != "!="}
	seen := map[string]bool{}
	for _, bp := range b.env.Schema.scope() {
		names := make([]string, 0, len(bp.Schema.Properties))
		for name := range bp.Schema.Properties {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			p := bp.Schema.Properties[name]
			if seen[name] || p.Type != n.Type || (n.Format != "" && p.Format != n.Format) {
				continue
			}
			if n.Items != "" && (p.Items == nil || p.Items.Type != n.Items) {
				continue
			}
			seen[name] = true
			r, err := b.rule(&Rule{Path: n.Path, Field: Field{Kind: FieldProperty, Name: name}, Op: n.Op, Value: n.Value, HasValue: true})
			if err != nil {
				return nil, err
			}
			g.Rules = append(g.Rules, r)
		}
	}
	return g, nil
}
