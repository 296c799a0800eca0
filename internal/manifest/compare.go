package manifest

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// BlueprintEqual reports whether applying want over have would change
// nothing: meta-properties (createdAt, …) are ignored, and absent maps equal
// empty ones.
func BlueprintEqual(want, have *model.Blueprint) bool {
	if want == nil || have == nil {
		return want == have
	}
	return reflect.DeepEqual(normalBlueprint(want), normalBlueprint(have))
}

func normalBlueprint(bp *model.Blueprint) any {
	c := *bp
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	c.CreatedBy, c.UpdatedBy = "", ""
	if len(c.Schema.Required) == 0 {
		c.Schema.Required = nil
	} else {
		c.Schema.Required = slices.Sorted(slices.Values(c.Schema.Required))
	}
	if c.Ownership != nil && c.Ownership.Type == "" {
		c.Ownership = nil
	}
	if len(c.ChangelogDestination) == 0 || string(c.ChangelogDestination) == "null" {
		c.ChangelogDestination = nil
	}
	return generic(&c)
}

// generic round-trips v through JSON, so that numbers, empty maps and
// omitted fields compare alike whatever side they came from.
func generic(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return err.Error()
	}
	return dropEmpty(out)
}

// dropEmpty removes null values and empty maps and lists from objects.
func dropEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			x = dropEmpty(x)
			if isEmpty(x) {
				delete(t, k)
				continue
			}
			t[k] = x
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = dropEmpty(x)
		}
		return t
	}
	return v
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// EntityEqual reports whether upserting want (which replaces the entity:
// fields not sent are dropped) over have would change nothing. bp, when
// known, lets properties the manifest leaves out match their defaults, and
// tells single from many relations.
func EntityEqual(want *Entity, have *model.Entity, bp *model.Blueprint) bool {
	if have == nil {
		return false
	}
	if want.Title != have.Title && !(want.Title == "" && (have.Title == have.Identifier || have.Title == "")) {
		return false
	}
	if want.Icon != have.Icon {
		return false
	}
	if !inherited(bp) && !sameSet(want.Team, have.Team) {
		return false
	}
	wp := genericMap(want.Properties)
	hp := genericMap(have.Properties)
	for k, hv := range hp {
		wv, ok := wp[k]
		if !ok {
			if hv == nil {
				continue
			}
			if bp != nil {
				if prop, declared := bp.Schema.Properties[k]; declared && prop.Default != nil &&
					reflect.DeepEqual(generic(prop.Default), dropEmpty(hv)) {
					continue
				}
				if _, declared := bp.Schema.Properties[k]; !declared {
					continue // computed (mirror, calculation, aggregation) values
				}
			}
			return false
		}
		if !reflect.DeepEqual(dropEmpty(wv), dropEmpty(hv)) {
			return false
		}
	}
	for k, wv := range wp {
		if _, ok := hp[k]; !ok && wv != nil {
			return false
		}
	}
	wr := want.Relations
	names := map[string]bool{}
	for k := range wr {
		names[k] = true
	}
	for k := range have.Relations {
		names[k] = true
	}
	for k := range names {
		if !sameSet(model.RelationValueTargets(normalRelation(wr[k])), model.RelationValueTargets(normalRelation(have.Relations[k]))) {
			return false
		}
		// A search-query relation value cannot be compared: call it changed.
		if _, isQuery := wr[k].(map[string]any); isQuery {
			return false
		}
	}
	return true
}

func normalRelation(v any) any {
	if l, ok := v.([]string); ok {
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return v
}

func genericMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out, _ := generic(m).(map[string]any)
	if out == nil {
		return map[string]any{}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// inherited reports whether bp's owning teams are computed (Inherited
// ownership), so an entity's team is the server's to decide.
func inherited(bp *model.Blueprint) bool {
	return bp != nil && bp.Ownership != nil && bp.Ownership.Type == model.OwnershipInherited
}

// WithoutComputed returns e without what the server computes for bp:
// mirror, calculation and aggregation values and, under Inherited
// ownership, the team. Output of `atrium get -o yaml` carries them, and the
// server refuses writes of computed properties, so apply drops them.
func WithoutComputed(e *Entity, bp *model.Blueprint) *Entity {
	if bp == nil {
		return e
	}
	c := *e
	if inherited(bp) {
		c.Team = nil
	}
	if len(e.Properties) > 0 {
		c.Properties = make(map[string]any, len(e.Properties))
		for k, v := range e.Properties {
			_, m := bp.MirrorProperties[k]
			_, calc := bp.CalculationProperties[k]
			_, agg := bp.AggregationProperties[k]
			if !m && !calc && !agg {
				c.Properties[k] = v
			}
		}
	}
	return &c
}
