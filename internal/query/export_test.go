package query

import "github.com/atrium-idp/atrium/internal/store"

// CompileWalking compiles a query whose Wide form walks from the
// candidates for every relatedTo, the form wide reaches take, which the
// small catalogs of the tests would otherwise never reach.
func CompileWalking(q *Query, d store.Dialect, alias string) (*Compiled, error) {
	return compile(q, d, alias, 0, nil)
}
