package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// whereBuilder binds values for a hand-built EntitySearch condition.
type whereBuilder struct {
	d    store.Dialect
	args []any
}

func (w *whereBuilder) Bind(v any) string {
	w.args = append(w.args, v)
	return w.d.Placeholder(len(w.args))
}

func testSearch(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	s := open(t)
	ents := []*model.Entity{
		NewEntity(EntityOpts{Identifier: "a", Title: "Alpha", Team: []string{"core"}, Properties: map[string]any{
			"lang": "Go", "n": 3.0, "ok": true, "tags": []any{"x", "y"}, "obj": map[string]any{"lang": "Go"}, "s": "",
		}}),
		NewEntity(EntityOpts{Identifier: "b", Title: "beta", Properties: map[string]any{
			"lang": "go", "n": 3.5, "ok": false, "tags": []any{}, "obj": map[string]any{}, "s": "ünï",
		}, At: T0.Add(time.Hour)}),
		NewEntity(EntityOpts{Identifier: "c", Title: "Gamma", Properties: map[string]any{"lang": nil, "n": "3", "tags": "x"}, At: T0.Add(2 * time.Hour)}),
		NewEntity(EntityOpts{Blueprint: "db", Identifier: "a", Title: "DB"}),
	}
	var changes []store.EntityChange
	for _, e := range ents {
		changes = append(changes, Create(e))
	}
	Apply(t, s, Origin(0), changes...)
	d := s.Dialect()
	search := func(t *testing.T, p *store.EntitySearchParams) []string {
		t.Helper()
		got, err := s.EntitySearch(ctx, p)
		if err != nil {
			t.Fatalf("EntitySearch(%q): %v", p.Where, err)
		}
		out := []string{}
		for _, e := range got {
			out = append(out, e.Blueprint+"/"+e.Identifier)
		}
		return out
	}
	// exists is EXISTS over the atoms of a property.
	exists := func(w *whereBuilder, col, key string, cond func(alias string) string) string {
		from := d.JSONEach(w, "e."+col, key, "j")
		return "EXISTS (SELECT 1 FROM " + from + " WHERE " + cond("j") + ")"
	}
	tests := []struct {
		name  string
		where func(w *whereBuilder) string
		want  []string
	}{
		{"all", func(*whereBuilder) string { return "" }, []string{"db/a", "service/a", "service/b", "service/c"}},
		{"text atom, case-sensitive", func(w *whereBuilder) string {
			return exists(w, "properties", "lang", func(j string) string { return d.ElemText(j) + " = " + w.Bind("Go") })
		}, []string{"service/a"}},
		{"number atom never a string", func(w *whereBuilder) string {
			return exists(w, "properties", "n", func(j string) string { return d.ElemNumber(j) + " >= " + w.Bind(3.0) })
		}, []string{"service/a", "service/b"}},
		{"bool atom", func(w *whereBuilder) string {
			return exists(w, "properties", "ok", func(j string) string { return d.ElemIsBool(j, false) })
		}, []string{"service/b"}},
		{"array elements and scalar", func(w *whereBuilder) string {
			return exists(w, "properties", "tags", func(j string) string { return d.ElemText(j) + " = " + w.Bind("x") })
		}, []string{"service/a", "service/c"}},
		{"has atom (containment form where the dialect has one)", func(w *whereBuilder) string {
			if c := d.JSONHasAtom(w, "e.properties", "tags", "x"); c != "" {
				return "(" + c + " OR " + d.JSONHasAtom(w, "e.properties", "n", 3.0) + ")"
			}
			return "(" + exists(w, "properties", "tags", func(j string) string { return d.ElemText(j) + " = " + w.Bind("x") }) +
				" OR " + exists(w, "properties", "n", func(j string) string { return d.ElemNumber(j) + " = " + w.Bind(3.0) }) + ")"
		}, []string{"service/a", "service/c"}},
		{"has atom is typed", func(w *whereBuilder) string {
			if c := d.JSONHasAtom(w, "e.properties", "n", "3"); c != "" {
				return c
			}
			return exists(w, "properties", "n", func(j string) string { return d.ElemText(j) + " = " + w.Bind("3") })
		}, []string{"service/c"}},
		{"object is one opaque atom", func(w *whereBuilder) string {
			return exists(w, "properties", "obj", func(j string) string { return d.ElemText(j) + " = " + w.Bind("Go") })
		}, []string{}},
		{"is empty", func(w *whereBuilder) string { return d.JSONIsEmpty(w, "e.properties", "s") }, []string{"db/a", "service/a", "service/c"}},
		{"is empty obj/array/null", func(w *whereBuilder) string {
			return "(" + d.JSONIsEmpty(w, "e.properties", "obj") + " AND " + d.JSONIsEmpty(w, "e.properties", "tags") + " AND NOT " + d.JSONIsEmpty(w, "e.properties", "lang") + ")"
		}, []string{"service/b"}},
		{"team each", func(w *whereBuilder) string {
			return "EXISTS (SELECT 1 FROM " + d.JSONArrayEach("e.team", "t") + " WHERE " + d.ElemText("t") + " = " + w.Bind("core") + ")"
		}, []string{"service/a"}},
		{"team empty", func(*whereBuilder) string { return d.JSONArrayIsEmpty("e.team") }, []string{"db/a", "service/b", "service/c"}},
		{"byte order", func(w *whereBuilder) string { return d.Text("e.title") + " > " + w.Bind("Z") }, []string{"service/b"}},
		{"contains", func(w *whereBuilder) string { return d.TextContains(w, d.Text("e.title"), "mm") }, []string{"service/c"}},
		{"prefix", func(w *whereBuilder) string { return d.TextHasPrefix(w, d.Text("e.title"), "Al") }, []string{"service/a"}},
		{"suffix", func(w *whereBuilder) string { return d.TextHasSuffix(w, d.Text("e.title"), "ta") }, []string{"service/b"}},
		{"suffix longer than text", func(w *whereBuilder) string { return d.TextHasSuffix(w, d.Text("e.title"), "xxDB") }, []string{}},
		{"unicode suffix", func(w *whereBuilder) string {
			return exists(w, "properties", "s", func(j string) string { return d.TextHasSuffix(w, d.ElemText(j), "nï") })
		}, []string{"service/b"}},
		{"time", func(w *whereBuilder) string { return "e.created_at > " + w.Bind(d.TimeArg(T0)) }, []string{"service/b", "service/c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &whereBuilder{d: d}
			where := tc.where(w)
			diff(t, tc.name, tc.want, search(t, &store.EntitySearchParams{Where: where, WhereArgs: w.args}))
		})
	}
	t.Run("BlueprintSortAndCursor", func(t *testing.T) {
		t.Parallel()
		sort := []store.SortField{{Field: "$createdAt", Desc: true}}
		p := &store.EntitySearchParams{Blueprint: "service", Sort: sort, Limit: 2}
		diff(t, "page 1", []string{"service/c", "service/b"}, search(t, p))
		p.After = &store.SearchCursor{Values: []any{T0.Add(time.Hour)}, Blueprint: "service", Identifier: "b"}
		diff(t, "page 2", []string{"service/a"}, search(t, p))
		p = &store.EntitySearchParams{Sort: []store.SortField{{Field: "$title"}}, After: &store.SearchCursor{Values: []any{"DB"}, Blueprint: "db", Identifier: "a"}}
		diff(t, "after title", []string{"service/c", "service/b"}, search(t, p))
		if _, err := s.EntitySearch(ctx, &store.EntitySearchParams{Sort: []store.SortField{{Field: "lang"}}}); err == nil {
			t.Fatal("sort by a property without a type: no error")
		}
	})
	t.Run("PropertySortPages", func(t *testing.T) {
		t.Parallel()
		// Values of another type, null and missing sort last, either way.
		tests := []struct {
			sort store.SortField
			want []string
		}{
			{store.SortField{Field: "n", Type: "number"}, []string{"service/a", "service/b", "db/a", "service/c"}},
			{store.SortField{Field: "n", Type: "number", Desc: true}, []string{"service/b", "service/a", "db/a", "service/c"}},
			{store.SortField{Field: "lang", Type: "string"}, []string{"service/a", "service/b", "db/a", "service/c"}},
			{store.SortField{Field: "s", Type: "string", Desc: true}, []string{"service/b", "service/a", "db/a", "service/c"}},
		}
		for _, tc := range tests {
			diff(t, tc.sort.Field+" all", tc.want, search(t, &store.EntitySearchParams{Sort: []store.SortField{tc.sort}}))
			// One entity per page: every cursor position, including inside
			// the group of missing values.
			var got []string
			p := &store.EntitySearchParams{Sort: []store.SortField{tc.sort}, Limit: 1}
			for range 10 {
				es, err := s.EntitySearch(ctx, p)
				if err != nil {
					t.Fatalf("EntitySearch: %v", err)
				}
				if len(es) == 0 {
					break
				}
				last := es[0]
				got = append(got, last.Blueprint+"/"+last.Identifier)
				v := last.Properties[tc.sort.Field]
				switch v.(type) {
				case string:
					if tc.sort.Type != "string" {
						v = nil
					}
				case float64:
					if tc.sort.Type != "number" {
						v = nil
					}
				default:
					v = nil
				}
				p.After = &store.SearchCursor{Values: []any{v}, Blueprint: last.Blueprint, Identifier: last.Identifier}
			}
			diff(t, tc.sort.Field+" paged", tc.want, got)
		}
	})
}
