package store

// EntityAlias is how an EntitySearchParams.Where condition names the
// entities table.
const EntityAlias = "e"

// SortField orders search results by a meta-property ("$identifier",
// "$title", "$blueprint", "$createdAt", "$updatedAt") or by a property: Field
// names it and Type ("string" or "number") says which values sort; other
// values (missing, null, another type) sort last in either direction.
type SortField struct {
	Field string
	Type  string // for properties only
	Desc  bool
}

// SearchCursor is where a page of EntitySearch resumes: the sort values of
// the last entity returned (one per Sort field, in order: string, float64 or
// nil for properties, string or time.Time for meta-properties) and its key, the final tie-break. Results
// strictly after it come next, so a page never repeats an entity whose sort
// values did not change.
type SearchCursor struct {
	Values     []any
	Blueprint  string
	Identifier string
}

// EntitySearchParams selects entities matching a compiled condition
// (internal/query.Compile), ordered by Sort then (blueprint, identifier).
type EntitySearchParams struct {
	// Blueprint restricts the search to one blueprint; "" searches all.
	Blueprint string
	// Where is a condition over the entities table aliased EntityAlias; ""
	// matches every entity. Its placeholders are numbered from 1 and bound
	// to WhereArgs; the statement puts it before any placeholder of its own.
	Where     string
	WhereArgs []any
	Sort      []SortField
	// After resumes after a cursor (nil for the first page).
	After *SearchCursor
	// Limit caps the page; 0 means no limit.
	Limit int
}
