package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
)

// schemaURL is the resource name every compiled schema is registered under;
// each compile uses its own jsonschema.Compiler, so names never clash.
const schemaURL = "mem:///atrium/properties.json"

// EntitySchema is the JSON Schema (draft 2020-12, formats asserted) of one
// blueprint's properties, compiled once. It is safe for concurrent use.
type EntitySchema struct {
	sch *jsonschema.Schema
}

// CompileEntitySchema compiles bp's schema.properties and schema.required into
// an EntitySchema. Unknown properties are refused. Errors are
// *model.ValidationError naming "schema.properties.<id>".
func CompileEntitySchema(bp *model.Blueprint) (*EntitySchema, error) {
	props := make(map[string]any, len(bp.Schema.Properties))
	for id, p := range bp.Schema.Properties {
		props[id] = propertySchema(&p)
	}
	doc := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(bp.Schema.Required) > 0 {
		req := make([]any, len(bp.Schema.Required))
		for i, r := range bp.Schema.Required {
			req[i] = r
		}
		doc["required"] = req
	}
	sch, err := compileSchema(doc)
	if err != nil {
		// Find the property at fault for a precise field.
		ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", bp.Identifier)}
		for _, id := range sortedKeys(bp.Schema.Properties) {
			p := bp.Schema.Properties[id]
			if _, perr := compileSchema(propertySchema(&p)); perr != nil {
				ve.Add("schema.properties."+id, "is not a valid property schema: %s", compileMessage(perr))
			}
		}
		if len(ve.Fields) == 0 {
			ve.Add("schema", "is not a valid schema: %s", compileMessage(err))
		}
		return nil, ve
	}
	return &EntitySchema{sch: sch}, nil
}

// Validate checks an entity's properties (null values already removed).
// Errors are a *model.ValidationError whose fields read "properties.tier",
// "properties.tags[1]" or "properties.slo.target".
func (s *EntitySchema) Validate(props map[string]any) error {
	if props == nil {
		props = map[string]any{}
	}
	err := s.sch.Validate(props)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("validate properties: %w", err)
	}
	ve := &model.ValidationError{}
	collectSchemaErrors(ve, verr, props)
	if len(ve.Fields) == 0 {
		ve.Add("properties", "are not valid")
	}
	return ve
}

// validateValue checks one value against one property (used for defaults).
func validateValue(p *model.Property, v any) (string, bool) {
	sch, err := compileSchema(propertySchema(p))
	if err != nil {
		return "is not a valid property schema: " + compileMessage(err), false
	}
	if err := sch.Validate(v); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			ve := &model.ValidationError{}
			collectSchemaErrors(ve, verr, v)
			if len(ve.Fields) > 0 {
				return ve.Fields[0].Reason, false
			}
		}
		return "is not valid", false
	}
	return "", true
}

// propertySchema turns a property into a JSON Schema document.
func propertySchema(p *model.Property) map[string]any {
	m := map[string]any{"type": p.Type}
	if p.Format != "" {
		m["format"] = p.Format
	}
	if p.Enum != nil {
		m["enum"] = p.Enum
	}
	if p.MinLength != nil {
		m["minLength"] = *p.MinLength
	}
	if p.MaxLength != nil {
		m["maxLength"] = *p.MaxLength
	}
	if p.Pattern != "" {
		m["pattern"] = p.Pattern
	}
	if p.Minimum != nil {
		m["minimum"] = *p.Minimum
	}
	if p.Maximum != nil {
		m["maximum"] = *p.Maximum
	}
	if p.ExclusiveMinimum != nil {
		m["exclusiveMinimum"] = *p.ExclusiveMinimum
	}
	if p.ExclusiveMaximum != nil {
		m["exclusiveMaximum"] = *p.ExclusiveMaximum
	}
	if p.Items != nil {
		m["items"] = propertySchema(p.Items)
	}
	if p.MinItems != nil {
		m["minItems"] = *p.MinItems
	}
	if p.MaxItems != nil {
		m["maxItems"] = *p.MaxItems
	}
	if p.UniqueItems {
		m["uniqueItems"] = true
	}
	raw := func(key string, r json.RawMessage) {
		if r == nil {
			return
		}
		var v any
		if json.Unmarshal(r, &v) == nil {
			m[key] = v
		}
	}
	raw("properties", p.Properties)
	raw("additionalProperties", p.AdditionalProperties)
	raw("patternProperties", p.PatternProperties)
	if p.Required != nil {
		req := make([]any, len(p.Required))
		for i, r := range p.Required {
			req[i] = r
		}
		m["required"] = req
	}
	return m
}

// noLoader refuses every external reference: blueprint schemas are
// self-contained.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external schema %q cannot be loaded", u)
}

func compileSchema(doc any) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compile schema: %v", r)
		}
	}()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	for _, f := range customFormats {
		c.RegisterFormat(f)
	}
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

func compileMessage(err error) string {
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			leaves := leafErrors(ve, nil)
			if len(leaves) > 0 {
				l := leaves[0]
				loc := strings.Join(l.InstanceLocation, ".")
				if loc != "" {
					return loc + ": " + l.ErrorKind.LocalizedString(printer)
				}
				return l.ErrorKind.LocalizedString(printer)
			}
		}
	}
	msg := err.Error()
	msg = strings.ReplaceAll(msg, schemaURL, "schema")
	return msg
}

func leafErrors(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = leafErrors(c, out)
	}
	return out
}

// printer renders the validator's messages in English; read-only.
var printer = message.NewPrinter(language.English)

// customFormats are Port's formats that JSON Schema does not know (port.md
// §1.2). "url" replaces JSON Schema's "uri" name. Read-only.
var customFormats = []*jsonschema.Format{
	{Name: "url", Validate: validateURL},
	{Name: "user", Validate: validateUserFormat},
	{Name: "team", Validate: validateTeamFormat},
	{Name: "timer", Validate: validateTimer},
	{Name: "yaml", Validate: validateYAML},
	{Name: "markdown", Validate: func(any) error { return nil }},
	{Name: "proto", Validate: func(any) error { return nil }},
	{Name: "blueprints", Validate: validateBlueprintsFormat},
	{Name: "labeled-url", Validate: validateLabeledURL},
	{Name: "idn-email", Validate: validateUserFormat},
}

func validateURL(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return errors.New("not an absolute URL (scheme and host needed)")
	}
	return nil
}

// validateUserFormat accepts an email address: the value of a "user"
// property is the user's email (port.md §1.2).
func validateUserFormat(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if !userIDRe.MatchString(s) {
		return errors.New("not an email address")
	}
	return nil
}

// validateTeamFormat accepts a team identifier (the identifier of a _team
// entity); existence is not checked.
func validateTeamFormat(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if r := checkEntityID(s); r != "" {
		return errors.New("not a team identifier")
	}
	return nil
}

func validateBlueprintsFormat(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if r := checkBlueprintID(s); r != "" {
		return errors.New("not a blueprint identifier")
	}
	return nil
}

func validateTimer(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	// As date-time: RFC 3339, which allows lower-case 't' and 'z'.
	if _, err := query.ParseDateTime(s); err != nil {
		return errors.New("not an RFC 3339 date-time")
	}
	return nil
}

func validateYAML(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var out any
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		return errors.New("not valid YAML")
	}
	return nil
}

// validateLabeledURL accepts {"url": "...", "displayText": "..."}; url is
// required and must be an absolute URL, displayText is optional, nothing else
// is allowed.
func validateLabeledURL(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	u, ok := m["url"].(string)
	if !ok {
		return errors.New("needs a string url")
	}
	if err := validateURL(u); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	for k, x := range m {
		switch k {
		case "url":
		case "displayText":
			if _, ok := x.(string); !ok {
				return errors.New("displayText must be a string")
			}
		default:
			return fmt.Errorf("unexpected key %q (only url and displayText)", k)
		}
	}
	return nil
}

// collectSchemaErrors flattens a validation error tree into field errors
// named from the top of the entity body ("properties.x[1].y").
func collectSchemaErrors(ve *model.ValidationError, e *jsonschema.ValidationError, root any) {
	for _, l := range leafErrors(e, nil) {
		field := instanceField(l.InstanceLocation, root)
		switch k := l.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				ve.Add(joinField(field, p), "unknown property")
			}
		case *kind.Required:
			for _, p := range k.Missing {
				ve.Add(joinField(field, p), "is required")
			}
		default:
			ve.Add(field, "%s", plainMessage(l.ErrorKind))
		}
	}
	sort.SliceStable(ve.Fields, func(i, j int) bool { return ve.Fields[i].Field < ve.Fields[j].Field })
}

func joinField(base, key string) string {
	return base + "." + key
}

// instanceField maps an instance location to a field path, using the value
// to tell array indexes from object keys.
func instanceField(loc []string, root any) string {
	var b strings.Builder
	b.WriteString("properties")
	cur := root
	for _, tok := range loc {
		switch c := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(c) {
				cur = c[i]
			} else {
				cur = nil
			}
		case map[string]any:
			b.WriteString("." + tok)
			cur = c[tok]
		default:
			b.WriteString("." + tok)
			cur = nil
		}
	}
	return b.String()
}

// plainMessage renders a validator error kind in plain English.
func plainMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("must be %s, not %s", article(strings.Join(k.Want, " or ")), k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			b, _ := json.Marshal(w)
			want[i] = string(b)
		}
		return "must be one of " + strings.Join(want, ", ")
	case *kind.Format:
		msg := fmt.Sprintf("is not a valid %s", k.Want)
		if k.Err != nil {
			msg += ": " + k.Err.Error()
		}
		return msg
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s", k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("must be at least %s", ratString(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("must be at most %s", ratString(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be greater than %s", ratString(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be less than %s", ratString(k.Want))
	case *kind.MinItems:
		return fmt.Sprintf("must hold at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must hold at most %d items", k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("must not hold duplicates (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])
	case *kind.FalseSchema:
		return "unknown property"
	}
	return k.LocalizedString(printer)
}

func article(s string) string {
	switch {
	case s == "":
		return s
	case strings.ContainsRune("aeio", rune(s[0])):
		return "an " + s
	}
	return "a " + s
}

// ---- schema cache ----

// schemaCache holds one compiled schema per blueprint, keyed by identifier
// and replaced when the blueprint's updatedAt changes. mu guards entries.
type schemaCache struct {
	mu      sync.Mutex
	entries map[string]schemaEntry
}

type schemaEntry struct {
	updatedAt time.Time
	schema    *EntitySchema
}

// get returns bp's compiled schema, compiling it on a miss.
func (c *schemaCache) get(bp *model.Blueprint) (*EntitySchema, error) {
	c.mu.Lock()
	e, ok := c.entries[bp.Identifier]
	c.mu.Unlock()
	if ok && e.updatedAt.Equal(bp.UpdatedAt) {
		return e.schema, nil
	}
	sch, err := CompileEntitySchema(bp)
	if err != nil {
		return nil, fmt.Errorf("compile schema of blueprint %s: %w", bp.Identifier, err)
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]schemaEntry{}
	}
	c.entries[bp.Identifier] = schemaEntry{updatedAt: bp.UpdatedAt, schema: sch}
	c.mu.Unlock()
	return sch, nil
}

// drop forgets a blueprint's schema (after it changed or was deleted).
func (c *schemaCache) drop(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
