package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/atrium-idp/atrium/internal/model"
)

// MaxDepth bounds the nesting of groups, so a hostile query cannot exhaust
// the stack of any executor.
const MaxDepth = 32

// MaxHops is the largest maxHops of a matchAny step (reference/port.md §2.5).
const MaxHops = 15

// ParseError says what is wrong with a query and where. It unwraps to
// model.ErrInvalid (422 through httpapi/errors.go).
type ParseError struct {
	Path string // e.g. "query.rules[2].operator"
	Msg  string
}

func (e *ParseError) Error() string { return e.Path + ": " + e.Msg }

// Unwrap returns model.ErrInvalid.
func (e *ParseError) Unwrap() error { return model.ErrInvalid }

// Parse parses a rule tree {combinator, rules}. Errors are *ParseError; a
// runtime panic (a bug) is recovered into an internal error so one query
// cannot crash a replica.
func Parse(data []byte) (q *Query, err error) {
	return ParseAt(data, "query")
}

// ParseAt is Parse with errors rooted at path instead of "query".
func ParseAt(data []byte, path string) (q *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, fmt.Errorf("query parser: internal error: %v", r)
		}
	}()
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &ParseError{Path: path, Msg: "not valid JSON"}
	}
	g, err := parseGroup(raw, path, 0)
	if err != nil {
		return nil, err
	}
	return &Query{Root: g}, nil
}

func perr(path, format string, args ...any) error {
	return &ParseError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, perr(path, "must be an object")
	}
	return m, nil
}

func str(m map[string]json.RawMessage, key, path string) (string, bool, error) {
	raw, ok := m[key]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, perr(path+"."+key, "must be a string")
	}
	return s, true, nil
}

func parseGroup(raw json.RawMessage, path string, depth int) (*Group, error) {
	if depth > MaxDepth {
		return nil, perr(path, "nested deeper than %d", MaxDepth)
	}
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	for k := range m {
		if k != "combinator" && k != "rules" {
			return nil, perr(path+"."+k, "unknown field")
		}
	}
	comb, ok, err := str(m, "combinator", path)
	if err != nil {
		return nil, err
	}
	g := &Group{Path: path}
	switch {
	case !ok:
		return nil, perr(path+".combinator", "is required")
	case comb == "or":
		g.Or = true
	case comb != "and":
		return nil, perr(path+".combinator", `must be "and" or "or"`)
	}
	var rules []json.RawMessage
	if r, ok := m["rules"]; !ok {
		return nil, perr(path+".rules", "is required")
	} else if err := json.Unmarshal(r, &rules); err != nil || rules == nil {
		return nil, perr(path+".rules", "must be an array")
	}
	for i, r := range rules {
		n, err := parseNode(r, path+".rules["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			return nil, err
		}
		g.Rules = append(g.Rules, n)
	}
	return g, nil
}

func parseNode(raw json.RawMessage, path string, depth int) (Node, error) {
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	if _, ok := m["combinator"]; ok {
		return parseGroup(raw, path, depth)
	}
	op, ok, err := str(m, "operator", path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, perr(path+".operator", "is required")
	}
	if _, ok := m["propertySchema"]; ok {
		return parseSchemaRule(m, op, path)
	}
	switch op {
	case "relatedTo":
		return parseRelated(m, path)
	case "matchAny":
		return parseMatchAny(m, path)
	}
	if !isFieldOp(op) {
		return nil, perr(path+".operator", "unknown operator %q", op)
	}
	r := &Rule{Path: path, Op: op}
	prop, okP, err := str(m, "property", path)
	if err != nil {
		return nil, err
	}
	rel, okR, err := str(m, "relation", path)
	if err != nil {
		return nil, err
	}
	switch {
	case okP && okR:
		return nil, perr(path, "has both property and relation")
	case okP && len(prop) > 0 && prop[0] == '$':
		if !metaFields[prop] {
			return nil, perr(path+".property", "unknown meta-property %q", prop)
		}
		r.Field = Field{Kind: FieldMeta, Name: prop}
	case okP && prop != "":
		r.Field = Field{Kind: FieldProperty, Name: prop}
	case okR && rel != "":
		r.Field = Field{Kind: FieldRelation, Name: rel}
	default:
		return nil, perr(path+".property", "is required")
	}
	for k := range m {
		switch k {
		case "property", "relation", "operator", "value":
		default:
			return nil, perr(path+"."+k, "unknown field")
		}
	}
	rawV, hasV := m["value"]
	if unaryOps[op] {
		if hasV {
			return nil, perr(path+".value", "operator %q takes no value", op)
		}
		return r, nil
	}
	if !hasV {
		return nil, perr(path+".value", "is required")
	}
	r.HasValue = true
	if rangeOps[op] {
		rg, err := parseRange(rawV, path+".value")
		if err != nil {
			return nil, err
		}
		r.Range = rg
		return r, nil
	}
	if c, ok, err := parseContext(rawV, path+".value"); err != nil {
		return nil, err
	} else if ok {
		r.Context = c
		return r, nil
	}
	v, err := scalarOrList(rawV, path+".value")
	if err != nil {
		return nil, err
	}
	r.Value = v
	return r, nil
}

// scalarOrList decodes a JSON scalar or an array of scalars.
func scalarOrList(raw json.RawMessage, path string) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, perr(path, "not valid JSON")
	}
	switch t := v.(type) {
	case nil, string, float64, bool:
		return v, nil
	case []any:
		for i, x := range t {
			switch x.(type) {
			case nil, string, float64, bool:
			default:
				return nil, perr(path+"["+strconv.Itoa(i)+"]", "must be a string, number, boolean or null")
			}
		}
		return t, nil
	}
	return nil, perr(path, "must be a string, number, boolean, null or an array of them")
}

func parseContext(raw json.RawMessage, path string) (*Context, bool, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false, nil
	}
	if _, ok := m["context"]; !ok {
		return nil, false, nil
	}
	kind, _, err := str(m, "context", path)
	if err != nil {
		return nil, false, err
	}
	if kind != "user" && kind != "userTeams" {
		return nil, false, perr(path+".context", `must be "user" or "userTeams"`)
	}
	prop, ok, err := str(m, "property", path)
	if err != nil {
		return nil, false, err
	}
	if !ok || prop == "" {
		return nil, false, perr(path+".property", "is required")
	}
	for k := range m {
		if k != "context" && k != "property" {
			return nil, false, perr(path+"."+k, "unknown field")
		}
	}
	return &Context{Kind: kind, Property: prop}, true, nil
}

func parseRange(raw json.RawMessage, path string) (*Range, error) {
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	rg := &Range{}
	preset, okP, err := str(m, "preset", path)
	if err != nil {
		return nil, err
	}
	if okP {
		if !isPreset(preset) {
			return nil, perr(path+".preset", "unknown date preset %q", preset)
		}
		if len(m) != 1 {
			return nil, perr(path, "preset excludes from and to")
		}
		rg.Preset = preset
		return rg, nil
	}
	var okF, okT bool
	if rg.From, okF, err = str(m, "from", path); err != nil {
		return nil, err
	}
	if rg.To, okT, err = str(m, "to", path); err != nil {
		return nil, err
	}
	if !okF || !okT || len(m) != 2 {
		return nil, perr(path, "must be {from, to} or {preset}")
	}
	return rg, nil
}

func idList(raw json.RawMessage, path string) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || many == nil {
		return nil, perr(path, "must be an identifier or a list of identifiers")
	}
	return many, nil
}

func parseRelated(m map[string]json.RawMessage, path string) (Node, error) {
	r := &Related{Path: path}
	var err error
	var ok bool
	if r.Blueprint, ok, err = str(m, "blueprint", path); err != nil {
		return nil, err
	} else if !ok || r.Blueprint == "" {
		return nil, perr(path+".blueprint", "is required")
	}
	raw, ok := m["value"]
	if !ok {
		return nil, perr(path+".value", "is required")
	}
	if r.IDs, err = idList(raw, path+".value"); err != nil {
		return nil, err
	}
	if r.Direction, _, err = str(m, "direction", path); err != nil {
		return nil, err
	}
	if r.Direction != "" && r.Direction != "upstream" && r.Direction != "downstream" {
		return nil, perr(path+".direction", `must be "upstream" or "downstream"`)
	}
	if raw, ok := m["required"]; ok {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, perr(path+".required", "must be a boolean")
		}
		r.Required = &b
	}
	for k := range m {
		switch k {
		case "operator", "blueprint", "value", "direction", "required":
		default:
			return nil, perr(path+"."+k, "unknown field")
		}
	}
	return r, nil
}

func parseMatchAny(m map[string]json.RawMessage, path string) (Node, error) {
	r := &MatchAny{Path: path}
	p, err := object(m["property"], path+".property")
	if err != nil {
		return nil, err
	}
	if r.FromBlueprint, _, err = str(p, "fromBlueprint", path+".property"); err != nil {
		return nil, err
	}
	var steps []json.RawMessage
	if err := json.Unmarshal(p["path"], &steps); err != nil || len(steps) == 0 {
		return nil, perr(path+".property.path", "must be a non-empty array")
	}
	hopped := false
	for i, s := range steps {
		sp := path + ".property.path[" + strconv.Itoa(i) + "]"
		var name string
		if json.Unmarshal(s, &name) == nil {
			if name == "" {
				return nil, perr(sp, "must name a relation")
			}
			r.Steps = append(r.Steps, Step{Relation: name, MaxHops: 1})
			continue
		}
		var st struct {
			Relation string `json:"relation"`
			MaxHops  *int   `json:"maxHops"`
		}
		if err := json.Unmarshal(s, &st); err != nil || st.Relation == "" {
			return nil, perr(sp, "must be a relation or {relation, maxHops}")
		}
		hops := 1
		if st.MaxHops != nil {
			if hopped {
				return nil, perr(sp+".maxHops", "only one step of a path may set maxHops")
			}
			hopped = true
			hops = *st.MaxHops
			if hops < 1 || hops > MaxHops {
				return nil, perr(sp+".maxHops", "must be 1 to %d", MaxHops)
			}
		}
		r.Steps = append(r.Steps, Step{Relation: st.Relation, MaxHops: hops})
	}
	raw, ok := m["value"]
	if !ok {
		return nil, perr(path+".value", "is required")
	}
	if c, ok, err := parseContext(raw, path+".value"); err != nil {
		return nil, err
	} else if ok {
		r.Context = c
	} else if r.IDs, err = idList(raw, path+".value"); err != nil {
		return nil, err
	}
	return r, nil
}

func parseSchemaRule(m map[string]json.RawMessage, op, path string) (Node, error) {
	if op != "=" && op != "!=" && op != "contains" {
		return nil, perr(path+".operator", `property-schema rules take "=", "!=" or "contains", not %q`, op)
	}
	var ps struct {
		Type   string `json:"type"`
		Format string `json:"format"`
		Items  *struct {
			Type string `json:"type"`
		} `json:"items"`
	}
	if err := json.Unmarshal(m["propertySchema"], &ps); err != nil || ps.Type == "" {
		return nil, perr(path+".propertySchema", "must be {type, format?, items?}")
	}
	r := &SchemaRule{Path: path, Type: ps.Type, Format: ps.Format, Op: op}
	if ps.Items != nil {
		r.Items = ps.Items.Type
	}
	raw, ok := m["value"]
	if !ok {
		return nil, perr(path+".value", "is required")
	}
	v, err := scalarOrList(raw, path+".value")
	if err != nil {
		return nil, err
	}
	r.Value = v
	return r, nil
}

// IsParseError reports whether err is a *ParseError.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}
