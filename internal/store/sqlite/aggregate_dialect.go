package sqlite

import (
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// JSONEachLateral is json_each at the key, which may follow col's table in
// a FROM list. An object value yields no row (its members are not atoms).
func (flavor) JSONEachLateral(b store.Binder, col, key, alias string) string {
	p1 := b.Bind(jsonPath(key))
	return "json_each(CASE WHEN json_type(" + col + ", " + p1 + ") = 'object' THEN NULL ELSE " + col + " END, " +
		b.Bind(jsonPath(key)) + ") AS " + alias
}

// FacetValue is key's value as JSON text (the -> operator), the path a
// literal so the expression is the facet index's (see FacetIndexSQL).
func (flavor) FacetValue(col, key string) string {
	return col + " -> " + sqlstore.Quote(jsonPath(key))
}

// FacetIndexSQL is a partial index on (blueprint, FacetValue) over one
// blueprint's entities: a facet with the blueprint as a literal reads it
// alone, in value order, without touching the table.
func (f flavor) FacetIndexSQL(name, blueprint, key string) string {
	return "CREATE INDEX IF NOT EXISTS " + name + " ON entities (blueprint, " + f.FacetValue("properties", key) +
		") WHERE blueprint = " + sqlstore.Quote(blueprint)
}

// RangeIndexSQL is a partial index on (blueprint, FacetValue, identifier)
// over one blueprint's entities: a range over the property (JSONTextRange)
// with the blueprint as a literal reads only the matching entries, and
// their identifiers, which order the page, without touching the table.
func (f flavor) RangeIndexSQL(name, blueprint, key string) string {
	return "CREATE INDEX IF NOT EXISTS " + name + " ON entities (blueprint, " + f.FacetValue("properties", key) +
		", identifier) WHERE blueprint = " + sqlstore.Quote(blueprint)
}
