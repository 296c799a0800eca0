package query

import (
	"encoding/json"
	"fmt"
)

// MarshalJSON formats an unbound query back into Port's rule-tree JSON, so
// parse → format → parse is the identity (checked by FuzzParse). Bound
// queries cannot be formatted.
func (q *Query) MarshalJSON() ([]byte, error) {
	if q.bound {
		return nil, fmt.Errorf("query: a bound query cannot be formatted")
	}
	v, err := formatNode(q.Root)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func formatNode(n Node) (any, error) {
	switch n := n.(type) {
	case *Group:
		rules := make([]any, 0, len(n.Rules))
		for _, r := range n.Rules {
			v, err := formatNode(r)
			if err != nil {
				return nil, err
			}
			rules = append(rules, v)
		}
		comb := "and"
		if n.Or {
			comb = "or"
		}
		return map[string]any{"combinator": comb, "rules": rules}, nil
	case *Rule:
		m := map[string]any{"operator": n.Op}
		if n.Field.Kind == FieldRelation {
			m["relation"] = n.Field.Name
		} else {
			m["property"] = n.Field.Name
		}
		switch {
		case n.Range != nil && n.Range.Preset != "":
			m["value"] = map[string]any{"preset": n.Range.Preset}
		case n.Range != nil:
			m["value"] = map[string]any{"from": n.Range.From, "to": n.Range.To}
		case n.Context != nil:
			m["value"] = map[string]any{"context": n.Context.Kind, "property": n.Context.Property}
		case n.HasValue:
			m["value"] = n.Value
		}
		return m, nil
	case *Related:
		m := map[string]any{"operator": "relatedTo", "blueprint": n.Blueprint, "value": n.IDs}
		if n.Direction != "" {
			m["direction"] = n.Direction
		}
		if n.Required != nil {
			m["required"] = *n.Required
		}
		return m, nil
	case *MatchAny:
		path := make([]any, len(n.Steps))
		for i, s := range n.Steps {
			if s.MaxHops == 1 {
				path[i] = s.Relation
			} else {
				path[i] = map[string]any{"relation": s.Relation, "maxHops": s.MaxHops}
			}
		}
		prop := map[string]any{"path": path}
		if n.FromBlueprint != "" {
			prop["fromBlueprint"] = n.FromBlueprint
		}
		m := map[string]any{"operator": "matchAny", "property": prop, "value": n.IDs}
		if n.Context != nil {
			m["value"] = map[string]any{"context": n.Context.Kind, "property": n.Context.Property}
		}
		return m, nil
	case *SchemaRule:
		ps := map[string]any{"type": n.Type}
		if n.Format != "" {
			ps["format"] = n.Format
		}
		if n.Items != "" {
			ps["items"] = map[string]any{"type": n.Items}
		}
		return map[string]any{"propertySchema": ps, "operator": n.Op, "value": n.Value}, nil
	}
	return nil, fmt.Errorf("query: cannot format %T", n)
}
