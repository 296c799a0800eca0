package postgres

import (
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// TextSearchSQL searches the entities.search tsvector (migration 0002, GIN
// indexed, 'simple' configuration so identifiers are not stemmed). Each term
// becomes a quoted tsquery lexeme (letters and digits only, quotes doubled
// regardless), the last with :* when it is a prefix. ts_rank uses the
// weights A (identifier), B (title), D (property text). The best rows are
// picked first and headlines are made only for them.
func (flavor) TextSearchSQL(a *sqlstore.Args, q *sqlstore.TextQuery) string {
	var m strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			m.WriteString(" & ")
		}
		m.WriteString("'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "'")
		if q.Prefix && i == len(q.Terms)-1 {
			m.WriteString(":*")
		}
	}
	var top strings.Builder
	top.WriteString("SELECT e.blueprint, e.identifier, e.title, e.properties, ts_rank(e.search, q.q) AS score, q.q" +
		" FROM entities e, to_tsquery('simple', " + a.Add(m.String()) + ") AS q(q) WHERE e.search @@ q.q")
	if len(q.Blueprints) > 0 {
		top.WriteString(" AND e.blueprint = ANY(" + a.Add(q.Blueprints) + "::text[])")
	}
	top.WriteString(" ORDER BY score DESC, e.blueprint, e.identifier LIMIT " + strconv.Itoa(q.Limit))
	return "SELECT t.blueprint, t.identifier, t.title," +
		" ts_headline('simple', t.identifier || ' ' || t.title || ' ' || COALESCE((SELECT string_agg(v #>> '{}', ' ')" +
		" FROM jsonb_path_query(t.properties, 'strict $.** ? (@.type() == \"string\")') AS v), ''), t.q," +
		" 'StartSel=" + sqlstore.SnippetStart + ", StopSel=" + sqlstore.SnippetEnd + ", MaxWords=12, MinWords=4, MaxFragments=1')," +
		" t.score::float8 FROM (" + top.String() + ") AS t ORDER BY t.score DESC, t.blueprint, t.identifier"
}
