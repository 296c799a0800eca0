package httpapi

import (
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/model"
)

// Request bodies whose shape is dynamic or Port-shaped carry hand-written
// schemas (huma.SchemaProvider) instead of generated ones. Generated schemas
// would mark every field without omitempty as required and refuse unknown
// fields, which breaks Port clients (they send "blueprint" inside an entity,
// read-only fields like "createdAt" back in a PUT, and omit empty maps). The
// catalog validates the content; these schemas check only the JSON types, so
// huma's 422 names the field when, say, "title" is a number.

// anyJSON matches every JSON value.
func anyJSON() *huma.Schema { return &huma.Schema{} }

func stringSchema(desc string) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Description: desc}
}

func nullableString(desc string) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Nullable: true, Description: desc}
}

func objectSchema(desc string, props map[string]*huma.Schema) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, Description: desc, Properties: props, AdditionalProperties: true}
}

func searchQuerySchema() *huma.Schema {
	return objectSchema("A search query {combinator, rules} (port.md §2.3).", map[string]*huma.Schema{
		"combinator": stringSchema("and | or"),
		"rules":      {Type: huma.TypeArray, Items: anyJSON()},
	})
}

// entityBody is an entity as a client sends it (model.EntityInput).
type entityBody struct {
	model.EntityInput
}

// Schema documents Port's entity input (port.md §2.1, §2.3).
func (*entityBody) Schema(huma.Registry) *huma.Schema {
	s := objectSchema("An entity as sent by a client. identifier, team and relation values may be "+
		"search queries (\"map by property\"). Unknown fields are ignored.", map[string]*huma.Schema{
		"identifier": {AnyOf: []*huma.Schema{stringSchema("Entity identifier."), searchQuerySchema()},
			Description: "Identifier, or a search query matching exactly one entity."},
		"title":     nullableString("Title."),
		"icon":      nullableString("Icon name."),
		"blueprint": stringSchema("Ignored: the blueprint is the one in the path."),
		// Any JSON: huma's validator checks anyOf before null, so a union
		// with null cannot be expressed; the catalog checks the shape.
		"team": {Description: "Owning team identifier, list of identifiers, search query or null."},
		"properties": {Type: huma.TypeObject, AdditionalProperties: true, Nullable: true,
			Description: "Property values, validated against the blueprint's schema."},
		"relations": {Type: huma.TypeObject, AdditionalProperties: true, Nullable: true,
			Description: "Relation values: an identifier, a list of identifiers, null, or a search query."},
	})
	return s
}

// blueprintBody is a blueprint as a client sends it.
type blueprintBody struct {
	model.Blueprint
}

// Schema documents Port's blueprint JSON (port.md §1.1).
func (*blueprintBody) Schema(huma.Registry) *huma.Schema {
	obj := func(desc string) *huma.Schema {
		return &huma.Schema{Type: huma.TypeObject, AdditionalProperties: true, Nullable: true, Description: desc}
	}
	return objectSchema("A blueprint (port.md §1.1). Read-only fields (createdAt, ...) are ignored.", map[string]*huma.Schema{
		"identifier":  stringSchema("Blueprint identifier, ≤100 characters."),
		"title":       stringSchema("Title, 1..100 characters."),
		"icon":        stringSchema("Icon name."),
		"description": stringSchema("Description, ≤200 characters."),
		"ownership":   obj(`{"type": "Direct"} or {"type": "Inherited", "path": "rel1.rel2"}.`),
		"schema": objectSchema("Stored properties and which are required.", map[string]*huma.Schema{
			"properties": obj("Property id → property definition (port.md §1.2)."),
			"required":   {Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeString}, Nullable: true},
		}),
		"mirrorProperties":      obj("Mirror property id → {title, path}."),
		"calculationProperties": obj("Calculation property id → {title, type, calculation}."),
		"aggregationProperties": obj("Aggregation property id → definition."),
		"relations":             obj("Relation id → {title, target, many, required}."),
		"changelogDestination":  anyJSON(),
		"includeInGlobalSearch": {Type: huma.TypeBoolean, Nullable: true},
	})
}

// blueprintPatch is a JSON merge patch (RFC 7396) of a blueprint, kept raw for
// the catalog.
type blueprintPatch struct {
	raw json.RawMessage
}

// UnmarshalJSON keeps the patch as sent.
func (p *blueprintPatch) UnmarshalJSON(b []byte) error {
	p.raw = append(p.raw[:0], b...)
	return nil
}

// Schema documents the patch: any subset of the blueprint's fields.
func (*blueprintPatch) Schema(r huma.Registry) *huma.Schema {
	s := (&blueprintBody{}).Schema(r)
	s.Description = "A JSON merge patch (RFC 7396) of the blueprint: fields sent replace the stored ones, null removes."
	return s
}
