package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

func TestDiffEntities(t *testing.T) {
	t.Parallel()
	ent := func(title string, team []string, props, rels map[string]any) *model.Entity {
		return &model.Entity{Identifier: "x", Title: title, Team: team, Properties: props, Relations: rels}
	}
	tests := []struct {
		name string
		a, b *model.Entity
		want []catalog.FieldChange
	}{
		{"both nil", nil, nil, []catalog.FieldChange{}},
		{"creation is all adds", nil, ent("X", []string{"pay"}, map[string]any{"n": 1.0}, map[string]any{"r": "y", "empty": []any{}, "unset": nil}),
			[]catalog.FieldChange{
				{Path: "properties.n", Op: catalog.OpAdd, To: 1.0},
				{Path: "relations.r", Op: catalog.OpAdd, To: "y"},
				{Path: "team", Op: catalog.OpAdd, To: []string{"pay"}},
				{Path: "title", Op: catalog.OpAdd, To: "X"},
			}},
		{"deletion is all removes", ent("X", nil, map[string]any{"b": false}, nil), nil,
			[]catalog.FieldChange{
				{Path: "properties.b", Op: catalog.OpRemove, From: false},
				{Path: "title", Op: catalog.OpRemove, From: "X"},
			}},
		{"same values of different Go types are equal",
			ent("X", []string{"a"}, map[string]any{"l": []any{"p", "q"}, "o": map[string]any{"k": 1.0}}, map[string]any{"r": []string{"y"}}),
			ent("X", []string{"a"}, map[string]any{"l": []string{"p", "q"}, "o": map[string]any{"k": 1.0}}, map[string]any{"r": []any{"y"}}),
			[]catalog.FieldChange{}},
		{"null and absent are the same", ent("X", nil, map[string]any{"n": nil}, nil), ent("X", []string{}, map[string]any{}, nil),
			[]catalog.FieldChange{}},
		{"replace, including a type change", ent("X", nil, map[string]any{"v": "1", "w": 1.0}, nil), ent("Y", nil, map[string]any{"v": 1.0, "w": 2.0}, nil),
			[]catalog.FieldChange{
				{Path: "properties.v", Op: catalog.OpReplace, From: "1", To: 1.0},
				{Path: "properties.w", Op: catalog.OpReplace, From: 1.0, To: 2.0},
				{Path: "title", Op: catalog.OpReplace, From: "X", To: "Y"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.want, catalog.DiffEntities(tc.a, tc.b)); d != "" {
				t.Errorf("DiffEntities (-want +got):\n%s", d)
			}
		})
	}
}
