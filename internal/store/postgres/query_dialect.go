package postgres

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/store"
)

// jsonPath is a lax SQL/JSON path yielding each atom of key: "[*]" unwraps
// one array level and wraps any other value, missing keys yield nothing.
func jsonPath(key string) string {
	k := strings.ReplaceAll(strings.ReplaceAll(key, `\`, `\\`), `"`, `\"`)
	return `$."` + k + `"[*]`
}

func (flavor) JSONEach(b store.Binder, col, key, alias string) string {
	return "jsonb_path_query(" + col + ", CAST(" + b.Bind(jsonPath(key)) + " AS jsonpath)) AS " + alias + "(v)"
}

func (flavor) JSONArrayEach(col, alias string) string {
	return "jsonb_array_elements(" + col + ") AS " + alias + "(v)"
}

func (flavor) ElemText(alias string) string {
	return "((CASE WHEN jsonb_typeof(" + alias + ".v) = 'string' THEN " + alias + ".v #>> '{}' END) COLLATE \"C\")"
}

func (flavor) ElemNumber(alias string) string {
	return "(CASE WHEN jsonb_typeof(" + alias + ".v) = 'number' THEN (" + alias + ".v)::float8 END)"
}

func (flavor) ElemIsBool(alias string, v bool) string {
	if v {
		return alias + ".v = 'true'::jsonb"
	}
	return alias + ".v = 'false'::jsonb"
}

func (flavor) JSONIsEmpty(b store.Binder, col, key string) string {
	return "COALESCE((" + col + " -> CAST(" + b.Bind(key) + " AS text)) IN ('null'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb), TRUE)"
}

func (flavor) JSONArrayIsEmpty(col string) string { return "jsonb_array_length(" + col + ") = 0" }

func (flavor) Text(expr string) string { return "((" + expr + ") COLLATE \"C\")" }

func (flavor) TextContains(b store.Binder, s, sub string) string {
	return "strpos(" + s + ", CAST(" + b.Bind(sub) + " AS text)) > 0"
}

func (flavor) TextHasPrefix(b store.Binder, s, prefix string) string {
	return "starts_with(" + s + ", CAST(" + b.Bind(prefix) + " AS text))"
}

func (flavor) TextHasSuffix(b store.Binder, s, suffix string) string {
	return "right(" + s + ", length(CAST(" + b.Bind(suffix) + " AS text))) = CAST(" + b.Bind(suffix) + " AS text)"
}

func (flavor) TimeArg(t time.Time) any { return t.UTC() }

func (flavor) JSONScalarText(b store.Binder, col, key string) string {
	return "((CASE WHEN jsonb_typeof(" + col + " -> CAST(" + b.Bind(key) + " AS text)) = 'string' THEN " + col + " ->> CAST(" + b.Bind(key) + " AS text) END) COLLATE \"C\")"
}

func (flavor) JSONScalarNumber(b store.Binder, col, key string) string {
	return "(CASE WHEN jsonb_typeof(" + col + " -> CAST(" + b.Bind(key) + " AS text)) = 'number' THEN (" + col + " -> CAST(" + b.Bind(key) + " AS text))::float8 END)"
}

// JSONHasAtom uses jsonb containment, which a GIN index on col serves:
// {"k": v} matches a scalar equal to v (typed: 1 = 1.0, never "1"),
// {"k": [v]} an array holding it.
func (flavor) JSONHasAtom(b store.Binder, col, key string, v any) string {
	scalar, err1 := json.Marshal(map[string]any{key: v})
	inArray, err2 := json.Marshal(map[string]any{key: []any{v}})
	if err1 != nil || err2 != nil {
		return ""
	}
	return "(" + col + " @> CAST(" + b.Bind(string(scalar)) + " AS jsonb) OR " + col + " @> CAST(" + b.Bind(string(inArray)) + " AS jsonb))"
}

// IDSet unnests one bigint[] parameter.
func (flavor) IDSet(b store.Binder, ids []int64) string {
	return "(SELECT unnest(" + b.Bind(ids) + "::bigint[]))"
}
