// Package manifest reads portal-as-code files — blueprints and entities in
// YAML (multi-document) or JSON — and orders them for applying: blueprints in
// two passes that survive relation cycles, entities topologically by relation
// target and grouped per blueprint into bulk batches.
//
// A document is one of:
//   - a blueprint: an object with "schema", or with `kind: Blueprint`
//     (reference/port.md §1.1);
//   - an entity: `kind: Entity`, or an object with "blueprint" and
//     "identifier" but no "schema" (port.md §2.1);
//   - a list: {"blueprints": [...], "entities": [...]}, whose entities carry
//     "blueprint" (or inherit the list's own "blueprint").
//
// A top-level array is read as a list of documents. Every error names the file
// and the document index (0-based, in file order).
//
// It imports only model and the YAML library; the CLI (`atrium apply`) and the
// demo loader (internal/demo) use it.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// Source says where a blueprint or entity was read.
type Source struct {
	File string
	// Doc is the 0-based document index in File.
	Doc int
	// Item is the path inside the document ("" for a whole document,
	// "entities[3]" inside a list document).
	Item string
}

func (s Source) String() string {
	out := fmt.Sprintf("%s: document %d", s.File, s.Doc)
	if s.Item != "" {
		out += ": " + s.Item
	}
	return out
}

// Blueprint is one blueprint read from a manifest.
type Blueprint struct {
	model.Blueprint
	Source Source `json:"-"`
}

// Entity is one entity read from a manifest. Unlike model.EntityInput its
// identifier is always a plain string: manifests name what they declare.
type Entity struct {
	Blueprint  string         `json:"blueprint,omitempty"`
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Team       Teams          `json:"team,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Relations  map[string]any `json:"relations,omitempty"`

	Source Source `json:"-"`
}

// Key returns the entity's unique key.
func (e *Entity) Key() model.EntityKey {
	return model.EntityKey{Blueprint: e.Blueprint, Identifier: e.Identifier}
}

// Teams is an entity's owning teams; a manifest may give one as a string.
type Teams []string

// UnmarshalJSON accepts a string, a list of strings or null.
func (t *Teams) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = Teams{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("team must be a string or a list of strings")
	}
	*t = many
	return nil
}

// Body returns the entity as a Port create request body (port.md §2.1),
// without the blueprint, which the URL carries.
func (e *Entity) Body() map[string]any {
	body := map[string]any{"identifier": e.Identifier}
	if e.Title != "" {
		body["title"] = e.Title
	}
	if e.Icon != "" {
		body["icon"] = e.Icon
	}
	if e.Team != nil {
		body["team"] = []string(e.Team)
	}
	if e.Properties != nil {
		body["properties"] = e.Properties
	}
	if e.Relations != nil {
		body["relations"] = e.Relations
	}
	return body
}

// Input returns the entity as the catalog service takes it.
func (e *Entity) Input() (*model.EntityInput, error) {
	b, err := json.Marshal(e.Body())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Source, err)
	}
	var in model.EntityInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Source, err)
	}
	in.Blueprint = e.Blueprint
	return &in, nil
}

// RelationTargets returns every (blueprint-less) identifier the entity's
// relation rel points at. Search-query values yield nothing.
func (e *Entity) RelationTargets(rel string) []string {
	return model.RelationValueTargets(e.Relations[rel])
}

// Set is everything read from one or more manifests, in reading order.
type Set struct {
	Blueprints []*Blueprint
	Entities   []*Entity
}

// Add appends other's blueprints and entities to s.
func (s *Set) Add(other *Set) {
	s.Blueprints = append(s.Blueprints, other.Blueprints...)
	s.Entities = append(s.Entities, other.Entities...)
}

// Check reports blueprints or entities declared twice.
func (s *Set) Check() error {
	var errs []error
	bps := map[string]Source{}
	for _, bp := range s.Blueprints {
		if prev, ok := bps[bp.Identifier]; ok {
			errs = append(errs, fmt.Errorf("%s: blueprint %q is also declared at %s", bp.Source, bp.Identifier, prev))
			continue
		}
		bps[bp.Identifier] = bp.Source
	}
	ents := map[model.EntityKey]Source{}
	for _, e := range s.Entities {
		if prev, ok := ents[e.Key()]; ok {
			errs = append(errs, fmt.Errorf("%s: entity %s/%s is also declared at %s", e.Source, e.Blueprint, e.Identifier, prev))
			continue
		}
		ents[e.Key()] = e.Source
	}
	return errors.Join(errs...)
}

// IsManifestFile reports whether name has an extension Load reads.
func IsManifestFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// LoadFS reads root from fsys: a single file, or a directory walked
// recursively for *.yaml, *.yml and *.json files in lexical order. Names in
// errors are root-relative paths joined to root.
func LoadFS(fsys fs.FS, root string) (*Set, error) {
	info, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := fs.ReadFile(fsys, root)
		if err != nil {
			return nil, err
		}
		return Parse(root, data)
	}
	return loadDir(fsys, root, func(p string) string { return p })
}

// loadDir walks root in fsys (hidden directories skipped) and parses every
// manifest file, naming each in errors by display(path).
func loadDir(fsys fs.FS, root string, display func(string) string) (*Set, error) {
	set := &Set{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !IsManifestFile(p) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		one, err := Parse(display(p), data)
		if err != nil {
			return err
		}
		set.Add(one)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// Parse reads one file's contents; name (used in errors) decides JSON
// (*.json) or YAML (anything else).
func Parse(name string, data []byte) (set *Set, err error) {
	defer func() {
		if r := recover(); r != nil {
			set, err = nil, fmt.Errorf("%s: internal error reading manifest: %v", name, r)
		}
	}()
	var docs []document
	if strings.EqualFold(path.Ext(name), ".json") {
		docs, err = splitJSON(name, data)
	} else {
		docs, err = splitYAML(name, data)
	}
	if err != nil {
		return nil, err
	}
	set = &Set{}
	for _, d := range docs {
		if err := set.addDocument(Source{File: name, Doc: d.index, Item: d.item}, d.value, ""); err != nil {
			if d.line > 0 {
				return nil, fmt.Errorf("%w (line %d)", err, d.line)
			}
			return nil, err
		}
	}
	return set, nil
}

// document is one decoded document: a JSON-compatible value.
type document struct {
	value any
	index int    // 0-based document index in the file
	item  string // set when a top-level array was split
	line  int    // 1-based line where the document starts (YAML only)
}

func splitJSON(name string, data []byte) ([]document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var docs []document
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: invalid JSON: %v", name, n, err)
		}
		docs = append(docs, explode(v, n, 0)...)
		n++
	}
	return docs, nil
}

// explode turns a top-level array into one document per element.
func explode(v any, index, line int) []document {
	list, ok := v.([]any)
	if !ok {
		return []document{{value: v, index: index, line: line}}
	}
	out := make([]document, 0, len(list))
	for i, x := range list {
		out = append(out, document{value: x, index: index, item: fmt.Sprintf("[%d]", i), line: line})
	}
	return out
}

func (s *Set) addDocument(src Source, v any, defaultBlueprint string) error {
	if v == nil {
		return nil // an empty YAML document
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: expected an object (a blueprint, an entity or a list), got %s", src, jsonKind(v))
	}
	kind, _ := obj["kind"].(string)
	_, hasSchema := obj["schema"]
	_, hasIdentifier := obj["identifier"]
	_, hasBlueprint := obj["blueprint"]
	_, hasBlueprints := obj["blueprints"]
	_, hasEntities := obj["entities"]
	switch {
	case strings.EqualFold(kind, "Blueprint"), kind == "" && hasSchema:
		return s.addBlueprint(src, obj)
	case strings.EqualFold(kind, "Entity"), kind == "" && hasIdentifier && (hasBlueprint || defaultBlueprint != ""):
		return s.addEntity(src, obj, defaultBlueprint)
	case kind == "" && (hasBlueprints || hasEntities) && !hasIdentifier:
		return s.addList(src, obj)
	case kind != "":
		return fmt.Errorf("%s: unknown kind %q (want Blueprint or Entity)", src, kind)
	case hasIdentifier:
		return fmt.Errorf(`%s: entity %v has no "blueprint" (and a blueprint needs "schema")`, src, obj["identifier"])
	}
	return fmt.Errorf(`%s: not a blueprint ("schema"), an entity ("blueprint" and "identifier") or a list ("blueprints", "entities")`, src)
}

func (s *Set) addList(src Source, obj map[string]any) error {
	def := ""
	for k, v := range obj {
		switch k {
		case "blueprints", "entities", "apiVersion":
		case "blueprint":
			str, ok := v.(string)
			if !ok {
				return fmt.Errorf("%s: blueprint: want a string, got %s", src, jsonKind(v))
			}
			def = str
		default:
			return fmt.Errorf(`%s: unknown field %q in a list document (want "blueprints", "entities", "blueprint")`, src, k)
		}
	}
	for _, key := range []string{"blueprints", "entities"} {
		raw, ok := obj[key]
		if !ok || raw == nil {
			continue
		}
		list, ok := raw.([]any)
		if !ok {
			return fmt.Errorf("%s: %s: want a list, got %s", src, key, jsonKind(raw))
		}
		for i, item := range list {
			isrc := src
			isrc.Item = joinItem(src.Item, fmt.Sprintf("%s[%d]", key, i))
			m, ok := item.(map[string]any)
			if !ok {
				return fmt.Errorf("%s: want an object, got %s", isrc, jsonKind(item))
			}
			var err error
			if key == "blueprints" {
				err = s.addBlueprint(isrc, m)
			} else {
				err = s.addEntity(isrc, m, def)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func joinItem(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func (s *Set) addBlueprint(src Source, obj map[string]any) error {
	var bp Blueprint
	if err := decodeStrict(obj, &bp.Blueprint); err != nil {
		return fmt.Errorf("%s: blueprint: %v", src, err)
	}
	if bp.Identifier == "" {
		return fmt.Errorf("%s: blueprint: identifier is required", src)
	}
	bp.Source = src
	s.Blueprints = append(s.Blueprints, &bp)
	return nil
}

func (s *Set) addEntity(src Source, obj map[string]any, defaultBlueprint string) error {
	if id, ok := obj["identifier"]; ok {
		if _, isString := id.(string); !isString {
			return fmt.Errorf("%s: entity: identifier must be a string in a manifest, got %s", src, jsonKind(id))
		}
	}
	// Server-set meta fields are accepted and ignored, so the output of
	// `atrium get entities -o yaml` applies unchanged.
	obj = without(obj, "createdAt", "createdBy", "updatedAt", "updatedBy")
	var e Entity
	if err := decodeStrict(obj, &e); err != nil {
		return fmt.Errorf("%s: entity %v: %v", src, obj["identifier"], err)
	}
	if e.Blueprint == "" {
		e.Blueprint = defaultBlueprint
	}
	switch {
	case e.Identifier == "":
		return fmt.Errorf("%s: entity: identifier is required", src)
	case e.Blueprint == "":
		return fmt.Errorf("%s: entity %q: blueprint is required", src, e.Identifier)
	}
	e.Source = src
	s.Entities = append(s.Entities, &e)
	return nil
}

// without returns obj minus keys (obj itself when it holds none of them).
func without(obj map[string]any, keys ...string) map[string]any {
	var out map[string]any
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(obj))
			for k2, v := range obj {
				out[k2] = v
			}
		}
		delete(out, k)
	}
	if out == nil {
		return obj
	}
	return out
}

// decodeStrict decodes a JSON-compatible value into out, refusing unknown
// fields (a typo in a manifest should not pass silently). The "kind" and
// "apiVersion" envelope fields are dropped first.
func decodeStrict(obj map[string]any, out any) error {
	clean := make(map[string]any, len(obj))
	for k, v := range obj {
		if k == "kind" || k == "apiVersion" {
			continue
		}
		clean[k] = v
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return cleanJSONError(err)
	}
	return nil
}

// cleanJSONError rewords encoding/json errors for manifest authors.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Errorf("%s: want %s, got %s", field, te.Type.String(), te.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return errors.New(msg)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64, uint64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// BlueprintIDs returns the set's blueprint identifiers, sorted.
func (s *Set) BlueprintIDs() []string {
	ids := make([]string, 0, len(s.Blueprints))
	for _, bp := range s.Blueprints {
		ids = append(ids, bp.Identifier)
	}
	sort.Strings(ids)
	return ids
}

// Load reads a file or a directory (walked recursively, hidden directories
// skipped) from the operating system; errors name files as given, so
// `atrium apply -f examples/sdlc` reports "examples/sdlc/service.yaml: …".
func Load(p string) (*Set, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return Parse(p, data)
	}
	return loadDir(os.DirFS(p), ".", func(rel string) string { return filepath.Join(p, rel) })
}
