package store

import "time"

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
	// Wide, when set, is a second form of Where for queries whose relatedTo
	// reach may be wide (query.Compiled.Wide); a store may try it first.
	Wide *WideWhere
	// RangeKeys lists the properties Where ranges over in the TextRanger
	// form (query.Compiled.RangeKeys): with Blueprint set, a store may keep
	// an index on each for that blueprint.
	RangeKeys []string
}

// WideWhere is the form of a search condition for wide relatedTo reaches:
// each candidate walks toward the targets instead of the whole reach being
// materialised first — far faster when the reach is most of the catalog,
// far slower when it is sparse among the candidates. Probe (no placeholders
// of Where's; numbered from 1 over ProbeArgs) is true when some reach is
// wide; a store that tries this form must bound its time and fall back to the
// EntitySearchParams.Where, which has the same meaning.
type WideWhere struct {
	Probe     string
	ProbeArgs []any
	Where     string
	Args      []any
	// Deadline bounds the try (probe and search); 0 means the store's
	// default.
	Deadline time.Duration
}
