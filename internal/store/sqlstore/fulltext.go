package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-idp/atrium/internal/store"
)

// TextQuery is a full-text search reduced to plain words, so a flavor can
// quote each one into its own syntax (FTS5 strings, tsquery lexemes) and no
// user text is ever parsed as an operator.
type TextQuery struct {
	// Terms are the words, each made only of letters, digits and marks;
	// every one must match. Never empty.
	Terms []string
	// Prefix makes the last term match as a prefix.
	Prefix bool
	// Blueprints restricts the search; empty means all.
	Blueprints []string
	// Limit caps the rows; positive.
	Limit int
}

// Full-text bounds: longer input is cut, so a pasted page cannot build a
// huge query.
const (
	maxTextTerms   = 16
	maxTermRunes   = 64
	defaultTextHit = 20
)

// SnippetStart and SnippetEnd wrap each matched word in a snippet.
const (
	SnippetStart = "<mark>"
	SnippetEnd   = "</mark>"
)

// ParseTextQuery splits user text into words: runs of letters, digits and
// combining marks; everything else (quotes, stars, dashes, operators'
// punctuation) separates words. Words are lower-cased. The last word is a
// prefix unless the text ends in a separator.
func ParseTextQuery(s string) (terms []string, prefix bool) {
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) }
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return !isWord(r) }) {
		if len(terms) == maxTextTerms {
			break
		}
		if utf8.RuneCountInString(f) > maxTermRunes {
			f = string([]rune(f)[:maxTermRunes])
		}
		terms = append(terms, strings.ToLower(f))
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	return terms, len(terms) > 0 && isWord(last)
}

// EntityTextSearch ranks entities whose identifier, title or string property
// values contain every word of the query (the last as a prefix). A query
// without words matches nothing.
func (r *reader) EntityTextSearch(ctx context.Context, p *store.EntityTextSearchParams) ([]store.EntityTextHit, error) {
	out := []store.EntityTextHit{}
	terms, prefix := ParseTextQuery(p.Query)
	if len(terms) == 0 {
		return out, nil
	}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultTextHit
	}
	var db queryer = r.q
	if r.text != nil {
		var err error
		if db, err = r.text.Searcher(ctx); err != nil {
			return nil, fmt.Errorf("text search: %w", err)
		}
	}
	a := NewArgs(r.f)
	q := r.f.TextSearchSQL(a, &TextQuery{Terms: terms, Prefix: prefix, Blueprints: p.Blueprints, Limit: limit})
	rows, err := db.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("text search", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h store.EntityTextHit
		if err := rows.Scan(&h.Blueprint, &h.Identifier, &h.Title, &h.Snippet, &h.Rank); err != nil {
			return nil, r.wrap("text search", err)
		}
		out = append(out, h)
	}
	return out, r.wrap("text search", rows.Err())
}
