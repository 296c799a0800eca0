package query_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
)

// parseCases are accepted (wantErr "") or refused with an error naming
// wantErr's path; they also seed FuzzParse.
var parseCases = []struct {
	name, in, wantErr string
}{
	{"empty and", `{"combinator":"and","rules":[]}`, ""},
	{"eq", `{"combinator":"and","rules":[{"property":"language","operator":"=","value":"Go"}]}`, ""},
	{"every field op", `{"combinator":"or","rules":[
		{"property":"a","operator":"!=","value":1},
		{"property":"a","operator":">","value":1},{"property":"a","operator":">=","value":1},
		{"property":"a","operator":"<","value":1},{"property":"a","operator":"<=","value":"x"},
		{"property":"a","operator":"contains","value":"x"},{"property":"a","operator":"doesNotContains","value":"x"},
		{"property":"a","operator":"containsAny","value":["x","y"]},
		{"property":"a","operator":"beginsWith","value":"x"},{"property":"a","operator":"doesNotBeginsWith","value":"x"},
		{"property":"a","operator":"endsWith","value":"x"},{"property":"a","operator":"doesNotEndsWith","value":"x"},
		{"property":"a","operator":"in","value":["x",null]},{"property":"a","operator":"notIn","value":["x"]},
		{"property":"a","operator":"between","value":{"from":"2024-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"}},
		{"property":"a","operator":"notBetween","value":{"preset":"last3Months"}},
		{"property":"a","operator":"isEmpty"},{"property":"a","operator":"isNotEmpty"},
		{"property":"a","operator":"isExpired"},{"property":"a","operator":"isNotExpired"},
		{"property":"$team","operator":"containsAny","value":{"context":"userTeams","property":"$identifier"}},
		{"relation":"owner","operator":"=","value":"x"},
		{"operator":"relatedTo","blueprint":"service","value":["a","b"],"direction":"upstream","required":true},
		{"operator":"matchAny","property":{"path":["a",{"relation":"parent","maxHops":15}],"fromBlueprint":"team"},"value":"x"},
		{"propertySchema":{"type":"string","format":"user"},"operator":"=","value":"x"},
		{"combinator":"and","rules":[{"property":"$identifier","operator":"beginsWith","value":"x"}]}]}`, ""},
	{"not json", `{`, "query"},
	{"no combinator", `{"rules":[]}`, "query.combinator"},
	{"bad combinator", `{"combinator":"xor","rules":[]}`, "query.combinator"},
	{"rules not array", `{"combinator":"and","rules":{}}`, "query.rules"},
	{"unknown op", `{"combinator":"and","rules":[{"property":"a","operator":"like","value":"x"}]}`, "query.rules[0].operator"},
	{"missing value", `{"combinator":"and","rules":[{"property":"a","operator":"="}]}`, "query.rules[0].value"},
	{"unary with value", `{"combinator":"and","rules":[{"property":"a","operator":"isEmpty","value":1}]}`, "query.rules[0].value"},
	{"unknown meta", `{"combinator":"and","rules":[{"property":"$nope","operator":"=","value":1}]}`, "query.rules[0].property"},
	{"bad preset", `{"combinator":"and","rules":[{"property":"a","operator":"between","value":{"preset":"someday"}}]}`, "query.rules[0].value.preset"},
	{"object value", `{"combinator":"and","rules":[{"property":"a","operator":"=","value":{"x":1}}]}`, "query.rules[0].value"},
	{"bad direction", `{"combinator":"and","rules":[{"operator":"relatedTo","blueprint":"b","value":"x","direction":"up"}]}`, "query.rules[0].direction"},
	{"too many hops", `{"combinator":"and","rules":[{"operator":"matchAny","property":{"path":[{"relation":"p","maxHops":16}]},"value":"x"}]}`, "query.rules[0].property.path[0].maxHops"},
	{"empty path", `{"combinator":"and","rules":[{"operator":"matchAny","property":{"path":[]},"value":"x"}]}`, "query.rules[0].property.path"},
	{"bad context", `{"combinator":"and","rules":[{"property":"a","operator":"=","value":{"context":"org","property":"x"}}]}`, "query.rules[0].value.context"},
	{"schema op", `{"combinator":"and","rules":[{"propertySchema":{"type":"string"},"operator":">","value":"x"}]}`, "query.rules[0].operator"},
	{"nested error", `{"combinator":"and","rules":[{"combinator":"or","rules":[{"operator":"="}]}]}`, "query.rules[0].rules[0].property"},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := query.Parse([]byte(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse(%q) = %v, want no error", tc.in, err)
				}
				return
			}
			var pe *query.ParseError
			if !errors.As(err, &pe) || pe.Path != tc.wantErr || !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, want ParseError at %s", tc.in, err, tc.wantErr)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := query.Parse(data)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("Parse(%q) = internal error %v", data, err)
			}
			return
		}
		// Accepted input survives parse → format → parse.
		out, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("format %q: %v", data, err)
		}
		q2, err := query.Parse(out)
		if err != nil {
			t.Fatalf("reparse %s (from %q): %v", out, data, err)
		}
		if d := cmp.Diff(q, q2, cmp.AllowUnexported(query.Query{})); d != "" {
			t.Fatalf("parse → format → parse of %q changed it (-first +second):\n%s", data, d)
		}
		bps := []*model.Blueprint{{Identifier: "service", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"a": {Type: "string"}, "n": {Type: "number"},
		}}, Relations: map[string]model.Relation{"owner": {Target: "service"}}}}
		if err := query.Check(q, query.Schema{Blueprints: bps}); err != nil && !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("Check(%q) = internal error %v", data, err)
		}
	})
}
