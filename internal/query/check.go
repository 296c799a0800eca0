package query

import (
	"fmt"
	"slices"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// Schema is what Check and Bind know of the catalog.
type Schema struct {
	// Blueprints holds every blueprint (relation and relatedTo targets may
	// name any of them).
	Blueprints []*model.Blueprint
	// Scope lists the blueprints the query ranges over; empty means all.
	// Properties must exist on at least one of them.
	Scope []string
}

func (s Schema) blueprint(id string) *model.Blueprint {
	for _, b := range s.Blueprints {
		if b.Identifier == id {
			return b
		}
	}
	return nil
}

func (s Schema) scope() []*model.Blueprint {
	if len(s.Scope) == 0 {
		return s.Blueprints
	}
	var out []*model.Blueprint
	for _, b := range s.Blueprints {
		if slices.Contains(s.Scope, b.Identifier) {
			out = append(out, b)
		}
	}
	return out
}

// atomType is the type of a field's atoms: "string", "number", "boolean",
// "time" (meta timestamps), "any" (array without items) or "object".
func fieldTypes(s Schema, f Field) ([]string, string) {
	switch f.Kind {
	case FieldMeta:
		switch f.Name {
		case "$createdAt", "$updatedAt":
			return []string{"time"}, ""
		}
		return []string{"string"}, ""
	case FieldRelation:
		for _, b := range s.scope() {
			if _, ok := b.Relations[f.Name]; ok {
				return []string{"string"}, ""
			}
		}
		return nil, fmt.Sprintf("unknown relation %q", f.Name)
	}
	var types []string
	computed := false
	for _, b := range s.scope() {
		if p, ok := b.Schema.Properties[f.Name]; ok {
			t := p.Type
			if t == "array" {
				t = "any"
				if p.Items != nil && p.Items.Type != "" {
					t = p.Items.Type
				}
			}
			types = append(types, t)
		}
		// Computed values are materialised in properties (catalog/computed.go),
		// so they are queried like stored ones: an aggregation is a number, a
		// calculation has its declared type, a mirror any type (its target's,
		// or a list of them through a many relation).
		if _, ok := b.MirrorProperties[f.Name]; ok {
			types = append(types, "any")
			computed = true
		}
		if c, ok := b.CalculationProperties[f.Name]; ok {
			t := c.Type
			if t == "array" || t == "" {
				t = "any"
			}
			types = append(types, t)
			computed = true
		}
		if _, ok := b.AggregationProperties[f.Name]; ok {
			types = append(types, "number")
			computed = true
		}
	}
	_ = computed
	if len(types) == 0 {
		return nil, fmt.Sprintf("unknown property %q", f.Name)
	}
	return types, ""
}

// valueFits reports whether JSON scalar v can match atoms of type t.
func valueFits(v any, t string) bool {
	switch t {
	case "any":
		return true
	case "time":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case "object":
		return false
	}
	switch v.(type) {
	case string:
		return t == "string"
	case float64:
		return t == "number"
	case bool:
		return t == "boolean"
	}
	return false
}

func anyFits(v any, types []string) bool {
	for _, t := range types {
		if valueFits(v, t) {
			return true
		}
	}
	return false
}

// Check validates q against the catalog schema. It returns a
// *model.ValidationError naming each bad rule by path (e.g.
// "query.rules[2].property") for an unknown blueprint, property, relation
// or a value of the wrong type.
func Check(q *Query, s Schema) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("query check: internal error: %v", r)
		}
	}()
	ve := &model.ValidationError{Subject: "query"}
	for _, id := range s.Scope {
		if s.blueprint(id) == nil {
			ve.Add("blueprint", "unknown blueprint %q", id)
		}
	}
	checkNode(q.Root, s, ve)
	return ve.Err()
}

func checkNode(n Node, s Schema, ve *model.ValidationError) {
	switch n := n.(type) {
	case *Group:
		for _, r := range n.Rules {
			checkNode(r, s, ve)
		}
	case *Rule:
		checkRule(n, s, ve)
	case *Related:
		if s.blueprint(n.Blueprint) == nil {
			ve.Add(n.Path+".blueprint", "unknown blueprint %q", n.Blueprint)
		}
	case *MatchAny:
		if n.FromBlueprint != "" && s.blueprint(n.FromBlueprint) == nil {
			ve.Add(n.Path+".property.fromBlueprint", "unknown blueprint %q", n.FromBlueprint)
		}
		for i, st := range n.Steps {
			found := false
			for _, b := range s.Blueprints {
				if _, ok := b.Relations[st.Relation]; ok {
					found = true
				}
			}
			if !found {
				ve.Add(fmt.Sprintf("%s.property.path[%d]", n.Path, i), "unknown relation %q", st.Relation)
			}
		}
	case *SchemaRule:
		switch n.Value.(type) {
		case []any:
			ve.Add(n.Path+".value", "must be a single value")
		}
	}
}

func checkRule(r *Rule, s Schema, ve *model.ValidationError) {
	types, msg := fieldTypes(s, r.Field)
	if msg != "" {
		field := ".property"
		if r.Field.Kind == FieldRelation {
			field = ".relation"
		}
		ve.Add(r.Path+field, "%s", msg)
		return
	}
	op := r.Op
	if pos, ok := negations[op]; ok {
		op = pos
	}
	onlyObject := !slices.ContainsFunc(types, func(t string) bool { return t != "object" })
	if onlyObject && op != "isEmpty" {
		ve.Add(r.Path+".operator", "operator %q does not apply to an object property", r.Op)
		return
	}
	hasType := func(want ...string) bool {
		return slices.ContainsFunc(types, func(t string) bool { return t == "any" || slices.Contains(want, t) })
	}
	switch {
	case op == "isEmpty":
		return
	case op == "isExpired":
		if !hasType("string", "time") {
			ve.Add(r.Path+".operator", "operator %q needs a date-time property", r.Op)
		}
		return
	case rangeOps[op]:
		if !hasType("string", "time") {
			ve.Add(r.Path+".operator", "operator %q needs a date-time property", r.Op)
		}
		if r.Range.Preset == "" {
			for _, b := range []struct{ name, v string }{{"from", r.Range.From}, {"to", r.Range.To}} {
				if _, err := ParseDateTime(b.v); err != nil {
					ve.Add(r.Path+".value."+b.name, "must be an RFC 3339 date-time")
				}
			}
		}
		return
	}
	if r.Context != nil {
		return
	}
	vals, isList := r.Value.([]any)
	switch {
	case scalarOps[op] || textOps[op] || orderOps[op]:
		if isList {
			ve.Add(r.Path+".value", "operator %q takes a single value", r.Op)
			return
		}
		vals = []any{r.Value}
	case !isList:
		vals = []any{r.Value}
	}
	for _, v := range vals {
		switch {
		case v == nil && (op == "=" || op == "in" || op == "containsAny"):
		case v == nil:
			ve.Add(r.Path+".value", "operator %q takes no null", r.Op)
			return
		case textOps[op]:
			if _, ok := v.(string); !ok || !hasType("string") {
				ve.Add(r.Path+".value", "operator %q needs a string property and value", r.Op)
				return
			}
		case orderOps[op]:
			_, isNum := v.(float64)
			_, isStr := v.(string)
			if !(isNum || isStr) || !anyFits(v, types) {
				ve.Add(r.Path+".value", "%v does not compare with a %s property", v, types[0])
				return
			}
		default:
			if !anyFits(v, types) {
				ve.Add(r.Path+".value", "%s value does not match a %s property", jsonKind(v), types[0])
				return
			}
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "array"
}
