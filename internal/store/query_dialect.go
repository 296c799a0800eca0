package store

import "time"

// Binder binds one value into the statement being built and returns its
// placeholder. Every placeholder a Dialect method returns is bound once, in
// the order it appears in the text, so positional ("?") and numbered ("$n")
// placeholders both work.
type Binder interface {
	Bind(v any) string
}

// QueryDialect is what the query compiler (internal/query) asks of a
// database (DESIGN §5, STYLE §3). Conditions it returns are never NULL, so
// NOT applies to them safely. Text comparisons on the expressions it returns
// are byte-wise (case-sensitive, UTF-8 byte order) on every database.
type QueryDialect interface {
	// JSONEach returns a FROM item named alias with one row per atom of key
	// in the JSON object column col: each element when the value is an
	// array, the value itself otherwise (objects included, never their
	// members), and no row when key is missing. Rows are read with ElemText,
	// ElemNumber and ElemIsBool.
	JSONEach(b Binder, col, key, alias string) string
	// JSONArrayEach returns a FROM item named alias with one row per element
	// of the JSON array column col.
	JSONArrayEach(col, alias string) string
	// ElemText is the text of alias's atom when it is a JSON string, else NULL.
	ElemText(alias string) string
	// ElemNumber is alias's atom as a double when it is a JSON number, else NULL.
	ElemNumber(alias string) string
	// ElemIsBool holds when alias's atom is the JSON boolean v.
	ElemIsBool(alias string, v bool) string
	// JSONIsEmpty holds when key of JSON object column col is missing, null,
	// "", [] or {}.
	JSONIsEmpty(b Binder, col, key string) string
	// JSONArrayIsEmpty holds when the JSON array column col has no element.
	JSONArrayIsEmpty(col string) string
	// Text makes a text column expression compare byte-wise.
	Text(expr string) string
	// TextContains holds when text s contains sub (bound as a value).
	TextContains(b Binder, s, sub string) string
	// TextHasPrefix holds when text s begins with prefix (bound).
	TextHasPrefix(b Binder, s, prefix string) string
	// TextHasSuffix holds when text s ends with suffix (bound).
	TextHasSuffix(b Binder, s, suffix string) string
	// JSONScalarText is the value of key in JSON object column col when it
	// is a JSON string (compared byte-wise), else NULL; for sorting.
	JSONScalarText(b Binder, col, key string) string
	// JSONScalarNumber is the value of key in col as a double when it is a
	// JSON number, else NULL; for sorting.
	JSONScalarNumber(b Binder, col, key string) string
	// JSONHasAtom holds when some atom of key in JSON object column col (as
	// JSONEach yields them) equals v, a string, float64 or bool, typed. It
	// returns "" when the dialect has no faster form than JSONEach; the
	// compiler then uses that.
	JSONHasAtom(b Binder, col, key string, v any) string
	// TimeArg encodes t for comparison with the created_at and updated_at
	// columns.
	TimeArg(t time.Time) any
	// IDSet is a subquery yielding the entity ids ids (bound as one value),
	// for "e.id IN <IDSet>" (see Reacher).
	IDSet(b Binder, ids []int64) string
}

// TextRanger is implemented by dialects with an indexable form of a range
// over one property that holds a single JSON string (query: a scalar
// date-time property): the store keeps an index on the same expression per
// (blueprint, property) searched so (EntitySearchParams.RangeKeys).
type TextRanger interface {
	// JSONTextRange holds when key of JSON object column col, as JSON text,
	// lies between lo and hi (JSON texts the caller quoted; loIncl and
	// hiIncl make each bound inclusive), never NULL. The key is written as
	// a literal, so the expression matches the index's.
	JSONTextRange(b Binder, col, key, lo, hi string, loIncl, hiIncl bool) string
}
