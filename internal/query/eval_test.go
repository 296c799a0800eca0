package query_test

import (
	"errors"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func testSchema() query.Schema {
	return query.Schema{Blueprints: []*model.Blueprint{
		{Identifier: "service", Schema: model.BlueprintSchema{Properties: map[string]model.Property{
			"language": {Type: "string"}, "replicas": {Type: "number"}, "public": {Type: "boolean"},
			"tags": {Type: "array", Items: &model.Property{Type: "string"}}, "deployedAt": {Type: "string", Format: "date-time"},
			"oncall": {Type: "string", Format: "user"}, "meta": {Type: "object"}, "notes": {Type: "string"},
		}}, Relations: map[string]model.Relation{"system": {Target: "system", Required: true}, "dependsOn": {Target: "service", Many: true}},
			MirrorProperties:      map[string]model.MirrorProperty{"sys": {Path: "system.$title"}},
			CalculationProperties: map[string]model.CalculationProperty{"label": {Type: "string", Calculation: ".identifier"}},
			AggregationProperties: map[string]model.AggregationProperty{"deps": {Target: "service", CalculationSpec: model.CalculationSpec{CalculationBy: "entities", Func: "count"}}}},
		{Identifier: "system", Relations: map[string]model.Relation{}},
	}, Scope: []string{"service"}}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, wantField string }{
		{"ok", `{"combinator":"and","rules":[{"property":"replicas","operator":">","value":2}]}`, ""},
		{"unknown property", `{"combinator":"and","rules":[{"property":"x","operator":"=","value":2}]}`, "query.rules[0].property"},
		{"mirror", `{"combinator":"and","rules":[{"property":"sys","operator":"=","value":"a"}]}`, ""},
		{"aggregation", `{"combinator":"and","rules":[{"property":"deps","operator":">","value":2}]}`, ""},
		{"aggregation wrong type", `{"combinator":"and","rules":[{"property":"deps","operator":"=","value":"2"}]}`, "query.rules[0].value"},
		{"calculation", `{"combinator":"and","rules":[{"property":"label","operator":"beginsWith","value":"a"}]}`, ""},
		{"calculation wrong type", `{"combinator":"and","rules":[{"property":"label","operator":">","value":2}]}`, "query.rules[0].value"},
		{"wrong type", `{"combinator":"and","rules":[{"property":"replicas","operator":"=","value":"3"}]}`, "query.rules[0].value"},
		{"text op on number", `{"combinator":"and","rules":[{"property":"replicas","operator":"contains","value":"3"}]}`, "query.rules[0].value"},
		{"between number", `{"combinator":"and","rules":[{"property":"replicas","operator":"between","value":{"preset":"today"}}]}`, "query.rules[0].operator"},
		{"bad range", `{"combinator":"and","rules":[{"property":"deployedAt","operator":"between","value":{"from":"x","to":"2024-01-01T00:00:00Z"}}]}`, "query.rules[0].value.from"},
		{"object op", `{"combinator":"and","rules":[{"property":"meta","operator":"=","value":"x"}]}`, "query.rules[0].operator"},
		{"unknown relation", `{"combinator":"and","rules":[{"relation":"nope","operator":"=","value":"x"}]}`, "query.rules[0].relation"},
		{"unknown related bp", `{"combinator":"and","rules":[{"operator":"relatedTo","blueprint":"nope","value":"x"}]}`, "query.rules[0].blueprint"},
		{"unknown path rel", `{"combinator":"and","rules":[{"operator":"matchAny","property":{"path":["system","nope"]},"value":"x"}]}`, "query.rules[0].property.path[1]"},
		{"time meta", `{"combinator":"and","rules":[{"property":"$createdAt","operator":">","value":"yesterday"}]}`, "query.rules[0].value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := query.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			err = query.Check(q, testSchema())
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v", tc.in, err)
				}
				return
			}
			var ve *model.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != tc.wantField {
				t.Fatalf("Check(%s) = %v, want a problem at %s", tc.in, err, tc.wantField)
			}
		})
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	e := &model.Entity{
		Identifier: "api", Title: "API", Blueprint: "service", Team: []string{"core"},
		Properties: map[string]any{
			"language": "Go", "replicas": 3.0, "public": true, "tags": []any{"a", "b"},
			"deployedAt": "2026-11-23T08:00:00Z", "oncall": "jane@x.io",
		},
		Relations: map[string]any{"system": "pay", "dependsOn": []any{"db"}},
		CreatedAt: testNow.Add(-48 * time.Hour), UpdatedAt: testNow.Add(-time.Hour),
	}
	edges := []model.Edge{
		{From: model.EntityKey{Blueprint: "service", Identifier: "api"}, Relation: "dependsOn", To: model.EntityKey{Blueprint: "service", Identifier: "db"}},
		{From: model.EntityKey{Blueprint: "service", Identifier: "api"}, Relation: "system", To: model.EntityKey{Blueprint: "system", Identifier: "pay"}},
		{From: model.EntityKey{Blueprint: "service", Identifier: "db"}, Relation: "dependsOn", To: model.EntityKey{Blueprint: "service", Identifier: "disk"}},
	}
	caller := &query.Caller{Teams: []*model.Entity{{Identifier: "core", Blueprint: "_team"}}}
	tests := []struct {
		rule string
		want bool
	}{
		{`{"property":"language","operator":"=","value":"Go"}`, true},
		{`{"property":"language","operator":"=","value":"go"}`, false},
		{`{"property":"language","operator":"!=","value":"Go"}`, false},
		{`{"property":"replicas","operator":">=","value":3}`, true},
		{`{"property":"replicas","operator":"<","value":3}`, false},
		{`{"property":"public","operator":"=","value":true}`, true},
		{`{"property":"tags","operator":"containsAny","value":["b","z"]}`, true},
		{`{"property":"tags","operator":"=","value":"a"}`, true},
		{`{"property":"tags","operator":"notIn","value":["a"]}`, false},
		{`{"property":"language","operator":"in","value":["Go","Rust"]}`, true},
		{`{"property":"language","operator":"beginsWith","value":"G"}`, true},
		{`{"property":"language","operator":"endsWith","value":"o"}`, true},
		{`{"property":"language","operator":"doesNotContains","value":"x"}`, true},
		{`{"property":"oncall","operator":"isEmpty"}`, false},
		{`{"property":"meta","operator":"isEmpty"}`, true},
		{`{"property":"notes","operator":"!=","value":"x"}`, true},
		{`{"property":"language","operator":"=","value":null}`, false},
		{`{"property":"notes","operator":"in","value":[null]}`, true},
		{`{"property":"deployedAt","operator":"between","value":{"preset":"today"}}`, true},
		{`{"property":"deployedAt","operator":"between","value":{"preset":"yesterday"}}`, false},
		{`{"property":"deployedAt","operator":"between","value":{"preset":"lastDay"}}`, true},
		{`{"property":"deployedAt","operator":"notBetween","value":{"preset":"nextWeek"}}`, true},
		{`{"property":"deployedAt","operator":"isExpired"}`, true},
		{`{"property":"$createdAt","operator":"between","value":{"preset":"lastWeek"}}`, true},
		{`{"property":"$createdAt","operator":"between","value":{"preset":"lastDay"}}`, false},
		{`{"property":"$updatedAt","operator":">","value":"2026-11-23T10:00:00Z"}`, true},
		{`{"property":"$team","operator":"containsAny","value":{"context":"userTeams","property":"$identifier"}}`, true},
		{`{"property":"$title","operator":"=","value":"API"}`, true},
		{`{"property":"$team","operator":"in","value":["My Teams"]}`, true},
		{`{"property":"$team","operator":"notIn","value":["My Teams","x"]}`, false},
		{`{"relation":"system","operator":"=","value":"pay"}`, true},
		{`{"operator":"relatedTo","blueprint":"service","value":"disk","direction":"downstream"}`, true},
		{`{"operator":"relatedTo","blueprint":"service","value":"disk","direction":"upstream"}`, false},
		{`{"operator":"relatedTo","blueprint":"service","value":"disk","direction":"downstream","required":true}`, false},
		{`{"operator":"relatedTo","blueprint":"system","value":"pay"}`, true},
		{`{"operator":"matchAny","property":{"path":["dependsOn","dependsOn"]},"value":"disk"}`, true},
		{`{"operator":"matchAny","property":{"path":[{"relation":"dependsOn","maxHops":2}]},"value":"disk"}`, true},
		{`{"operator":"matchAny","property":{"path":["dependsOn"]},"value":"disk"}`, false},
		{`{"operator":"matchAny","property":{"path":["system"],"fromBlueprint":"service"},"value":"api"}`, false},
		{`{"propertySchema":{"type":"string","format":"user"},"operator":"=","value":"jane@x.io"}`, true},
		{`{"propertySchema":{"type":"string"},"operator":"!=","value":"Go"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			in := `{"combinator":"and","rules":[` + tc.rule + `]}`
			q, err := query.Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if err := query.Check(q, testSchema()); err != nil {
				t.Fatal(err)
			}
			b, err := query.Bind(q, query.Env{Schema: testSchema(), Clock: clocktest.New(testNow), Caller: caller})
			if err != nil {
				t.Fatal(err)
			}
			got, err := query.Eval(b, e, query.NewMemGraph(edges))
			if err != nil || got != tc.want {
				t.Fatalf("Eval(%s) = %v, %v, want %v", tc.rule, got, err, tc.want)
			}
		})
	}
}
