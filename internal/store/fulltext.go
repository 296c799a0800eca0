package store

// EntityTextSearchParams searches entities' identifier, title and string
// property values (full text, DESIGN §9). Query is user text: it is split
// into words, every word must match (AND) and the last one matches as a
// prefix unless Query ends in a space, so results follow typing. Query never
// reaches the database's query syntax: operators, quotes and stars in it are
// plain text.
type EntityTextSearchParams struct {
	Query string
	// Blueprints restricts the search; empty means every blueprint.
	Blueprints []string
	// Limit caps the hits; 0 means 20.
	Limit int
}

// EntityTextHit is one full-text match.
type EntityTextHit struct {
	Blueprint  string
	Identifier string
	Title      string
	// Snippet is a short excerpt of the best matching field with each
	// matched word wrapped in <mark>…</mark>. The rest is the stored text,
	// not HTML-escaped: render it as text.
	Snippet string
	// Rank orders hits, higher first. Its scale is the driver's (bm25 or
	// ts_rank) and only comparable within one result.
	Rank float64
}
