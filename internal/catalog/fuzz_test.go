package catalog_test

import (
	"encoding/json"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// FuzzBlueprintValidate feeds blueprint bodies to ValidateBlueprint: it must
// never panic, and an accepted blueprint must survive a JSON round trip and
// validate again.
func FuzzBlueprintValidate(f *testing.F) {
	for _, tc := range blueprintCases {
		f.Add(tc.body)
	}
	f.Add(schemaBlueprint)
	f.Fuzz(func(t *testing.T, body string) {
		var bp model.Blueprint
		if json.Unmarshal([]byte(body), &bp) != nil {
			return
		}
		others := otherBlueprints()
		if catalog.ValidateBlueprint(&bp, others) != nil {
			return
		}
		b, err := json.Marshal(&bp)
		if err != nil {
			t.Fatalf("marshal accepted blueprint: %v", err)
		}
		var again model.Blueprint
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("unmarshal accepted blueprint %s: %v", b, err)
		}
		if err := catalog.ValidateBlueprint(&again, others); err != nil {
			t.Fatalf("round-tripped blueprint %s refused: %v", b, err)
		}
		if _, err := catalog.CompileEntitySchema(&again); err != nil {
			t.Fatalf("accepted blueprint %s does not compile: %v", b, err)
		}
	})
}

// FuzzEntityValidate feeds property objects to the compiled schema of
// schemaBlueprint: no panic, and accepted properties validate again after a
// JSON round trip.
func FuzzEntityValidate(f *testing.F) {
	for _, tc := range entityCases {
		f.Add(tc.props)
	}
	sch := compileSchemaBlueprint(f)
	f.Fuzz(func(t *testing.T, body string) {
		var props map[string]any
		if json.Unmarshal([]byte(body), &props) != nil {
			return
		}
		if sch.Validate(props) != nil {
			return
		}
		b, err := json.Marshal(props)
		if err != nil {
			t.Fatalf("marshal accepted properties: %v", err)
		}
		var again map[string]any
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(again); err != nil {
			t.Fatalf("round-tripped properties %s refused: %v", b, err)
		}
	})
}
