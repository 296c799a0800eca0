package manifest_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

func TestParseMixed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := manifest.Parse("mixed.yaml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := set.BlueprintIDs(), []string{"service", "system"}; !cmp.Equal(got, want) {
		t.Errorf("blueprints = %v, want %v", got, want)
	}
	if len(set.Entities) != 3 {
		t.Fatalf("entities = %d, want 3", len(set.Entities))
	}
	pay := set.Entities[0]
	if pay.Identifier != "payments" || !cmp.Equal([]string(pay.Team), []string{"payments-team"}) {
		t.Errorf("payments = %+v", pay)
	}
	body, _ := json.Marshal(pay.Body())
	want := `{"identifier":"payments","properties":{"language":"Go","releasedAt":"2026-11-01T10:00:00Z","replicas":3},"relations":{"dependsOn":["ledger"],"system":"billing"},"team":["payments-team"]}`
	if string(body) != want {
		t.Errorf("Body() = %s\nwant       %s", body, want)
	}
	if got := set.Entities[2].Source.String(); got != "mixed.yaml: document 4: entities[0]" {
		t.Errorf("Source = %q", got)
	}
	bp := set.Blueprints[0]
	if bp.Schema.Properties["replicas"].Default == nil || !bp.Relations["dependsOn"].Many {
		t.Errorf("service blueprint decoded wrong: %+v", bp.Blueprint)
	}
	in, err := pay.Input()
	if err != nil || string(in.Identifier) != `"payments"` || in.Blueprint != "service" {
		t.Errorf("Input() = %+v, %v", in, err)
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	src := `[{"identifier":"env","title":"Env","schema":{"properties":{}}},
	         {"blueprint":"env","identifier":"prod","properties":{"n":1.5}}]
	        {"entities":[{"identifier":"dev"}],"blueprint":"env"}`
	set, err := manifest.Parse("x.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Blueprints) != 1 || len(set.Entities) != 2 || set.Entities[1].Blueprint != "env" {
		t.Fatalf("got %d blueprints, %d entities: %+v", len(set.Blueprints), len(set.Entities), set.Entities)
	}
	if got := set.Entities[0].Source.String(); got != "x.json: document 0: [1]" {
		t.Errorf("Source = %q", got)
	}
}

var parseErrorTests = []struct {
	name, file, src, wantErr string
}{
	{"not an object", "a.yaml", "- 1\n", "a.yaml: document 0: [0]: expected an object"},
	{"unknown kind", "a.yaml", "kind: Location\n", `a.yaml: document 0: unknown kind "Location"`},
	{"unclassifiable", "a.yaml", "---\n---\ntitle: x\n", "a.yaml: document 1: not a blueprint"},
	{"entity without blueprint", "a.yaml", "identifier: x\ntitle: y\n", `has no "blueprint"`},
	{"second document", "a.yaml", "blueprint: s\nidentifier: a\n---\nblueprint: s\nidentifier: b\nproperty: {}\n", `a.yaml: document 1: entity b: unknown field "property"`},
	{"blueprint typo", "b.yaml", "identifier: s\ntitle: S\nschema: {}\nrelation: {}\n", `b.yaml: document 0: blueprint: unknown field "relation"`},
	{"identifier query", "c.yaml", "blueprint: s\nidentifier: {combinator: and}\n", "identifier must be a string"},
	{"bad yaml", "d.yaml", "a: [\n", "d.yaml: document 0: invalid YAML"},
	{"bad json", "d.json", "{\"a\":", "d.json: document 0: invalid JSON"},
	{"list item", "e.yaml", "entities:\n  - {blueprint: s, identifier: a}\n  - identifier: x\n", "e.yaml: document 0: entities[1]: entity \"x\": blueprint is required"},
	{"wrong type", "f.yaml", "identifier: s\ntitle: S\nschema: {properties: []}\n", "schema.properties"},
	{"infinity", "g.yaml", "blueprint: s\nidentifier: a\nproperties: {x: .inf}\n", "not a JSON number"},
	{"team type", "h.yaml", "blueprint: s\nidentifier: a\nteam: 3\n", "team must be a string"},
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := parseErrorTests
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := manifest.Parse(tc.file, []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tc.src, err, tc.wantErr)
			}
		})
	}
}

func TestLoadFSAndCheck(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/a.yaml":         {Data: []byte("identifier: s\ntitle: S\nschema: {}\n")},
		"m/sub/b.json":     {Data: []byte(`{"blueprint":"s","identifier":"x"}`)},
		"m/sub/readme.md":  {Data: []byte("# not a manifest")},
		"m/.hidden/c.yaml": {Data: []byte("nonsense: true")},
		"m/z.yml":          {Data: []byte("blueprint: s\nidentifier: x\n")},
	}
	set, err := manifest.LoadFS(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Blueprints) != 1 || len(set.Entities) != 2 {
		t.Fatalf("got %d blueprints, %d entities", len(set.Blueprints), len(set.Entities))
	}
	err = set.Check()
	if err == nil || !strings.Contains(err.Error(), "m/z.yml: document 0: entity s/x is also declared at m/sub/b.json: document 0") {
		t.Errorf("Check() = %v", err)
	}
	one, err := manifest.LoadFS(fsys, "m/a.yaml")
	if err != nil || len(one.Blueprints) != 1 {
		t.Errorf("LoadFS(file) = %+v, %v", one, err)
	}
}

func TestYAMLAnchorsAndMerge(t *testing.T) {
	t.Parallel()
	src := "entities:\n  - blueprint: s\n    identifier: a\n    properties: &p {language: Go, tier: 1}\n  - blueprint: s\n    identifier: b\n    properties:\n      <<: *p\n      tier: 2\n"
	set, err := manifest.Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(set.Entities[1].Properties)
	if string(got) != `{"language":"Go","tier":2}` {
		t.Errorf("merged properties = %s", got)
	}
}

func TestSkeleton(t *testing.T) {
	t.Parallel()
	bp := &model.Blueprint{
		Identifier: "rs", Title: "RS",
		Ownership:        &model.Ownership{Type: model.OwnershipInherited, Path: "service"},
		Relations:        map[string]model.Relation{"service": {Target: "service"}},
		MirrorProperties: map[string]model.MirrorProperty{"tier": {Path: "service.tier"}},
	}
	sk := manifest.Skeleton(bp)
	if len(sk.Relations) != 0 || len(sk.MirrorProperties) != 0 || sk.Ownership != nil {
		t.Errorf("Skeleton kept references: %+v", sk)
	}
	if len(bp.Relations) != 1 || bp.Ownership == nil {
		t.Errorf("Skeleton changed its input")
	}
	if !manifest.HasReferences(bp) || manifest.HasReferences(sk) {
		t.Errorf("HasReferences wrong")
	}
}
