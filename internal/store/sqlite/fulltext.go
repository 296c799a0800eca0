package sqlite

import (
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// TextSearchSQL searches entities_fts (migration 0002): each term becomes an
// FTS5 string ("term", quotes doubled), so no user text is read as FTS5
// syntax; the last gets a trailing * when it is a prefix. bm25 weighs
// identifier 10, title 5 and property text 1; rank is -bm25 so higher is
// better. The best rows are picked first and snippets are made only for
// them (a snippet costs far more than a score).
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
	var top strings.Builder
	top.WriteString("SELECT f.rowid AS id, bm25(entities_fts, 10.0, 5.0, 1.0) AS score FROM entities_fts f")
	if len(q.Blueprints) > 0 {
		top.WriteString(" JOIN entities e ON e.rowid = f.rowid")
	}
	top.WriteString(" WHERE entities_fts MATCH " + a.Add(match))
	if len(q.Blueprints) > 0 {
		top.WriteString(" AND e.blueprint IN (" + a.List(q.Blueprints) + ")")
	}
	top.WriteString(" ORDER BY score LIMIT " + strconv.Itoa(q.Limit))
	return "WITH top AS (" + top.String() + ")" +
		" SELECT e.blueprint, e.identifier, e.title," +
		" snippet(entities_fts, -1, '" + sqlstore.SnippetStart + "', '" + sqlstore.SnippetEnd + "', '…', 12), -top.score" +
		" FROM top JOIN entities_fts f ON f.rowid = top.id JOIN entities e ON e.rowid = top.id" +
		" WHERE entities_fts MATCH " + a.Add(match) +
		" ORDER BY top.score, e.blueprint, e.identifier"
}
