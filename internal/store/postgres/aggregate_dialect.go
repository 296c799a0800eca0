package postgres

import "github.com/atrium-idp/atrium/internal/store"

// JSONEachLateral is jsonb_path_query at the key (lax mode unwraps an
// array into its elements), a set-returning function in FROM and so
// implicitly lateral: it may follow col's table. An object yields itself as
// one row, which ElemText, ElemNumber and ElemIsBool all read as no value.
func (flavor) JSONEachLateral(b store.Binder, col, key, alias string) string {
	return "jsonb_path_query(" + col + ", CAST(" + b.Bind(jsonPath(key)) + " AS jsonpath)) AS " + alias + "(v)"
}
