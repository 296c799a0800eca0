package catalog_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// blueprintCases are blueprint bodies (JSON) checked by ValidateBlueprint
// against the blueprints of otherBlueprints. wantField is "" for a valid
// blueprint, else the field the first problem must name.
var blueprintCases = []struct {
	name      string
	body      string
	wantField string
}{
	{"minimal", `{"identifier":"service","title":"Service"}`, ""},
	{"every type and format", `{"identifier":"service","title":"Service","description":"d","icon":"Microservice",
		"schema":{"properties":{
			"s":{"type":"string","minLength":1,"maxLength":10,"pattern":"^[a-z]+$"},
			"n":{"type":"number","minimum":0,"maximum":10,"default":3},
			"x":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":10},
			"b":{"type":"boolean","default":true},
			"o":{"type":"object","properties":{"a":{"type":"string"}}},
			"a":{"type":"array","items":{"type":"string","format":"url"},"minItems":1,"maxItems":3,"uniqueItems":true},
			"dt":{"type":"string","format":"date-time"},
			"url":{"type":"string","format":"url","spec":"open-api"},
			"email":{"type":"string","format":"email"},
			"idn":{"type":"string","format":"idn-email"},
			"user":{"type":"string","format":"user"},
			"team":{"type":"string","format":"team"},
			"timer":{"type":"string","format":"timer"},
			"yaml":{"type":"string","format":"yaml"},
			"md":{"type":"string","format":"markdown"},
			"lurl":{"type":"object","format":"labeled-url"},
			"ip4":{"type":"string","format":"ipv4"},
			"ip6":{"type":"string","format":"ipv6"},
			"proto":{"type":"string","format":"proto"},
			"tier":{"type":"string","enum":["gold","silver"],"enumColors":{"gold":"yellow","silver":"lightGray"},"default":"gold"},
			"level":{"type":"number","enum":[1,2,3]},
			"tags":{"type":"array","items":{"type":"string","enum":["a","b"]}}
		},"required":["s"]},
		"relations":{"domain":{"title":"Domain","target":"domain","required":true,"many":false},
			"deps":{"target":"service","many":true},
			"env":{"target":"environment"}},
		"mirrorProperties":{"domainName":{"title":"Domain","path":"domain.$title"},"envName":{"path":"env.name"}},
		"calculationProperties":{"link":{"title":"Link","type":"string","format":"url","calculation":"\"https://x.io/\" + .identifier"}},
		"aggregationProperties":{"depCount":{"title":"Deps","type":"number","target":"service","calculationSpec":{"calculationBy":"entities","func":"count"}},
			"avgSize":{"target":"domain","calculationSpec":{"calculationBy":"property","func":"average","property":"size","averageOf":"total"}}},
		"ownership":{"type":"Direct","title":"Owners"}}`, ""},
	{"inherited ownership", `{"identifier":"svc","title":"S","relations":{"domain":{"target":"domain"}},"ownership":{"type":"Inherited","path":"domain"}}`, ""},
	{"system-like ids allowed", `{"identifier":"a.b:c/d@e+f-g_h","title":"T"}`, ""},

	{"identifier missing", `{"title":"T"}`, "identifier"},
	{"identifier dots", `{"identifier":"..","title":"T"}`, "identifier"},
	{"identifier bad char", `{"identifier":"a b","title":"T"}`, "identifier"},
	{"identifier too long", `{"identifier":"` + strings.Repeat("a", 101) + `","title":"T"}`, "identifier"},
	{"title missing", `{"identifier":"a"}`, "title"},
	{"title too long", `{"identifier":"a","title":"` + strings.Repeat("t", 101) + `"}`, "title"},
	{"description too long", `{"identifier":"a","title":"T","description":"` + strings.Repeat("d", 201) + `"}`, "description"},
	{"property id bad", `{"identifier":"a","title":"T","schema":{"properties":{"a.b":{"type":"string"}}}}`, "schema.properties.a.b"},
	{"type missing", `{"identifier":"a","title":"T","schema":{"properties":{"p":{}}}}`, "schema.properties.p.type"},
	{"type unknown", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"integer"}}}}`, "schema.properties.p.type"},
	{"format unknown", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","format":"uuid"}}}}`, "schema.properties.p.format"},
	{"format for wrong type", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"number","format":"url"}}}}`, "schema.properties.p.format"},
	{"labeled-url on string", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","format":"labeled-url"}}}}`, "schema.properties.p.format"},
	{"spec unknown", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","spec":"graphql"}}}}`, "schema.properties.p.spec"},
	{"bad pattern", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","pattern":"(?=x)"}}}}`, "schema.properties.p.pattern"},
	{"minLength on number", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"number","minLength":1}}}}`, "schema.properties.p.minLength"},
	{"maximum below minimum", `{"identifier":"a","title":"T","schema":{"properties":{"tier":{"type":"number","minimum":5,"maximum":1}}}}`, "schema.properties.tier.maximum"},
	{"maxLength below minLength", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","minLength":5,"maxLength":1}}}}`, "schema.properties.p.maxLength"},
	{"negative minItems", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"array","minItems":-1}}}}`, "schema.properties.p.minItems"},
	{"items of array", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"array","items":{"type":"array"}}}}}`, "schema.properties.p.items.type"},
	{"items on string", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","items":{"type":"string"}}}}}`, "schema.properties.p.items"},
	{"enum wrong type", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enum":["a",1]}}}}`, "schema.properties.p.enum[1]"},
	{"enum on boolean", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"boolean","enum":[true]}}}}`, "schema.properties.p.enum"},
	{"enum duplicate", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enum":["a","a"]}}}}`, "schema.properties.p.enum[1]"},
	{"enumColors unknown color", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enum":["a"],"enumColors":{"a":"mauve"}}}}}`, "schema.properties.p.enumColors.a"},
	{"enumColors not in enum", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enum":["a"],"enumColors":{"b":"red"}}}}}`, "schema.properties.p.enumColors.b"},
	{"enumColors without enum", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enumColors":{"b":"red"}}}}}`, "schema.properties.p.enumColors"},
	{"default invalid", `{"identifier":"a","title":"T","schema":{"properties":{"tier":{"type":"number","maximum":3,"default":7}}}}`, "schema.properties.tier.default"},
	{"default wrong type", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","default":1}}}}`, "schema.properties.p.default"},
	{"default not in enum", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"string","enum":["a"],"default":"b"}}}}`, "schema.properties.p.default"},
	{"bad object sub-schema", `{"identifier":"a","title":"T","schema":{"properties":{"p":{"type":"object","properties":{"x":{"type":"nope"}}}}}}`, "schema.properties.p"},
	{"required unknown", `{"identifier":"a","title":"T","schema":{"properties":{},"required":["p"]}}`, "schema.required[0]"},
	{"relation target missing", `{"identifier":"a","title":"T","relations":{"domain":{"target":"nope"}}}`, "relations.domain.target"},
	{"relation target empty", `{"identifier":"a","title":"T","relations":{"domain":{}}}`, "relations.domain.target"},
	{"relation many and required", `{"identifier":"a","title":"T","relations":{"domain":{"target":"domain","many":true,"required":true}}}`, "relations.domain.required"},
	{"relation id bad", `{"identifier":"a","title":"T","relations":{"a b":{"target":"domain"}}}`, "relations.a b"},
	{"collision property relation", `{"identifier":"a","title":"T","schema":{"properties":{"domain":{"type":"string"}}},"relations":{"domain":{"target":"domain"}}}`, "relations.domain"},
	{"collision mirror calc", `{"identifier":"a","title":"T","relations":{"d":{"target":"domain"}},"mirrorProperties":{"x":{"path":"d.$title"}},"calculationProperties":{"x":{"type":"string","calculation":"."}}}`, "calculationProperties.x"},
	{"ownership unknown type", `{"identifier":"a","title":"T","ownership":{"type":"Shared"}}`, "ownership.type"},
	{"ownership inherited no path", `{"identifier":"a","title":"T","ownership":{"type":"Inherited"}}`, "ownership.path"},
	{"ownership through many", `{"identifier":"a","title":"T","relations":{"d":{"target":"domain","many":true}},"ownership":{"type":"Inherited","path":"d"}}`, "ownership.path"},
	{"ownership ends without direct", `{"identifier":"a","title":"T","relations":{"e":{"target":"environment"}},"ownership":{"type":"Inherited","path":"e"}}`, "ownership.path"},
	{"ownership unknown relation", `{"identifier":"a","title":"T","ownership":{"type":"Inherited","path":"x"}}`, "ownership.path"},
	{"mirror path no relation", `{"identifier":"a","title":"T","mirrorProperties":{"m":{"path":"x.$title"}}}`, "mirrorProperties.m.path"},
	{"mirror path single step", `{"identifier":"a","title":"T","mirrorProperties":{"m":{"path":"$title"}}}`, "mirrorProperties.m.path"},
	{"mirror path bad property", `{"identifier":"a","title":"T","relations":{"d":{"target":"domain"}},"mirrorProperties":{"m":{"path":"d.nope"}}}`, "mirrorProperties.m.path"},
	{"calculation bad jq", `{"identifier":"a","title":"T","calculationProperties":{"c":{"type":"string","calculation":".a | | b"}}}`, "calculationProperties.c.calculation"},
	{"calculation missing jq", `{"identifier":"a","title":"T","calculationProperties":{"c":{"type":"string"}}}`, "calculationProperties.c.calculation"},
	{"calculation bad type", `{"identifier":"a","title":"T","calculationProperties":{"c":{"type":"int","calculation":"."}}}`, "calculationProperties.c.type"},
	{"aggregation target missing", `{"identifier":"a","title":"T","aggregationProperties":{"g":{"target":"nope","calculationSpec":{"calculationBy":"entities","func":"count"}}}}`, "aggregationProperties.g.target"},
	{"aggregation bad func", `{"identifier":"a","title":"T","aggregationProperties":{"g":{"target":"domain","calculationSpec":{"calculationBy":"entities","func":"sum"}}}}`, "aggregationProperties.g.calculationSpec.func"},
	{"aggregation bad by", `{"identifier":"a","title":"T","aggregationProperties":{"g":{"target":"domain","calculationSpec":{"calculationBy":"magic","func":"count"}}}}`, "aggregationProperties.g.calculationSpec.calculationBy"},
	{"aggregation property not number", `{"identifier":"a","title":"T","aggregationProperties":{"g":{"target":"domain","calculationSpec":{"calculationBy":"property","func":"sum","property":"name"}}}}`, "aggregationProperties.g.calculationSpec.property"},
}

// otherBlueprints are the blueprints the cases may refer to.
func otherBlueprints() map[string]*model.Blueprint {
	return map[string]*model.Blueprint{
		"domain": {Identifier: "domain", Title: "Domain", Ownership: &model.Ownership{Type: model.OwnershipDirect},
			Schema: model.BlueprintSchema{Properties: map[string]model.Property{"size": {Type: "number"}, "name": {Type: "string"}}}},
		"environment": {Identifier: "environment", Title: "Environment",
			Schema: model.BlueprintSchema{Properties: map[string]model.Property{"name": {Type: "string"}}}},
	}
}

func decodeBlueprint(t testing.TB, body string) *model.Blueprint {
	t.Helper()
	var bp model.Blueprint
	if err := json.Unmarshal([]byte(body), &bp); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return &bp
}

func TestValidateBlueprint(t *testing.T) {
	t.Parallel()
	for _, tc := range blueprintCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bp := decodeBlueprint(t, tc.body)
			err := catalog.ValidateBlueprint(bp, otherBlueprints())
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("ValidateBlueprint() = %v, want nil", err)
				}
				return
			}
			var ve *model.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidateBlueprint() = %v, want a *model.ValidationError", err)
			}
			if !errors.Is(err, model.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			for _, f := range ve.Fields {
				if f.Field == tc.wantField {
					if f.Reason == "" {
						t.Errorf("field %s has an empty reason", f.Field)
					}
					return
				}
			}
			t.Errorf("ValidateBlueprint() = %v, want a problem with field %q", err, tc.wantField)
		})
	}
}
