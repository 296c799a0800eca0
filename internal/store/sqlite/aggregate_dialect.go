package sqlite

import "github.com/atrium-idp/atrium/internal/store"

// JSONEachLateral is json_each at the key, which may follow col's table in
// a FROM list. An object value yields no row (its members are not atoms).
func (flavor) JSONEachLateral(b store.Binder, col, key, alias string) string {
	p1 := b.Bind(jsonPath(key))
	return "json_each(CASE WHEN json_type(" + col + ", " + p1 + ") = 'object' THEN NULL ELSE " + col + " END, " +
		b.Bind(jsonPath(key)) + ") AS " + alias
}
