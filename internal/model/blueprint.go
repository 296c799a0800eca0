package model

import (
	"encoding/json"
	"time"
)

// Blueprint is a user-defined entity type (reference/port.md §1.1). Its JSON
// shape follows Port's public API so Port clients work unchanged.
type Blueprint struct {
	Identifier            string                         `json:"identifier"`
	Title                 string                         `json:"title"`
	Icon                  string                         `json:"icon,omitempty"`
	Description           string                         `json:"description,omitempty"`
	Ownership             *Ownership                     `json:"ownership,omitempty"`
	Schema                BlueprintSchema                `json:"schema"`
	MirrorProperties      map[string]MirrorProperty      `json:"mirrorProperties"`
	CalculationProperties map[string]CalculationProperty `json:"calculationProperties"`
	AggregationProperties map[string]AggregationProperty `json:"aggregationProperties"`
	Relations             map[string]Relation            `json:"relations"`
	ChangelogDestination  json.RawMessage                `json:"changelogDestination,omitempty"`
	IncludeInGlobalSearch *bool                          `json:"includeInGlobalSearch,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy string    `json:"updatedBy"`
}

// System blueprint identifiers, present from the first start (port.md §1.10).
const (
	UserBlueprint = "_user"
	TeamBlueprint = "_team"
)

// IsSystemBlueprint reports whether id names a blueprint Atrium owns.
func IsSystemBlueprint(id string) bool { return len(id) > 0 && id[0] == '_' }

// BlueprintSchema holds the stored properties and which of them are required.
type BlueprintSchema struct {
	Properties map[string]Property `json:"properties"`
	Required   []string            `json:"required"`
}

// Property is one stored property (port.md §1.2): a JSON-Schema subset with
// Port's extensions (format values such as user, team, timer; enumColors; spec).
type Property struct {
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
	Format      string `json:"format,omitempty"`
	Spec        string `json:"spec,omitempty"`
	// SpecAuthentication is kept as sent (OAuth settings of an embedded spec).
	SpecAuthentication json.RawMessage   `json:"specAuthentication,omitempty"`
	Default            any               `json:"default,omitempty"`
	Enum               []any             `json:"enum,omitempty"`
	EnumColors         map[string]string `json:"enumColors,omitempty"`

	MinLength *int   `json:"minLength,omitempty"`
	MaxLength *int   `json:"maxLength,omitempty"`
	Pattern   string `json:"pattern,omitempty"`

	Minimum          *float64 `json:"minimum,omitempty"`
	Maximum          *float64 `json:"maximum,omitempty"`
	ExclusiveMinimum *float64 `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum *float64 `json:"exclusiveMaximum,omitempty"`

	Items       *Property `json:"items,omitempty"`
	MinItems    *int      `json:"minItems,omitempty"`
	MaxItems    *int      `json:"maxItems,omitempty"`
	UniqueItems bool      `json:"uniqueItems,omitempty"`

	// Object sub-schema keywords, passed to JSON Schema as sent.
	Properties           json.RawMessage `json:"properties,omitempty"`
	AdditionalProperties json.RawMessage `json:"additionalProperties,omitempty"`
	PatternProperties    json.RawMessage `json:"patternProperties,omitempty"`
	Required             []string        `json:"required,omitempty"`
}

// Relation is a typed edge from entities of one blueprint to entities of Target.
type Relation struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Target      string `json:"target"`
	Required    bool   `json:"required"`
	Many        bool   `json:"many"`
}

// MirrorProperty shows a property of a related entity (port.md §1.5).
type MirrorProperty struct {
	Title string `json:"title,omitempty"`
	Path  string `json:"path"`
}

// CalculationProperty is a jq expression over the entity (port.md §1.6).
type CalculationProperty struct {
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Icon        string            `json:"icon,omitempty"`
	Calculation string            `json:"calculation"`
	Type        string            `json:"type"`
	Format      string            `json:"format,omitempty"`
	Spec        string            `json:"spec,omitempty"`
	Colorized   bool              `json:"colorized,omitempty"`
	Colors      map[string]string `json:"colors,omitempty"`
	Items       json.RawMessage   `json:"items,omitempty"`
}

// AggregationProperty aggregates over related entities (port.md §1.7).
type AggregationProperty struct {
	Title           string          `json:"title,omitempty"`
	Description     string          `json:"description,omitempty"`
	Icon            string          `json:"icon,omitempty"`
	Type            string          `json:"type,omitempty"`
	Target          string          `json:"target"`
	CalculationSpec CalculationSpec `json:"calculationSpec"`
	Query           json.RawMessage `json:"query,omitempty"`
	PathFilter      []PathFilter    `json:"pathFilter,omitempty"`
}

// CalculationSpec says how an aggregation property combines its entities.
type CalculationSpec struct {
	CalculationBy string `json:"calculationBy"`
	Func          string `json:"func"`
	Property      string `json:"property,omitempty"`
	AverageOf     string `json:"averageOf,omitempty"`
	MeasureTimeBy string `json:"measureTimeBy,omitempty"`
}

// PathFilter forces the relation path of an aggregation.
type PathFilter struct {
	Path          []string `json:"path"`
	FromBlueprint string   `json:"fromBlueprint,omitempty"`
}

// Ownership says how an entity's owning teams are decided (port.md §1.9).
type Ownership struct {
	Type  string `json:"type"` // "Direct" or "Inherited"
	Path  string `json:"path,omitempty"`
	Title string `json:"title,omitempty"`
}

// Ownership types.
const (
	OwnershipDirect    = "Direct"
	OwnershipInherited = "Inherited"
)
