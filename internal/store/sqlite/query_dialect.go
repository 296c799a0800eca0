package sqlite

import (
	"strconv"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
)

// jsonPath is SQLite's JSON path of an object key. Keys holding '"' cannot
// be quoted in SQLite paths; blueprints never allow them (Check refuses any
// other key), and such a path simply finds nothing.
func jsonPath(key string) string { return `$."` + key + `"` }

// JSONEach walks json_each at the key, skipping an object's members so an
// object is one opaque atom, as on PostgreSQL.
func (flavor) JSONEach(b store.Binder, col, key, alias string) string {
	p1, p2 := b.Bind(jsonPath(key)), b.Bind(jsonPath(key))
	return "(SELECT value, type FROM json_each(" + col + ", " + p1 + ") WHERE json_type(" + col + ", " + p2 + ") <> 'object' " +
		"UNION ALL SELECT NULL, 'object' WHERE json_type(" + col + ", " + b.Bind(jsonPath(key)) + ") = 'object') AS " + alias
}

func (flavor) JSONArrayEach(col, alias string) string {
	return "json_each(" + col + ") AS " + alias
}

func (flavor) ElemText(alias string) string {
	return "(CASE WHEN " + alias + ".type = 'text' THEN " + alias + ".value END)"
}

func (flavor) ElemNumber(alias string) string {
	return "(CASE WHEN " + alias + ".type IN ('integer', 'real') THEN " + alias + ".value END)"
}

func (flavor) ElemIsBool(alias string, v bool) string {
	if v {
		return alias + ".type = 'true'"
	}
	return alias + ".type = 'false'"
}

func (flavor) JSONIsEmpty(b store.Binder, col, key string) string {
	return "(CASE COALESCE(json_type(" + col + ", " + b.Bind(jsonPath(key)) + "), 'null')" +
		" WHEN 'null' THEN 1" +
		" WHEN 'text' THEN json_extract(" + col + ", " + b.Bind(jsonPath(key)) + ") = ''" +
		" WHEN 'array' THEN json_array_length(" + col + ", " + b.Bind(jsonPath(key)) + ") = 0" +
		" WHEN 'object' THEN json_extract(" + col + ", " + b.Bind(jsonPath(key)) + ") = '{}'" +
		" ELSE 0 END)"
}

func (flavor) JSONArrayIsEmpty(col string) string { return "json_array_length(" + col + ") = 0" }

// Text is the expression itself: SQLite's default BINARY collation compares
// UTF-8 bytes.
func (flavor) Text(expr string) string { return expr }

func (flavor) TextContains(b store.Binder, s, sub string) string {
	return "instr(" + s + ", " + b.Bind(sub) + ") > 0"
}

func (flavor) TextHasPrefix(b store.Binder, s, prefix string) string {
	return "substr(" + s + ", 1, length(" + b.Bind(prefix) + ")) = " + b.Bind(prefix)
}

// TextHasSuffix guards the length first: substr with a start below 1 counts
// from the other end.
func (flavor) TextHasSuffix(b store.Binder, s, suffix string) string {
	return "(length(" + s + ") >= length(" + b.Bind(suffix) + ") AND substr(" + s + ", length(" + s + ") - length(" +
		b.Bind(suffix) + ") + 1) = " + b.Bind(suffix) + ")"
}

func (flavor) TimeArg(t time.Time) any { return t.UTC().Format(sqlstore.TimeLayout) }

func (flavor) JSONScalarText(b store.Binder, col, key string) string {
	return "(CASE WHEN json_type(" + col + ", " + b.Bind(jsonPath(key)) + ") = 'text' THEN json_extract(" + col + ", " + b.Bind(jsonPath(key)) + ") END)"
}

func (flavor) JSONScalarNumber(b store.Binder, col, key string) string {
	return "(CASE WHEN json_type(" + col + ", " + b.Bind(jsonPath(key)) + ") IN ('integer', 'real') THEN json_extract(" + col + ", " + b.Bind(jsonPath(key)) + ") END)"
}

// JSONHasAtom has no faster form on SQLite: json_each over a scalar is one row.
func (flavor) JSONHasAtom(store.Binder, string, string, any) string { return "" }

// CancelsCleanly reports that a statement cancelled through its context is
// interrupted (sqlite3_interrupt) and leaves its connection usable, so
// EntitySearch may try a relatedTo's Wide form under a deadline.
func (flavor) CancelsCleanly() bool { return true }

// IDSet reads the ids from one JSON array parameter: one statement text
// whatever the count, and no parameter limit.
func (flavor) IDSet(b store.Binder, ids []int64) string {
	return "(SELECT value FROM json_each(" + b.Bind(jsonIDs(ids)) + "))"
}

// jsonIDs writes ids as a JSON array, for json_each.
func jsonIDs(ids []int64) string {
	buf := make([]byte, 0, 8*len(ids)+2)
	buf = append(buf, '[')
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, id, 10)
	}
	return string(append(buf, ']'))
}

// ReachTestSQL calls the Tester registered under handle (see init).
func (flavor) ReachTestSQL(b store.Binder, handle int64, idCol string) string {
	return "atrium_reaches(" + b.Bind(handle) + ", " + idCol + ") = 1"
}

// JSONTextRange compares FacetValue, key's JSON text, with the bounds, so
// the range index (RangeIndexSQL) on the same expression serves it.
func (f flavor) JSONTextRange(b store.Binder, col, key, lo, hi string, loIncl, hiIncl bool) string {
	x := f.FacetValue(col, key)
	gt, lt := " > ", " < "
	if loIncl {
		gt = " >= "
	}
	if hiIncl {
		lt = " <= "
	}
	// IS NOT NULL keeps the condition from being NULL (a missing key), so
	// NOT applies to it safely.
	return "(" + x + " IS NOT NULL AND " + x + gt + b.Bind(lo) + " AND " + x + lt + b.Bind(hi) + ")"
}
