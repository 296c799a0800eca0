package sqlite

import (
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// rankWindow bounds how many property-text matches are scored: the newest
// rankWindow by rowid. bm25 costs microseconds per matching row, so a word
// in a third of a million entities would otherwise cost a second; this
// keeps a search at a bounded cost whatever the catalog size. Identifier
// and title matches are always all scored, so an entity named by the words
// is never missed.
const rankWindow = 5000

// TextSearchSQL searches entities_fts, in the full-text file
// (textproject.go), which holds each entity's key and title besides its
// text, so a search reads nothing else: each term becomes an
// FTS5 string ("term", quotes doubled), so no user text is read as FTS5
// syntax; the last gets a trailing * when it is a prefix. bm25 weighs
// identifier 10, title 5 and property text 1; rank is -bm25 so higher is
// better. Two candidate sets are ranked: every identifier/title match, and
// the newest rankWindow matches anywhere. The best rows are picked first and
// snippets are made only for them (a snippet costs far more than a score).
// Without a prefix, each page row's snippet comes from its own FTS5 cursor
// seeking its rowid. With one, every such cursor would gather the prefix's
// whole match list again (20 times ~1 ms at 1M entities), so instead one
// more pass over the matches keeps the page's rows before anything else is
// read (the unary + keeps the rowid test away from FTS5). CROSS JOIN fixes
// the join order: with plain joins the planner read the stored row of
// every match (tens of thousands at 1M entities) to find the page's few.
func (flavor) TextSearchSQL(a *sqlstore.Args, q *sqlstore.TextQuery) string {
	var m strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			m.WriteByte(' ')
		}
		m.WriteString(`"` + strings.ReplaceAll(t, `"`, `""`) + `"`)
		if q.Prefix && i == len(q.Terms)-1 {
			m.WriteByte('*')
		}
	}
	match := m.String()
	limit := strconv.Itoa(q.Limit)
	candidates := func(expr, order string) string {
		var b strings.Builder
		b.WriteString("SELECT f.rowid AS id, bm25(entities_fts, 10.0, 5.0, 1.0) AS score FROM entities_fts f")
		b.WriteString(" WHERE entities_fts MATCH " + a.Add(expr))
		if len(q.Blueprints) > 0 {
			b.WriteString(" AND f.blueprint IN (" + a.List(q.Blueprints) + ")")
		}
		b.WriteString(" ORDER BY " + order)
		return b.String()
	}
	named := candidates("{identifier title} : ("+match+")", "score LIMIT "+limit)
	recent := "SELECT id, score FROM (" + candidates(match, "f.rowid DESC LIMIT "+strconv.Itoa(rankWindow)) + ") ORDER BY score LIMIT " + limit
	top := "SELECT id, MIN(score) AS score FROM (SELECT * FROM (" + named + ") UNION ALL SELECT * FROM (" + recent + "))" +
		" GROUP BY id ORDER BY score LIMIT " + limit
	page := " FROM top CROSS JOIN entities_fts f" +
		" WHERE f.rowid = top.id AND entities_fts MATCH " + a.Add(match)
	if q.Prefix {
		page = " FROM entities_fts f CROSS JOIN top" +
			" WHERE entities_fts MATCH " + a.Add(match) + " AND +f.rowid IN (SELECT id FROM top) AND top.id = +f.rowid"
	}
	return "WITH top AS MATERIALIZED (" + top + ")" +
		" SELECT f.blueprint, f.identifier, f.title," +
		" snippet(entities_fts, -1, '" + sqlstore.SnippetStart + "', '" + sqlstore.SnippetEnd + "', '…', 12), -top.score" +
		page + " ORDER BY top.score, f.blueprint, f.identifier"
}
