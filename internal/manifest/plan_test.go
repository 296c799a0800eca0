package manifest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

// describe renders a plan as "bp:id,id | bp~:id" (~ marks a partial batch).
func describe(p *manifest.Plan) string {
	var parts []string
	for _, b := range p.Batches {
		ids := make([]string, len(b.Entities))
		for i, e := range b.Entities {
			ids[i] = e.Identifier
		}
		mark := ""
		if b.Partial {
			mark = "~"
		}
		parts = append(parts, fmt.Sprintf("%s%s:%s", b.Blueprint, mark, strings.Join(ids, ",")))
	}
	return strings.Join(parts, " | ")
}

func parse(t *testing.T, src string) *manifest.Set {
	t.Helper()
	set, err := manifest.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

const planBlueprints = `
blueprints:
  - {identifier: service, title: S, schema: {}, ownership: {type: Direct},
     relations: {dependsOn: {target: service, many: true}, system: {target: system}}}
  - {identifier: system, title: Y, schema: {}, relations: {lead: {target: service}}}
  - {identifier: env, title: E, schema: {}}
  - {identifier: rs, title: R, schema: {}, ownership: {type: Inherited, path: service},
     relations: {service: {target: service}, env: {target: env}}}
`

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, entities string
		maxBatch       int
		wantBPs        string
		want           string
	}{
		{
			name: "targets first",
			entities: `
entities:
  - {blueprint: rs, identifier: a-prod, relations: {service: a, env: prod}}
  - {blueprint: service, identifier: a, team: [t1]}
  - {blueprint: env, identifier: prod}
  - {blueprint: _team, identifier: t1}
`,
			wantBPs: "env,system,service,rs",
			want:    "_team:t1 | env:prod | service:a | rs:a-prod",
		},
		{
			name: "chain within a blueprint",
			entities: `
entities:
  - {blueprint: service, identifier: c, relations: {dependsOn: [b]}}
  - {blueprint: service, identifier: b, relations: {dependsOn: [a]}}
  - {blueprint: service, identifier: a}
  - {blueprint: service, identifier: d}
`,
			wantBPs: "env,system,service,rs",
			want:    "service:a,d | service:b | service:c",
		},
		{
			name: "cycle is cut and completed last",
			entities: `
entities:
  - {blueprint: service, identifier: a, relations: {system: billing}}
  - {blueprint: system, identifier: billing, relations: {lead: a}}
  - {blueprint: service, identifier: self, relations: {dependsOn: [self, a]}}
`,
			wantBPs: "env,system,service,rs",
			want:    "service~:a | system:billing | service~:self | service:a,self",
		},
		{
			name: "batches are capped",
			entities: `
entities:
  - {blueprint: env, identifier: e1}
  - {blueprint: env, identifier: e2}
  - {blueprint: env, identifier: e3}
`,
			maxBatch: 2,
			wantBPs:  "env,system,service,rs",
			want:     "env:e1,e2 | env:e3",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set := parse(t, planBlueprints+"---\n"+tc.entities)
			p := set.NewPlan(tc.maxBatch)
			var bps []string
			for _, bp := range p.Blueprints {
				bps = append(bps, bp.Identifier)
			}
			if got := strings.Join(bps, ","); got != tc.wantBPs {
				t.Errorf("blueprints = %s, want %s", got, tc.wantBPs)
			}
			if got := describe(p); got != tc.want {
				t.Errorf("batches = %s\nwant      %s", got, tc.want)
			}
			// The partial copy of a cut entity lacks the cut relation only.
			for _, b := range p.Batches {
				for _, e := range b.Entities {
					if b.Partial && e.Identifier == "self" {
						if _, ok := e.Relations["dependsOn"]; ok {
							t.Errorf("partial self kept dependsOn: %v", e.Relations)
						}
					}
				}
			}
		})
	}
}

func TestEntityEqual(t *testing.T) {
	t.Parallel()
	bp := &model.Blueprint{Identifier: "s", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
		"replicas": {Type: "number", Default: float64(1)},
		"language": {Type: "string"},
	}}}
	want := &manifest.Entity{Blueprint: "s", Identifier: "a", Team: manifest.Teams{"x", "y"},
		Properties: map[string]any{"language": "Go"}, Relations: map[string]any{"deps": []any{"b", "c"}}}
	base := func() *model.Entity {
		return &model.Entity{Blueprint: "s", Identifier: "a", Title: "a", Team: []string{"y", "x"},
			Properties: map[string]any{"language": "Go", "replicas": 1.0, "mirror": "m"},
			Relations:  map[string]any{"deps": []string{"c", "b"}, "other": nil}}
	}
	tests := []struct {
		name   string
		change func(*model.Entity)
		want   bool
	}{
		{"same", func(*model.Entity) {}, true},
		{"title differs", func(e *model.Entity) { e.Title = "A" }, false},
		{"property differs", func(e *model.Entity) { e.Properties["language"] = "Java" }, false},
		{"non-default extra", func(e *model.Entity) { e.Properties["replicas"] = 3.0 }, false},
		{"team differs", func(e *model.Entity) { e.Team = []string{"x"} }, false},
		{"relation differs", func(e *model.Entity) { e.Relations["deps"] = []string{"b"} }, false},
		{"extra relation set", func(e *model.Entity) { e.Relations["other"] = "z" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			have := base()
			tc.change(have)
			if got := manifest.EntityEqual(want, have, bp); got != tc.want {
				t.Errorf("EntityEqual = %v, want %v", got, tc.want)
			}
		})
	}
	if manifest.EntityEqual(want, nil, bp) {
		t.Errorf("EntityEqual(want, nil) = true")
	}
}

func TestBlueprintEqual(t *testing.T) {
	t.Parallel()
	set := parse(t, planBlueprints)
	a := &set.Blueprints[0].Blueprint
	b := *a
	b.CreatedBy = "someone"
	b.MirrorProperties = map[string]model.MirrorProperty{}
	if !manifest.BlueprintEqual(a, &b) {
		t.Errorf("BlueprintEqual ignores meta and empty maps: got false")
	}
	b.Title = "other"
	if manifest.BlueprintEqual(a, &b) {
		t.Errorf("BlueprintEqual with another title = true")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/mixed.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	f.Add([]byte(planBlueprints), false)
	f.Add([]byte(`[{"identifier":"e","title":"E","schema":{}},{"blueprint":"e","identifier":"x"}]`), true)
	f.Add([]byte("a: &a [*a]\n"), false)
	for _, tc := range parseErrorTests {
		f.Add([]byte(tc.src), strings.HasSuffix(tc.file, ".json"))
	}
	f.Add([]byte("entities:\n  - {blueprint: s, identifier: a, relations: {r: [a, b]}}\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		name := "f.yaml"
		if isJSON {
			name = "f.json"
		}
		set, err := manifest.Parse(name, data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		_ = set.Check()
		p := set.NewPlan(3)
		seen := 0
		for _, b := range p.Batches {
			if len(b.Entities) == 0 || len(b.Entities) > 3 {
				t.Fatalf("batch of %d entities", len(b.Entities))
			}
			if !b.Partial {
				seen += len(b.Entities)
			}
			for _, e := range b.Entities {
				if _, err := e.Input(); err != nil {
					t.Fatalf("Input: %v", err)
				}
			}
		}
		if err := set.Check(); err == nil && seen != len(set.Entities) {
			t.Fatalf("plan holds %d complete entities, set has %d", seen, len(set.Entities))
		}
		// Accepted input survives format → parse.
		doc := map[string]any{}
		var bps []any
		for _, bp := range set.Blueprints {
			bps = append(bps, &bp.Blueprint)
		}
		var ents []any
		for _, e := range set.Entities {
			body := e.Body()
			body["blueprint"] = e.Blueprint
			ents = append(ents, body)
		}
		doc["blueprints"], doc["entities"] = bps, ents
		out, err := json.Marshal(doc)
		if err != nil {
			return // e.g. a number JSON cannot hold; not a parser bug
		}
		again, err := manifest.Parse("again.json", out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if len(again.Blueprints) != len(set.Blueprints) || len(again.Entities) != len(set.Entities) {
			t.Fatalf("re-parse: %d/%d blueprints, %d/%d entities", len(again.Blueprints), len(set.Blueprints), len(again.Entities), len(set.Entities))
		}
		for i, e := range set.Entities {
			if a, b := e.Body(), again.Entities[i].Body(); !reflect.DeepEqual(mustJSON(t, a), mustJSON(t, b)) {
				t.Fatalf("entity %d changed: %v → %v", i, a, b)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
