package postgres

import (
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// JSONEachLateral is jsonb_path_query at the key (lax mode unwraps an
// array into its elements), a set-returning function in FROM and so
// implicitly lateral: it may follow col's table. An object yields itself as
// one row, which ElemText, ElemNumber and ElemIsBool all read as no value.
func (flavor) JSONEachLateral(b store.Binder, col, key, alias string) string {
	return "jsonb_path_query(" + col + ", CAST(" + b.Bind(jsonPath(key)) + " AS jsonpath)) AS " + alias + "(v)"
}

// FacetValue is key's value as JSON text (jsonb's canonical form).
func (flavor) FacetValue(col, key string) string {
	return "(" + col + " -> " + sqlstore.Quote(key) + ")::text"
}

// FacetIndexSQL is "": PostgreSQL never answers from an expression index
// alone (no index-only scan unless the indexed column itself is in the
// index), so such an index would only slow writes.
func (flavor) FacetIndexSQL(string, string, string) string { return "" }
