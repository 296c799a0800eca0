package postgres

import "github.com/atrium-idp/atrium/internal/store"

// JSONEachLateral is jsonb_path_query at the key, a set-returning function
// in FROM (implicitly lateral, so it may follow col's table). An object
// yields itself as one row, which ElemText, ElemNumber and ElemIsBool all
// read as no value.
func (f flavor) JSONEachLateral(b store.Binder, col, key, alias string) string {
	return f.JSONEach(b, col, key, alias)
}
