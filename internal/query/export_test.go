package query

import "github.com/atrium-idp/atrium/internal/store"

// CompileWalking compiles every relatedTo in the form a wide reach takes
// (each candidate walks to the targets), which the small catalogs of the
// tests would otherwise never reach.
func CompileWalking(q *Query, d store.Dialect, alias string) (*Compiled, error) {
	return compile(q, d, alias, 0)
}
