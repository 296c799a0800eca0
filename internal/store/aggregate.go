package store

// Aggregate functions of EntityAggregateParams.Func (reference/port.md §2.6).
const (
	AggregateCount       = "count"
	AggregateCountValues = "countValues"
	AggregateSum         = "sum"
	AggregateAverage     = "average"
	AggregateMin         = "min"
	AggregateMax         = "max"
	AggregateMedian      = "median"
)

// EntityAggregateParams aggregates the entities matching a compiled
// condition (as EntitySearchParams.Where takes it).
//
//   - count counts matching entities; Field is ignored.
//   - sum, average, min, max and median aggregate the number atoms of the
//     stored property Field: each element of an array counts, other JSON
//     types (and objects) are skipped. Values are summed in ascending order
//     so every driver rounds alike; median is the middle value, or the mean
//     of the two middle values.
//   - countValues counts, for each distinct atom of Field, the matching
//     entities having it: an entity whose array holds a value twice counts
//     once. Field is a stored property, a relation (Relation set) or one of
//     $identifier, $title, $icon, $blueprint, $team, $createdBy,
//     $updatedBy. Objects, nulls and missing values count nowhere; numbers
//     group numerically (1 and 1.0 are one value).
type EntityAggregateParams struct {
	// Blueprint restricts the aggregate to one blueprint; "" spans all.
	Blueprint string
	// Where is a condition over the entities table aliased EntityAlias; ""
	// matches every entity. Its placeholders are numbered from 1.
	Where     string
	WhereArgs []any
	Func      string
	Field     string
	// Relation says Field names a relation (countValues only).
	Relation bool
}

// EntityAggregateResult is an aggregate's answer.
type EntityAggregateResult struct {
	// Count is the number of matching entities (count), or of number atoms
	// aggregated (sum … median).
	Count int64
	// Value is the sum, average, min, max or median; nil when no number was
	// aggregated, except sum, which is then 0.
	Value *float64
	// Values are countValues' buckets, most frequent first, ties by value
	// (booleans, then numbers ascending, then strings byte-wise).
	Values []ValueCount
}

// ValueCount is one countValues bucket: a JSON scalar (string, float64 or
// bool) and how many entities have it.
type ValueCount struct {
	Value any
	Count int64
}
