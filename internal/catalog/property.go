package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
)

// Property types and formats of port.md §1.2.
var (
	propertyTypes = map[string]bool{"string": true, "number": true, "boolean": true, "object": true, "array": true}
	// itemTypes are the types an array's items may have (port.md §1.2).
	itemTypes     = map[string]bool{"string": true, "number": true, "boolean": true, "object": true}
	stringFormats = map[string]bool{
		"date-time": true, "url": true, "email": true, "idn-email": true, "ipv4": true, "ipv6": true,
		"markdown": true, "yaml": true, "user": true, "team": true, "timer": true, "proto": true, "blueprints": true,
	}
	objectFormats = map[string]bool{"labeled-url": true}
	specs         = map[string]bool{"open-api": true, "async-api": true, "embedded-url": true}
	// enumColors are the colours an enum value may be shown in (port.md §1.2).
	enumColors = map[string]bool{
		"blue": true, "turquoise": true, "orange": true, "purple": true, "pink": true, "yellow": true,
		"green": true, "red": true, "darkGray": true, "lightGray": true, "bronze": true,
	}
	// calcColors add the level colours allowed on colorized calculation properties.
	calcColors = map[string]bool{"gold": true, "silver": true, "paleBlue": true, "lime": true, "olive": true, "brown": true}
)

const (
	maxTitleLen       = 100
	maxDescriptionLen = 200
)

// checkProperty validates one property definition, recording problems under
// field (e.g. "schema.properties.tier"). Defaults are checked separately,
// against the compiled schema (checkDefault).
func checkProperty(ve *model.ValidationError, field string, p *model.Property, isItems bool) {
	switch {
	case p.Type == "":
		ve.Add(field+".type", "is required (string, number, boolean, object or array)")
		return
	case isItems && !itemTypes[p.Type]:
		ve.Add(field+".type", "array items must be string, number, boolean or object, not %q", p.Type)
		return
	case !propertyTypes[p.Type]:
		ve.Add(field+".type", "must be string, number, boolean, object or array, not %q", p.Type)
		return
	}
	if len(p.Title) > maxTitleLen {
		ve.Add(field+".title", "must be at most %d characters long", maxTitleLen)
	}
	if p.Format != "" {
		ok := (p.Type == "string" && stringFormats[p.Format]) || (p.Type == "object" && objectFormats[p.Format])
		if !ok {
			ve.Add(field+".format", "format %q is not allowed for type %q", p.Format, p.Type)
		}
	}
	if p.Spec != "" && !specs[p.Spec] {
		ve.Add(field+".spec", "must be open-api, async-api or embedded-url, not %q", p.Spec)
	}
	checkEnum(ve, field, p)

	notFor := func(key string, set bool, types ...string) {
		if !set {
			return
		}
		for _, t := range types {
			if p.Type == t {
				return
			}
		}
		ve.Add(field+"."+key, "is only allowed for type %s, not %q", types[0], p.Type)
	}
	notFor("minLength", p.MinLength != nil, "string")
	notFor("maxLength", p.MaxLength != nil, "string")
	notFor("pattern", p.Pattern != "", "string")
	notFor("minimum", p.Minimum != nil, "number")
	notFor("maximum", p.Maximum != nil, "number")
	notFor("exclusiveMinimum", p.ExclusiveMinimum != nil, "number")
	notFor("exclusiveMaximum", p.ExclusiveMaximum != nil, "number")
	notFor("items", p.Items != nil, "array")
	notFor("minItems", p.MinItems != nil, "array")
	notFor("maxItems", p.MaxItems != nil, "array")
	notFor("uniqueItems", p.UniqueItems, "array")
	notFor("properties", p.Properties != nil, "object")
	notFor("additionalProperties", p.AdditionalProperties != nil, "object")
	notFor("patternProperties", p.PatternProperties != nil, "object")
	notFor("required", p.Required != nil, "object")

	nonNeg := func(key string, v *int) {
		if v != nil && *v < 0 {
			ve.Add(field+"."+key, "must not be negative")
		}
	}
	nonNeg("minLength", p.MinLength)
	nonNeg("maxLength", p.MaxLength)
	nonNeg("minItems", p.MinItems)
	nonNeg("maxItems", p.MaxItems)
	if p.MinLength != nil && p.MaxLength != nil && *p.MinLength > *p.MaxLength {
		ve.Add(field+".maxLength", "must not be less than minLength (%d)", *p.MinLength)
	}
	if p.MinItems != nil && p.MaxItems != nil && *p.MinItems > *p.MaxItems {
		ve.Add(field+".maxItems", "must not be less than minItems (%d)", *p.MinItems)
	}
	if p.Minimum != nil && p.Maximum != nil && *p.Minimum > *p.Maximum {
		ve.Add(field+".maximum", "must not be less than minimum (%v)", *p.Minimum)
	}
	if p.ExclusiveMinimum != nil && p.ExclusiveMaximum != nil && *p.ExclusiveMinimum >= *p.ExclusiveMaximum {
		ve.Add(field+".exclusiveMaximum", "must be greater than exclusiveMinimum (%v)", *p.ExclusiveMinimum)
	}
	if p.Pattern != "" {
		if _, err := regexp.Compile(p.Pattern); err != nil {
			ve.Add(field+".pattern", "is not a valid regular expression (RE2 syntax; no look-around): %v", err)
		}
	}
	if p.Items != nil {
		checkProperty(ve, field+".items", p.Items, true)
	}
	if p.Type == "object" {
		for _, kw := range []struct {
			key string
			raw json.RawMessage
		}{{"properties", p.Properties}, {"additionalProperties", p.AdditionalProperties}, {"patternProperties", p.PatternProperties}} {
			if kw.raw == nil {
				continue
			}
			var v any
			if err := json.Unmarshal(kw.raw, &v); err != nil {
				ve.Add(field+"."+kw.key, "must be valid JSON")
			}
		}
	}
}

// checkEnum checks enum values against the property type and enumColors
// against the enum and the colour list.
func checkEnum(ve *model.ValidationError, field string, p *model.Property) {
	if p.Enum != nil {
		if p.Type != "string" && p.Type != "number" {
			ve.Add(field+".enum", "is only allowed for types string and number, not %q", p.Type)
			return
		} else if len(p.Enum) == 0 {
			ve.Add(field+".enum", "must hold at least one value")
		}
		seen := map[any]bool{}
		for i, v := range p.Enum {
			switch v.(type) {
			case string:
				if p.Type != "string" {
					ve.Add(fmt.Sprintf("%s.enum[%d]", field, i), "must be a %s", p.Type)
				}
			case float64:
				if p.Type != "number" {
					ve.Add(fmt.Sprintf("%s.enum[%d]", field, i), "must be a %s", p.Type)
				}
			default:
				ve.Add(fmt.Sprintf("%s.enum[%d]", field, i), "must be a %s", p.Type)
				continue
			}
			if seen[v] {
				ve.Add(fmt.Sprintf("%s.enum[%d]", field, i), "duplicates an earlier value")
			}
			seen[v] = true
		}
	}
	if len(p.EnumColors) == 0 {
		return
	}
	if p.Enum == nil {
		ve.Add(field+".enumColors", "needs enum")
		return
	}
	values := map[string]bool{}
	for _, v := range p.Enum {
		values[fmt.Sprint(v)] = true
	}
	keys := make([]string, 0, len(p.EnumColors))
	for k := range p.EnumColors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !values[k] {
			ve.Add(field+".enumColors."+k, "is not one of the enum values")
		}
		if c := p.EnumColors[k]; !enumColors[c] {
			ve.Add(field+".enumColors."+k, "color %q is not one of blue, turquoise, orange, purple, pink, yellow, green, red, darkGray, lightGray, bronze", c)
		}
	}
}

// shapeOf is a property's immutable shape: its type and, for arrays, the
// type of its items (port.md §1.1: type and single-vs-list are immutable).
func shapeOf(p model.Property) string {
	if p.Type == "array" && p.Items != nil {
		return "array of " + p.Items.Type
	}
	return p.Type
}

// normaliseDateTimes rewrites, in props, the values of bp's date-time and
// timer properties (and arrays of them) to the canonical form
// query.DateTimeText — RFC 3339, UTC, whole seconds — so that text order is
// time order in every executor (docs/data-model.md, "Date-times"). Values
// that are not RFC 3339 date-times are left as they are. Lists are copied,
// never changed in place: property values may be shared with a before-state.
// It reports whether anything changed.
func normaliseDateTimes(bp *model.Blueprint, props map[string]any) bool {
	changed := false
	for k, v := range props {
		p, ok := bp.Schema.Properties[k]
		if !ok {
			continue
		}
		switch {
		case p.Type == "string" && query.IsDateTimeFormat(p.Format):
			if c, ok := canonicalDateTime(v); ok {
				props[k], changed = c, true
			}
		case p.Type == "array" && p.Items != nil && query.IsDateTimeFormat(p.Items.Format):
			l, ok := v.([]any)
			if !ok {
				continue
			}
			var out []any
			for i, x := range l {
				if c, ok := canonicalDateTime(x); ok {
					if out == nil {
						out = slices.Clone(l)
					}
					out[i] = c
				}
			}
			if out != nil {
				props[k], changed = out, true
			}
		}
	}
	return changed
}

// canonicalDateTime returns v's canonical date-time text when v is a
// date-time string not already in that form.
func canonicalDateTime(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	c, ok := query.CanonicalDateTime(s)
	return c, ok && c != s
}
