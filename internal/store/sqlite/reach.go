package sqlite

import (
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"

	"github.com/atrium-idp/atrium/internal/store/graphindex"
)

// atrium_reaches(handle, id) is 1 when the graphindex.Tester registered
// under handle says entity id reaches its targets, else 0: the in-memory
// form of a wide relatedTo (sqlstore.Store.Reach). Registered once with the
// driver, so every connection opened afterwards has it.
func init() {
	sqlite.MustRegisterScalarFunction("atrium_reaches", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		handle, ok1 := args[0].(int64)
		id, ok2 := args[1].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("atrium_reaches: want two integers, got %T and %T", args[0], args[1])
		}
		t := graphindex.Lookup(handle)
		if t == nil {
			return nil, fmt.Errorf("atrium_reaches: no reach test %d (released before its statement ended)", handle)
		}
		if t.Reaches(id) {
			return int64(1), nil
		}
		return int64(0), nil
	})
}
