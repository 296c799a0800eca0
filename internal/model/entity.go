package model

import (
	"encoding/json"
	"time"
)

// Entity is one catalog entity as stored and returned (port.md §2.1).
//
// Relations values are normalised by the catalog: a single relation holds a
// string (or nil when unset), a many relation a []string.
type Entity struct {
	Identifier string         `json:"identifier"`
	Title      string         `json:"title"`
	Icon       string         `json:"icon,omitempty"`
	Blueprint  string         `json:"blueprint"`
	Team       []string       `json:"team"`
	Properties map[string]any `json:"properties"`
	Relations  map[string]any `json:"relations"`

	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy string    `json:"updatedBy"`
}

// Key returns the entity's unique key.
func (e *Entity) Key() EntityKey { return EntityKey{Blueprint: e.Blueprint, Identifier: e.Identifier} }

// RelationTargets returns the identifiers a relation points at, whatever its
// cardinality.
func (e *Entity) RelationTargets(relation string) []string {
	return RelationValueTargets(e.Relations[relation])
}

// RelationValueTargets flattens a normalised relation value (string, []string,
// []any of strings, or nil) into a list of identifiers.
func RelationValueTargets(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// EntityKey identifies an entity: identifiers are unique per blueprint.
type EntityKey struct {
	Blueprint  string
	Identifier string
}

// EntityInput is an entity as a client sends it (port.md §2.1, §2.3). Identifier
// and Team may be a string or a search query; a relation value may be an
// identifier, a list of identifiers, null or a search query. Absent fields are
// nil raw messages, so PATCH and merge can tell "absent" from "null".
type EntityInput struct {
	Identifier json.RawMessage            `json:"identifier,omitempty"`
	Title      json.RawMessage            `json:"title,omitempty"`
	Icon       json.RawMessage            `json:"icon,omitempty"`
	Blueprint  string                     `json:"blueprint,omitempty"`
	Team       json.RawMessage            `json:"team,omitempty"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
	Relations  map[string]json.RawMessage `json:"relations,omitempty"`
}

// Edge is one relation instance: From's relation Relation points at To.
type Edge struct {
	From     EntityKey
	Relation string
	To       EntityKey
}
